//! Reading records: frames, the write buffer, opening a record.

use pageseal_core::Error as CoreError;

use super::{FRAME_LEN, LOG_DATA_START, SealedLog};
use crate::error::{Error, Result};
use crate::storage::Storage;

/// What one sealed record's frame says.
pub(super) struct Frame {
    pub(super) sealed_len: usize,
}

impl<S: Storage> SealedLog<S> {
    /// Reads and verifies the record at `position`.
    pub fn read(&self, position: u64) -> Result<Vec<u8>> {
        let frame = self.frame_at(position, self.end())?;
        let mut sealed = vec![0u8; frame.sealed_len];
        self.open_at(position, &mut sealed)
    }

    /// The position after the record at `position` (skipping a cut region
    /// that follows it).
    pub(super) fn next_after(&self, position: u64, sealed_len: usize) -> u64 {
        let next = position + (FRAME_LEN + sealed_len) as u64;
        self.skip_cut(next)
    }

    pub(super) fn skip_cut(&self, pos: u64) -> u64 {
        match self.cut_at(pos) {
            Some((_, end)) => end,
            None => pos,
        }
    }

    /// Reads and checks the frame at `pos` (which must start a record
    /// before `end`).
    pub(super) fn frame_at(&self, pos: u64, end: u64) -> Result<Frame> {
        let bad = |reason: String| Error::Record {
            path: self.path.clone(),
            position: pos,
            reason,
        };
        if pos < LOG_DATA_START || pos >= end {
            return Err(bad(format!(
                "no record there (records lie from {LOG_DATA_START} to {end})"
            )));
        }
        if let Some((start, stop)) = self.cut_at(pos) {
            return Err(bad(format!(
                "the position lies in a region cut after a crash ({start}..{stop})"
            )));
        }
        let mut len = [0u8; FRAME_LEN];
        let got = self.read_bytes(pos, &mut len)?;
        if got < FRAME_LEN || pos + FRAME_LEN as u64 > end {
            return Err(bad("the record's frame is cut short".into()));
        }
        let sealed_len = u32::from_le_bytes(len) as usize;
        let most = self.max_sealed();
        if sealed_len < self.format.overhead() || sealed_len > most {
            return Err(bad(format!(
                "the frame gives a sealed length of {sealed_len} bytes, outside {}..={most}",
                self.format.overhead()
            )));
        }
        if pos + (FRAME_LEN + sealed_len) as u64 > end {
            return Err(bad(format!(
                "the record is cut short: {sealed_len} sealed bytes do not fit before {end}"
            )));
        }
        Ok(Frame { sealed_len })
    }

    pub(super) fn max_sealed(&self) -> usize {
        let compressed = 4 + lz4_flex::block::get_maximum_output_size(self.options.max_record);
        compressed.max(self.options.max_record) + self.format.overhead()
    }

    /// Reads the sealed record at `pos` into `sealed` (its exact length)
    /// and opens it.
    /// Reads the sealed bytes of the record at `pos` (after its frame).
    pub(super) fn read_sealed(&self, pos: u64, sealed: &mut [u8]) -> Result<()> {
        if self.read_bytes(pos + FRAME_LEN as u64, sealed)? < sealed.len() {
            return Err(Error::Record {
                path: self.path.clone(),
                position: pos,
                reason: "the record is cut short".into(),
            });
        }
        Ok(())
    }

    pub(super) fn open_at(&self, pos: u64, sealed: &mut [u8]) -> Result<Vec<u8>> {
        self.read_sealed(pos, sealed)?;
        let mut out = Vec::new();
        match self
            .ring
            .open_block(&self.log_id, pos, sealed, self.options.max_record, &mut out)
        {
            Ok(_) => Ok(out),
            Err(e) => Err(Error::Record {
                path: self.path.clone(),
                position: pos,
                reason: match e.core() {
                    Some(CoreError::BlockAuthentication { .. }) => {
                        "failed authentication: it was altered, moved or replayed".into()
                    }
                    Some(CoreError::UnknownBlockEpoch { epoch, .. }) => format!(
                        "sealed under key id {epoch}, which the key ring no longer has \
                         (retired)"
                    ),
                    _ => e.to_string(),
                },
            }),
        }
    }
}
