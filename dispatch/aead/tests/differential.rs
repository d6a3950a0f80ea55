//! Differential tests: for random keys, nonces, associated data and
//! messages, every suite type (keyed by `KeyInit` of both `aead`
//! generations and on every backend of this CPU) seals exactly as its peer
//! does — RustCrypto `aes-gcm` and `chacha20poly1305` through the same
//! trait calls (`aead` 0.6, and 0.5 with `chacha20poly1305` 0.10, heed3's
//! cipher), libaegis (C, through the `aegis` crate) for AEGIS — opens
//! what the peer sealed, and rejects a flipped bit, as the peer does, with
//! the buffer wiped.

mod common;

use common::{Both, every_keying, open05, open06, seal05, seal06};
use proptest::prelude::*;

/// Seals `(key, nonce, aad, buf)` in place and returns the tag.
type SealFn = fn(&[u8], &[u8], &[u8], &mut [u8]) -> [u8; 16];
/// Opens `(key, nonce, aad, buf, tag)` in place; whether the tag verified.
type OpenFn = fn(&[u8], &[u8], &[u8], &mut [u8], &[u8; 16]) -> bool;

/// A peer implementation.
struct Peer {
    name: &'static str,
    seal: SealFn,
    open: OpenFn,
}

/// A RustCrypto AEAD of the `aead` 0.6 traits, through `AeadInOut`.
fn rustcrypto06<P: aead06::AeadInOut + aead06::KeyInit>(name: &'static str) -> Peer {
    Peer {
        name,
        seal: |key, nonce, aad, buf| {
            let aead = P::new_from_slice(key).expect("key length");
            let nonce = aead06::Nonce::<P>::try_from(nonce).expect("nonce length");
            let tag = aead
                .encrypt_inout_detached(&nonce, aad, buf.into())
                .expect("seal");
            tag.as_slice().try_into().expect("16-byte tag")
        },
        open: |key, nonce, aad, buf, tag| {
            let aead = P::new_from_slice(key).expect("key length");
            let nonce = aead06::Nonce::<P>::try_from(nonce).expect("nonce length");
            let tag = aead06::Tag::<P>::try_from(&tag[..]).expect("tag length");
            aead.decrypt_inout_detached(&nonce, aad, buf.into(), &tag)
                .is_ok()
        },
    }
}

/// A RustCrypto AEAD of the `aead` 0.5 traits, through `AeadInPlace`.
fn rustcrypto05<P: aead05::AeadInPlace + aead05::KeyInit>(name: &'static str) -> Peer {
    Peer {
        name,
        seal: |key, nonce, aad, buf| {
            let aead = P::new_from_slice(key).expect("key length");
            let nonce = aead05::Nonce::<P>::from_slice(nonce);
            let tag = aead
                .encrypt_in_place_detached(nonce, aad, buf)
                .expect("seal");
            tag.as_slice().try_into().expect("16-byte tag")
        },
        open: |key, nonce, aad, buf, tag| {
            let aead = P::new_from_slice(key).expect("key length");
            let nonce = aead05::Nonce::<P>::from_slice(nonce);
            let tag = aead05::Tag::<P>::from_slice(tag);
            aead.decrypt_in_place_detached(nonce, aad, buf, tag).is_ok()
        },
    }
}

/// libaegis through the `aegis` crate, 16-byte tags.
macro_rules! libaegis {
    ($module:ident :: $cipher:ident) => {
        Peer {
            name: concat!("libaegis ", stringify!($cipher)),
            seal: |key, nonce, aad, buf| {
                let (key, nonce) = (key.try_into().unwrap(), nonce.try_into().unwrap());
                aegis::$module::$cipher::<16>::new(key, nonce).encrypt_in_place(buf, aad)
            },
            open: |key, nonce, aad, buf, tag| {
                let (key, nonce) = (key.try_into().unwrap(), nonce.try_into().unwrap());
                aegis::$module::$cipher::<16>::new(key, nonce)
                    .decrypt_in_place(buf, tag, aad)
                    .is_ok()
            },
        }
    };
}

/// One random case for `T`: key, nonce, associated data, message, and
/// which bit of ciphertext-and-tag to flip.
#[derive(Debug, Clone)]
struct Case {
    key: Vec<u8>,
    nonce: Vec<u8>,
    aad: Vec<u8>,
    msg: Vec<u8>,
    flip: prop::sample::Index,
}

