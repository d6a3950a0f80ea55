//! What the trait tests share: [`Both`], the suite types seen through both
//! `aead` generations at once, and [`for_each_type!`]. Each test binary uses
//! only part of it.
#![allow(dead_code)]

use pageseal_aead::{Backend, Error, Suite};

/// A suite type with the traits of both `aead` generations (the tests
/// enable both features) and a constructor that forces a backend.
pub trait Both:
    aead05::AeadInPlace
    + aead05::AeadCore<TagSize = aead05::consts::U16>
    + aead05::KeyInit
    + aead06::AeadInOut
    + aead06::AeadCore<TagSize = aead06::consts::U16>
    + aead06::KeyInit
    + core::fmt::Debug
    + Sized
{
    /// The suite.
    const SUITE: Suite;

    /// Keys the type on `backend`.
    fn keyed(key: &[u8], backend: Backend) -> Result<Self, Error>;

    /// The backend it runs on.
    fn backend_of(&self) -> Backend;
}

/// Implements [`Both`] for each named type of `pageseal_aead`.
macro_rules! both {
    ($($name:ident),*) => {$(
        impl Both for pageseal_aead::$name {
            const SUITE: Suite = pageseal_aead::$name::SUITE;

            fn keyed(key: &[u8], backend: Backend) -> Result<Self, Error> {
                pageseal_aead::$name::with_backend(key, backend)
            }

            fn backend_of(&self) -> Backend {
                self.backend()
            }
        }
    )*};
}

both!(
    Aes128Gcm,
    Aes256Gcm,
    ChaCha20Poly1305,
    Aegis128L,
    Aegis128X2,
    Aegis128X4,
    Aegis256,
    Aegis256X2,
    Aegis256X4
);

/// Calls the generic function `$f::<T>($args)` for every suite type `T`,
/// collecting the results into an array (so no suite can be left out
/// without editing this list, which the tests compare with `Suite::ALL`).
#[macro_export]
macro_rules! for_each_type {
    ($f:ident($($arg:expr),*)) => {
        [
            $f::<pageseal_aead::Aes128Gcm>($($arg),*),
            $f::<pageseal_aead::Aes256Gcm>($($arg),*),
            $f::<pageseal_aead::ChaCha20Poly1305>($($arg),*),
            $f::<pageseal_aead::Aegis128L>($($arg),*),
            $f::<pageseal_aead::Aegis128X2>($($arg),*),
            $f::<pageseal_aead::Aegis128X4>($($arg),*),
            $f::<pageseal_aead::Aegis256>($($arg),*),
            $f::<pageseal_aead::Aegis256X2>($($arg),*),
            $f::<pageseal_aead::Aegis256X4>($($arg),*),
        ]
    };
}

/// Seals `buf` in place through the `aead` 0.5 trait.
pub fn seal05<T: Both>(aead: &T, nonce: &[u8], aad: &[u8], buf: &mut [u8]) -> [u8; 16] {
    let nonce = aead05::Nonce::<T>::from_slice(nonce);
    let tag = aead05::AeadInPlace::encrypt_in_place_detached(aead, nonce, aad, buf)
        .expect("seal through aead 0.5");
    tag.into()
}

/// Opens `buf` in place through the `aead` 0.5 trait.
pub fn open05<T: Both>(
    aead: &T,
    nonce: &[u8],
    aad: &[u8],
    buf: &mut [u8],
    tag: &[u8; 16],
) -> Result<(), aead05::Error> {
    let nonce = aead05::Nonce::<T>::from_slice(nonce);
    let tag = aead05::Tag::<T>::from_slice(tag);
    aead05::AeadInPlace::decrypt_in_place_detached(aead, nonce, aad, buf, tag)
}

/// Seals through the `aead` 0.6 trait: in place, or from `input` into a
/// separate `buf` when `input` is given.
pub fn seal06<T: Both>(
    aead: &T,
    nonce: &[u8],
    aad: &[u8],
    input: Option<&[u8]>,
    buf: &mut [u8],
) -> [u8; 16] {
    let nonce = aead06::Nonce::<T>::try_from(nonce).expect("nonce of the suite's length");
    let inout = match input {
        Some(input) => aead06::inout::InOutBuf::new(input, buf).expect("same lengths"),
        None => aead06::inout::InOutBuf::from(buf),
    };
    let tag = aead06::AeadInOut::encrypt_inout_detached(aead, &nonce, aad, inout)
        .expect("seal through aead 0.6");
    tag.into()
}

/// Opens through the `aead` 0.6 trait: in place, or from `input` into a
/// separate `buf` when `input` is given.
pub fn open06<T: Both>(
    aead: &T,
    nonce: &[u8],
    aad: &[u8],
    input: Option<&[u8]>,
    buf: &mut [u8],
    tag: &[u8; 16],
) -> Result<(), aead06::Error> {
    let nonce = aead06::Nonce::<T>::try_from(nonce).expect("nonce of the suite's length");
    let tag = aead06::Tag::<T>::from(*tag);
    let inout = match input {
        Some(input) => aead06::inout::InOutBuf::new(input, buf).expect("same lengths"),
        None => aead06::inout::InOutBuf::from(buf),
    };
    aead06::AeadInOut::decrypt_inout_detached(aead, &nonce, aad, inout, &tag)
}

/// The suite type keyed with `key` by `KeyInit::new` of `aead` 0.5 and of
/// `aead` 0.6, then on every backend this CPU has for the suite, each with
/// a name for messages.
pub fn every_keying<T: Both>(key: &[u8]) -> Vec<(String, T)> {
    let mut all = vec![
        (
            "aead05 KeyInit".to_owned(),
            <T as aead05::KeyInit>::new_from_slice(key).expect("key of the suite's length"),
        ),
        (
            "aead06 KeyInit".to_owned(),
            <T as aead06::KeyInit>::new_from_slice(key).expect("key of the suite's length"),
        ),
    ];
    for backend in pageseal_dispatch::available_backends(T::SUITE) {
        let keyed = T::keyed(key, backend).expect("an available backend keys the suite");
        all.push((backend.name().to_owned(), keyed));
    }
    all
}
