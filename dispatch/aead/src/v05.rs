//! `aead` 0.5: `KeyInit` and `AeadInPlace` (hence `AeadMutInPlace`, what
//! heed3 0.23 takes) for every suite type.

/// Implements the `aead` 0.5 traits for suite type `$name` with key and
/// nonce sizes `$key` and `$nonce` (`typenum` constant names).
macro_rules! impl_traits {
    ($name:ident, $key:ident, $nonce:ident) => {
        impl aead05::KeySizeUser for $name {
            type KeySize = aead05::consts::$key;
        }

        impl aead05::KeyInit for $name {
            fn new(key: &aead05::Key<Self>) -> Self {
                Self(crate::suites::Keyed::auto(Self::SUITE, key))
            }
        }

        impl aead05::AeadCore for $name {
            type NonceSize = aead05::consts::$nonce;
            type TagSize = aead05::consts::U16;
            type CiphertextOverhead = aead05::consts::U0;
        }

        impl aead05::AeadInPlace for $name {
            fn encrypt_in_place_detached(
                &self,
                nonce: &aead05::Nonce<Self>,
                associated_data: &[u8],
                buffer: &mut [u8],
            ) -> aead05::Result<aead05::Tag<Self>> {
                crate::suites::seal(&self.0, nonce, associated_data, buffer)
                    .map(aead05::Tag::<Self>::from)
                    .ok_or(aead05::Error)
            }

            fn decrypt_in_place_detached(
                &self,
                nonce: &aead05::Nonce<Self>,
                associated_data: &[u8],
                buffer: &mut [u8],
                tag: &aead05::Tag<Self>,
            ) -> aead05::Result<()> {
                crate::suites::open(&self.0, nonce, associated_data, buffer, tag)
                    .ok_or(aead05::Error)
            }
        }
    };
}

pub(crate) use impl_traits;
