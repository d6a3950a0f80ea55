//! The on-flash slot format (FORMAT.md, "Sealed records on NOR flash"):
//! the 16-byte header, the commit marker, the associated data and where
//! each field sits in a slot.

use pageseal_core::{Suite, TAG_LEN};

/// Length of the record header at the start of every slot.
pub const HEADER_LEN: usize = 16;

/// Format version stored in header byte 15.
pub const VERSION: u8 = 1;

/// Prefix of the associated data: separates flash records from every other
/// use of a key (pages bind `pg`, sealed values `psvalue1`).
pub const AAD_DOMAIN: [u8; 8] = *b"psflash1";

/// Length of the associated data: the domain, then the header.
pub const AAD_LEN: usize = AAD_DOMAIN.len() + HEADER_LEN;

/// Largest flash read or write granule the store handles, in bytes.
pub const MAX_UNIT: usize = 64;

/// The header of a record: what the store needs to find the newest copy
/// without any cryptography. All of it is authenticated (it is the
/// associated data).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Record id (`u32::MAX` is reserved: an erased header reads as it).
    pub id: u32,
    /// Sequence number of the seal, 1 for the first seal of a store; the
    /// highest committed one wins.
    pub seq: u64,
    /// Length of the value in bytes.
    pub len: u16,
    /// Suite id (`Suite::id`).
    pub suite: u8,
    /// Format version ([`VERSION`]).
    pub version: u8,
}

impl Header {
    /// The 16 header bytes: version, suite, len LE16, id LE32, seq LE64.
    /// The version comes first so that the first word of every written
    /// slot has a byte that is not 0xFF, whatever the write size.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0] = self.version;
        out[1] = self.suite;
        out[2..4].copy_from_slice(&self.len.to_le_bytes());
        out[4..8].copy_from_slice(&self.id.to_le_bytes());
        out[8..16].copy_from_slice(&self.seq.to_le_bytes());
        out
    }

    /// Decodes the 16 header bytes (no validation: see [`Layout::check`]).
    pub fn decode(bytes: &[u8; HEADER_LEN]) -> Header {
        let (mut len, mut id, mut seq) = ([0u8; 2], [0u8; 4], [0u8; 8]);
        len.copy_from_slice(&bytes[2..4]);
        id.copy_from_slice(&bytes[4..8]);
        seq.copy_from_slice(&bytes[8..16]);
        Header {
            version: bytes[0],
            suite: bytes[1],
            len: u16::from_le_bytes(len),
            id: u32::from_le_bytes(id),
            seq: u64::from_le_bytes(seq),
        }
    }

    /// The associated data of the record: [`AAD_DOMAIN`] then the header.
    pub fn aad(&self) -> [u8; AAD_LEN] {
        let mut out = [0u8; AAD_LEN];
        out[..AAD_DOMAIN.len()].copy_from_slice(&AAD_DOMAIN);
        out[AAD_DOMAIN.len()..].copy_from_slice(&self.encode());
        out
    }
}

/// The commit marker of a header: its bitwise complement. A power cut while
/// programming or erasing moves bits one way only (programming 1 → 0,
/// erasing 0 → 1), and any such change to the header or the marker breaks
/// `marker == !header`, so a header that checks was written whole.
pub fn marker(header: &[u8; HEADER_LEN]) -> [u8; HEADER_LEN] {
    let mut out = *header;
    out.iter_mut().for_each(|b| *b = !*b);
    out
}

/// Where the fields of a slot sit, for one suite and flash geometry.
///
/// ```text
/// 0        16        16+n         16+n+len   16+n+len+16      S-u     S
/// | header | nonce n | ciphertext | tag 16   | 0xFF ...  | marker u |
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Slot size in bytes.
    pub slot: usize,
    /// The flash's write size.
    pub write: usize,
    /// The granule of header and marker reads and of the marker write:
    /// max(16, write size, read size).
    pub unit: usize,
    /// The suite's nonce length.
    pub nonce_len: usize,
    /// The suite.
    pub suite: Suite,
}

