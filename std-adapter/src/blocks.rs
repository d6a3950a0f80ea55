//! Compress-then-seal for variable-length blocks (LSM table blocks, value
//! log entries): the plaintext is compressed with LZ4 (`lz4_flex`, pure
//! Rust, no C compiler for any target) when that makes it smaller, then
//! sealed with `pageseal_core::BlockFormat`. The codec byte of the trailer
//! says which, and it is authenticated.
//!
//! A compressed block's sealed plaintext is `LE32(original length) ‖ LZ4
//! block`; the length is checked against the caller's `max_len` before any
//! memory is allocated for the output.
//!
//! **Length side channel.** The sealed length of a compressed block reveals
//! how well its plaintext compressed. Someone who can read the sealed
//! blocks and influence part of their content (a value written next to a
//! secret) can learn about the rest, as CRIME and BREACH did against TLS.
//! Use [`Codec::Raw`] for blocks that mix attacker-chosen data with
//! secrets; sealing then hides everything but the plaintext's length.
//!
//! zstd is not offered: the maintained `zstd` crate builds C code, and the
//! pure-Rust `ruzstd` compresses only at its fastest level.

use pageseal_core::{Aead, BlockFormat, Error as CoreError, Keyring, NonceSource};
use zeroize::Zeroize;

use crate::error::{Error, Result};

/// How a block's plaintext is encoded before it is sealed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    /// Stored as is (codec byte 0).
    Raw,
    /// LZ4 block format with the original length in front (codec byte 1).
    Lz4,
}

impl Codec {
    /// The byte stored in the trailer.
    pub const fn id(self) -> u8 {
        match self {
            Codec::Raw => 0,
            Codec::Lz4 => 1,
        }
    }

    /// The codec a trailer byte names.
    pub fn from_id(id: u8) -> Option<Codec> {
        match id {
            0 => Some(Codec::Raw),
            1 => Some(Codec::Lz4),
            _ => None,
        }
    }
}

/// Seals `plain` as block `block_id` and appends the sealed block to `out`
/// (clear `out` first to get the block alone; a log appends records to a
/// write buffer without copying them). With [`Codec::Lz4`] the plaintext
/// is compressed first, unless that does not make it smaller: then it is
/// stored raw and flagged so. Returns the codec used. On failure `out` is
/// left as it was.
#[allow(clippy::too_many_arguments)]
pub fn seal_block<A, N>(
    format: &BlockFormat,
    cipher: &A,
    epoch: u32,
    nonces: &mut N,
    block_id: u64,
    codec: Codec,
    plain: &[u8],
    out: &mut Vec<u8>,
) -> Result<Codec>
where
    A: Aead + ?Sized,
    N: NonceSource + ?Sized,
{
    let start = out.len();
    // Every byte appended below ends up sealed, or wiped on failure.
    let used = match codec {
        Codec::Lz4 => {
            let len = u32::try_from(plain.len()).map_err(|_| CoreError::MessageTooLong)?;
            let bound = 4 + lz4_flex::block::get_maximum_output_size(plain.len());
            out.resize(start + bound + format.overhead(), 0);
            let block = &mut out[start..];
            block[..4].copy_from_slice(&len.to_le_bytes());
            let compressed = lz4_flex::block::compress_into(plain, &mut block[4..bound]);
            match compressed {
                Ok(n) if 4 + n < plain.len() => {
                    out.truncate(start + 4 + n + format.overhead());
                    Codec::Lz4
                }
                // Overwritten by the raw plaintext, which is then sealed.
                _ => {
                    out.truncate(start);
                    Codec::Raw
                }
            }
        }
        Codec::Raw => Codec::Raw,
    };
    if used == Codec::Raw {
        out.extend_from_slice(plain);
        out.resize(start + plain.len() + format.overhead(), 0);
    }
    let block = &mut out[start..];
    let len = block.len() - format.overhead();
    if let Err(e) = format.seal(cipher, epoch, nonces, block_id, used.id(), block, len) {
        block.zeroize();
        out.truncate(start);
        return Err(e.into());
    }
    Ok(used)
}

