//! The byte layout of a sealed log (FORMAT.md, "Sealed logs"): the
//! prologue, the sealed state and its slots.

use std::path::Path;

use pageseal_core::{FILE_ID_LEN, STREAM_ID_LEN};

use super::{LOG_DATA_START, LOG_MAGIC, LOG_VERSION, MAX_CUTS};
use crate::error::{Error, Result};
use crate::keyring::KeyRing;

pub(super) const PROLOGUE_LEN: usize = 64;
pub(super) const SLOT_LEN: u64 = 1536;
pub(super) const STATE_LEN: usize = 24 + MAX_CUTS * 16;
/// Block ids of the two state slots (record positions are below 2^63).
pub(super) const STATE_BLOCK: u64 = 1 << 63;

/// The sealed state: sequence number, durable length, cut regions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct State {
    pub(super) seq: u64,
    pub(super) synced: u64,
    pub(super) cuts: Vec<(u64, u64)>,
}

impl State {
    pub(super) fn encode(&self) -> [u8; STATE_LEN] {
        let mut b = [0u8; STATE_LEN];
        b[..8].copy_from_slice(&self.seq.to_le_bytes());
        b[8..16].copy_from_slice(&self.synced.to_le_bytes());
        b[16..20].copy_from_slice(&(self.cuts.len() as u32).to_le_bytes());
        for (i, (start, end)) in self.cuts.iter().enumerate() {
            let at = 24 + 16 * i;
            b[at..at + 8].copy_from_slice(&start.to_le_bytes());
            b[at + 8..at + 16].copy_from_slice(&end.to_le_bytes());
        }
        b
    }

    pub(super) fn decode(b: &[u8]) -> std::result::Result<State, &'static str> {
        let le = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or_default());
        let count = u32::from_le_bytes(b[16..20].try_into().unwrap_or_default()) as usize;
        if count > MAX_CUTS || b[20..24] != [0; 4] {
            return Err("state is malformed");
        }
        let cuts: Vec<(u64, u64)> = (0..count)
            .map(|i| (le(24 + 16 * i), le(32 + 16 * i)))
            .collect();
        let synced = le(8);
        let mut last = LOG_DATA_START;
        for &(start, end) in &cuts {
            if start < last || end <= start || end > synced {
                return Err("state lists overlapping cut regions");
            }
            last = end;
        }
        if synced < LOG_DATA_START || b[24 + 16 * count..].iter().any(|&x| x != 0) {
            return Err("state is malformed");
        }
        Ok(State {
            seq: le(0),
            synced,
            cuts,
        })
    }

    /// The cut region containing `pos`, if any.
    pub(super) fn cut_at(&self, pos: u64) -> Option<(u64, u64)> {
        self.cuts
            .iter()
            .copied()
            .find(|&(start, end)| (start..end).contains(&pos))
    }
}

/// The prologue: magic, version, suite, log id, ring id, checksum.
pub(super) fn prologue(ring: &KeyRing, log_id: &[u8; STREAM_ID_LEN]) -> [u8; PROLOGUE_LEN] {
    let mut p = [0u8; PROLOGUE_LEN];
    p[..8].copy_from_slice(&LOG_MAGIC);
    p[8..10].copy_from_slice(&LOG_VERSION.to_le_bytes());
    p[10] = ring.suite().id();
    p[16..32].copy_from_slice(log_id);
    p[32..48].copy_from_slice(&ring.file_id());
    let digest = pageseal_core::kdf::sha256(&p[..56]);
    p[56..].copy_from_slice(&digest[..8]);
    p
}

/// Checks a log's prologue against `ring`; returns the log id.
pub(super) fn check_prologue(path: &Path, p: &[u8], ring: &KeyRing) -> Result<[u8; STREAM_ID_LEN]> {
    let bad = |reason: String| Error::Record {
        path: path.into(),
        position: 0,
        reason,
    };
    if p.len() < PROLOGUE_LEN || p[..8] != LOG_MAGIC {
        return Err(bad(
            "not a pageseal sealed log (no PSEALLOG prologue)".into()
        ));
    }
    if pageseal_core::kdf::sha256(&p[..56])[..8] != p[56..64] {
        return Err(bad(
            "the log's prologue is damaged (checksum mismatch)".into()
        ));
    }
    let version = u16::from_le_bytes([p[8], p[9]]);
    if version != LOG_VERSION {
        return Err(bad(format!(
            "sealed-log version {version} is not supported (this build reads version {LOG_VERSION})"
        )));
    }
    if p[11..16] != [0; 5] || p[48..56] != [0; 8] {
        return Err(bad("the log's prologue has non-zero reserved bytes".into()));
    }
    if p[32..48] != ring.file_id() {
        return Err(bad(format!(
            "the log belongs to another key ring (not {})",
            ring.path().display()
        )));
    }
    if p[10] != ring.suite().id() {
        return Err(bad(format!(
            "the log's suite (id {}) is not the key ring's ({})",
            p[10],
            ring.suite()
        )));
    }
    let mut id = [0u8; FILE_ID_LEN];
    id.copy_from_slice(&p[16..32]);
    Ok(id)
}
