//! The implementations the benches measure: pageseal on each backend and
//! the peers, each as a seal and an open of a whole page (the message) with
//! 32 bytes of associated data (a page binding). Shared by `pages.rs`
//! (criterion, every suite and size) and `paired.rs` (the speed targets).

use std::rc::Rc;

use aes_gcm::aead::{AeadInOut, KeyInit};
use pageseal_core::{Aead, Suite};
use pageseal_dispatch::{Cipher, available_backends};

/// Associated data of every seal (the size of a page binding).
const AAD: [u8; 32] = [0x5a; 32];
/// 96-bit nonce (AES-GCM, ChaCha20-Poly1305).
const NONCE12: [u8; 12] = [7; 12];

/// Seals a page in place, returning the tag.
pub type SealFn = Box<dyn Fn(&mut [u8]) -> [u8; 16]>;
/// Opens a page in place against a tag, returning whether it verified.
pub type OpenFn = Box<dyn Fn(&mut [u8], &[u8; 16]) -> bool>;

/// One implementation of a suite: its name, a seal and an open.
pub struct Contender {
    /// Backend name (pageseal) or crate name (peers).
    pub name: String,
    /// Seals the buffer in place and returns the tag.
    pub seal: SealFn,
    /// Opens the buffer in place against the tag; whether it verified.
    pub open: OpenFn,
}

impl Contender {
    fn new(
        name: impl Into<String>,
        seal: impl Fn(&mut [u8]) -> [u8; 16] + 'static,
        open: impl Fn(&mut [u8], &[u8; 16]) -> bool + 'static,
    ) -> Self {
        Contender {
            name: name.into(),
            seal: Box::new(seal),
            open: Box::new(open),
        }
    }
}

/// pageseal on every backend available for `suite`.
pub fn ours(suite: Suite) -> Vec<Contender> {
    let key = vec![0x11; suite.key_len()];
    let nonce = vec![7; suite.nonce_len()];
    available_backends(suite)
        .map(|backend| {
            let cipher = Rc::new(Cipher::with_backend(suite, &key, backend).unwrap());
            let (sealer, n1, n2) = (cipher.clone(), nonce.clone(), nonce.clone());
            Contender::new(
                backend.name(),
                move |buf| sealer.seal_detached(&n1, &AAD, buf).unwrap(),
                move |buf, tag| cipher.open_detached(&n2, &AAD, buf, tag).is_ok(),
            )
        })
        .collect()
}

/// ring's AEAD (BoringSSL assembly) for `alg`.
fn ring(alg: &'static ring::aead::Algorithm, key: &[u8]) -> Contender {
    use ring::aead::{Aad, LessSafeKey, Nonce, Tag, UnboundKey};
    let key = Rc::new(LessSafeKey::new(UnboundKey::new(alg, key).unwrap()));
    let opener = key.clone();
    Contender::new(
        "ring",
        move |buf| {
            let nonce = Nonce::assume_unique_for_key(NONCE12);
            let tag = key.seal_in_place_separate_tag(nonce, Aad::from(&AAD), buf);
            tag.unwrap().as_ref().try_into().unwrap()
        },
        move |buf, tag| {
            let nonce = Nonce::assume_unique_for_key(NONCE12);
            let tag = Tag::from(*tag);
            opener
                .open_in_place_separate_tag(nonce, Aad::from(&AAD), tag, buf, 0..)
                .is_ok()
        },
    )
}

/// A RustCrypto AEAD crate (`aes-gcm`, `chacha20poly1305`).
fn rustcrypto<C: AeadInOut + KeyInit + 'static>(name: &str, key: &[u8]) -> Contender {
    let cipher = Rc::new(C::new_from_slice(key).unwrap());
    let opener = cipher.clone();
    let nonce = || aes_gcm::aead::Nonce::<C>::try_from(&NONCE12[..]).unwrap();
    Contender::new(
        name,
        move |buf| {
            let tag = cipher.encrypt_inout_detached(&nonce(), &AAD, buf.into());
            tag.unwrap().as_slice().try_into().unwrap()
        },
        move |buf, tag| {
            let tag = aes_gcm::aead::Tag::<C>::try_from(&tag[..]).unwrap();
            opener
                .decrypt_inout_detached(&nonce(), &AAD, buf.into(), &tag)
                .is_ok()
        },
    )
}

/// libaegis (C, its own runtime CPU dispatch) through the `aegis` crate.
macro_rules! libaegis {
    ($module:ident :: $cipher:ident, $key_len:literal, $nonce_len:literal) => {
        Contender::new(
            "libaegis",
            |buf| {
                aegis::$module::$cipher::<16>::new(&[0x11; $key_len], &[7; $nonce_len])
                    .encrypt_in_place(buf, &AAD)
            },
            |buf, tag| {
                aegis::$module::$cipher::<16>::new(&[0x11; $key_len], &[7; $nonce_len])
                    .decrypt_in_place(buf, tag, &AAD)
                    .is_ok()
            },
        )
    };
}

/// The peer implementations of `suite`.
pub fn peers(suite: Suite) -> Vec<Contender> {
    match suite {
        Suite::Aes128Gcm => vec![
            ring(&ring::aead::AES_128_GCM, &[0x11; 16]),
            rustcrypto::<aes_gcm::Aes128Gcm>("aes-gcm", &[0x11; 16]),
        ],
        Suite::Aes256Gcm => vec![
            ring(&ring::aead::AES_256_GCM, &[0x11; 32]),
            rustcrypto::<aes_gcm::Aes256Gcm>("aes-gcm", &[0x11; 32]),
        ],
        Suite::ChaCha20Poly1305 => vec![
            ring(&ring::aead::CHACHA20_POLY1305, &[0x11; 32]),
            rustcrypto::<chacha20poly1305::ChaCha20Poly1305>("chacha20poly1305", &[0x11; 32]),
        ],
        Suite::Aegis128L => vec![libaegis!(aegis128l::Aegis128L, 16, 16)],
        Suite::Aegis128X2 => vec![libaegis!(aegis128x2::Aegis128X2, 16, 16)],
        Suite::Aegis128X4 => vec![libaegis!(aegis128x4::Aegis128X4, 16, 16)],
        Suite::Aegis256 => vec![libaegis!(aegis256::Aegis256, 32, 32)],
        Suite::Aegis256X2 => vec![libaegis!(aegis256x2::Aegis256X2, 32, 32)],
        Suite::Aegis256X4 => vec![libaegis!(aegis256x4::Aegis256X4, 32, 32)],
        _ => Vec::new(),
    }
}