impl Layout {
    /// The layout of `slot`-byte slots for `suite` on a flash with the
    /// given read and write sizes, or why it cannot work.
    pub fn new(
        suite: Suite,
        slot: usize,
        read: usize,
        write: usize,
    ) -> Result<Layout, &'static str> {
        let unit = HEADER_LEN.max(read).max(write);
        if read == 0 || write == 0 || unit > MAX_UNIT {
            return Err("flash read/write size must be 1 to 64 bytes");
        }
        if !unit.is_multiple_of(read) || !unit.is_multiple_of(write) {
            return Err("flash read and write sizes must divide max(16, read, write)");
        }
        if slot == 0 || !slot.is_multiple_of(unit) {
            return Err("slot size must be a multiple of max(16, read size, write size)");
        }
        let layout = Layout {
            slot,
            write,
            unit,
            nonce_len: suite.nonce_len(),
            suite,
        };
        if slot < layout.overhead() + 1 {
            return Err("slot too small for header, nonce, tag and commit marker");
        }
        if layout.capacity() > usize::from(u16::MAX) {
            return Err("slot too large: a value is at most 65535 bytes");
        }
        Ok(layout)
    }

    /// Bytes of a slot that are not value: header, nonce, tag, marker.
    pub fn overhead(&self) -> usize {
        HEADER_LEN + self.nonce_len + TAG_LEN + self.unit
    }

    /// The largest value a slot holds.
    pub fn capacity(&self) -> usize {
        self.slot - self.overhead()
    }

    /// Offset of the nonce in the slot.
    pub fn nonce_at(&self) -> usize {
        HEADER_LEN
    }

    /// Offset of the value (ciphertext) in the slot.
    pub fn value_at(&self) -> usize {
        HEADER_LEN + self.nonce_len
    }

    /// Offset of the tag of a `len`-byte value.
    pub fn tag_at(&self, len: usize) -> usize {
        self.value_at() + len
    }

    /// Bytes of the first write (header to tag, padded with 0xFF to the
    /// write size): never reaches the marker.
    pub fn body_len(&self, len: usize) -> usize {
        (self.tag_at(len) + TAG_LEN).div_ceil(self.write) * self.write
    }

    /// Offset of the commit marker, the last `unit` bytes of the slot.
    pub fn marker_at(&self) -> usize {
        self.slot - self.unit
    }

    /// Whether a committed header is one this store can open: the current
    /// version, this store's suite, a length that fits the slot.
    pub fn check(&self, header: &Header) -> bool {
        header.version == VERSION
            && header.suite == self.suite.id()
            && usize::from(header.len) <= self.capacity()
    }
}

/// Whether `bytes` are all erased (0xFF).
pub fn is_erased(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| b == 0xFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_marker_is_its_complement() {
        let h = Header {
            id: 0x0102_0304,
            seq: 0x1122_3344_5566_7788,
            len: 0x0a0b,
            suite: 4,
            version: VERSION,
        };
        let bytes = h.encode();
        assert_eq!(
            bytes,
            [
                1, 4, 0x0b, 0x0a, 4, 3, 2, 1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11
            ]
        );
        assert_eq!(Header::decode(&bytes), h);
        let m = marker(&bytes);
        assert!(m.iter().zip(bytes).all(|(a, b)| a ^ b == 0xFF));
        assert_eq!(&h.aad()[..8], b"psflash1");
    }

    #[test]
    fn layout_rejects_geometry_it_cannot_use() {
        assert!(Layout::new(Suite::Aegis128L, 128, 1, 4).is_ok());
        assert!(Layout::new(Suite::Aegis128L, 100, 1, 4).is_err());
        assert!(Layout::new(Suite::Aegis128L, 128, 1, 128).is_err());
        assert!(Layout::new(Suite::Aegis256, 64, 1, 4).is_err());
        let l = Layout::new(Suite::Aes128Gcm, 128, 4, 8).unwrap();
        assert_eq!(l.capacity(), 128 - 16 - 12 - 16 - 16);
        assert_eq!(l.body_len(l.capacity()), l.marker_at());
        assert_eq!(l.body_len(1), 48);
    }
}
