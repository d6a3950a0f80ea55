//! Creating a log, and opening one: its prologue and state checked, the
//! tail after the synced length walked record by record, a torn tail cut
//! into a region whose positions are never used again.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use pageseal_core::{BlockFormat, STREAM_ID_LEN};

use super::layout::{PROLOGUE_LEN, State, check_prologue, prologue};
use super::{FRAME_LEN, LOG_DATA_START, LogOptions, MAX_CUTS, Pending, SealedLog};
use crate::error::{Error, Result};
use crate::keyring::KeyRing;
use crate::random::random_file_id;
use crate::storage::{self, Storage};

impl<S: Storage> SealedLog<S> {
    /// Creates a log on empty `storage` (named `path` in errors).
    pub fn create_on(
        storage: S,
        path: &Path,
        ring: Arc<KeyRing>,
        options: LogOptions,
    ) -> Result<SealedLog<S>> {
        storage::lock(&storage, path)?;
        let log_id = random_file_id()?;
        let mut head = vec![0u8; LOG_DATA_START as usize];
        head[..PROLOGUE_LEN].copy_from_slice(&prologue(&ring, &log_id));
        storage::write_at(&storage, path, 0, &head)?;
        let log = SealedLog::new(storage, path, ring, log_id, options, true, State::default());
        log.write_state(
            State {
                seq: 0,
                synced: LOG_DATA_START,
                cuts: Vec::new(),
            },
            true,
        )?;
        log.appender().at = LOG_DATA_START;
        Ok(log)
    }

    /// Opens a log on `storage` (named `path` in errors); `writable` takes
    /// the writers' lock and cuts a torn tail.
    pub fn open_on(
        storage: S,
        path: &Path,
        ring: Arc<KeyRing>,
        options: LogOptions,
        writable: bool,
    ) -> Result<SealedLog<S>> {
        if writable {
            storage::lock(&storage, path)?;
        }
        let mut head = vec![0u8; LOG_DATA_START as usize];
        let got = storage::read_up_to(&storage, path, 0, &mut head)?;
        let log_id = check_prologue(path, &head[..got.min(PROLOGUE_LEN)], &ring)?;
        if got < LOG_DATA_START as usize {
            return Err(Error::Record {
                path: path.into(),
                position: got as u64,
                reason: "the log's state area is truncated".into(),
            });
        }
        let mut log = SealedLog::new(
            storage,
            path,
            ring,
            log_id,
            options,
            writable,
            State::default(),
        );
        let state = log.read_state(&head)?;
        let file_len = log.storage.len().map_err(|e| Error::io("stat", path, e))?;
        if file_len < state.synced {
            return Err(Error::Record {
                path: path.into(),
                position: file_len,
                reason: format!(
                    "the log was truncated: it ends at {file_len}, but records up to {} were synced",
                    state.synced
                ),
            });
        }
        let synced = state.synced;
        log.end = AtomicU64::new(synced);
        log.state = RwLock::new(state);
        // Walk the tail after the synced length, keeping every record that
        // verifies.
        let mut end = synced;
        let mut pos = synced;
        while pos < file_len {
            match log.frame_at(pos, file_len).and_then(|f| {
                let mut sealed = vec![0u8; f.sealed_len];
                log.open_at(pos, &mut sealed).map(|_| f)
            }) {
                Ok(f) => {
                    pos += (FRAME_LEN + f.sealed_len) as u64;
                    end = pos;
                }
                Err(_) => break,
            }
        }
        log.end.store(end, Ordering::SeqCst);
        if writable && end < file_len {
            // A torn tail: never reuse its positions.
            let mut state = log.state_now();
            if state.cuts.len() >= MAX_CUTS {
                return Err(Error::Record {
                    path: path.into(),
                    position: end,
                    reason: format!(
                        "the log's tail is torn and it already has {MAX_CUTS} cut regions: \
                         open it read-only and rewrite it"
                    ),
                });
            }
            state.cuts.push((end, file_len));
            state.synced = file_len;
            log.flush()?;
            log.write_state(state, true)?;
            log.end.store(file_len, Ordering::SeqCst);
        } else if writable && end > synced {
            // The records found may still be only in the OS's cache: make
            // them durable before a state counts them.
            log.flush()?;
            let mut state = log.state_now();
            state.synced = end;
            log.write_state(state, true)?;
        }
        if writable {
            log.appender().at = log.end();
        }
        Ok(log)
    }

    fn new(
        storage: S,
        path: &Path,
        ring: Arc<KeyRing>,
        log_id: [u8; STREAM_ID_LEN],
        options: LogOptions,
        writable: bool,
        state: State,
    ) -> SealedLog<S> {
        SealedLog {
            path: path.into(),
            storage,
            format: BlockFormat::new(ring.suite(), log_id),
            ring,
            log_id,
            options,
            writable,
            end: AtomicU64::new(LOG_DATA_START),
            state: RwLock::new(state),
            appender: Mutex::new(Pending {
                // Everything is in storage until appends start.
                at: u64::MAX,
                bytes: Vec::new(),
            }),
        }
    }
}
