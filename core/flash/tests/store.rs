//! The record store's behaviour without power cuts: round trips for every
//! suite and nonce policy, reboots, iteration, the errors, tampering, wear.

mod common;

use common::{SLOT, Small, Store, cipher, config, nonces, value};
use pageseal_core::Suite;
use pageseal_flash::mock::MockFlash;
use pageseal_flash::{Error, slot::Layout};

#[test]
fn every_suite_round_trips_across_reboots_and_sector_moves() {
    for suite in Suite::ALL {
        for random in [true, false] {
            let cfg = config(3, 5);
            let mut store =
                Store::format(Small::new(), cipher(suite, 1), nonces(random, 9), cfg).unwrap();
            let cap = store.capacity();
            let mut model: [Option<Vec<u8>>; 5] = Default::default();
            for step in 0..60 {
                // Record 4 is written once and must be carried along as sectors move.
                let id = if step == 0 { 4 } else { (step * 7 % 4) as u32 };
                let v = value(step, id, cap);
                store.write(id, &v).unwrap();
                model[id as usize] = Some(v);
                if step % 13 == 0 {
                    let flash = store.into_flash();
                    store = Store::open(flash, cipher(suite, 1), nonces(random, step as u64), cfg)
                        .unwrap();
                }
            }
            let mut out = [0u8; SLOT];
            for (id, want) in model.iter().enumerate() {
                let got = store.read(id as u32, &mut out).unwrap();
                assert_eq!(got.map(|n| out[..n].to_vec()), *want, "{suite} id {id}");
            }
            assert_eq!(store.len(), 5);
            assert!(store.seals() > 60, "{suite}: moves re-seal record 4");
        }
    }
}

#[test]
fn ids_iterate_in_order_and_absent_ids_read_none() {
    let mut store = Store::format(
        Small::new(),
        cipher(Suite::Aes128Gcm, 2),
        nonces(true, 1),
        config(2, 6),
    )
    .unwrap();
    for id in [40, 3, 17, 3, 0] {
        store.write(id, &[id as u8; 5]).unwrap();
    }
    let ids: Vec<u32> = store.ids().map(Result::unwrap).collect();
    assert_eq!(ids, [0, 3, 17, 40]);
    assert_eq!(store.read(5, &mut [0; 8]).unwrap(), None);
    assert!(!store.is_empty());
}

#[test]
fn errors_name_the_problem() {
    let mut store = Store::format(
        Small::new(),
        cipher(Suite::ChaCha20Poly1305, 3),
        nonces(true, 1),
        config(2, 2),
    )
    .unwrap();
    let cap = store.capacity();
    assert_eq!(store.write(u32::MAX, b"x"), Err(Error::InvalidId));
    assert_eq!(store.write(1, &vec![0; cap + 1]), Err(Error::TooLarge(cap)));
    store.write(1, b"twelve bytes").unwrap();
    store.write(2, b"b").unwrap();
    assert_eq!(store.write(3, b"c"), Err(Error::Full));
    store
        .write(2, b"overwriting an existing id is fine")
        .unwrap();
    assert_eq!(store.read(1, &mut [0; 11]), Err(Error::BufferTooSmall(12)));
    assert_eq!(store.read(u32::MAX, &mut [0; 11]), Err(Error::InvalidId));

    let bad = |c| {
        Store::format(
            Small::new(),
            cipher(Suite::Aes128Gcm, 3),
            nonces(true, 1),
            c,
        )
        .err()
    };
    assert!(matches!(bad(config(1, 2)), Some(Error::InvalidConfig(_))));
    assert!(matches!(bad(config(2, 7)), Some(Error::InvalidConfig(_))));
    assert!(matches!(bad(config(5, 2)), Some(Error::InvalidConfig(_))));
    let mut c = config(2, 2);
    c.offset = 512;
    assert!(matches!(bad(c), Some(Error::InvalidConfig(_))));
    assert!(Layout::new(Suite::Aegis256, 64, 1, 4).is_err());
}

