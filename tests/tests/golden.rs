//! Golden files freeze the on-disk format: each file in `tests/data/golden`
//! must open with today's code to its known plaintext, and rebuilding it
//! with the same deterministic randomness must give the same bytes. A change
//! that breaks this is a format version bump, made on purpose.
//!
//! To regenerate after such a bump: `PAGESEAL_BLESS=1 cargo test -p
//! pageseal-tests --test golden`.

use std::path::PathBuf;

use pageseal_core::{Secret, Suite};
use pageseal_tests::golden::{
    GOLDEN_PASSPHRASE, TestRng, build_file, golden_payload, golden_raw_key, open_file,
};

const PAGE_SIZE: usize = 512;
const PAGES: usize = 2;

#[derive(Clone, Copy)]
enum Variant {
    RawKey,
    Passphrase,
    Keyless,
}

/// Every golden file: one per suite with the raw key (keyless for
/// `checksum`), and passphrase variants of three suites.
fn golden_set() -> Vec<(String, Suite, Variant)> {
    let mut set: Vec<_> = Suite::ALL
        .into_iter()
        .map(|s| {
            let variant = if s.is_keyed() {
                Variant::RawKey
            } else {
                Variant::Keyless
            };
            (format!("{}.pseal", s.name()), s, variant)
        })
        .collect();
    for s in [Suite::Aes256Gcm, Suite::ChaCha20Poly1305, Suite::Aegis128L] {
        set.push((
            format!("{}.passphrase.pseal", s.name()),
            s,
            Variant::Passphrase,
        ));
    }
    set
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/golden")
}

#[test]
fn golden_files_open_and_are_reproduced_byte_for_byte() {
    let key = golden_raw_key();
    let bless = std::env::var_os("PAGESEAL_BLESS").is_some();
    for (name, suite, variant) in golden_set() {
        let secret = match variant {
            Variant::RawKey => Some(Secret::RawKey(&key)),
            Variant::Passphrase => Some(Secret::Passphrase(GOLDEN_PASSPHRASE)),
            Variant::Keyless => None,
        };
        let seed = u64::from(suite.id())
            + if matches!(variant, Variant::Passphrase) {
                100
            } else {
                0
            };
        let rebuilt = build_file(
            suite,
            PAGE_SIZE,
            secret.as_ref(),
            PAGES,
            &mut TestRng::new(seed),
        )
        .unwrap();
        let path = golden_dir().join(&name);
        if bless {
            std::fs::write(&path, &rebuilt).unwrap();
        }
        let stored = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let pages = open_file(&stored, secret.as_ref()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(pages.len(), PAGES, "{name}");
        for (n, page) in pages.iter().enumerate() {
            assert_eq!(page, &golden_payload(n, page.len()), "{name} page {n}");
        }
        assert!(
            stored == rebuilt,
            "{name}: today's writer no longer produces the golden bytes"
        );
    }
}

#[test]
fn golden_files_refuse_the_wrong_secret() {
    let wrong = pageseal_core::RawKey::new([0xee; 32]);
    for (name, _, variant) in golden_set() {
        let stored = std::fs::read(golden_dir().join(&name)).unwrap();
        let err = match variant {
            Variant::RawKey => open_file(&stored, Some(&Secret::RawKey(&wrong))).unwrap_err(),
            Variant::Passphrase => {
                open_file(&stored, Some(&Secret::Passphrase(b"Tr0ub4dor&3"))).unwrap_err()
            }
            Variant::Keyless => open_file(&stored, Some(&Secret::RawKey(&wrong))).unwrap_err(),
        };
        let expected = match variant {
            Variant::Keyless => pageseal_core::Error::KeyNotExpected,
            _ => pageseal_core::Error::WrongKey,
        };
        assert_eq!(err, expected, "{name}");
    }
}
