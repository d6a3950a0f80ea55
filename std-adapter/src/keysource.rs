//! Where secrets come from: an environment variable, a file descriptor,
//! standard input, a key file, or a no-echo prompt on the terminal. Never a
//! plain command-line argument (it would leak to `ps`, shell history and
//! /proc).
//!
//! Text read from any source is held in zeroizing memory; one trailing
//! newline (`\n` or `\r\n`) is removed. Text of the form `x'<64 hex>'` is a
//! raw key, anything else a passphrase.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use pageseal_core::{RawKey, Secret, parse_raw_key};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The environment variable consulted when no key flag is given.
pub const DEFAULT_KEY_ENV: &str = "PAGESEAL_KEY";

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
    /// A no-echo prompt on the terminal.
    Prompt,
}

impl KeySource {
    /// A name for messages ("environment variable PAGESEAL_KEY", "fd 3"...).
    pub fn describe(&self) -> String {
        match self {
            KeySource::Env(var) => format!("environment variable {var}"),
            KeySource::Fd(fd) => format!("file descriptor {fd}"),
            KeySource::Stdin => "standard input".to_string(),
            KeySource::File(path) => format!("key file {}", path.display()),
            KeySource::Prompt => "the terminal prompt".to_string(),
        }
    }

    /// The source to use when no flag was given: `PAGESEAL_KEY` if set,
    /// else a prompt if standard input is a terminal, else none.
    pub fn fallback() -> Option<KeySource> {
        if std::env::var_os(DEFAULT_KEY_ENV).is_some() {
            Some(KeySource::Env(DEFAULT_KEY_ENV.to_string()))
        } else if std::io::stdin().is_terminal() {
            Some(KeySource::Prompt)
        } else {
            None
        }
    }

    /// Reads the secret. `prompt` is shown by [`KeySource::Prompt`];
    /// `confirm` asks twice (for a new secret) and requires both to match.
    pub fn read(&self, prompt: &str, confirm: bool) -> Result<OwnedSecret> {
        let fail = |reason: String| Error::KeySource {
            source_name: self.describe(),
            reason,
        };
        let text = match self {
            KeySource::Env(var) => match std::env::var_os(var) {
                None => return Err(fail("it is not set".to_string())),
                Some(value) => Zeroizing::new(value.into_encoded_bytes()),
            },
            KeySource::Fd(fd) => read_all(std::fs::File::open(format!("/dev/fd/{fd}")))
                .map_err(|e| fail(format!("{e} (is the descriptor open for reading?)")))?,
            // Typed on a terminal: read one line without echo.
            KeySource::Stdin if std::io::stdin().is_terminal() => Zeroizing::new(
                rpassword::read_password()
                    .map_err(|e| fail(e.to_string()))?
                    .into_bytes(),
            ),
            KeySource::Stdin => {
                read_all(Ok(std::io::stdin().lock())).map_err(|e| fail(e.to_string()))?
            }
            KeySource::File(path) => {
                read_all(std::fs::File::open(path)).map_err(|e| fail(e.to_string()))?
            }
            KeySource::Prompt => {
                let first = Zeroizing::new(
                    rpassword::prompt_password(prompt).map_err(|e| fail(e.to_string()))?,
                );
                if confirm {
                    let again = Zeroizing::new(
                        rpassword::prompt_password("Repeat it: ")
                            .map_err(|e| fail(e.to_string()))?,
                    );
                    if *first != *again {
                        return Err(fail("the two entries differ".to_string()));
                    }
                }
                Zeroizing::new(first.as_bytes().to_vec())
            }
        };
        OwnedSecret::from_text(strip_newline(text)).map_err(fail)
    }
}

fn read_all<R: Read>(reader: std::io::Result<R>) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::new());
    reader?.read_to_end(&mut out)?;
    Ok(out)
}

fn strip_newline(mut text: Zeroizing<Vec<u8>>) -> Zeroizing<Vec<u8>> {
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
            .read("", false)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot read the key from environment variable PAGESEAL_TEST_SURELY_UNSET: it is not set"
        );
    }
}
