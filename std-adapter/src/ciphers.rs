//! What the key session needs from the std side: ciphers keyed on the
//! fastest (or a forced) backend of `pageseal-dispatch`, and Argon2 working
//! memory allocated per keyslot tried and wiped afterwards.

use pageseal_core::{CipherFactory, Error as CoreError, KdfBlock, KdfMemory, Suite};
use pageseal_dispatch::{Backend, Cipher};
use zeroize::Zeroize;

/// Keys [`Cipher`]s on the automatic backend, or on a forced one.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ciphers {
    backend: Option<Backend>,
}

impl Ciphers {
    /// Ciphers on `backend` (`None`: the fastest this CPU has).
    pub fn new(backend: Option<Backend>) -> Ciphers {
        Ciphers { backend }
    }
}

impl CipherFactory for Ciphers {
    type Cipher = Cipher;
    fn cipher(&self, suite: Suite, key: &[u8]) -> Result<Cipher, CoreError> {
        let keyed = match self.backend {
            Some(backend) => Cipher::with_backend(suite, key, backend),
            None => Cipher::new(suite, key),
        };
        keyed.map_err(|e| match e {
            pageseal_dispatch::Error::Core(e) => e,
            _ => CoreError::CipherUnavailable { suite },
        })
    }
}

/// Argon2 working memory on the heap: allocated for each keyslot tried,
/// wiped before it is freed (its last block yields the key-encryption
/// key).
#[derive(Default)]
pub struct HeapKdf {
    blocks: Vec<KdfBlock>,
}

impl KdfMemory for HeapKdf {
    fn blocks(&mut self, blocks: usize) -> Result<&mut [KdfBlock], CoreError> {
        self.wipe();
        self.blocks = vec![KdfBlock::default(); blocks];
        Ok(&mut self.blocks)
    }
}

impl HeapKdf {
    fn wipe(&mut self) {
        self.blocks.iter_mut().for_each(Zeroize::zeroize);
        self.blocks = Vec::new();
    }
}

impl Drop for HeapKdf {
    fn drop(&mut self) {
        self.wipe();
    }
}