/// Opens sealed block `block_id` (all of `sealed`, which is decrypted in
/// place and wiped) and writes its plaintext to `out` (cleared first),
/// decompressing it. A block that would decompress to more than `max_len`
/// bytes is refused before anything is allocated for it. Returns the codec
/// it was stored with.
pub fn open_block<K: Keyring + ?Sized>(
    format: &BlockFormat,
    keys: &K,
    block_id: u64,
    sealed: &mut [u8],
    max_len: usize,
    out: &mut Vec<u8>,
) -> Result<Codec> {
    out.zeroize();
    out.clear();
    let opened = format.open(keys, block_id, sealed)?;
    let data = &sealed[..opened.len];
    let result = match Codec::from_id(opened.codec) {
        Some(Codec::Raw) if data.len() <= max_len => {
            out.extend_from_slice(data);
            Ok(Codec::Raw)
        }
        Some(Codec::Raw) => Err(too_long(block_id, data.len(), max_len)),
        Some(Codec::Lz4) => decompress(block_id, data, max_len, out).map(|()| Codec::Lz4),
        None => Err(Error::BadBlock {
            block: block_id,
            reason: format!("unknown codec {}", opened.codec),
        }),
    };
    sealed.zeroize();
    result
}

fn too_long(block: u64, len: usize, max_len: usize) -> Error {
    Error::BadBlock {
        block,
        reason: format!("its plaintext is {len} bytes, more than the {max_len} allowed"),
    }
}

fn decompress(block: u64, data: &[u8], max_len: usize, out: &mut Vec<u8>) -> Result<()> {
    let bad = |reason: String| Error::BadBlock { block, reason };
    let (len, body) = data
        .split_first_chunk::<4>()
        .ok_or_else(|| bad("compressed block shorter than its length field".into()))?;
    let len = u32::from_le_bytes(*len) as usize;
    if len > max_len {
        return Err(too_long(block, len, max_len));
    }
    out.resize(len, 0);
    match lz4_flex::block::decompress_into(body, out) {
        Ok(n) if n == len => Ok(()),
        Ok(n) => Err(bad(format!("decompressed to {n} bytes, {len} recorded"))),
        Err(e) => Err(bad(format!("LZ4 data does not decode: {e}"))),
    }
    .inspect_err(|_| {
        out.zeroize();
        out.clear();
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pageseal_core::{EpochCipher, Portable, Suite};

    fn fixed(n: &mut [u8]) -> std::result::Result<(), CoreError> {
        n.fill(3);
        Ok(())
    }

    #[test]
    fn compressible_blocks_shrink_and_incompressible_ones_are_stored_raw() {
        let suite = Suite::Aegis128L;
        let keys = EpochCipher {
            epoch: 1,
            cipher: Portable::new(suite, &[8; 16]).unwrap(),
        };
        let format = BlockFormat::new(suite, [6; 16]);
        let text = b"key=value; ".repeat(400);
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let noise: Vec<u8> = (0..4400)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 32) as u8
            })
            .collect();
        for (plain, want) in [
            (&text[..], Codec::Lz4),
            (&noise[..], Codec::Raw),
            (&[][..], Codec::Raw),
        ] {
            let mut sealed = Vec::new();
            let used = seal_block(
                &format,
                &keys.cipher,
                1,
                &mut fixed,
                5,
                Codec::Lz4,
                plain,
                &mut sealed,
            )
            .unwrap();
            assert_eq!(used, want);
            if want == Codec::Lz4 {
                assert!(sealed.len() < plain.len() / 4, "{} bytes", sealed.len());
            } else {
                assert_eq!(sealed.len(), plain.len() + format.overhead());
            }
            let mut out = Vec::new();
            let mut copy = sealed.clone();
            let codec = open_block(&format, &keys, 5, &mut copy, 1 << 20, &mut out).unwrap();
            assert_eq!((codec, &out[..]), (want, plain));
            // The codec byte is authenticated.
            let mut flipped = sealed.clone();
            let at = flipped.len() - format.overhead();
            flipped[at] ^= 1;
            assert!(matches!(
                open_block(&format, &keys, 5, &mut flipped, 1 << 20, &mut out),
                Err(Error::Core {
                    source: CoreError::BlockAuthentication { block: 5 },
                    ..
                })
            ));
            assert!(out.is_empty());
            // A block larger than the caller allows is refused.
            if !plain.is_empty() {
                let mut copy = sealed.clone();
                let err = open_block(&format, &keys, 5, &mut copy, plain.len() - 1, &mut out)
                    .unwrap_err();
                assert!(err.to_string().contains("more than the"), "{err}");
            }
        }
    }
}