#[test]
fn a_wrong_key_or_an_altered_byte_fails_to_authenticate() {
    let cfg = config(2, 4);
    let mut store = Store::format(
        Small::new(),
        cipher(Suite::Aegis256, 4),
        nonces(true, 1),
        cfg,
    )
    .unwrap();
    store.write(9, b"secret setting").unwrap();
    let flash = store.into_flash();
    assert!(
        !flash.as_bytes().windows(14).any(|w| w == b"secret setting"),
        "stored in the clear"
    );

    let mut wrong = Store::open(
        flash.clone(),
        cipher(Suite::Aegis256, 5),
        nonces(true, 1),
        cfg,
    )
    .unwrap();
    let mut out = [0xAA; 64];
    assert_eq!(wrong.read(9, &mut out), Err(Error::Authentication(9)));

    // Flip one ciphertext bit (after the 16-byte header and 32-byte nonce).
    let mut image = flash.as_bytes().to_vec();
    image[16 + 32 + 3] ^= 0x10;
    let mut altered = Store::open(
        Small::from_image(&image),
        cipher(Suite::Aegis256, 4),
        nonces(true, 1),
        cfg,
    )
    .unwrap();
    assert_eq!(altered.read(9, &mut out), Err(Error::Authentication(9)));

    // A store of another suite sees a committed slot it cannot use.
    let mut other = Store::open(flash, cipher(Suite::Aegis256X2, 4), nonces(true, 1), cfg).unwrap();
    assert_eq!(other.read(9, &mut out), Err(Error::Corrupted(0)));
}

#[test]
fn checksum_stores_detect_corruption_but_keep_values_readable() {
    let cfg = config(2, 4);
    let mut store = Store::format(
        Small::new(),
        cipher(Suite::Checksum, 0),
        nonces(true, 1),
        cfg,
    )
    .unwrap();
    store.write(1, b"plain but checked").unwrap();
    let mut image = store.into_flash().as_bytes().to_vec();
    assert_eq!(&image[16..33], b"plain but checked");
    image[20] ^= 1;
    let mut s = Store::open(
        Small::from_image(&image),
        cipher(Suite::Checksum, 0),
        nonces(true, 1),
        cfg,
    )
    .unwrap();
    assert_eq!(s.read(1, &mut [0; 64]), Err(Error::Authentication(1)));
}

#[test]
fn wear_is_spread_over_every_sector() {
    // 4 sectors, one record rewritten 400 times: every sector is erased, and
    // no sector more than once above the others.
    type Flash = MockFlash<4096, 4, 1024>;
    let cfg = config(4, 2);
    let mut store = Store::format(
        Flash::new(),
        cipher(Suite::Aes256Gcm, 6),
        nonces(true, 2),
        cfg,
    )
    .unwrap();
    let mut erases = [0u32; 4];
    let mut before = store_image(&mut store);
    for step in 0..400 {
        store.write(step as u32 % 2, &value(step, 0, 40)).unwrap();
        let after = store_image(&mut store);
        for (sector, count) in erases.iter_mut().enumerate() {
            let r = sector * 1024..(sector + 1) * 1024;
            // Programming only clears bits: a bit set again means an erase.
            if after[r.clone()]
                .iter()
                .zip(&before[r])
                .any(|(a, b)| a & !b != 0)
            {
                *count += 1;
            }
        }
        before = after;
    }
    let (min, max) = (erases.iter().min().unwrap(), erases.iter().max().unwrap());
    assert!(*min >= 10 && max - min <= 1, "erases per sector {erases:?}");
}

fn store_image(store: &mut Store<MockFlash<4096, 4, 1024>>) -> Vec<u8> {
    store.flash().as_bytes().to_vec()
}

mod hostile {
    //! Whatever the flash holds — forged committed headers with any field
    //! values, flipped bytes — opening, reading, iterating and writing
    //! return (possibly an error) and never panic.

    use super::common::{SLOT, Small, Store, cipher, config, nonces, value};
    use pageseal_core::Suite;
    use pageseal_flash::slot::{Header, marker};
    use proptest::prelude::*;

