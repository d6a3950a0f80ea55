//! aarch64 backends. `armv8`: ARMv8 AES rounds (`AESE` + `AESMC`) for the
//! AEGIS family and the `checksum` suite, and a stitched AES-GCM kernel
//! (counter-mode AES on eight blocks per iteration interleaved with GHASH
//! on `PMULL`). `neon`: ChaCha20-Poly1305 on 4-block NEON batches stitched
//! with Poly1305, for every aarch64 CPU (NEON is part of the build's
//! baseline; no AES extension needed).

pub(crate) mod aegis;
mod aes_key;
#[cfg(target_feature = "neon")]
pub(crate) mod chacha;
#[cfg(target_feature = "neon")]
mod chacha_lanes;
pub(crate) mod gcm;
pub(crate) mod ghash;
mod lanes;

use crate::backend::{Backend, Kernels, Proven};

/// The aarch64 backends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Isa {
    /// ARMv8 AES and PMULL (with NEON), found at run time.
    Armv8,
    /// NEON, part of the build.
    Neon,
}

impl Isa {
    /// The aarch64 backend `backend` stands for.
    pub(crate) fn of(backend: Backend) -> Option<Isa> {
        match backend {
            Backend::Armv8 => Some(Isa::Armv8),
            Backend::Neon => Some(Isa::Neon),
            Backend::Portable | Backend::AesNi | Backend::Vaes256 | Backend::Vaes512 => None,
        }
    }

    /// The backend of the level.
    pub(crate) fn backend(self) -> Backend {
        match self {
            Isa::Armv8 => Backend::Armv8,
            Isa::Neon => Backend::Neon,
        }
    }

    /// What the backend has kernels for: AES on `armv8`, ChaCha20 on
    /// `neon` when the build has NEON.
    pub(crate) fn kernels(self) -> Kernels {
        Kernels {
            aes: self == Isa::Armv8,
            chacha: self == Isa::Neon && cfg!(target_feature = "neon"),
        }
    }
}

/// Proof that detection found ARMv8 AES and PMULL (with NEON): the only
/// way to reach the `#[target_feature(enable = "neon,aes")]` kernels of
/// this module.
#[derive(Clone, Copy)]
pub(crate) struct AesProof(());

/// The ChaCha20 kernel's proof: NEON is part of the build, so it carries
/// nothing.
#[cfg(target_feature = "neon")]
#[derive(Clone, Copy)]
pub(crate) struct ChaChaProof(());

/// The proof for the AES kernels, for `armv8` (whose proof says detection
/// found ARMv8 AES and PMULL).
pub(crate) fn aes_proof(proof: Proven) -> Option<AesProof> {
    proof.isa().kernels().aes.then_some(AesProof(()))
}

/// The proof for the ChaCha20 kernel, for `neon`.
#[cfg(target_feature = "neon")]
pub(crate) fn chacha_proof(proof: Proven) -> Option<ChaChaProof> {
    proof.isa().kernels().chacha.then_some(ChaChaProof(()))
}
