//! The CLI and the library agree: a file written page by page through
//! `PageFile` and closed is unsealed by the CLI with every page's data.

mod common;

use pageseal::core::{KdfParams, RawKey, Secret, Suite};
use pageseal::{CreateOptions, PageFile, Tuning};

use common::*;

#[test]
fn cli_unseals_a_file_written_by_the_library() {
    let dir = scratch();
    let path = p(dir.path(), "pages");
    let k = RawKey::new([0x0e; 32]);
    let options = CreateOptions {
        suite: Suite::Aegis128L,
        page_size: 512,
        kdf: KdfParams::DEFAULT,
    };
    let file = PageFile::create(
        &path,
        &options,
        Some(&Secret::RawKey(&k)),
        Tuning::default(),
    )
    .unwrap();
    let len = file.payload_len();
    let pages: Vec<Vec<u8>> = (0..3).map(|page| data(len, page)).collect();
    for page in &pages {
        file.append_page(page).unwrap();
    }
    file.close().unwrap();
    let out = p(dir.path(), "out");
    run_key(
        &raw_key(0x0e),
        ["unseal".as_ref(), path.as_os_str(), out.as_os_str()],
    )
    .ok();
    let got = std::fs::read(&out).unwrap();
    assert_eq!(got.len(), 3 * len, "unseal wrote {} bytes", got.len());
    assert!(
        got == pages.concat(),
        "unsealed bytes differ from the pages written"
    );
}
