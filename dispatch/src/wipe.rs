//! Wiping scratch buffers that held keystream.

/// Overwrites `bytes` with zeros through volatile stores the compiler may
/// not remove, 32 bytes per store (then the rest byte by byte).
/// `zeroize` on a byte slice stores one byte at a time, which cost about
/// 8 % of sealing a 4 KiB page with a 1 KiB scratch buffer.
#[inline(always)]
pub(crate) fn wipe(bytes: &mut [u8]) {
    let mut chunks = bytes.chunks_exact_mut(32);
    for chunk in &mut chunks {
        let chunk: &mut [u8; 32] = chunk.try_into().expect("32 bytes");
        // SAFETY: `chunk` is a valid, exclusive reference to 32 bytes (an
        // array of bytes has alignment 1), so a volatile store through it
        // is sound.
        unsafe { core::ptr::write_volatile(chunk, [0; 32]) };
    }
    for byte in chunks.into_remainder() {
        // SAFETY: as above, for one byte.
        unsafe { core::ptr::write_volatile(byte, 0) };
    }
}
