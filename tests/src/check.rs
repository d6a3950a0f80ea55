//! Running vectors against every implementation and counting the results.

use pageseal_core::{Aead, Error, TAG_LEN, Tag};

use crate::implementations;
use crate::vectors::{Expected, Vector, hex, load_vectors};

/// What [`check_vector`] did with a vector that did not fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The vector ran against this many implementations and gave the
    /// expected result on each.
    Ran(usize),
    /// The vector is not applicable to pageseal; the reason says why.
    Skipped(String),
}

/// Runs `vector` against every implementation of its suite.
///
/// * valid: seals `msg` and compares ciphertext and tag byte for byte, then
///   opens `ct` and `tag` and compares the result with `msg`;
/// * invalid: opens `ct` and `tag`, and requires
///   `Err(Error::Authentication)` with the buffer all zeros afterwards.
///
/// Vectors whose key, nonce or tag length pageseal does not support, and
/// not-applicable entries, are skipped (counted, with the reason). For a key
/// or nonce of the wrong length it additionally checks that the
/// implementations refuse it up front, with [`Error::InvalidKeyLength`] or
/// [`Error::InvalidNonceLength`].
///
/// Returns every mismatch, each naming the file, the vector id and the
/// implementation.
pub fn check_vector(vector: &Vector) -> Result<Outcome, Vec<String>> {
    let Some(suite) = vector.suite else {
        let reason = vector.reason.clone().unwrap_or_default();
        return Ok(Outcome::Skipped(reason));
    };
    if vector.key.len() != suite.key_len() {
        let want = Error::InvalidKeyLength {
            suite,
            expected: suite.key_len(),
            actual: vector.key.len(),
        };
        return match implementations(suite, &vector.key) {
            Err(e) if e == want => Ok(Outcome::Skipped(format!(
                "{}-bit key",
                vector.key.len() * 8
            ))),
            Err(e) => Err(vec![format!(
                "{}: a {}-byte {suite} key should be refused with {want:?}, got {e:?}",
                vector.location(),
                vector.key.len()
            )]),
            Ok(_) => Err(vec![format!(
                "{}: a {}-byte {suite} key should be refused with {want:?}, but was accepted",
                vector.location(),
                vector.key.len()
            )]),
        };
    }
    let impls = implementations(suite, &vector.key).map_err(|e| {
        vec![format!(
            "{}: {suite}: cannot key the implementations: {e}",
            vector.location()
        )]
    })?;
    let mut failures = Vec::new();
    if vector.nonce.len() != suite.nonce_len() {
        let want = Err(Error::InvalidNonceLength {
            suite,
            expected: suite.nonce_len(),
            actual: vector.nonce.len(),
        });
        for (name, aead) in &impls {
            let mut buf = vector.ct.clone();
            let sealed = aead.seal_detached(&vector.nonce, &vector.aad, &mut buf);
            let opened = aead.open_detached(&vector.nonce, &vector.aad, &mut buf, &[0; TAG_LEN]);
            if sealed.map(|_| ()) != want || opened != want {
                failures.push(format!(
                    "{} ({name}): a {}-byte nonce should be refused with {want:?}; \
                     seal gave {sealed:?}, open gave {opened:?}",
                    vector.location(),
                    vector.nonce.len()
                ));
            }
        }
        return if failures.is_empty() {
            Ok(Outcome::Skipped(format!(
                "{}-bit nonce",
                vector.nonce.len() * 8
            )))
        } else {
            Err(failures)
        };
    }
    let Ok(tag) = Tag::try_from(vector.tag.as_slice()) else {
        return Ok(Outcome::Skipped(format!(
            "{}-bit tag",
            vector.tag.len() * 8
        )));
    };
    for (name, aead) in &impls {
        let at = format!("{} ({name}, {suite})", vector.location());
        match vector.expected {
            Expected::Valid => {
                let msg = vector.msg.as_deref().unwrap_or_default();
                check_valid(&mut failures, &at, aead.as_ref(), vector, msg, &tag);
            }
            Expected::Invalid => check_invalid(&mut failures, &at, aead.as_ref(), vector, &tag),
            Expected::NotApplicable => unreachable!("not-applicable vectors have no suite"),
        }
    }
    if failures.is_empty() {
        Ok(Outcome::Ran(impls.len()))
    } else {
        Err(failures)
    }
}

