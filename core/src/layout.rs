//! Little-endian field access for the header layout.

/// Reads a u32 LE from a 4-byte slice.
pub(crate) fn le32(bytes: &[u8]) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(bytes);
    u32::from_le_bytes(b)
}

/// Reads a u64 LE from an 8-byte slice.
pub(crate) fn le64(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(bytes);
    u64::from_le_bytes(b)
}

/// Writes a u32 LE into a 4-byte slice.
pub(crate) fn put32(out: &mut [u8], v: u32) {
    out.copy_from_slice(&v.to_le_bytes());
}

/// Writes a u64 LE into an 8-byte slice.
pub(crate) fn put64(out: &mut [u8], v: u64) {
    out.copy_from_slice(&v.to_le_bytes());
}
