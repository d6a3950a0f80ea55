//! The pageseal PRAGMAs, answered through SQLITE_FCNTL_PRAGMA on the main
//! database: `key`, `hexkey`, `rekey`, `hexrekey`, `cipher`, `kdf_memory`,
//! `kdf_iterations`, `pageseal_info`, `pageseal_error`, `pageseal_rotate`.

use crate::db::Io;
use crate::error::{Failure, Result};
use crate::ffi;
use crate::keys::{self, Key};
use crate::main_db::MainDb;

/// The pageseal PRAGMAs; `None` for any other.
pub(crate) fn pragma(
    m: &mut MainDb,
    io: &dyn Io,
    name: &str,
    value: Option<zeroize::Zeroizing<Vec<u8>>>,
) -> Option<Result<String>> {
    let need = |v: Option<zeroize::Zeroizing<Vec<u8>>>| {
        v.ok_or_else(|| Failure::new(ffi::ERROR, format!("pageseal: PRAGMA {name} needs a value")))
    };
    let bad_key = |e: String| Failure::new(ffi::ERROR, format!("pageseal: PRAGMA {name}: {e}"));
    Some(match name {
        "key" | "hexkey" => (|| {
            let v = need(value)?;
            let key = if name == "key" {
                Key::from_text(v).map_err(bad_key)?
            } else {
                Key::from_hex(&v).map_err(bad_key)?
            };
            m.set_key(io, Some(key))?;
            Ok("ok".to_string())
        })(),
        "rekey" | "hexrekey" => (|| {
            let v = need(value)?;
            let key = if name == "rekey" {
                Key::from_text(v).map_err(bad_key)?
            } else {
                Key::from_hex(&v).map_err(bad_key)?
            };
            if !m.ready(io)? {
                return Err(Failure::new(
                    ffi::ERROR,
                    "pageseal: PRAGMA rekey: the database is empty (use PRAGMA key)",
                ));
            }
            m.db.rekey(io, key, &m.creation.kdf)?;
            Ok("ok".to_string())
        })(),
        "cipher" => (|| match value {
            None => Ok(match m.db.info() {
                Some(_) => {
                    m.db.read()
                        .as_ref()
                        .map(|u| u.session.header().suite().to_string())
                        .unwrap_or_default()
                }
                None => m.creation.suite.to_string(),
            }),
            Some(v) => {
                if m.db.is_unlocked() {
                    return Err(Failure::new(
                        ffi::ERROR,
                        "pageseal: PRAGMA cipher: the database exists already (its suite is fixed)",
                    ));
                }
                m.creation.suite = keys::parse_suite(&String::from_utf8_lossy(&v))?;
                Ok(m.creation.suite.to_string())
            }
        })(),
        "kdf_memory" | "kdf_iterations" => (|| {
            let v = need(value)?;
            let n = keys::parse_num(name, &String::from_utf8_lossy(&v))?;
            if name == "kdf_memory" {
                m.creation.kdf.memory_kib = n;
            } else {
                m.creation.kdf.iterations = n;
            }
            m.creation
                .kdf
                .validate()
                .map_err(|e| Failure::new(ffi::ERROR, format!("pageseal: {e}")))?;
            Ok(n.to_string())
        })(),
        "pageseal_error" => Ok(crate::error::last_error()),
        "pageseal_info" => (|| {
            m.ready(io)?;
            Ok(m.db
                .info()
                .unwrap_or_else(|| format!("new database, suite={}", m.creation.suite)))
        })(),
        "pageseal_rotate" => (|| {
            m.ready(io)?;
            m.db.rotate(io).map(|e| e.to_string())
        })(),
        _ => return None,
    })
}
