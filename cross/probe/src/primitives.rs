//! The primitive crates' backends. This mirrors the backend selection of the
//! versions pinned in Cargo.lock (aes 0.9, polyval 0.7 under ghash,
//! chacha20 0.10, poly1305 0.9): a cfg-forced software backend wins,
//! otherwise the crate probes the CPU at run time (AES, PMULL) or picks at
//! compile time (NEON).

#![allow(unexpected_cfgs)]

#[allow(dead_code)] // not used on targets without crypto instructions
fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

#[cfg(target_arch = "aarch64")]
pub fn report() {
    use std::arch::is_aarch64_feature_detected as has;
    let (aes, pmull) = (has!("aes"), has!("pmull"));
    println!(
        "cpu (aarch64): aes={} pmull={} neon={} sha3={}",
        yes(aes),
        yes(pmull),
        yes(has!("neon")),
        yes(has!("sha3"))
    );
    print(
        if cfg!(aes_backend = "soft") {
            "soft (fixsliced), forced by --cfg aes_backend=\"soft\"".into()
        } else if aes && pmull {
            "armv8 AES instructions (run-time detected)".into()
        } else {
            "soft (fixsliced): the CPU lacks AES".to_string()
        },
        if cfg!(polyval_backend = "soft") {
            "soft, forced by --cfg polyval_backend=\"soft\"".into()
        } else if aes && pmull {
            "armv8 PMULL (run-time detected)".into()
        } else {
            "soft: the CPU lacks PMULL".to_string()
        },
        if cfg!(chacha20_backend = "soft") {
            "soft, forced by --cfg chacha20_backend=\"soft\""
        } else if cfg!(target_feature = "neon") {
            "neon (compile-time target feature)"
        } else {
            "soft"
        },
        "soft (poly1305 has no aarch64 backend)",
    );
}

#[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
pub fn report() {
    let (aes, clmul) = (
        std::arch::is_x86_feature_detected!("aes"),
        std::arch::is_x86_feature_detected!("pclmulqdq"),
    );
    let avx2 = std::arch::is_x86_feature_detected!("avx2");
    println!(
        "cpu (x86): aes={} pclmulqdq={} avx2={} vaes={}",
        yes(aes),
        yes(clmul),
        yes(avx2),
        yes(std::arch::is_x86_feature_detected!("vaes"))
    );
    print(
        if cfg!(aes_backend = "soft") {
            "soft (fixsliced), forced".into()
        } else if aes {
            "AES-NI/VAES (run-time detected)".into()
        } else {
            "soft (fixsliced)".to_string()
        },
        if cfg!(polyval_backend = "soft") {
            "soft, forced".into()
        } else if clmul {
            "PCLMULQDQ (run-time detected)".into()
        } else {
            "soft".to_string()
        },
        if cfg!(chacha20_backend = "soft") {
            "soft, forced"
        } else {
            "sse2/avx2 (run-time detected)"
        },
        if cfg!(poly1305_backend = "soft") {
            "soft, forced"
        } else if avx2 {
            "avx2 (run-time detected)"
        } else {
            "soft"
        },
    );
}

#[cfg(not(any(target_arch = "aarch64", target_arch = "x86_64", target_arch = "x86")))]
pub fn report() {
    println!(
        "cpu ({}, {}-endian): no AES or carry-less multiply instructions are used",
        std::env::consts::ARCH,
        if cfg!(target_endian = "big") {
            "big"
        } else {
            "little"
        }
    );
    print("soft (fixsliced)".into(), "soft".into(), "soft", "soft");
}

fn print(aes: String, polyval: String, chacha20: &str, poly1305: &str) {
    println!("primitive backends exercised by pageseal-core's portable path:");
    println!("  aes (AES-GCM, AEGIS rounds): {aes}");
    println!("  polyval (GHASH of AES-GCM):  {polyval}");
    println!("  chacha20:                    {chacha20}");
    println!("  poly1305:                    {poly1305}");
}
