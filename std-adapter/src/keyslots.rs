//! Keyslot changes: change a passphrase or key, add or remove a recovery
//! key. Each rewrites the header only (copy A, flush, copy B, flush) and
//! touches no page.

use pageseal_core::{KdfParams, Secret};

use crate::ciphers::HeapKdf;
use crate::error::Result;
use crate::pagefile::PageFile;
use crate::random::FastRandom;
use crate::storage::Storage;

impl<S: Storage> PageFile<S> {
    /// Replaces the secret of keyslot `index` with `secret`.
    pub fn set_keyslot(&self, index: usize, secret: &Secret<'_>, kdf: &KdfParams) -> Result<()> {
        self.change(|s| s.set_keyslot(index, secret, kdf, &mut FastRandom, &mut HeapKdf::default()))
    }

    /// Replaces the secret that opened this file (the usual "change my
    /// passphrase") with `secret`; returns the keyslot rewritten.
    pub fn rekey(&self, secret: &Secret<'_>, kdf: &KdfParams) -> Result<usize> {
        self.change(|s| s.rekey(secret, kdf, &mut FastRandom, &mut HeapKdf::default()))
    }

    /// Adds `secret` (e.g. a recovery key) in the first empty keyslot and
    /// returns its index (`KeyslotsFull` when all four are in use).
    pub fn add_keyslot(&self, secret: &Secret<'_>, kdf: &KdfParams) -> Result<usize> {
        self.change(|s| s.add_keyslot(secret, kdf, &mut FastRandom, &mut HeapKdf::default()))
    }

    /// Empties keyslot `index` (the last filled keyslot cannot be removed).
    pub fn remove_keyslot(&self, index: usize) -> Result<()> {
        self.change(|s| s.remove_keyslot(index))
    }
}
