//! The log's state on disk: its two sealed slots.

use super::SealedLog;
use super::layout::{PROLOGUE_LEN, SLOT_LEN, STATE_BLOCK, STATE_LEN, State};
use crate::blocks::Codec;
use crate::error::{Error, Result};
use crate::storage::{self, Storage};

impl<S: Storage> SealedLog<S> {
    /// The sealed bytes of state slot `slot` in the header area `head`.
    pub(super) fn state_slot<'h>(&self, head: &'h [u8], slot: u64) -> Option<&'h [u8]> {
        let at = (PROLOGUE_LEN as u64 + slot * SLOT_LEN) as usize;
        let len = STATE_LEN + self.format.overhead();
        let bytes = head.get(at..at + len)?;
        (bytes.iter().any(|&b| b != 0)).then_some(bytes)
    }

    /// The newest state slot that opens.
    pub(super) fn read_state(&self, head: &[u8]) -> Result<State> {
        let mut best: Option<State> = None;
        let mut fault = "no state was ever written";
        for slot in 0..2u64 {
            let Some(bytes) = self.state_slot(head, slot) else {
                continue;
            };
            let mut sealed = bytes.to_vec();
            let mut out = Vec::new();
            let opened = self.ring.open_block(
                &self.log_id,
                STATE_BLOCK + slot,
                &mut sealed,
                STATE_LEN,
                &mut out,
            );
            match opened.ok().map(|_| State::decode(&out)) {
                Some(Ok(state)) if state.seq % 2 == slot => {
                    if best.as_ref().is_none_or(|b| state.seq > b.seq) {
                        best = Some(state);
                    }
                }
                Some(Ok(_)) => fault = "a state slot holds the other slot's state",
                Some(Err(reason)) => fault = reason,
                None => fault = "a state slot failed authentication (or its key was retired)",
            }
        }
        best.ok_or_else(|| Error::Record {
            path: self.path.clone(),
            position: PROLOGUE_LEN as u64,
            reason: format!("the log's state is unreadable: {fault}"),
        })
    }

    /// Writes `state` with the next sequence number to its slot, and
    /// flushes it if `flush` (the first state of a new log, whose in-memory
    /// state is still the empty default, gets number 0).
    pub(super) fn write_state(&self, mut state: State, flush: bool) -> Result<()> {
        let mut guard = self.state.write().unwrap_or_else(|p| p.into_inner());
        state.seq = guard.seq + u64::from(*guard != State::default());
        let slot = state.seq % 2;
        let mut sealed = Vec::new();
        self.ring.seal_block(
            &self.log_id,
            STATE_BLOCK + slot,
            Codec::Raw,
            &state.encode(),
            &mut sealed,
        )?;
        let at = PROLOGUE_LEN as u64 + slot * SLOT_LEN;
        storage::write_at(&self.storage, &self.path, at, &sealed)?;
        if flush {
            self.flush()?;
        }
        *guard = state;
        Ok(())
    }
}