/// Seals and opens a valid vector with one implementation.
fn check_valid(
    failures: &mut Vec<String>,
    at: &str,
    aead: &dyn Aead,
    vector: &Vector,
    msg: &[u8],
    tag: &Tag,
) {
    let mut buf = msg.to_vec();
    match aead.seal_detached(&vector.nonce, &vector.aad, &mut buf) {
        Err(e) => failures.push(format!("{at}: seal failed: {e:?}")),
        Ok(got_tag) => {
            if buf != vector.ct {
                failures.push(format!(
                    "{at}: seal gave ciphertext {}, expected {}",
                    hex(&buf),
                    hex(&vector.ct)
                ));
            }
            if got_tag != *tag {
                failures.push(format!(
                    "{at}: seal gave tag {}, expected {}",
                    hex(&got_tag),
                    hex(tag)
                ));
            }
        }
    }
    let mut buf = vector.ct.clone();
    match aead.open_detached(&vector.nonce, &vector.aad, &mut buf, tag) {
        Err(e) => failures.push(format!(
            "{at}: open of the expected ciphertext failed: {e:?}"
        )),
        Ok(()) if buf != msg => failures.push(format!(
            "{at}: open gave plaintext {}, expected {}",
            hex(&buf),
            hex(msg)
        )),
        Ok(()) => {}
    }
}

/// Opens an invalid vector with one implementation: it must fail and wipe.
fn check_invalid(
    failures: &mut Vec<String>,
    at: &str,
    aead: &dyn Aead,
    vector: &Vector,
    tag: &Tag,
) {
    let mut buf = vector.ct.clone();
    match aead.open_detached(&vector.nonce, &vector.aad, &mut buf, tag) {
        Err(Error::Authentication) => {
            if buf.iter().any(|&b| b != 0) {
                failures.push(format!(
                    "{at}: open failed to authenticate but left {} in the buffer \
                     instead of zeros",
                    hex(&buf)
                ));
            }
        }
        other => failures.push(format!(
            "{at}: open should fail with Err(Authentication), gave {other:?} \
             (buffer now {})",
            hex(&buf)
        )),
    }
}

/// How many vectors of one source ran and how many were skipped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Vectors that ran (each against every implementation), failed or not.
    pub run: usize,
    /// Vectors that were not applicable, by reason.
    pub skipped: std::collections::BTreeMap<String, usize>,
    /// Vectors that ran and gave a wrong result.
    pub failed: usize,
    /// Every mismatch found (a failed vector may have several).
    pub failures: Vec<String>,
}

impl Counts {
    /// Total number of skipped vectors.
    pub fn skipped_total(&self) -> usize {
        self.skipped.values().sum()
    }

    /// Checks every vector of `vectors` with [`check_vector`] and tallies
    /// the outcome.
    pub fn check_all<'a>(vectors: impl IntoIterator<Item = &'a Vector>) -> Counts {
        let mut counts = Counts::default();
        for vector in vectors {
            match check_vector(vector) {
                Ok(Outcome::Ran(_)) => counts.run += 1,
                Ok(Outcome::Skipped(reason)) => *counts.skipped.entry(reason).or_default() += 1,
                Err(failures) => {
                    counts.run += 1;
                    counts.failed += 1;
                    counts.failures.extend(failures);
                }
            }
        }
        counts
    }

    /// One line: `<source>: N run, K failed, M skipped (reasons)`.
    pub fn summary(&self, source: &str) -> String {
        let reasons = self
            .skipped
            .iter()
            .map(|(reason, n)| format!("{n}: {reason}"))
            .collect::<Vec<_>>()
            .join("; ");
        format!(
            "{source}: {} run, {} failed, {} skipped{}",
            self.run,
            self.failed,
            self.skipped_total(),
            if reasons.is_empty() {
                String::new()
            } else {
                format!(" ({reasons})")
            }
        )
    }
}

/// Runs every vector of each named file in `data/vectors/`, prints a
/// run/skipped summary per file, and panics if any vector failed or if a
/// file ran no vector at all.
pub fn run_vector_files(names: &[&str]) {
    let mut failures = Vec::new();
    let mut empty = Vec::new();
    for name in names {
        let vectors = load_vectors(name);
        let counts = Counts::check_all(&vectors);
        println!("{}", counts.summary(name));
        if counts.run == 0 {
            empty.push(*name);
        }
        failures.extend(counts.failures);
    }
    report(failures, &empty);
}

/// Panics listing `failures` (the first 50 in full) and the sources in
/// `empty` that ran no vector; returns quietly when both are empty.
pub fn report(failures: Vec<String>, empty: &[&str]) {
    let mut message = String::new();
    for source in empty {
        message.push_str(&format!("{source}: no vector ran\n"));
    }
    for failure in failures.iter().take(50) {
        message.push_str(failure);
        message.push('\n');
    }
    if failures.len() > 50 {
        message.push_str(&format!("... and {} more failures\n", failures.len() - 50));
    }
    assert!(
        message.is_empty(),
        "{} known-answer failures:\n{message}",
        failures.len()
    );
}
