//! Sealing variable-length blocks in place: SSTable blocks, value-log
//! entries, log records — anything that is not a fixed-size page.
//!
//! A sealed block is the ciphertext followed by a trailer:
//!
//! ```text
//! keyed suites:  ciphertext | codec (1) | epoch (u32 LE) | nonce | tag (16)
//! checksum:      plaintext  | codec (1) | tag (16)
//! ```
//!
//! The codec byte says how the caller encoded the plaintext before sealing
//! (0 = stored as is; the std layer numbers its compression codecs); it is
//! authenticated, so a block cannot be made to decompress with another
//! codec. The associated data is the 48-byte [`block_binding`] of the
//! caller's stream (or table) id, the block id (an offset or a sequence
//! number), the key epoch, the suite, the codec and the length, under a
//! label that no page binding can equal: a sealed block never opens as a
//! page, nor a page as a block.

use zeroize::Zeroize;

use crate::aead::{Aead, Tag};
use crate::error::Error;
use crate::geometry::EPOCH_LEN;
use crate::nonce::NonceSource;
use crate::page::Keyring;
use crate::suite::{Suite, TAG_LEN};

/// Length of a stream id.
pub const STREAM_ID_LEN: usize = 16;
/// Length of the per-block associated data.
pub const BLOCK_BINDING_LEN: usize = 48;
/// The most any suite adds to a block: codec, epoch, a 32-byte nonce, tag.
pub const MAX_BLOCK_OVERHEAD: usize = 1 + EPOCH_LEN + 32 + TAG_LEN;
/// The label that starts every block binding.
const LABEL: &[u8; 8] = b"psblock1";

/// Bytes a sealed block of `suite` has beyond its plaintext.
pub const fn block_overhead(suite: Suite) -> usize {
    if suite.is_keyed() {
        1 + EPOCH_LEN + suite.nonce_len() + TAG_LEN
    } else {
        1 + TAG_LEN
    }
}

/// The associated data of a block:
///
/// | bytes | field |
/// |---|---|
/// | 0..8 | ASCII `psblock1` |
/// | 8..24 | stream id |
/// | 24..32 | block id, u64 little-endian |
/// | 32..36 | key epoch, u32 little-endian (0 for `checksum`) |
/// | 36 | suite id |
/// | 37 | codec |
/// | 38..40 | zero |
/// | 40..48 | plaintext length in bytes, u64 little-endian |
pub fn block_binding(
    stream_id: &[u8; STREAM_ID_LEN],
    block_id: u64,
    epoch: u32,
    suite: Suite,
    codec: u8,
    len: usize,
) -> [u8; BLOCK_BINDING_LEN] {
    let mut aad = [0u8; BLOCK_BINDING_LEN];
    aad[..8].copy_from_slice(LABEL);
    aad[8..24].copy_from_slice(stream_id);
    aad[24..32].copy_from_slice(&block_id.to_le_bytes());
    aad[32..36].copy_from_slice(&epoch.to_le_bytes());
    aad[36] = suite.id();
    aad[37] = codec;
    aad[40..48].copy_from_slice(&(len as u64).to_le_bytes());
    aad
}

/// What [`BlockFormat::open`] found in a block's trailer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenedBlock {
    /// Plaintext bytes, at the start of the buffer.
    pub len: usize,
    /// The codec the plaintext is encoded with.
    pub codec: u8,
    /// The key epoch the block was sealed under.
    pub epoch: u32,
}

/// Seals and opens the blocks of one stream (a table, a log).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockFormat {
    suite: Suite,
    stream_id: [u8; STREAM_ID_LEN],
}

impl BlockFormat {
    /// Blocks of `suite` bound to `stream_id` (e.g. a table's random id).
    pub fn new(suite: Suite, stream_id: [u8; STREAM_ID_LEN]) -> BlockFormat {
        BlockFormat { suite, stream_id }
    }

    /// The suite.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// Bytes a sealed block has beyond its plaintext.
    pub fn overhead(&self) -> usize {
        block_overhead(self.suite)
    }

    fn check_cipher<A: Aead + ?Sized>(&self, cipher: &A) -> Result<(), Error> {
        if cipher.suite() == self.suite {
            Ok(())
        } else {
            Err(Error::SuiteMismatch {
                expected: self.suite,
                actual: cipher.suite(),
            })
        }
    }

