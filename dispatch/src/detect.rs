//! CPU feature detection, run once and cached.
//!
//! On x86_64 the basics (AES-NI, PCLMULQDQ, SSSE3/SSE4.1, AVX2, AVX-512
//! F/BW/VL) come from `cpufeatures`, which also checks that the OS saves
//! the registers. VAES and VPCLMULQDQ are read from `cpuid` directly:
//! `cpufeatures` 0.3 ties them to AVX-512 state, so it reports neither on
//! CPUs that have them with AVX2 only. Here they count when `cpuid` leaf 7
//! sets them and `xgetbv` says the OS saves XMM and YMM state (their
//! 256-bit forms need nothing more). On aarch64 `cpufeatures` reports AES
//! together with PMULL. Nothing here needs `std`.

use core::fmt;
use core::sync::atomic::{AtomicU16, Ordering};

/// A CPU feature a backend may need.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Feature {
    /// x86 AES-NI with SSSE3 and SSE4.1 (byte shuffles, lane inserts).
    AesNi,
    /// x86 carry-less multiplication of 64-bit halves (PCLMULQDQ).
    Pclmulqdq,
    /// x86 AVX2 with the OS saving YMM registers.
    Avx2,
    /// x86 AES rounds on 256/512-bit vectors (VAES), OS saving YMM state.
    Vaes,
    /// x86 carry-less multiplication on 256/512-bit vectors (VPCLMULQDQ).
    Vpclmulqdq,
    /// x86 AVX-512 F, BW and VL with the OS saving opmask and ZMM state.
    Avx512,
    /// ARMv8 Cryptography Extension: AES rounds and 64-bit PMULL.
    ArmAesPmull,
}

impl Feature {
    /// Every feature, in report order.
    pub const ALL: [Feature; 7] = [
        Feature::AesNi,
        Feature::Pclmulqdq,
        Feature::Avx2,
        Feature::Vaes,
        Feature::Vpclmulqdq,
        Feature::Avx512,
        Feature::ArmAesPmull,
    ];

    /// The feature's name as `/proc/cpuinfo` or the CPU manual spells it.
    pub const fn name(self) -> &'static str {
        match self {
            Feature::AesNi => "aes",
            Feature::Pclmulqdq => "pclmulqdq",
            Feature::Avx2 => "avx2",
            Feature::Vaes => "vaes",
            Feature::Vpclmulqdq => "vpclmulqdq",
            Feature::Avx512 => "avx512f+bw+vl",
            Feature::ArmAesPmull => "aes+pmull",
        }
    }

    const fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// The features found on the running CPU.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Cpu {
    bits: u16,
}

/// Set once detection has run, so that a CPU with no feature is cached too.
const DETECTED: u16 = 1 << 15;

static CACHE: AtomicU16 = AtomicU16::new(0);

impl Cpu {
    /// The running CPU's features, probed on the first call and cached.
    pub fn detect() -> Cpu {
        let mut bits = CACHE.load(Ordering::Relaxed);
        if bits & DETECTED == 0 {
            bits = probe() | DETECTED;
            CACHE.store(bits, Ordering::Relaxed);
        }
        Cpu {
            bits: bits & !DETECTED,
        }
    }

    /// Whether the CPU has `feature`.
    pub const fn has(self, feature: Feature) -> bool {
        self.bits & feature.bit() != 0
    }

    /// Whether the CPU has every feature of `features`.
    pub fn has_all(self, features: &[Feature]) -> bool {
        features.iter().all(|&f| self.has(f))
    }

    /// The features found, in [`Feature::ALL`] order.
    pub fn features(self) -> impl Iterator<Item = Feature> {
        Feature::ALL.into_iter().filter(move |&f| self.has(f))
    }
}

impl fmt::Debug for Cpu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.features().map(Feature::name))
            .finish()
    }
}

impl fmt::Display for Cpu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for feature in self.features() {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            f.write_str(feature.name())?;
        }
        if first {
            f.write_str("(none)")?;
        }
        Ok(())
    }
}

#[cfg(target_arch = "x86_64")]
fn probe() -> u16 {
    cpufeatures::new!(cpuid_aesni, "aes", "ssse3", "sse4.1");
    cpufeatures::new!(cpuid_clmul, "pclmulqdq");
    cpufeatures::new!(cpuid_avx2, "avx2");
    cpufeatures::new!(cpuid_avx512, "avx512f", "avx512bw", "avx512vl");

    let mut bits = 0;
    let mut set = |feature: Feature, on: bool| {
        if on {
            bits |= feature.bit();
        }
    };
    set(Feature::AesNi, cpuid_aesni::get());
    set(Feature::Pclmulqdq, cpuid_clmul::get());
    set(Feature::Avx2, cpuid_avx2::get());
    set(Feature::Avx512, cpuid_avx512::get());
    let (vaes, vpclmulqdq) = crate::x86::cpuid::vector_aes_clmul();
    set(Feature::Vaes, vaes);
    set(Feature::Vpclmulqdq, vpclmulqdq);
    bits
}

#[cfg(target_arch = "aarch64")]
fn probe() -> u16 {
    cpufeatures::new!(cpuid_aes, "aes");
    if cpuid_aes::get() {
        Feature::ArmAesPmull.bit()
    } else {
        0
    }
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn probe() -> u16 {
    0
}
