//! Building and reading whole sealed files in memory, deterministically,
//! for the golden files and the worked example of FORMAT.md.
//!
//! A file is the header area (copy A, copy B) followed by pages from
//! [`data_offset`] on, as FORMAT.md lays out.

use pageseal_core::{
    EpochCipher, Error, FileKind, Header, KdfBlock, KdfParams, NonceSource, PageFormat, Portable,
    RawKey, Secret, Suite, data_offset, read_header,
};

/// A deterministic byte generator (SplitMix64) standing in for the OS
/// random generator, so that fixtures are reproducible. Never use it for
/// real data.
#[derive(Clone, Debug)]
pub struct TestRng(u64);

impl TestRng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> TestRng {
        TestRng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

impl NonceSource for TestRng {
    fn fill_nonce(&mut self, out: &mut [u8]) -> Result<(), Error> {
        for chunk in out.chunks_mut(8) {
            let n = self.next().to_le_bytes();
            chunk.copy_from_slice(&n[..chunk.len()]);
        }
        Ok(())
    }
}

/// The raw key of the golden files and the worked example:
/// `x'000102…1e1f'`.
pub fn golden_raw_key() -> RawKey {
    RawKey::new(std::array::from_fn(|i| i as u8))
}

/// The passphrase of the passphrase golden files.
pub const GOLDEN_PASSPHRASE: &[u8] = b"correct horse battery staple";

/// Argon2id parameters of the passphrase golden files (small, so tests
/// stay fast even under emulation).
pub const GOLDEN_KDF: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

/// Argon2 working memory for `params`.
pub fn kdf_memory(params: &KdfParams) -> Vec<KdfBlock> {
    vec![KdfBlock::default(); params.blocks_needed()]
}

/// The plaintext of page `n` of a golden file: its number, then a
/// repeating pattern.
pub fn golden_payload(n: usize, len: usize) -> Vec<u8> {
    let text = format!("pageseal golden page {n}. ");
    text.bytes().cycle().take(len).collect()
}

/// Builds a whole file: header copies and `pages` sealed pages, each
/// filled with [`golden_payload`]. `secret` is `None` for `checksum`.
pub fn build_file(
    suite: Suite,
    page_size: usize,
    secret: Option<&Secret<'_>>,
    pages: usize,
    rng: &mut TestRng,
) -> Result<Vec<u8>, Error> {
    build_rotated_file(suite, page_size, secret, pages, 0, rng)
}

/// [`build_file`] with `rotations` key epochs added after the first (the
/// pages are sealed under the last one; the earlier epochs stay live).
pub fn build_rotated_file(
    suite: Suite,
    page_size: usize,
    secret: Option<&Secret<'_>>,
    pages: usize,
    rotations: u32,
    rng: &mut TestRng,
) -> Result<Vec<u8>, Error> {
    let mut file_id = [0u8; 16];
    rng.fill_nonce(&mut file_id)?;
    let (mut header, keys) = match secret {
        None => (Header::new_checksum_only(page_size, file_id)?, None),
        Some(secret) => {
            let (mut header, mut keys) = Header::new_encrypted(suite, page_size, file_id, rng)?;
            let mut work = kdf_memory(&GOLDEN_KDF);
            header.set_keyslot(0, secret, &GOLDEN_KDF, &keys, rng, &mut work)?;
            for _ in 0..rotations {
                header.add_epoch(&mut keys, rng, 0)?;
            }
            (header, Some(keys))
        }
    };
    let format = PageFormat::new(suite, page_size, file_id)?;
    let epoch = header.current_epoch();
    let cipher = match &keys {
        Some(keys) => Portable::new(
            suite,
            keys.data_key(epoch).map_or(&[][..], |k| k.as_bytes()),
        )?,
        None => Portable::new(Suite::Checksum, &[])?,
    };
    let mut out = vec![0u8; data_offset(page_size) as usize];
    for n in 0..pages {
        let mut page = golden_payload(n, format.payload_len());
        page.resize(page_size, 0);
        format.seal(&cipher, epoch, rng, n as u64, &mut page)?;
        out.extend_from_slice(&page);
    }
    if keys.is_some() {
        header.set_seals(epoch, pages as u64)?;
    }
    header.set_data_len((pages * format.payload_len()) as u64);
    header.set_generation(1);
    let copy = header.encode(keys.as_ref())?;
    out[..copy.len()].copy_from_slice(&copy);
    out[copy.len()..2 * copy.len()].copy_from_slice(&copy);
    Ok(out)
}

/// Opens a whole file built by [`build_file`] and returns the payload of
/// every page.
pub fn open_file(bytes: &[u8], secret: Option<&Secret<'_>>) -> Result<Vec<Vec<u8>>, Error> {
    let read = read_header(bytes)?;
    let mut work = vec![KdfBlock::default(); read.header.kdf_blocks_needed()];
    let opened = read.unlock(secret, &mut work)?;
    let header = &opened.header;
    let format = PageFormat::new(header.suite(), header.page_size(), *header.file_id())?;
    let ciphers: Vec<EpochCipher<Portable>> = match (&opened.keys, header.kind()) {
        (Some(keys), FileKind::Encrypted) => keys
            .epochs()
            .map(|(epoch, key)| {
                Portable::new(header.suite(), key.as_bytes())
                    .map(|cipher| EpochCipher { epoch, cipher })
            })
            .collect::<Result<_, _>>()?,
        _ => vec![EpochCipher {
            epoch: 0,
            cipher: Portable::new(Suite::Checksum, &[])?,
        }],
    };
    let start = data_offset(header.page_size()) as usize;
    let body = bytes.get(start..).unwrap_or(&[]);
    body.chunks(header.page_size())
        .enumerate()
        .map(|(n, chunk)| {
            let mut page = chunk.to_vec();
            format.open(ciphers.as_slice(), n as u64, &mut page)?;
            page.truncate(format.payload_len());
            Ok(page)
        })
        .collect()
}
