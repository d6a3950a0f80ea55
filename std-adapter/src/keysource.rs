//! Where secrets come from: an environment variable, a file descriptor,
//! standard input or a key file. Never a plain command-line argument (it
//! would leak to `ps`, shell history and /proc). A no-echo terminal prompt
//! is the command-line tool's business, not the library's.
//!
//! Text read from any source is held in zeroizing memory, at most
//! [`MAX_KEY_INPUT`] bytes of it; one trailing newline (`\n` or `\r\n`) is
//! removed. Text of the form `x'<64 hex>'` is a raw key, anything else a
//! passphrase.

use std::io::Read;
use std::path::PathBuf;

use pageseal_core::{RawKey, Secret, parse_raw_key};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The environment variable consulted when no key source is named.
pub const DEFAULT_KEY_ENV: &str = "PAGESEAL_KEY";

/// The most bytes read from a key source: a key file that is really
/// `/dev/zero` or a huge file is refused instead of read into memory.
pub const MAX_KEY_INPUT: usize = 64 * 1024;

/// A place to read a secret from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// The named environment variable.
    Env(String),
    /// An inherited file descriptor (read to its end).
    Fd(u32),
    /// Standard input (read to its end).
    Stdin,
    /// A key file.
    File(PathBuf),
}

impl KeySource {
    /// A name for messages ("environment variable PAGESEAL_KEY", "fd 3"...).
    pub fn describe(&self) -> String {
        match self {
            KeySource::Env(var) => format!("environment variable {var}"),
            KeySource::Fd(fd) => format!("file descriptor {fd}"),
            KeySource::Stdin => "standard input".to_string(),
            KeySource::File(path) => format!("key file {}", path.display()),
        }
    }

    /// `PAGESEAL_KEY` when it is set.
    pub fn from_default_env() -> Option<KeySource> {
        std::env::var_os(DEFAULT_KEY_ENV).map(|_| KeySource::Env(DEFAULT_KEY_ENV.to_string()))
    }

    /// Reads the secret (at most [`MAX_KEY_INPUT`] bytes).
    pub fn read(&self) -> Result<OwnedSecret> {
        let fail = |reason: String| self.error(reason);
        let text = match self {
            KeySource::Env(var) => match std::env::var_os(var) {
                None => return Err(fail("it is not set".to_string())),
                Some(value) => Zeroizing::new(value.into_encoded_bytes()),
            },
            KeySource::Fd(fd) => read_all(std::fs::File::open(format!("/dev/fd/{fd}")))
                .map_err(|e| fail(format!("{e} (is the descriptor open for reading?)")))?,
            KeySource::Stdin => {
                read_all(Ok(std::io::stdin().lock())).map_err(|e| fail(e.to_string()))?
            }
            KeySource::File(path) => {
                read_all(std::fs::File::open(path)).map_err(|e| fail(e.to_string()))?
            }
        };
        OwnedSecret::from_text(strip_newline(text)).map_err(fail)
    }

    /// The error for this source failing for `reason`.
    pub fn error(&self, reason: String) -> Error {
        Error::KeySource {
            source_name: self.describe(),
            reason,
        }
    }
}

/// Writes a fresh random 256-bit raw key, as key text `x'<64 hex>'` and a
/// newline, to a new file `path` (which must not exist) readable by its
/// owner only (mode 0600 on Unix), flushed to stable storage.
pub fn keygen(path: &std::path::Path) -> Result<()> {
    use std::io::Write;
    let mut key = zeroize::Zeroizing::new([0u8; pageseal_core::RAW_KEY_LEN]);
    crate::random::fill_random(&mut key[..])?;
    let mut text = Zeroizing::new(String::with_capacity(68));
    text.push_str("x'");
    for b in key.iter() {
        text.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        text.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    text.push_str("'\n");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| Error::io("create", path, e))?;
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(Error::io("write", path, e));
    }
    Ok(())
}

/// Reads to the end, refusing more than [`MAX_KEY_INPUT`] bytes.
fn read_all<R: Read>(reader: std::io::Result<R>) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::with_capacity(MAX_KEY_INPUT + 1));
    reader?
        .take(MAX_KEY_INPUT as u64 + 1)
        .read_to_end(&mut out)?;
    if out.len() > MAX_KEY_INPUT {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("more than {MAX_KEY_INPUT} bytes: not a key"),
        ));
    }
    Ok(out)
}

/// Removes one trailing `\n` or `\r\n`.
pub fn strip_newline(mut text: Zeroizing<Vec<u8>>) -> Zeroizing<Vec<u8>> {
    if text.last() == Some(&b'\n') {
        text.pop();
        if text.last() == Some(&b'\r') {
            text.pop();
        }
    }
    text
}

/// A secret read from a source, owned and wiped on drop.
pub enum OwnedSecret {
    /// A raw key.
    RawKey(RawKey),
    /// A passphrase.
    Passphrase(Zeroizing<Vec<u8>>),
}

impl OwnedSecret {
    /// Interprets key text: `x'<64 hex>'` is a raw key, other non-empty text
    /// a passphrase.
    /// On failure, says why in words fit for an error message.
    pub fn from_text(text: Zeroizing<Vec<u8>>) -> Result<OwnedSecret, String> {
        if text.is_empty() {
            return Err("it is empty".to_string());
        }
        Ok(match parse_raw_key(&text).map_err(|e| e.to_string())? {
            Some(key) => OwnedSecret::RawKey(key),
            None => OwnedSecret::Passphrase(text),
        })
    }

    /// The secret as `pageseal-core` takes it.
    pub fn as_secret(&self) -> Secret<'_> {
        match self {
            OwnedSecret::RawKey(key) => Secret::RawKey(key),
            OwnedSecret::Passphrase(p) => Secret::Passphrase(p),
        }
    }
}

impl std::fmt::Debug for OwnedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OwnedSecret::{:?}(redacted)", self.as_secret().kind())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_classified_and_newline_stripped() {
        let raw = format!("x'{}'\n", "ab".repeat(32));
        let secret =
            OwnedSecret::from_text(strip_newline(Zeroizing::new(raw.into_bytes()))).unwrap();
        assert!(matches!(secret, OwnedSecret::RawKey(_)));
        let pass = strip_newline(Zeroizing::new(b"hunter2\r\n".to_vec()));
        match OwnedSecret::from_text(pass).unwrap() {
            OwnedSecret::Passphrase(p) => assert_eq!(&p[..], b"hunter2"),
            other => panic!("{other:?}"),
        }
        assert!(OwnedSecret::from_text(Zeroizing::new(b"x'12'".to_vec())).is_err());
        assert!(OwnedSecret::from_text(Zeroizing::new(Vec::new())).is_err());
        assert_eq!(
            format!(
                "{:?}",
                OwnedSecret::from_text(Zeroizing::new(b"pw".to_vec())).unwrap()
            ),
            "OwnedSecret::Passphrase(redacted)"
        );
    }

    #[test]
    fn unset_environment_variable_is_named() {
        let err = KeySource::Env("PAGESEAL_TEST_SURELY_UNSET".into())
            .read()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot read the key from environment variable PAGESEAL_TEST_SURELY_UNSET: it is not set"
        );
    }
}
