//! Sealed blocks on every backend: for every suite and many lengths, each
//! implementation the machine has seals exactly the bytes of the portable
//! path and opens the portable path's blocks.

use pageseal_core::{BlockFormat, EpochCipher, Error, MAX_BLOCK_OVERHEAD, Portable, Suite};
use pageseal_tests::implementations;

fn fixed(seed: u8) -> impl FnMut(&mut [u8]) -> Result<(), Error> {
    move |n: &mut [u8]| {
        n.iter_mut()
            .enumerate()
            .for_each(|(i, b)| *b = seed.wrapping_add(i as u8));
        Ok(())
    }
}

#[test]
fn every_backend_seals_and_opens_blocks_like_the_portable_path() {
    for suite in Suite::ALL {
        let key: Vec<u8> = (0..suite.key_len() as u8).collect();
        let epoch = u32::from(suite.is_keyed());
        let format = BlockFormat::new(suite, [0x33; 16]);
        let reference = Portable::new(suite, &key).unwrap();
        for len in [0usize, 1, 31, 32, 33, 255, 256, 257, 4000, 4096, 16_384 + 5] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 13 + 5) as u8).collect();
            let mut want = plain.clone();
            want.resize(len + MAX_BLOCK_OVERHEAD, 0);
            let n = format
                .seal(
                    &reference,
                    epoch,
                    &mut fixed(len as u8),
                    9,
                    2,
                    &mut want,
                    len,
                )
                .unwrap();
            want.truncate(n);
            for (name, cipher) in implementations(suite, &key).unwrap() {
                let mut got = plain.clone();
                got.resize(len + MAX_BLOCK_OVERHEAD, 0);
                let m = format
                    .seal(
                        cipher.as_ref(),
                        epoch,
                        &mut fixed(len as u8),
                        9,
                        2,
                        &mut got,
                        len,
                    )
                    .unwrap();
                assert!(got[..m] == want[..], "{suite} on {name}, {len} bytes");
                // Each implementation opens the reference's block.
                let keys = [EpochCipher {
                    epoch,
                    cipher: Portable::new(suite, &key).unwrap(),
                }];
                let mut sealed = want.clone();
                assert_eq!(cipher.suite(), suite);
                let opened = format.open(&keys[..], 9, &mut sealed).unwrap();
                assert_eq!((opened.len, opened.codec), (len, 2));
                assert!(sealed[..len] == plain[..], "{suite}");
                let nonce_at = m - 16 - suite.nonce_len();
                let mut tag = [0u8; 16];
                tag.copy_from_slice(&got[m - 16..m]);
                let aad = pageseal_core::block_binding(&[0x33; 16], 9, epoch, suite, 2, len);
                let (data, trailer) = got.split_at_mut(len);
                cipher
                    .open_detached(&trailer[nonce_at - len..m - 16 - len], &aad, data, &tag)
                    .unwrap();
                assert!(got[..len] == plain[..], "{suite} on {name}");
            }
        }
    }
}
