//! x86_64 backends: AES-NI with PCLMULQDQ on 128-bit vectors, and VAES with
//! VPCLMULQDQ on 256-bit (AVX2) and 512-bit (AVX-512) vectors.

mod aegis;
mod aes_key;
mod aesni_lanes;
mod chacha;
mod chacha_lanes;
mod gcm;
mod gcm_lanes;
mod ghash;
mod vaes_lanes;

use pageseal_core::{Error, Key, Suite, Tag};

use crate::backend::Backend;
use crate::detect::Cpu;
use crate::kernel::OnePass;

/// The x86 instruction-set levels, one per x86 backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Isa {
    AesNi,
    Vaes256,
    Vaes512,
}

/// Proof that detection found every feature of one x86 level: the only way
/// to reach the `#[target_feature]` kernels of this module.
#[derive(Clone, Copy)]
pub(crate) struct Proven(Isa);

impl Proven {
    /// The proof for `backend`, if it is an x86 backend and `cpu` has all
    /// of its features.
    fn check(backend: Backend, cpu: Cpu) -> Option<Proven> {
        let isa = Isa::of(backend)?;
        cpu.has_all(backend.features()).then_some(Proven(isa))
    }
}

impl Isa {
    /// The level of an x86 backend.
    fn of(backend: Backend) -> Option<Isa> {
        match backend {
            Backend::AesNi => Some(Isa::AesNi),
            Backend::Vaes256 => Some(Isa::Vaes256),
            Backend::Vaes512 => Some(Isa::Vaes512),
            _ => None,
        }
    }
}

/// Whether an x86 kernel of `backend` exists for `suite`.
pub(crate) fn has_kernel(backend: Backend, suite: Suite) -> bool {
    let Some(isa) = Isa::of(backend) else {
        return false;
    };
    crate::aegis::is_aegis(suite) || crate::gcm::is_gcm(suite) || chacha::has_kernel(isa, suite)
}

/// A suite keyed for one x86 backend.
// No allocator to box the GCM tables with; a cipher is built once per key.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Keyed {
    /// A suite without precomputed tables.
    Light(Light),
    /// AES-GCM with its round keys and hash-key powers.
    Gcm(gcm::Gcm),
}

/// A suite keyed for one x86 backend with no precomputed tables: small,
/// and cheap to create.
pub(crate) enum Light {
    /// An AEGIS-based suite: the key, expanded on every call as AEGIS does.
    Aegis(Proven, Suite, Key),
    /// ChaCha20-Poly1305 with its key.
    ChaCha(chacha::ChaCha),
}

impl Keyed {
    /// Keys `suite` for `backend`, or `None` when `cpu` lacks the backend's
    /// features or the backend has no kernel for the suite.
    pub(crate) fn new(
        backend: Backend,
        cpu: Cpu,
        suite: Suite,
        key: &[u8],
    ) -> Result<Option<Keyed>, Error> {
        if !crate::gcm::is_gcm(suite) {
            return Light::new(backend, cpu, suite, key).map(|light| light.map(Keyed::Light));
        }
        let key = Key::new(suite, key)?;
        Ok(Proven::check(backend, cpu)
            .map(|proof| Keyed::Gcm(gcm::Gcm::new(proof, key.as_bytes()))))
    }

    /// The keyed suite.
    pub(crate) fn suite(&self) -> Suite {
        match self {
            Keyed::Light(light) => light.suite(),
            Keyed::Gcm(gcm) => gcm.suite(),
        }
    }

    /// Encrypts `buf` in place and returns the tag (nonce length checked).
    pub(crate) fn seal(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8]) -> Result<Tag, Error> {
        match self {
            Keyed::Light(light) => light.seal(nonce, aad, buf),
            Keyed::Gcm(gcm) => gcm.seal(nonce, aad, buf),
        }
    }

    /// Verifies and decrypts `buf` in place, wiping it on a wrong tag.
    pub(crate) fn open(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<(), Error> {
        match self {
            Keyed::Light(light) => light.open(nonce, aad, buf, tag),
            Keyed::Gcm(gcm) => gcm.open(nonce, aad, buf, tag),
        }
    }
}

impl Light {
    /// Keys `suite` (not AES-GCM) for `backend`, or `None` when `cpu` lacks
    /// the backend's features or the backend has no kernel for the suite.
    pub(crate) fn new(
        backend: Backend,
        cpu: Cpu,
        suite: Suite,
        key: &[u8],
    ) -> Result<Option<Light>, Error> {
        let key = Key::new(suite, key)?;
        let Some(proof) = Proven::check(backend, cpu) else {
            return Ok(None);
        };
        Ok(if crate::aegis::is_aegis(suite) {
            Some(Light::Aegis(proof, suite, key))
        } else if crate::gcm::is_gcm(suite) {
            None
        } else {
            chacha::ChaCha::new(proof, key.as_bytes()).map(Light::ChaCha)
        })
    }

    /// The keyed suite.
    pub(crate) fn suite(&self) -> Suite {
        match self {
            Light::Aegis(_, suite, _) => *suite,
            Light::ChaCha(chacha) => chacha.suite(),
        }
    }

    /// Encrypts `buf` in place and returns the tag (nonce length checked).
    pub(crate) fn seal(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8]) -> Result<Tag, Error> {
        match self {
            Light::Aegis(proof, suite, key) => {
                Ok(aegis::seal(*proof, *suite, key.as_bytes(), nonce, aad, buf))
            }
            Light::ChaCha(chacha) => chacha.seal(nonce, aad, buf),
        }
    }

    /// Verifies and decrypts `buf` in place, wiping it on a wrong tag.
    pub(crate) fn open(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<(), Error> {
        match self {
            Light::Aegis(proof, suite, key) => {
                aegis::open(*proof, *suite, key.as_bytes(), nonce, aad, buf, tag)
            }
            Light::ChaCha(chacha) => chacha.open(nonce, aad, buf, tag),
        }
    }
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
