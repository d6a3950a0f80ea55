//! `pageseal-dispatch` probes the CPU once and seals and opens pages with
//! the fastest correct implementation of each suite.
//!
//! * [`Cpu::detect`] reports the features found (cached after the first
//!   call; no `std` needed).
//! * [`Backend`] names the implementations: [`Backend::Portable`] (the
//!   reference, `pageseal_core::Portable`), x86_64 [`Backend::AesNi`],
//!   [`Backend::Vaes256`] and [`Backend::Vaes512`], aarch64
//!   [`Backend::Armv8`] and [`Backend::Neon`]. [`available_backends`] lists those that can run a
//!   suite here, [`backend_for`] is the automatic choice.
//! * [`Cipher`] is a keyed suite on a backend, and implements
//!   `pageseal_core::Aead`, so it plugs into `pageseal_core::PageFormat`.
//! * [`CompactCipher`] is the same for the suites without precomputed
//!   tables (AEGIS, ChaCha20-Poly1305, checksum): a tenth of the size, and
//!   cheap to create for callers that key a cipher per message.
//! * [`recommended_suite`] is what `auto` means on this machine.
//!
//! | suite | AES-NI | VAES256 | VAES512 | ARMv8 |
//! |---|---|---|---|---|
//! | AES-128/256-GCM | stitched CTR+GHASH, 8 blocks/iteration | the same on 256-bit VAES/VPCLMULQDQ, 16 blocks/iteration | the same on 512-bit registers, 32 blocks/iteration | stitched CTR (AESE+AESMC) + GHASH (PMULL), 8 blocks/iteration |
//! | AEGIS-128L, -256, checksum | AES-NI rounds | AES-NI rounds | AES-NI rounds | AESE+AESMC |
//! | AEGIS X2 | two 128-bit registers | one 256-bit register | one 256-bit register | two registers |
//! | AEGIS X4 | four 128-bit registers | two 256-bit registers | one 512-bit register | four registers |
//! | ChaCha20-Poly1305 | portable | ChaCha20 on 8 blocks per AVX2 batch, stitched with radix-2^64 Poly1305 | the same on 16 blocks per AVX-512 batch | `neon` backend (below) |
//!
//! ChaCha20-Poly1305 kernels (x86_64 AVX2 or AVX-512; aarch64 NEON, the
//! [`Backend::Neon`] backend, 4 blocks per batch, on every aarch64 CPU
//! with or without the AES extension) run ChaCha20 "vertically" (one block
//! per 32-bit lane) and absorb Poly1305 blocks on the scalar multiplier
//! between the vector rounds. Elsewhere ChaCha20-Poly1305 runs on the
//! portable path, whose primitive crates pick their own SIMD code.
//!
//! Every kernel opens in one pass, as it seals: it authenticates the
//! ciphertext while it decrypts it in place, compares tags in constant
//! time, and wipes the buffer when they differ, so no plaintext is
//! released for a page that does not verify. (The portable path of AES-GCM
//! and ChaCha20-Poly1305 verifies before it decrypts.)
//!
//! The portable path is constant time when the primitive crates run their
//! software backends (see `pageseal-core`): fixsliced `aes`, constant-time
//! `polyval`/`poly1305` limb arithmetic, add-rotate-xor ChaCha20, and the
//! AEGIS state machine of `pageseal-core` on fixsliced AES rounds. The
//! hardware kernels here use no table lookups and no secret-dependent
//! branches: AES rounds are instructions, GHASH is carry-less
//! multiplication, ChaCha20 is vector add-rotate-xor, Poly1305 is a fixed
//! sequence of 64-bit multiplications with a masked final reduction, and
//! tags are compared with `subtle`.
//!
//! ```
//! use pageseal_core::{Aead, Suite};
//! use pageseal_dispatch::{Backend, Cipher};
//!
//! let fast = Cipher::new(Suite::Aegis128L, &[7; 16])?;
//! let reference = Cipher::with_backend(Suite::Aegis128L, &[7; 16], Backend::Portable)?;
//! let mut a = *b"same bytes on every backend";
//! let mut b = a;
//! let tag = fast.seal_detached(&[1; 16], b"ad", &mut a)?;
//! assert_eq!(tag, reference.seal_detached(&[1; 16], b"ad", &mut b)?);
//! assert_eq!(a, b);
//! # Ok::<(), pageseal_dispatch::Error>(())
//! ```
//!
//! # Safety
//!
//! All of the workspace's `unsafe` code is here. Kernels are
//! `#[target_feature]` functions; the only way to call one is through a
//! per-architecture proof value (`Proven`, and the `AesProof` or
//! `ChaChaProof` it yields for a backend with such kernels) that is
//! created only after [`Cpu::detect`] found every feature the kernel
//! enables. The dispatch decision is made once per [`Cipher`] (and
//! [`CompactCipher`]): choosing its backend takes the proof, the cipher
//! carries it, and no later step
//! (keying, sealing, opening) asks the CPU again. The one
//! exception is the NEON backend, compiled only when the build itself
//! enables NEON (`cfg(target_feature = "neon")`), so every CPU that runs
//! the build has it. Forcing a backend the CPU lacks returns
//! [`Error::Unsupported`], never undefined behaviour. Scratch buffers that
//! held keystream are wiped with volatile stores. The vector types the kernels are written over are private to
//! the crate and used only inside those kernels. Every `unsafe` block
//! names the check that makes it sound.

#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
mod aegis;
mod backend;
#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "aarch64", target_feature = "neon")
))]
mod chacha;
mod cipher;
mod compact;
mod detect;
mod error;
mod fork;
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
mod gcm;
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
mod kernel;
#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "aarch64", target_feature = "neon")
))]
mod poly1305;
#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "aarch64", target_feature = "neon")
))]
mod wipe;

#[cfg(target_arch = "aarch64")]
mod arm;
#[cfg(target_arch = "x86_64")]
mod x86;

#[cfg(target_arch = "aarch64")]
use arm as arch;
#[cfg(target_arch = "x86_64")]
use x86 as arch;

/// Targets without hardware backends: only the portable path.
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
mod arch {
    use crate::backend::{Backend, Kernels};

    /// No hardware backend exists on this target.
    #[derive(Clone, Copy)]
    pub(crate) enum Isa {}

    impl Isa {
        /// None: no backend but the portable one runs here.
        pub(crate) fn of(_backend: Backend) -> Option<Isa> {
            None
        }

        /// Unreachable: there is no hardware backend.
        pub(crate) fn backend(self) -> Backend {
            match self {}
        }

        /// Unreachable: there is no hardware backend.
        pub(crate) fn kernels(self) -> Kernels {
            match self {}
        }
    }
}

pub use backend::{Backend, available_backends, backend_for, recommended_suite};
pub use cipher::Cipher;
pub use compact::CompactCipher;
pub use detect::{Cpu, Feature};
pub use error::Error;
pub use fork::fork_generation;
pub use pageseal_core::Portable;
