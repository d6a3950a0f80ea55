//! Known-answer vector files: the format of `data/vectors/README.md`,
//! parsed into [`Vector`]s.

use std::fmt;
use std::path::PathBuf;

use pageseal_core::Suite;

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
    if !bytes.len().is_multiple_of(2) {
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

/// Lower-case hex of `bytes`, for messages.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