    /// Seals the `len` plaintext bytes at the start of `buf` as block
    /// `block_id`, encoded with `codec`, and writes the trailer after them;
    /// returns the sealed length (`len + overhead`), which `buf` must hold.
    #[allow(clippy::too_many_arguments)]
    pub fn seal<A, N>(
        &self,
        cipher: &A,
        epoch: u32,
        nonces: &mut N,
        block_id: u64,
        codec: u8,
        buf: &mut [u8],
        len: usize,
    ) -> Result<usize, Error>
    where
        A: Aead + ?Sized,
        N: NonceSource + ?Sized,
    {
        self.check_cipher(cipher)?;
        let sealed = len + self.overhead();
        if buf.len() < sealed {
            return Err(Error::BufferTooSmall {
                needed: sealed,
                actual: buf.len(),
            });
        }
        let epoch = if self.suite.is_keyed() { epoch } else { 0 };
        let nonce_len = self.suite.nonce_len();
        let (data, trailer) = buf[..sealed].split_at_mut(len);
        let (head, tag_out) = trailer.split_at_mut(trailer.len() - TAG_LEN);
        head[0] = codec;
        if self.suite.is_keyed() {
            head[1..1 + EPOCH_LEN].copy_from_slice(&epoch.to_le_bytes());
            nonces.fill_nonce(&mut head[1 + EPOCH_LEN..1 + EPOCH_LEN + nonce_len])?;
        }
        let aad = block_binding(&self.stream_id, block_id, epoch, self.suite, codec, len);
        let nonce = &head[head.len() - nonce_len..];
        let tag = cipher.seal_detached(nonce, &aad, data)?;
        tag_out.copy_from_slice(&tag);
        Ok(sealed)
    }

    /// The key epoch a sealed block's trailer names (0 for `checksum`).
    pub fn epoch(&self, sealed: &[u8]) -> Result<u32, Error> {
        let len = self.plain_len(sealed)?;
        if !self.suite.is_keyed() {
            return Ok(0);
        }
        let mut bytes = [0u8; EPOCH_LEN];
        bytes.copy_from_slice(&sealed[len + 1..len + 1 + EPOCH_LEN]);
        Ok(u32::from_le_bytes(bytes))
    }

    fn plain_len(&self, sealed: &[u8]) -> Result<usize, Error> {
        sealed
            .len()
            .checked_sub(self.overhead())
            .ok_or(Error::BlockTruncated {
                len: sealed.len(),
                overhead: self.overhead(),
            })
    }