fn case<T: Both>() -> impl Strategy<Value = Case> {
    let suite = T::SUITE;
    let len = prop_oneof![
        3 => 0usize..=300,
        1 => 300usize..=5000,
        1 => prop::sample::select(vec![4064usize, 4080, 4096, 16_384]),
    ];
    (
        prop::collection::vec(any::<u8>(), suite.key_len()),
        prop::collection::vec(any::<u8>(), suite.nonce_len()),
        prop::collection::vec(any::<u8>(), 0..100),
        len.prop_flat_map(|n| prop::collection::vec(any::<u8>(), n)),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(key, nonce, aad, msg, flip)| Case {
            key,
            nonce,
            aad,
            msg,
            flip,
        })
}

/// Checks `T` against each of `peers` on `c`.
fn check<T: Both>(c: &Case, peers: &[Peer]) -> Result<(), TestCaseError> {
    let Case {
        key,
        nonce,
        aad,
        msg,
        ..
    } = c;
    let mut ct = msg.clone();
    let tag = (peers[0].seal)(key, nonce, aad, &mut ct);
    // The bit to flip, in the ciphertext or in the tag.
    let bit = c.flip.index((ct.len() + 16) * 8);
    let (mut bad_ct, mut bad_tag) = (ct.clone(), tag);
    if bit / 8 < ct.len() {
        bad_ct[bit / 8] ^= 1 << (bit % 8);
    } else {
        bad_tag[bit / 8 - ct.len()] ^= 1 << (bit % 8);
    }
    for peer in peers {
        let mut buf = msg.clone();
        let peer_tag = (peer.seal)(key, nonce, aad, &mut buf);
        prop_assert!(buf == ct && peer_tag == tag, "{} disagrees", peer.name);
        let mut buf = bad_ct.clone();
        prop_assert!(!(peer.open)(key, nonce, aad, &mut buf, &bad_tag));
    }
    for (name, aead) in every_keying::<T>(key) {
        let mut buf = msg.clone();
        prop_assert_eq!(seal05(&aead, nonce, aad, &mut buf), tag, "{} aead05", &name);
        prop_assert!(buf == ct, "{} aead05 ciphertext", name);
        let mut buf = msg.clone();
        prop_assert_eq!(
            seal06(&aead, nonce, aad, None, &mut buf),
            tag,
            "{} aead06",
            &name
        );
        prop_assert!(buf == ct, "{} aead06 ciphertext", name);

        let mut buf = ct.clone();
        prop_assert!(open05(&aead, nonce, aad, &mut buf, &tag).is_ok());
        prop_assert!(&buf == msg, "{} aead05 open", name);
        let mut buf = vec![0; ct.len()];
        prop_assert!(open06(&aead, nonce, aad, Some(&ct), &mut buf, &tag).is_ok());
        prop_assert!(&buf == msg, "{} aead06 open", name);

        let mut buf = bad_ct.clone();
        prop_assert!(open05(&aead, nonce, aad, &mut buf, &bad_tag).is_err());
        prop_assert!(buf.iter().all(|&b| b == 0), "{} aead05 left bytes", name);
        let mut buf = bad_ct.clone();
        prop_assert!(open06(&aead, nonce, aad, None, &mut buf, &bad_tag).is_err());
        prop_assert!(buf.iter().all(|&b| b == 0), "{} aead06 left bytes", name);
    }
    Ok(())
}

/// One proptest per suite type, against its peers.
macro_rules! differential {
    ($($test:ident: $name:ident => [$($peer:expr),+ $(,)?];)*) => {
        proptest! {$(
            #[test]
            fn $test(c in case::<pageseal_aead::$name>()) {
                check::<pageseal_aead::$name>(&c, &[$($peer),+])?;
            }
        )*}
    };
}

differential! {
    aes_128_gcm: Aes128Gcm => [rustcrypto06::<aes_gcm::Aes128Gcm>("aes-gcm")];
    aes_256_gcm: Aes256Gcm => [rustcrypto06::<aes_gcm::Aes256Gcm>("aes-gcm")];
    chacha20_poly1305: ChaCha20Poly1305 => [
        rustcrypto06::<chacha20poly1305::ChaCha20Poly1305>("chacha20poly1305 0.11"),
        rustcrypto05::<chacha20poly1305_010::ChaCha20Poly1305>("chacha20poly1305 0.10"),
    ];
    aegis_128l: Aegis128L => [libaegis!(aegis128l::Aegis128L)];
    aegis_128x2: Aegis128X2 => [libaegis!(aegis128x2::Aegis128X2)];
    aegis_128x4: Aegis128X4 => [libaegis!(aegis128x4::Aegis128X4)];
    aegis_256: Aegis256 => [libaegis!(aegis256::Aegis256)];
    aegis_256x2: Aegis256X2 => [libaegis!(aegis256x2::Aegis256X2)];
    aegis_256x4: Aegis256X4 => [libaegis!(aegis256x4::Aegis256X4)];
}
