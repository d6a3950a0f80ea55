//! Shared helpers of the pageseal integration tests.
//!
//! The known-answer tests (`tests/kat.rs`) read vector files from
//! `data/vectors/` (format: `data/vectors/README.md`), turn them into
//! [`Vector`]s and run every one of them against every implementation that
//! [`implementations`] returns, through [`check_vector`].

pub mod golden;

use std::fmt;
use std::path::PathBuf;

use pageseal_core::{Aead, Error, Portable, Suite, TAG_LEN, Tag};

/// One implementation under test: a short name for failure messages, and
/// the keyed cipher.
pub type Implementation = (&'static str, Box<dyn Aead>);

/// Every implementation of `suite` to test, keyed with `key`, each with a
/// short name used in failure messages.
///
/// `pageseal-core`'s [`Portable`], then every hardware backend of
/// `pageseal-dispatch` that this CPU can run for `suite` (AES-NI, VAES256,
/// VAES512, ARMv8 ...), so that every known-answer vector runs on each.
///
/// Fails as the constructors do, e.g. with [`Error::InvalidKeyLength`].
pub fn implementations(suite: Suite, key: &[u8]) -> Result<Vec<Implementation>, Error> {
    let mut all: Vec<Implementation> = vec![("portable", Box::new(Portable::new(suite, key)?))];
    for backend in pageseal_dispatch::available_backends(suite) {
        if backend != pageseal_dispatch::Backend::Portable {
            let cipher = pageseal_dispatch::Cipher::with_backend(suite, key, backend).map_err(
                |e| match e {
                    pageseal_dispatch::Error::Core(e) => e,
                    other => panic!("{backend} is available for {suite} but: {other}"),
                },
            )?;
            all.push((backend.name(), Box::new(cipher)));
        }
    }
    Ok(all)
}

/// What a vector expects to happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// Sealing `msg` gives `ct` and `tag`, and opening them gives `msg` back.
    Valid,
    /// Opening `ct` with `tag` fails to authenticate.
    Invalid,
    /// An entry of the source that is no AEAD vector for pageseal (a state
    /// update test, a MAC-mode vector...): counted as skipped.
    NotApplicable,
}

/// One known-answer vector.
#[derive(Clone, Debug)]
pub struct Vector {
    /// Where it comes from: a data file name, or a Wycheproof test set.
    pub file: String,
    /// Line of `file` where the vector starts (0 when not from a file).
    pub line: usize,
    /// Its identifier within `file`.
    pub id: String,
    /// What is expected of it.
    pub expected: Expected,
    /// The suite (`None` only for [`Expected::NotApplicable`] entries).
    pub suite: Option<Suite>,
    /// The key.
    pub key: Vec<u8>,
    /// The nonce.
    pub nonce: Vec<u8>,
    /// The associated data.
    pub aad: Vec<u8>,
    /// The plaintext (may be absent for invalid vectors).
    pub msg: Option<Vec<u8>>,
    /// The ciphertext, as long as the plaintext.
    pub ct: Vec<u8>,
    /// The tag (of any length; only 16-byte tags are applicable).
    pub tag: Vec<u8>,
    /// Why the vector is not applicable ([`Expected::NotApplicable`] only).
    pub reason: Option<String>,
}

impl Vector {
    /// `file`, line and id, for messages.
    pub fn location(&self) -> String {
        if self.line > 0 {
            format!("{}:{} [{}]", self.file, self.line, self.id)
        } else {
            format!("{} [{}]", self.file, self.id)
        }
    }
}

/// A vector file that could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The file name.
    pub file: String,
    /// The 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Decodes a string of hex digits (either case, no separators).