    /// Verifies and decrypts sealed block `block_id` (all of `sealed`,
    /// exactly as [`seal`](Self::seal) returned it) in place: the plaintext
    /// is then at the start of `sealed`. If the block does not
    /// authenticate, all of `sealed` is zeroed and
    /// [`Error::BlockAuthentication`] names the block.
    pub fn open<K: Keyring + ?Sized>(
        &self,
        keys: &K,
        block_id: u64,
        sealed: &mut [u8],
    ) -> Result<OpenedBlock, Error> {
        let len = self.plain_len(sealed)?;
        let epoch = self.epoch(sealed)?;
        let cipher = keys.cipher(epoch).ok_or(Error::UnknownBlockEpoch {
            block: block_id,
            epoch,
        })?;
        self.check_cipher(cipher)?;
        let (data, trailer) = sealed.split_at_mut(len);
        let codec = trailer[0];
        let aad = block_binding(&self.stream_id, block_id, epoch, self.suite, codec, len);
        let (head, tag_bytes) = trailer.split_at(trailer.len() - TAG_LEN);
        let nonce = &head[head.len() - self.suite.nonce_len()..];
        let mut tag: Tag = [0; TAG_LEN];
        tag.copy_from_slice(tag_bytes);
        match cipher.open_detached(nonce, &aad, data, &tag) {
            Ok(()) => Ok(OpenedBlock { len, codec, epoch }),
            Err(Error::Authentication) => {
                sealed.zeroize();
                Err(Error::BlockAuthentication { block: block_id })
            }
            Err(other) => Err(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::EpochCipher;
    use crate::portable::Portable;

    fn counter() -> impl FnMut(&mut [u8]) -> Result<(), Error> {
        let mut n = 0u8;
        move |out: &mut [u8]| {
            n = n.wrapping_add(1);
            out.iter_mut()
                .enumerate()
                .for_each(|(i, b)| *b = n ^ i as u8);
            Ok(())
        }
    }

    #[test]
    fn blocks_of_any_length_round_trip_and_are_bound_to_their_place() {
        for suite in Suite::ALL {
            let keys = EpochCipher {
                epoch: if suite.is_keyed() { 3 } else { 0 },
                cipher: Portable::new(suite, &[9u8; 32][..suite.key_len()]).unwrap(),
            };
            let format = BlockFormat::new(suite, [4; 16]);
            assert!(format.overhead() <= MAX_BLOCK_OVERHEAD);
            for len in [0usize, 1, 15, 16, 17, 63, 64, 65, 1000] {
                let plain: [u8; 1000] = core::array::from_fn(|i| (i * 7) as u8);
                let mut buf = [0u8; 1001 + MAX_BLOCK_OVERHEAD];
                buf[..len].copy_from_slice(&plain[..len]);
                let n = format
                    .seal(&keys.cipher, 3, &mut counter(), 42, 1, &mut buf, len)
                    .unwrap();
                assert_eq!(n, len + format.overhead());
                let sealed = buf;
                let opened = format.open(&keys, 42, &mut buf[..n]).unwrap();
                assert_eq!((opened.len, opened.codec), (len, 1));
                assert_eq!(&buf[..len], &plain[..len]);
                // Another block id, another stream, a flipped byte anywhere,
                // a shorter or longer block: refused, buffer wiped.
                let mut moved = sealed;
                assert_eq!(
                    format.open(&keys, 43, &mut moved[..n]),
                    Err(Error::BlockAuthentication { block: 43 })
                );
                assert!(moved[..n].iter().all(|&b| b == 0));
                let other = BlockFormat::new(suite, [5; 16]);
                assert!(other.open(&keys, 42, &mut { sealed }[..n]).is_err());
                for at in (0..n).step_by(7) {
                    let mut bad = sealed;
                    bad[at] ^= 0x20;
                    assert!(
                        format.open(&keys, 42, &mut bad[..n]).is_err(),
                        "{suite} byte {at}"
                    );
                }
                if n > format.overhead() {
                    assert!(format.open(&keys, 42, &mut { sealed }[..n - 1]).is_err());
                }
                assert!(format.open(&keys, 42, &mut { sealed }[..n + 1]).is_err());
            }
        }
    }

    #[test]
    fn short_buffers_and_blocks_are_errors() {
        let suite = Suite::Aegis128L;
        let cipher = Portable::new(suite, &[1; 16]).unwrap();
        let format = BlockFormat::new(suite, [0; 16]);
        let mut buf = [0u8; 40];
        assert_eq!(
            format.seal(&cipher, 1, &mut counter(), 0, 0, &mut buf, 10),
            Err(Error::BufferTooSmall {
                needed: 10 + 37,
                actual: 40
            })
        );
        let keys = EpochCipher { epoch: 1, cipher };
        assert_eq!(
            format.open(&keys, 0, &mut buf[..36]),
            Err(Error::BlockTruncated {
                len: 36,
                overhead: 37
            })
        );
    }
}

#[cfg(test)]
mod golden {
    use super::*;
    use crate::page::EpochCipher;
    use crate::portable::Portable;

    /// FORMAT.md's worked block example, byte for byte: AES-256-GCM, key
    /// 00 01 … 1f, stream id 16 × 0x11, block id 7, epoch 1, codec 0,
    /// nonce a0 a1 … ab, plaintext `pageseal block 7`.
    #[test]
    fn the_worked_example_of_format_md() {
        let key: [u8; 32] = core::array::from_fn(|i| i as u8);
        let keys = EpochCipher {
            epoch: 1,
            cipher: Portable::new(Suite::Aes256Gcm, &key).unwrap(),
        };
        let format = BlockFormat::new(Suite::Aes256Gcm, [0x11; 16]);
        let mut nonce = |n: &mut [u8]| -> Result<(), Error> {
            n.iter_mut()
                .enumerate()
                .for_each(|(i, b)| *b = 0xa0 + i as u8);
            Ok(())
        };
        let mut buf = [0u8; 16 + 33];
        buf[..16].copy_from_slice(b"pageseal block 7");
        let n = format
            .seal(&keys.cipher, 1, &mut nonce, 7, 0, &mut buf, 16)
            .unwrap();
        let mut hex = [0u8; 2 * 49];
        for (i, b) in buf[..n].iter().enumerate() {
            hex[2 * i] = b"0123456789abcdef"[usize::from(b >> 4)];
            hex[2 * i + 1] = b"0123456789abcdef"[usize::from(b & 15)];
        }
        assert_eq!(
            core::str::from_utf8(&hex).unwrap(),
            "96791b4836ae63d34207ebbc6411e0e90001000000a0a1a2a3a4a5a6a7a8a9aaab0383f99f0063e17e7514862273c3d9bd"
        );
        assert_eq!(format.open(&keys, 7, &mut buf[..n]).unwrap().len, 16);
    }
}
