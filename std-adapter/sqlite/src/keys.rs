//! Where a database's key and creation settings come from: URI
//! parameters (`key_env`, `key_file`, `key_fd`, `hexkey_insecure`,
//! `cipher`, `kdf_memory`, `kdf_iterations`), `PRAGMA key`/`hexkey`, and
//! the Rust API.

use pageseal::KeySource;
use pageseal_core::{KdfParams, RawKey, Secret, Suite};
use zeroize::Zeroizing;

use crate::error::{Failure, Result};
use crate::ffi;

/// A secret held by the VFS (wiped on drop): a raw key or a passphrase.
pub(crate) enum Key {
    Raw(RawKey),
    Passphrase(Zeroizing<Vec<u8>>),
}

impl Key {
    pub(crate) fn as_secret(&self) -> Secret<'_> {
        match self {
            Key::Raw(k) => Secret::RawKey(k),
            Key::Passphrase(p) => Secret::Passphrase(p),
        }
    }

    pub(crate) fn from_secret(secret: &Secret<'_>) -> Key {
        match secret {
            Secret::RawKey(k) => Key::Raw(RawKey::new(*k.as_bytes())),
            Secret::Passphrase(p) => Key::Passphrase(Zeroizing::new(p.to_vec())),
        }
    }

    /// Key text as the CLI takes it: `x'<hex>'` is a raw key, anything
    /// else a passphrase.
    pub(crate) fn from_text(text: Zeroizing<Vec<u8>>) -> std::result::Result<Key, String> {
        let owned = pageseal::OwnedSecret::from_text(text)?;
        Ok(Key::from_secret(&owned.as_secret()))
    }

    /// A raw key given as bare hex digits.
    pub(crate) fn from_hex(hex: &[u8]) -> std::result::Result<Key, String> {
        let mut text = Zeroizing::new(Vec::with_capacity(hex.len() + 3));
        text.extend_from_slice(b"x'");
        text.extend_from_slice(hex);
        text.push(b'\'');
        match pageseal_core::parse_raw_key(&text) {
            Ok(Some(k)) => Ok(Key::Raw(k)),
            Ok(None) => Err("not a hex key".into()),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Whether two keys are the same secret (constant time for equal
    /// lengths).
    pub(crate) fn same(&self, other: &Key) -> bool {
        use subtle_eq::ct_eq;
        match (self, other) {
            (Key::Raw(a), Key::Raw(b)) => ct_eq(a.as_bytes(), b.as_bytes()),
            (Key::Passphrase(a), Key::Passphrase(b)) => ct_eq(a, b),
            _ => false,
        }
    }
}

mod subtle_eq {
    /// Constant-time equality of two byte strings of equal length.
    pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
        if a.len() != b.len() {
            return false;
        }
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// How a new database is created.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Creation {
    pub suite: Suite,
    pub kdf: KdfParams,
}

impl Default for Creation {
    fn default() -> Self {
        Creation {
            suite: pageseal_dispatch::recommended_suite(),
            kdf: KdfParams::DEFAULT,
        }
    }
}

/// Reads a URI parameter of the main database file `name`.
fn param(name: *const std::ffi::c_char, key: &std::ffi::CStr) -> Option<String> {
    let api = ffi::api()?;
    // SAFETY: `name` is the filename SQLite passed to xOpen for a main
    // database (so sqlite3_uri_parameter may be called on it), and `key`
    // is NUL-terminated.
    let value = unsafe { (api.uri_parameter)(name, key.as_ptr()) };
    if value.is_null() {
        return None;
    }
    // SAFETY: SQLite returns a NUL-terminated string that lives as long as
    // the filename.
    Some(
        unsafe { std::ffi::CStr::from_ptr(value) }
            .to_string_lossy()
            .into_owned(),
    )
}

/// The key named by the URI of `name`, if any.
pub(crate) fn key_from_uri(name: *const std::ffi::c_char) -> Result<Option<Key>> {
    let bad = |source: &str, reason: String| {
        Failure::new(
            ffi::CANTOPEN,
            format!("pageseal: cannot read the key from {source}: {reason}"),
        )
    };
    let mut found = Vec::new();
    if let Some(var) = param(name, c"key_env") {
        found.push(KeySource::Env(var));
    }
    if let Some(path) = param(name, c"key_file") {
        found.push(KeySource::File(path.into()));
    }
    if let Some(fd) = param(name, c"key_fd") {
        let fd = fd
            .parse::<u32>()
            .map_err(|_| bad("key_fd", format!("{fd:?} is not a file descriptor number")))?;
        found.push(KeySource::Fd(fd));
    }
    let hex = param(name, c"hexkey_insecure").map(|h| Zeroizing::new(h.into_bytes()));
    if found.len() + usize::from(hex.is_some()) > 1 {
        return Err(Failure::new(
            ffi::CANTOPEN,
            "pageseal: give one of key_env=, key_file=, key_fd=, hexkey_insecure=, not several",
        ));
    }
    if let Some(hex) = hex {
        return Key::from_hex(&hex)
            .map(Some)
            .map_err(|e| bad("hexkey_insecure", e));
    }
    match found.pop() {
        None => Ok(None),
        Some(source) => {
            let owned = source
                .read()
                .map_err(|e| Failure::new(ffi::CANTOPEN, format!("pageseal: {e}")))?;
            Ok(Some(Key::from_secret(&owned.as_secret())))
        }
    }
}

/// The creation settings named by the URI of `name`.
pub(crate) fn creation_from_uri(name: *const std::ffi::c_char) -> Result<Creation> {
    let mut c = Creation::default();
    if let Some(s) = param(name, c"cipher") {
        c.suite = parse_suite(&s)?;
    }
    if let Some(m) = param(name, c"kdf_memory") {
        c.kdf.memory_kib = parse_num("kdf_memory", &m)?;
    }
    if let Some(t) = param(name, c"kdf_iterations") {
        c.kdf.iterations = parse_num("kdf_iterations", &t)?;
    }
    c.kdf
        .validate()
        .map_err(|e| Failure::new(ffi::CANTOPEN, format!("pageseal: {e}")))?;
    Ok(c)
}

/// A suite name or `auto`.
pub(crate) fn parse_suite(name: &str) -> Result<Suite> {
    if name.eq_ignore_ascii_case("auto") {
        return Ok(pageseal_dispatch::recommended_suite());
    }
    Suite::from_name(name).map_err(|_| {
        Failure::new(
            ffi::ERROR,
            format!(
                "pageseal: unknown cipher {name:?} (one of auto, {})",
                Suite::ALL.map(|s| s.name()).join(", ")
            ),
        )
    })
}

pub(crate) fn parse_num(what: &str, text: &str) -> Result<u32> {
    text.trim().parse().map_err(|_| {
        Failure::new(
            ffi::ERROR,
            format!("pageseal: {what} must be a number, not {text:?}"),
        )
    })
}