    fn forged() -> impl Strategy<Value = (usize, Header)> {
        (
            0usize..32,
            any::<u32>(),
            any::<u64>(),
            any::<u16>(),
            any::<u8>(),
            any::<u8>(),
        )
            .prop_map(|(slot, id, seq, len, suite, version)| {
                let id = id % 8;
                (
                    slot,
                    Header {
                        id,
                        seq,
                        len,
                        suite,
                        version,
                    },
                )
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn hostile_images_never_panic(
            forgeries in prop::collection::vec(forged(), 0..12),
            flips in prop::collection::vec((0usize..4096, any::<u8>()), 0..24),
            suite in prop::sample::select(vec![Suite::ChaCha20Poly1305, Suite::Aegis128L, Suite::Checksum]),
        ) {
            let cfg = config(4, 6);
            let mut store = Store::format(Small::new(), cipher(suite, 1), nonces(true, 1), cfg).unwrap();
            for step in 0..20 {
                store.write(step as u32 % 5, &value(step, 0, 40)).unwrap();
            }
            let mut image = store.into_flash().as_bytes().to_vec();
            for (slot, header) in forgeries {
                let at = slot * SLOT;
                let bytes = header.encode();
                image[at..at + 16].copy_from_slice(&bytes);
                image[at + SLOT - 16..at + SLOT].copy_from_slice(&marker(&bytes));
            }
            for (at, x) in flips {
                image[at] ^= x;
            }
            if let Ok(mut store) = Store::open(Small::from_image(&image), cipher(suite, 1), nonces(true, 2), cfg) {
                let mut out = [0u8; SLOT];
                for id in 0..8 {
                    let _ = store.read(id, &mut out);
                }
                let ids: Vec<_> = store.ids().collect();
                prop_assert!(ids.len() <= 4 * 8);
                let _ = store.write(1, b"after");
            }
        }
    }
}

#[test]
fn a_hardware_backend_and_the_portable_path_read_each_others_records() {
    // pageseal-dispatch's automatic backend (AES-NI, VAES, ARMv8, ... or
    // portable) is just another `Aead`: with sequence nonces both write the
    // same bytes, and each reads what the other wrote.
    use pageseal_dispatch::Cipher;
    use pageseal_flash::{FlashStore, Nonces};
    for suite in Suite::ALL {
        let key = [9u8; 32];
        let key = &key[..suite.key_len()];
        let cfg = config(2, 4);
        let mut fast = FlashStore::<_, _, _, SLOT>::format(
            Small::new(),
            Cipher::new(suite, key).unwrap(),
            Nonces::sequence(),
            cfg,
        )
        .unwrap();
        let mut slow =
            Store::format(Small::new(), cipher(suite, 9), nonces(false, 0), cfg).unwrap();
        for step in 0..12 {
            let v = value(step, 1, 40);
            fast.write(step as u32 % 3, &v).unwrap();
            slow.write(step as u32 % 3, &v).unwrap();
        }
        let (fast, slow) = (fast.into_flash(), slow.into_flash());
        assert_eq!(fast.as_bytes(), slow.as_bytes(), "{suite}");
        let mut reader = Store::open(fast, cipher(suite, 9), nonces(true, 1), cfg).unwrap();
        let n = reader.read(2, &mut [0; SLOT]).unwrap();
        assert_eq!(n, Some(value(11, 1, 40).len()), "{suite}");
    }
}

#[test]
fn the_seal_budget_of_the_suite_is_enforced() {
    // A committed slot claiming sequence number 2^32 (the AES-GCM budget)
    // makes the next seal number 2^32 + 1, which the store refuses.
    use pageseal_flash::slot::{Header, marker};
    let cfg = config(2, 4);
    let mut store = Store::format(
        Small::new(),
        cipher(Suite::Aes128Gcm, 1),
        nonces(true, 1),
        cfg,
    )
    .unwrap();
    store.write(1, b"one").unwrap();
    assert_eq!(store.seals(), 1);
    let mut image = store.into_flash().as_bytes().to_vec();
    let header = Header {
        id: 2,
        seq: Suite::Aes128Gcm.seal_limit(),
        len: 0,
        suite: 1,
        version: 1,
    };
    let at = SLOT; // slot 1, still erased
    image[at..at + 16].copy_from_slice(&header.encode());
    image[at + SLOT - 16..at + SLOT].copy_from_slice(&marker(&header.encode()));
    let mut store = Store::open(
        Small::from_image(&image),
        cipher(Suite::Aes128Gcm, 1),
        nonces(true, 1),
        cfg,
    )
    .unwrap();
    assert_eq!(store.seals(), 1 << 32);
    assert_eq!(store.write(1, b"two"), Err(Error::SealLimit));
    // The forged slot does not authenticate; record 1 keeps its value.
    assert_eq!(store.read(2, &mut [0; 8]), Err(Error::Authentication(2)));
    let mut out = [0; 8];
    assert_eq!(store.read(1, &mut out), Ok(Some(3)));
}
