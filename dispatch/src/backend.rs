//! Backends: what each one needs from the CPU, which suites it has a
//! kernel for, and which one runs each suite by default.

use core::fmt;

use pageseal_core::{Construction, Suite};

use crate::arch::Isa;
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
            _ => Isa::of(self).is_some_and(|isa| isa.kernels().has(suite)),
        }
    }

    /// Whether the backend can run `suite` here: it has a kernel for it and
    /// the CPU has the features it needs.
    pub fn is_available(self, suite: Suite) -> bool {
        Choice::prove(self, suite, Cpu::detect()).is_some()
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
    Choice::best(suite).backend()
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
    if Choice::prove(Backend::Vaes256, Suite::Aegis128X2, cpu).is_some() {
        Suite::Aegis128X2
    } else if cpu.has(Feature::AesNi) || cpu.has(Feature::ArmAesPmull) {
        Suite::Aegis128L
    } else {
        Suite::ChaCha20Poly1305
    }
}

/// Which constructions a backend has kernels for: the AES ones (AES-GCM
/// and the AEGIS family with `checksum`) and ChaCha20-Poly1305.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Kernels {
    /// AES-GCM, the AEGIS family and `checksum`.
    pub(crate) aes: bool,
    /// ChaCha20-Poly1305.
    pub(crate) chacha: bool,
}

impl Kernels {
    /// Whether there is a kernel for `suite`.
    pub(crate) fn has(self, suite: Suite) -> bool {
        match suite.construction() {
            Construction::AesGcm { .. } | Construction::Aegis(_) => self.aes,
            Construction::ChaCha20Poly1305 => self.chacha,
        }
    }
}

/// Proof that detection found every feature of one hardware backend: the
/// only way to reach the `#[target_feature]` kernels of the architecture
/// modules, which draw the proofs their kernels take from it. Created only
/// by [`Proven::check`].
#[derive(Clone, Copy)]
pub(crate) struct Proven(Isa);

impl Proven {
    /// The proof for `backend`, if it is a hardware backend of this
    /// architecture and `cpu` has all of its features.
    pub(crate) fn check(backend: Backend, cpu: Cpu) -> Option<Proven> {
        let isa = Isa::of(backend)?;
        cpu.has_all(backend.features()).then_some(Proven(isa))
    }

    /// The backend proven, as the architecture names it.
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    pub(crate) fn isa(self) -> Isa {
        self.0
    }

    /// The backend proven.
    pub(crate) fn backend(self) -> Backend {
        self.0.backend()
    }
}

/// A backend that can run a suite here, with the proof of it: the
/// dispatch decision, taken once per cipher from one look at the CPU.
#[derive(Clone, Copy)]
pub(crate) enum Choice {
    /// The portable path (always possible).
    Portable,
    /// A hardware backend: detection found its features, and it has a
    /// kernel for the suite.
    Hardware(Proven),
}

impl Choice {
    /// The choice of `backend` for `suite` on `cpu`, if the backend has a
    /// kernel for the suite and `cpu` its features.
    pub(crate) fn prove(backend: Backend, suite: Suite, cpu: Cpu) -> Option<Choice> {
        match backend {
            Backend::Portable => Some(Choice::Portable),
            _ if backend.has_kernel(suite) => Proven::check(backend, cpu).map(Choice::Hardware),
            _ => None,
        }
    }

    /// The fastest backend for `suite` on this CPU ([`backend_for`]).
    pub(crate) fn best(suite: Suite) -> Choice {
        if cfg!(pageseal_backend = "portable") {
            return Choice::Portable;
        }
        let cpu = Cpu::detect();
        Backend::ALL
            .into_iter()
            .find_map(|b| Choice::prove(b, suite, cpu))
            .unwrap_or(Choice::Portable)
    }

    /// `backend` for `suite`, or [`Error::Unsupported`] when it cannot run
    /// the suite here.
    pub(crate) fn require(backend: Backend, suite: Suite) -> Result<Choice, Error> {
        Choice::prove(backend, suite, Cpu::detect()).ok_or(Error::Unsupported { backend, suite })
    }

    /// The backend chosen.
    pub(crate) fn backend(self) -> Backend {
        match self {
            Choice::Portable => Backend::Portable,
            Choice::Hardware(proof) => proof.backend(),
        }
    }
}
