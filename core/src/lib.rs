//! `pageseal-core` seals fixed-size storage pages with authenticated
//! encryption. It is `#![no_std]`, needs no allocator and contains no
//! `unsafe` code, so it runs from microcontrollers to servers.
//!
//! * [`Suite`] names the cipher suites: AES-128/256-GCM, ChaCha20-Poly1305,
//!   the AEGIS family, and the keyless `checksum`.
//! * [`PageFormat`] seals and opens pages of any power-of-two size from 512
//!   to 65536 bytes. Each page carries a trailer (key epoch, nonce, tag) and
//!   is bound by its associated data ([`binding`]) to its file id, page
//!   number, key epoch, suite and page size.
//! * [`Portable`] implements every suite on top of the primitive crates; it
//!   is the reference the hardware backends of `pageseal-dispatch` must
//!   match byte for byte.
//! * [`Session`] is the key lifecycle of a file — header, keyslots, key
//!   epochs, the seal budget and rotation — with no I/O: it hands back the
//!   header bytes to persist. Every engine drives one.
//! * Nonces come from the caller through [`NonceSource`], so everything
//!   here is deterministic given its inputs.
//!
//! ```
//! use pageseal_core::{EpochCipher, Error, PageFormat, Portable, Suite};
//!
//! let format = PageFormat::new(Suite::Aegis128L, 4096, [7; 16])?;
//! let keys = EpochCipher { epoch: 1, cipher: Portable::new(Suite::Aegis128L, &[0x42; 16])? };
//! let mut counter = 0u8;
//! // A real caller fills nonces from a cryptographic random generator.
//! let mut nonces = |n: &mut [u8]| -> Result<(), Error> {
//!     counter += 1;
//!     n.fill(counter);
//!     Ok(())
//! };
//!
//! let mut page = vec![0u8; 4096];
//! page[..5].copy_from_slice(b"hello");
//! format.seal(&keys.cipher, keys.epoch, &mut nonces, 3, &mut page)?;
//! assert_ne!(&page[..5], b"hello");
//!
//! format.open(&keys, 3, &mut page)?;
//! assert_eq!(&page[..5], b"hello");
//! # Ok::<(), Error>(())
//! ```
//!
//! # Constant time
//!
//! The portable path is constant time when the primitive crates run their
//! software backends (forced with `--cfg aes_backend="soft"
//! --cfg polyval_backend="soft" --cfg chacha20_backend="soft"
//! --cfg poly1305_backend="soft"`, or automatically on CPUs without the
//! instructions): `aes` is fixsliced (bitsliced, no tables), `polyval` and
//! `poly1305` use constant-time limb arithmetic, ChaCha20 is
//! add-rotate-xor. Tags are compared with `subtle`.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod aead;
pub mod aegis;
mod block;
mod chacha;
mod epoch;
mod error;
mod gcm;
mod geometry;
mod header;
mod header_read;
pub mod kdf;
mod key;
mod keyslot;
mod layout;
mod nonce;
mod page;
mod portable;
mod secret;
mod session;
mod suite;

pub use aead::{Aead, Tag, check_nonce, tags_match, tags_match_32, verify_or_wipe};
pub use block::{
    BLOCK_BINDING_LEN, BlockFormat, MAX_BLOCK_OVERHEAD, OpenedBlock, STREAM_ID_LEN, block_binding,
    block_overhead,
};
pub use chacha::ChaCha20Poly1305;
pub use epoch::{EPOCH_ENTRY_LEN, FileKeys, MAX_EPOCHS};
pub use error::{CopyFault, Error, HeaderCopy};
pub use gcm::{Aes128Gcm, Aes256Gcm, AesGcm, GcmBlockCipher};
pub use geometry::{
    EPOCH_LEN, MAX_PAGE_SIZE, MIN_PAGE_SIZE, check_page_size, payload_len, trailer_len,
};
pub use header::{
    Contents, FORMAT_VERSION, FileKind, HEADER_AREA_LEN, HEADER_COPY_LEN, Header, KEYSLOTS, MAGIC,
    data_offset,
};
pub use header_read::{HeaderRead, Opened, read_header};
pub use kdf::{KdfBlock, KdfLimits, KdfMemory, KdfParams};
pub use key::{Key, MAX_KEY_LEN};
pub use keyslot::{FILE_KEY_LEN, KEYSLOT_LEN, Keyslot, SlotKdf};
pub use nonce::NonceSource;
pub use page::{BINDING_LEN, EpochCipher, FILE_ID_LEN, Keyring, PageFormat, binding};
pub use portable::Portable;
pub use secret::{RAW_KEY_LEN, RawKey, Secret, SecretKind, parse_raw_key};
pub use session::{
    CipherFactory, Grant, HeaderUpdate, Lease, Permit, PortableCiphers, SEAL_RESERVATION, Session,
};
pub use suite::{AegisVariant, Construction, Suite, TAG_LEN};
