//! Backends: what each one needs from the CPU, which suites it has a
//! kernel for, and which one runs each suite by default.

use core::fmt;

use pageseal_core::Suite;

use crate::detect::{Cpu, Feature};
use crate::error::Error;

/// An implementation family of the suites.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// `pageseal_core::Portable`: the primitive crates (`aes`, `ghash`,
    /// `chacha20`, `poly1305`), which use the CPU's instructions when they
    /// find them and constant-time software otherwise. Always available.
    Portable,
    /// x86_64 AES-NI and PCLMULQDQ on 128-bit registers: stitched AES-GCM,
    /// and AEGIS (X variants on several 128-bit registers).
    AesNi,
    /// x86_64 VAES and VPCLMULQDQ on 256-bit registers (AVX2): stitched
    /// AES-GCM on two blocks per register, AEGIS X2/X4 on 256-bit
    /// registers, single-lane AEGIS on (VEX-encoded) AES-NI rounds, and
    /// ChaCha20-Poly1305 on 8-block AVX2 batches stitched with Poly1305.
    Vaes256,
    /// x86_64 VAES with AVX-512: AEGIS-128X4/256X4 in one 512-bit register,
    /// stitched AES-GCM on four blocks per 512-bit register,
    /// ChaCha20-Poly1305 on 16-block 512-bit batches, the rest as
    /// [`Backend::Vaes256`].
    Vaes512,
    /// aarch64 ARMv8 AES (AESE/AESMC) and PMULL: AEGIS (X variants on
    /// several 128-bit registers), and stitched AES-GCM (counter mode on 8
    /// blocks per iteration, GHASH with PMULL and one reduction per
    /// iteration).
    Armv8,
    /// aarch64 NEON (Advanced SIMD, part of every aarch64 build with an
    /// FPU; no run-time feature needed): ChaCha20-Poly1305 on 4-block
    /// batches stitched with Poly1305, also on CPUs without the AES
    /// extension.
    Neon,
}

impl Backend {
    /// Every backend, in the order [`backend_for`] prefers them.
    pub const ALL: [Backend; 6] = [
        Backend::Vaes512,
        Backend::Vaes256,
        Backend::AesNi,
        Backend::Armv8,
        Backend::Neon,
        Backend::Portable,
    ];

    /// The backend's name, as the CLI's `--backend` and [`Backend::from_name`]
    /// spell it.
    pub const fn name(self) -> &'static str {
        match self {
            Backend::Portable => "portable",
            Backend::AesNi => "aes-ni",
            Backend::Vaes256 => "vaes256",
            Backend::Vaes512 => "vaes512",
            Backend::Armv8 => "armv8",
            Backend::Neon => "neon",
        }
    }

    /// The backend called `name` (ASCII case-insensitive).
    pub fn from_name(name: &str) -> Result<Backend, Error> {
        Backend::ALL
            .into_iter()
            .find(|b| b.name().eq_ignore_ascii_case(name))
            .ok_or(Error::UnknownBackendName)
    }

    /// The CPU features the backend needs to be detected at run time (none
    /// for [`Backend::Portable`], and none for [`Backend::Neon`], whose
    /// instructions the build itself requires).
    pub const fn features(self) -> &'static [Feature] {
        match self {
            Backend::Portable => &[],
            Backend::AesNi => &[Feature::AesNi, Feature::Pclmulqdq],
            Backend::Vaes256 => &[
                Feature::AesNi,
                Feature::Pclmulqdq,
                Feature::Avx2,
                Feature::Vaes,
                Feature::Vpclmulqdq,
            ],
            Backend::Vaes512 => &[
                Feature::AesNi,
                Feature::Pclmulqdq,
                Feature::Avx2,
                Feature::Vaes,
                Feature::Vpclmulqdq,
                Feature::Avx512,
            ],
            Backend::Armv8 => &[Feature::ArmAesPmull],
            Backend::Neon => &[],
        }
    }

    /// Whether this build has a kernel of the backend for `suite` (whatever
    /// the CPU it runs on).
    pub fn has_kernel(self, suite: Suite) -> bool {
        match self {
            Backend::Portable => true,
            _ => crate::arch::has_kernel(self, suite),
        }
    }

    /// Whether the backend can run `suite` here: it has a kernel for it and
    /// the CPU has the features it needs.
    pub fn is_available(self, suite: Suite) -> bool {
        self.has_kernel(suite) && Cpu::detect().has_all(self.features())
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl core::str::FromStr for Backend {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Backend::from_name(s)
    }
}

/// Every backend that can run `suite` on this CPU, most preferred first;
/// [`Backend::Portable`] is always last.
pub fn available_backends(suite: Suite) -> impl Iterator<Item = Backend> {
    Backend::ALL
        .into_iter()
        .filter(move |b| b.is_available(suite))
}

/// The backend [`crate::Cipher::new`] uses for `suite` on this CPU: the
/// fastest one available, or always [`Backend::Portable`] in a build with
/// `--cfg pageseal_backend="portable"` (for testing the constant-time path
/// through every layer, e.g. together with the primitive crates' soft cfgs).
pub fn backend_for(suite: Suite) -> Backend {
    if cfg!(pageseal_backend = "portable") {
        return Backend::Portable;
    }
    available_backends(suite)
        .next()
        .unwrap_or(Backend::Portable)
}

/// The suite `auto` picks: the fastest authenticated suite on this CPU.
///
/// Measured (see `benches/RESULTS.md`): with AES instructions the AEGIS
/// family is several times faster than AES-GCM and ChaCha20-Poly1305;
/// AEGIS-128X2 is the fastest where VAES runs two lanes per instruction,
/// AEGIS-128L where AES rounds are 128-bit only. Without AES instructions
/// ChaCha20-Poly1305 is the fastest suite that stays constant time.
pub fn recommended_suite() -> Suite {
    let cpu = Cpu::detect();
    if Backend::Vaes256.is_available(Suite::Aegis128X2) {
        Suite::Aegis128X2
    } else if cpu.has(Feature::AesNi) || cpu.has(Feature::ArmAesPmull) {
        Suite::Aegis128L
    } else {
        Suite::ChaCha20Poly1305
    }
}

/// Fails with [`Error::Unsupported`] unless `backend` can run `suite` here.
pub(crate) fn require(backend: Backend, suite: Suite) -> Result<Cpu, Error> {
    if backend.is_available(suite) {
        Ok(Cpu::detect())
    } else {
        Err(Error::Unsupported { backend, suite })
    }
}