pub fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
    fn digit(c: u8) -> Result<u8, String> {
        match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(format!("{:?} is not a hex digit", char::from(c))),
        }
    }
    let bytes = text.as_bytes();
    if bytes.len() % 2 != 0 {
        return Err(format!("odd number of hex digits ({})", bytes.len()));
    }
    bytes
        .chunks(2)
        .map(|pair| Ok(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

/// The fields a block may have, in the order the README lists them.
const FIELDS: [&str; 11] = [
    "id", "comment", "suite", "key", "nonce", "aad", "msg", "ct", "tag", "result", "reason",
];

/// Parses the text of a vector file (format: `data/vectors/README.md`).
///
/// `file` only names the file in the vectors and errors.
pub fn parse_vectors(file: &str, text: &str) -> Result<Vec<Vector>, ParseError> {
    let mut vectors = Vec::new();
    let mut block: Vec<(usize, &str, &str)> = Vec::new();
    let lines = text.lines().chain(std::iter::once(""));
    for (index, raw) in lines.enumerate() {
        let number = index + 1;
        let line = raw.trim();
        if line.starts_with('#') {
            continue;
        }
        if line.is_empty() {
            if !block.is_empty() {
                vectors.push(parse_block(file, &block)?);
                block.clear();
            }
            continue;
        }
        let err = |message: String| ParseError {
            file: file.to_owned(),
            line: number,
            message,
        };
        let (name, value) = line
            .split_once('=')
            .ok_or_else(|| err(format!("expected `name = value`, got {line:?}")))?;
        let (name, value) = (name.trim(), value.trim());
        if !FIELDS.contains(&name) {
            return Err(err(format!("unknown field {name:?}")));
        }
        if block.iter().any(|&(_, n, _)| n == name) {
            return Err(err(format!("field {name:?} given twice in one block")));
        }
        block.push((number, name, value));
    }
    let mut ids = std::collections::HashSet::new();
    for v in &vectors {
        if !ids.insert(v.id.as_str()) {
            return Err(ParseError {
                file: file.to_owned(),
                line: v.line,
                message: format!("duplicate id {:?}", v.id),
            });
        }
    }
    Ok(vectors)
}

/// Turns the `(line, name, value)` fields of one block into a [`Vector`].
fn parse_block(file: &str, block: &[(usize, &str, &str)]) -> Result<Vector, ParseError> {
    let start = block[0].0;
    let err = |line: usize, message: String| ParseError {
        file: file.to_owned(),
        line,
        message,
    };
    let get = |name: &str| block.iter().find(|&&(_, n, _)| n == name).copied();
    let need = |name: &str| get(name).ok_or_else(|| err(start, format!("missing field {name:?}")));
    let bytes = |name: &str| -> Result<Option<Vec<u8>>, ParseError> {
        get(name)
            .map(|(line, _, value)| {
                decode_hex(value).map_err(|e| err(line, format!("field {name:?}: {e}")))
            })
            .transpose()
    };
    let need_hex = |name: &str| {
        need(name)
            .and_then(|_| bytes(name))
            .map(Option::unwrap_or_default)
    };

    let id = need("id")?.2.to_owned();
    let (result_line, _, result) = need("result")?;
    let expected = match result {
        "valid" => Expected::Valid,
        "invalid" => Expected::Invalid,
        "not-applicable" => Expected::NotApplicable,
        other => {
            return Err(err(
                result_line,
                format!("result must be valid, invalid or not-applicable, got {other:?}"),
            ));
        }
    };
    if expected == Expected::NotApplicable {
        let reason = need("reason")?.2.to_owned();
        if let Some((line, name, _)) = block
            .iter()
            .find(|&&(_, n, _)| !matches!(n, "id" | "comment" | "result" | "reason"))
        {
            return Err(err(
                *line,
                format!("field {name:?} in a not-applicable block"),
            ));
        }
        return Ok(Vector {
            file: file.to_owned(),
            line: start,
            id,
            expected,
            suite: None,
            key: Vec::new(),
            nonce: Vec::new(),
            aad: Vec::new(),
            msg: None,
            ct: Vec::new(),
            tag: Vec::new(),
            reason: Some(reason),
        });
    }
    if let Some((line, _, _)) = get("reason") {
        return Err(err(line, "reason is only for not-applicable blocks".into()));
    }
    let (suite_line, _, suite_name) = need("suite")?;
    let suite = Suite::from_name(suite_name)
        .map_err(|_| err(suite_line, format!("unknown suite {suite_name:?}")))?;
    let msg = bytes("msg")?;
    if expected == Expected::Valid && msg.is_none() {
        return Err(err(start, "a valid vector needs a msg".into()));
    }
    let ct = need_hex("ct")?;
    if let Some(msg) = msg.as_ref().filter(|msg| msg.len() != ct.len()) {
        return Err(err(
            start,
            format!("msg is {} bytes but ct is {}", msg.len(), ct.len()),
        ));
    }
    Ok(Vector {
        file: file.to_owned(),
        line: start,
        id,
        expected,
        suite: Some(suite),
        key: need_hex("key")?,
        nonce: need_hex("nonce")?,
        aad: need_hex("aad")?,
        msg,
        ct,
        tag: need_hex("tag")?,
        reason: None,
    })
}

/// The directory holding the vector files.
pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/vectors")
}

/// Reads and parses `data/vectors/<name>`; panics with the reason if it
/// cannot.
pub fn load_vectors(name: &str) -> Vec<Vector> {
    let path = vectors_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    parse_vectors(name, &text).unwrap_or_else(|e| panic!("bad vector file: {e}"))
}

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

/// Lower-case hex of `bytes`, for messages.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
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
