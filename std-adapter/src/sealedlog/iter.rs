//! Walking a log's records in order.

use super::SealedLog;
use crate::error::Result;
use crate::storage::Storage;

/// Iterator over a log's records: `(position, record)` or the error of a
/// bad one. See [`SealedLog::iter`].
pub struct LogIter<'a, S: Storage> {
    pub(super) log: &'a SealedLog<S>,
    pub(super) pos: u64,
    pub(super) end: u64,
}

impl<S: Storage> Iterator for LogIter<'_, S> {
    type Item = Result<(u64, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.end {
            return None;
        }
        let pos = self.pos;
        let frame = match self.log.frame_at(pos, self.end) {
            Ok(frame) => frame,
            Err(e) => {
                // Nothing says where the next record starts.
                self.pos = self.end;
                return Some(Err(e));
            }
        };
        self.pos = self.log.next_after(pos, frame.sealed_len);
        let mut sealed = vec![0u8; frame.sealed_len];
        Some(self.log.open_at(pos, &mut sealed).map(|r| (pos, r)))
    }
}
