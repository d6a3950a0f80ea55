//! x86_64 backends: AES-NI with PCLMULQDQ on 128-bit vectors, and VAES with
//! VPCLMULQDQ on 256-bit (AVX2) and 512-bit (AVX-512) vectors.

pub(crate) mod aegis;
mod aes_key;
mod aesni_lanes;
pub(crate) mod chacha;
mod chacha_lanes;
pub(crate) mod gcm;
mod gcm_lanes;
pub(crate) mod ghash;
mod vaes_lanes;

use crate::backend::{Backend, Kernels, Proven};

/// The x86 instruction-set levels, one per x86 backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Isa {
    /// AES-NI and PCLMULQDQ (with SSSE3 and SSE4.1).
    AesNi,
    /// VAES and VPCLMULQDQ on 256-bit registers (with AVX2).
    Vaes256,
    /// VAES and VPCLMULQDQ on 512-bit registers (with AVX-512 F/BW/VL).
    Vaes512,
}

impl Isa {
    /// The level of an x86 backend.
    pub(crate) fn of(backend: Backend) -> Option<Isa> {
        match backend {
            Backend::AesNi => Some(Isa::AesNi),
            Backend::Vaes256 => Some(Isa::Vaes256),
            Backend::Vaes512 => Some(Isa::Vaes512),
            Backend::Portable | Backend::Armv8 | Backend::Neon => None,
        }
    }

    /// The backend of the level.
    pub(crate) fn backend(self) -> Backend {
        match self {
            Isa::AesNi => Backend::AesNi,
            Isa::Vaes256 => Backend::Vaes256,
            Isa::Vaes512 => Backend::Vaes512,
        }
    }

    /// What the level has kernels for: AES everywhere, ChaCha20 where
    /// there is AVX2 (the VAES levels).
    pub(crate) fn kernels(self) -> Kernels {
        Kernels {
            aes: true,
            chacha: self != Isa::AesNi,
        }
    }
}

/// The proof the AES kernels need: every x86 level has AES-NI, PCLMULQDQ,
/// SSSE3 and SSE4.1, so any proof of an x86 level will do.
pub(crate) type AesProof = Proven;

/// The proof the ChaCha20 kernels need: a level with AVX2.
#[derive(Clone, Copy)]
pub(crate) struct ChaChaProof(Isa);

/// The proof for the AES kernels (every level has them).
pub(crate) fn aes_proof(proof: Proven) -> Option<AesProof> {
    proof.isa().kernels().aes.then_some(proof)
}

/// The proof for the ChaCha20 kernels, on the levels with AVX2.
pub(crate) fn chacha_proof(proof: Proven) -> Option<ChaChaProof> {
    let isa = proof.isa();
    isa.kernels().chacha.then_some(ChaChaProof(isa))
}

/// Raw `cpuid`/`xgetbv` probes for what `cpufeatures` 0.3 misreports.
pub(crate) mod cpuid {
    use core::arch::x86_64::{__cpuid, __cpuid_count, _xgetbv};

    /// `cpuid` leaf 1, ECX: the OS enabled `xgetbv`/`xsave` (OSXSAVE).
    const OSXSAVE: u32 = 1 << 27;
    /// `cpuid` leaf 7 subleaf 0, ECX: VAES.
    const VAES: u32 = 1 << 9;
    /// `cpuid` leaf 7 subleaf 0, ECX: VPCLMULQDQ.
    const VPCLMULQDQ: u32 = 1 << 10;
    /// XCR0: the OS saves XMM (bit 1) and YMM (bit 2) state.
    const XCR0_XMM_YMM: u64 = 0b110;

    /// Whether VAES and VPCLMULQDQ are usable on 256-bit vectors: `cpuid`
    /// sets them and the OS saves XMM and YMM state. (Their 512-bit forms
    /// also need AVX-512, which `cpufeatures` checks separately.)
    pub(crate) fn vector_aes_clmul() -> (bool, bool) {
        // SAFETY: `cpuid` exists on every x86_64 CPU (the intrinsics are
        // safe functions on recent Rust, hence the allowance).
        #[allow(unused_unsafe)]
        let (leaf0, leaf1, leaf7) = unsafe { (__cpuid(0), __cpuid(1), __cpuid_count(7, 0)) };
        if leaf0.eax < 7 || leaf1.ecx & OSXSAVE == 0 {
            return (false, false);
        }
        // SAFETY: `xgetbv` needs the XSAVE feature, and the OS enabling it
        // (CPUID.1:ECX.OSXSAVE, checked just above) implies the CPU has it.
        let xcr0 = unsafe { xgetbv0() };
        if xcr0 & XCR0_XMM_YMM != XCR0_XMM_YMM {
            return (false, false);
        }
        (leaf7.ecx & VAES != 0, leaf7.ecx & VPCLMULQDQ != 0)
    }

    /// Reads XCR0.
    ///
    /// # Safety
    /// The CPU must support XSAVE and the OS must have set CR4.OSXSAVE.
    #[target_feature(enable = "xsave")]
    unsafe fn xgetbv0() -> u64 {
        // SAFETY: the caller guarantees XSAVE support and OSXSAVE.
        unsafe { _xgetbv(0) }
    }
}
