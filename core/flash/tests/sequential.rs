//! Sealed values in a real `sequential-storage` map and queue, on
//! sequential-storage's own mock flash (which checks write-once words).

mod common;

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use common::{TestRng, cipher};
use pageseal_core::Suite;
use pageseal_flash::sequential::{fetch_sealed, pop_sealed, push_sealed, store_sealed};
use pageseal_flash::{Error, ValueSealer};
use sequential_storage::cache::Cache;
use sequential_storage::map::{MapConfig, MapStorage};
use sequential_storage::mock_flash::{MockFlashBase, WriteCountCheck};
use sequential_storage::queue::{QueueConfig, QueueStorage};

/// 4 pages of 1 KiB, 4-byte words.
type Flash = MockFlashBase<4, 4, 256>;

/// Runs a future that never waits (the mock flash completes at once).
fn block_on<T>(f: impl Future<Output = T>) -> T {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn flash() -> Flash {
    Flash::new(WriteCountCheck::OnceOnly, None, true)
}

#[test]
fn a_map_holds_sealed_values_bound_to_their_keys() {
    for suite in [
        Suite::Aes128Gcm,
        Suite::ChaCha20Poly1305,
        Suite::Aegis128L,
        Suite::Checksum,
    ] {
        block_on(async {
            let mut map = MapStorage::<u16, _, _>::new(
                flash(),
                const { MapConfig::new(0..4096) },
                Cache::new_uncached(),
            );
            let mut sealer = ValueSealer::new(cipher(suite, 3), TestRng(1));
            let (mut data, mut sealed) = ([0u8; 128], [0u8; 96]);
            store_sealed(
                &mut map,
                &mut sealer,
                &mut data,
                &mut sealed,
                &7,
                b"wifi password",
            )
            .await
            .unwrap();
            store_sealed(
                &mut map,
                &mut sealer,
                &mut data,
                &mut sealed,
                &8,
                b"api token",
            )
            .await
            .unwrap();
            store_sealed(
                &mut map,
                &mut sealer,
                &mut data,
                &mut sealed,
                &7,
                b"new wifi password",
            )
            .await
            .unwrap();

            let got = fetch_sealed(&mut map, &sealer, &mut data, &7)
                .await
                .unwrap();
            assert_eq!(got, Some(&b"new wifi password"[..]), "{suite}");
            let got = fetch_sealed(&mut map, &sealer, &mut data, &8)
                .await
                .unwrap();
            assert_eq!(got, Some(&b"api token"[..]));
            assert_eq!(
                fetch_sealed(&mut map, &sealer, &mut data, &9)
                    .await
                    .unwrap(),
                None
            );

            // The raw envelope of key 8 stored under key 9 does not open.
            let raw: &[u8] = map
                .fetch_item::<&[u8]>(&mut data, &8)
                .await
                .unwrap()
                .unwrap();
            let copy = raw.to_vec();
            map.store_item(&mut data, &9, &&copy[..]).await.unwrap();
            assert!(matches!(
                fetch_sealed(&mut map, &sealer, &mut data, &9).await,
                Err(Error::Authentication(_))
            ));

            // Secret suites keep the value out of the flash image.
            let (flash, _) = map.destroy();
            let in_clear = flash.as_bytes().windows(9).any(|w| w == b"api token");
            assert_eq!(in_clear, !suite.is_keyed(), "{suite}");

            // Another key cannot open the values.
            let mut map = MapStorage::<u16, _, _>::new(
                flash,
                const { MapConfig::new(0..4096) },
                Cache::new_uncached(),
            );
            if suite.is_keyed() {
                let other = ValueSealer::new(cipher(suite, 4), TestRng(1));
                assert!(matches!(
                    fetch_sealed(&mut map, &other, &mut data, &8).await,
                    Err(Error::Authentication(_))
                ));
            }
        });
    }
}

#[test]
fn a_queue_holds_sealed_items_in_order() {
    block_on(async {
        // Popping marks items in place: the queue needs a multiwrite flash.
        let flash = Flash::new(WriteCountCheck::Twice, None, true);
        let mut queue = QueueStorage::new(
            flash,
            const { QueueConfig::new(0..4096) },
            Cache::new_uncached(),
        );
        let mut sealer = ValueSealer::new(cipher(Suite::Aegis256, 5), TestRng(2));
        let mut buf = [0u8; 128];
        for item in [&b"event 1"[..], b"event 2", b""] {
            push_sealed(&mut queue, &mut sealer, &mut buf, b"log", item)
                .await
                .unwrap();
        }
        for want in [&b"event 1"[..], b"event 2", b""] {
            let got = pop_sealed(&mut queue, &sealer, &mut buf, b"log")
                .await
                .unwrap();
            assert_eq!(got, Some(want));
        }
        assert_eq!(
            pop_sealed(&mut queue, &sealer, &mut buf, b"log")
                .await
                .unwrap(),
            None
        );

        // An item pushed for another queue name does not open here.
        push_sealed(&mut queue, &mut sealer, &mut buf, b"other", b"x")
            .await
            .unwrap();
        assert!(matches!(
            pop_sealed(&mut queue, &sealer, &mut buf, b"log").await,
            Err(Error::Authentication(_))
        ));
    });
}

#[test]
fn sealing_reports_small_buffers_and_long_contexts() {
    let mut sealer = ValueSealer::new(cipher(Suite::Aes256Gcm, 1), TestRng(3));
    let mut out = [0u8; 40];
    assert_eq!(sealer.overhead(), 2 + 12 + 16);
    assert_eq!(
        sealer.seal::<()>(b"k", &[0; 11], &mut out),
        Err(Error::BufferTooSmall(41))
    );
    assert_eq!(
        sealer.seal::<()>(&[0; 65], b"v", &mut out),
        Err(Error::TooLarge(64))
    );
    let sealed = sealer.seal::<()>(b"k", b"v", &mut out).unwrap();
    sealed[0] = 2;
    assert_eq!(sealer.open::<()>(b"k", sealed), Err(Error::Corrupted(0)));
}
