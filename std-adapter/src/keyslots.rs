//! Keyslot changes: change a passphrase or key, add or remove a recovery
//! key. Each rewrites the header only (copy A, flush, copy B, flush) and
//! touches no page.

use pageseal_core::{KEYSLOTS, KdfParams, Secret};

use crate::error::{Error, Result};
use crate::pagefile::{PageFile, kdf_memory};
use crate::random::OsRandom;

impl PageFile {
    /// Replaces the secret of keyslot `index` with `secret`.
    pub fn set_keyslot(&self, index: usize, secret: &Secret<'_>, kdf: &KdfParams) -> Result<()> {
        let mut work = kdf_memory(secret, kdf.blocks_needed());
        self.change_header(|header, keys| {
            let keys = keys.ok_or(pageseal_core::Error::KeyNotExpected)?;
            header.set_keyslot(index, secret, kdf, keys, &mut OsRandom, &mut work)
        })
    }

    /// Replaces the secret that opened this file (the usual "change my
    /// passphrase") with `secret`; returns the keyslot rewritten.
    pub fn rekey(&self, secret: &Secret<'_>, kdf: &KdfParams) -> Result<usize> {
        let index = self
            .opened_keyslot()
            .ok_or(Error::Invalid(pageseal_core::Error::KeyNotExpected))?;
        self.set_keyslot(index, secret, kdf)?;
        Ok(index)
    }

    /// Adds `secret` (e.g. a recovery key) in the first empty keyslot and
    /// returns its index.
    pub fn add_keyslot(&self, secret: &Secret<'_>, kdf: &KdfParams) -> Result<usize> {
        let index = self
            .header()
            .keyslots()
            .iter()
            .position(|s| s.kdf().is_none())
            .ok_or(Error::Invalid(pageseal_core::Error::NoSuchKeyslot {
                index: KEYSLOTS,
            }))?;
        self.set_keyslot(index, secret, kdf)?;
        Ok(index)
    }

    /// Empties keyslot `index` (the last filled keyslot cannot be removed).
    pub fn remove_keyslot(&self, index: usize) -> Result<()> {
        self.change_header(|header, _| header.clear_keyslot(index))
    }
}
