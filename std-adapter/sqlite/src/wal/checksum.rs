//! SQLite's WAL checksums, computed by the VFS over the plaintext it
//! returns (they are never stored: see the module above).

use crate::db::Io;
use crate::error::Result;

/// The checksum in the WAL header (bytes 24..32, two big-endian u32s):
/// the seed of frame 0's running checksum.
pub(super) fn header_checksum(io: &dyn Io) -> Result<[u32; 2]> {
    let mut h = [0u8; 8];
    io.read_at(24, &mut h)?;
    Ok([
        u32::from_be_bytes([h[0], h[1], h[2], h[3]]),
        u32::from_be_bytes([h[4], h[5], h[6], h[7]]),
    ])
}

/// SQLite's WAL checksum over `data` (a multiple of 8 bytes), continuing
/// from `s`; words are big-endian when `big_endian`.
pub fn wal_checksum(big_endian: bool, data: &[u8], s: [u32; 2]) -> [u32; 2] {
    let (mut s1, mut s2) = (s[0], s[1]);
    for pair in data.chunks_exact(8) {
        let word = |b: &[u8]| {
            let b = [b[0], b[1], b[2], b[3]];
            if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        s1 = s1.wrapping_add(word(&pair[..4])).wrapping_add(s2);
        s2 = s2.wrapping_add(word(&pair[4..])).wrapping_add(s1);
    }
    [s1, s2]
}
