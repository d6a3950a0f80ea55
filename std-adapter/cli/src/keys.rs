//! Where the command line takes a secret from: a source the library reads
//! (environment variable, descriptor, standard input, key file) or a no-echo
//! prompt on the terminal, which only the command-line tool shows.

use std::io::IsTerminal;

use pageseal::{KeySource, OwnedSecret, strip_newline};
use zeroize::Zeroizing;

type Result<T> = pageseal::Result<T>;

/// A secret's origin as the command line sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyInput {
    /// A source the library reads.
    Source(KeySource),
    /// A no-echo prompt on the terminal.
    Prompt,
}

impl KeyInput {
    /// What to use when no flag names a source: `PAGESEAL_KEY` if set,
    /// else a prompt if standard input is a terminal, else nothing.
    pub fn fallback() -> Option<KeyInput> {
        KeySource::from_default_env()
            .map(KeyInput::Source)
            .or_else(|| std::io::stdin().is_terminal().then_some(KeyInput::Prompt))
    }

    /// Reads the secret. `prompt` is shown on the terminal; `confirm` asks
    /// twice (for a new secret) and requires both entries to match.
    /// `--key-stdin` on a terminal reads one line without echo.
    pub fn read(&self, prompt: &str, confirm: bool) -> Result<OwnedSecret> {
        match self {
            KeyInput::Source(KeySource::Stdin) if std::io::stdin().is_terminal() => {
                let fail = |e: std::io::Error| KeySource::Stdin.error(e.to_string());
                let line = Zeroizing::new(rpassword::read_password().map_err(fail)?.into_bytes());
                from_text(&KeySource::Stdin, line)
            }
            KeyInput::Source(source) => source.read(),
            KeyInput::Prompt => {
                let fail = |e: std::io::Error| pageseal::Error::KeySource {
                    source_name: "the terminal prompt".into(),
                    reason: e.to_string(),
                };
                let first = Zeroizing::new(rpassword::prompt_password(prompt).map_err(fail)?);
                if confirm {
                    let again =
                        Zeroizing::new(rpassword::prompt_password("Repeat it: ").map_err(fail)?);
                    if *first != *again {
                        return Err(pageseal::Error::KeySource {
                            source_name: "the terminal prompt".into(),
                            reason: "the two entries differ".into(),
                        });
                    }
                }
                OwnedSecret::from_text(Zeroizing::new(first.as_bytes().to_vec())).map_err(|r| {
                    pageseal::Error::KeySource {
                        source_name: "the terminal prompt".into(),
                        reason: r,
                    }
                })
            }
        }
    }
}

fn from_text(source: &KeySource, text: Zeroizing<Vec<u8>>) -> Result<OwnedSecret> {
    OwnedSecret::from_text(strip_newline(text)).map_err(|r| source.error(r))
}
