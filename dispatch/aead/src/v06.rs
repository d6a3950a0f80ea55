//! `aead` 0.6: `KeyInit` and `AeadInOut` for every suite type.
//!
//! The kernels work in place: a buffer with separate input and output is
//! first copied to the output, which is then sealed or opened in place (so
//! a failed decryption wipes the output and leaves the input as it was).

/// Implements the `aead` 0.6 traits for suite type `$name` with key and
/// nonce sizes `$key` and `$nonce` (`typenum` constant names).
macro_rules! impl_traits {
    ($name:ident, $key:ident, $nonce:ident) => {
        impl aead06::KeySizeUser for $name {
            type KeySize = aead06::consts::$key;
        }

        impl aead06::KeyInit for $name {
            fn new(key: &aead06::Key<Self>) -> Self {
                Self(crate::suites::Keyed::auto(Self::SUITE, key))
            }
        }

        impl aead06::AeadCore for $name {
            type NonceSize = aead06::consts::$nonce;
            type TagSize = aead06::consts::U16;
            const TAG_POSITION: aead06::TagPosition = aead06::TagPosition::Postfix;
        }

        impl aead06::AeadInOut for $name {
            fn encrypt_inout_detached(
                &self,
                nonce: &aead06::Nonce<Self>,
                associated_data: &[u8],
                buffer: aead06::inout::InOutBuf<'_, '_, u8>,
            ) -> aead06::Result<aead06::Tag<Self>> {
                let buffer = buffer.into_out_with_copied_in();
                crate::suites::seal(&self.0, nonce, associated_data, buffer)
                    .map(aead06::Tag::<Self>::from)
                    .ok_or(aead06::Error)
            }

            fn decrypt_inout_detached(
                &self,
                nonce: &aead06::Nonce<Self>,
                associated_data: &[u8],
                buffer: aead06::inout::InOutBuf<'_, '_, u8>,
                tag: &aead06::Tag<Self>,
            ) -> aead06::Result<()> {
                let buffer = buffer.into_out_with_copied_in();
                crate::suites::open(&self.0, nonce, associated_data, buffer, tag)
                    .ok_or(aead06::Error)
            }
        }
    };
}

pub(crate) use impl_traits;
