//! Whole-file operations: seal a plain file, unseal it, verify every page,
//! rotate the data key. All use every core. `seal`, `unseal` and `rotate`
//! write a new file next to the target, flush it, rename it over the
//! target and flush the directory: after a crash the target is wholly old or
//! wholly new, and a failed operation leaves no partial output.

use std::path::Path;
use std::sync::Mutex;

use pageseal_core::{HeaderCopy, Secret, SlotKdf};

use crate::error::{Error, Result};
use crate::pagefile::{CreateOptions, PageFile, Tuning};
use crate::parallel::for_each_page;
use crate::storage::{self, Replacement, Storage};

/// One page that failed verification.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BadPage {
    /// The page number.
    pub page: u64,
    /// Why, in words.
    pub reason: String,
}

/// The outcome of [`verify_file`].
#[derive(Clone, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct VerifyReport {
    /// Whole pages checked.
    pub pages: u64,
    /// Pages that failed, by number.
    pub bad_pages: Vec<BadPage>,
    /// Bytes of a partial page at the end (a truncated file), if any.
    pub partial_tail: u64,
    /// A header copy found damaged (it is not rewritten by verify).
    pub damaged_header_copy: Option<String>,
}

impl VerifyReport {
    /// Whether every page and the header verified.
    pub fn ok(&self) -> bool {
        self.bad_pages.is_empty() && self.partial_tail == 0 && self.damaged_header_copy.is_none()
    }
}

/// Fails if `path` exists: bulk operations never overwrite an unrelated file.
fn refuse_existing(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(_) => Err(Error::io(
            "create",
            path,
            std::io::ErrorKind::AlreadyExists.into(),
        )),
        Err(_) => Ok(()),
    }
}

/// Seals the plain file `plain` into a new page file `out`. The plaintext
/// length is kept in the header, so `unseal` restores it exactly. Returns
/// the number of pages written.
pub fn seal_file(
    plain: &Path,
    out: &Path,
    options: &CreateOptions,
    secret: Option<&Secret<'_>>,
    tuning: Tuning,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64> {
    // A pipe or device has no length: sealing it would silently give an
    // empty file (or block forever on a FIFO), so `open` refuses it.
    let input = storage::open_regular(plain, false)?;
    let len = Storage::len(&input).map_err(|e| Error::io("stat", plain, e))?;
    refuse_existing(out)?;
    let temp = Replacement::new(out)?;
    let file = temp
        .file()
        .try_clone()
        .map_err(|e| Error::io("open", temp.path(), e))?;
    let sealed = PageFile::create_on(file, temp.path(), options, secret, tuning)?;
    let payload = sealed.payload_len() as u64;
    let pages = len.div_ceil(payload);
    for_each_page(pages, threads, progress, |page, buf| {
        buf.resize(payload as usize, 0);
        let got = storage::read_up_to(&input, plain, page * payload, buf)?;
        sealed.seal_and_write(page, &buf[..got])
    })?;
    sealed.set_data_len(len);
    sealed.sync()?;
    temp.commit()?;
    Ok(pages)
}

/// Unseals `sealed` into a new plain file `out`. Every page must verify:
/// if any fails, nothing is written and the error names the page.
pub fn unseal_file(
    sealed: &Path,
    out: &Path,
    secret: Option<&Secret<'_>>,
    tuning: Tuning,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64> {
    let file = PageFile::open(sealed, secret, false, tuning)?;
    check_whole(&file)?;
    let payload = file.payload_len() as u64;
    // A data length of 0 with pages present was not recorded (files written
    // page by page through the library): every payload byte is data.
    let len = match file.header().data_len() {
        0 => file.page_count() * payload,
        recorded => recorded,
    };
    if len > file.page_count() * payload {
        return Err(Error::Truncated {
            path: sealed.to_path_buf(),
            page: file.page_count(),
            present: 0,
            page_size: file.page_size(),
        });
    }
    refuse_existing(out)?;
    let temp = Replacement::new(out)?;
    for_each_page(file.page_count(), threads, progress, |page, buf| {
        buf.resize(payload as usize, 0);
        file.read_page(page, buf)?;
        let start = page * payload;
        let keep = len.saturating_sub(start).min(payload) as usize;
        storage::write_at(temp.file(), temp.path(), start, &buf[..keep])
    })?;
    temp.file()
        .set_len(len)
        .map_err(|e| Error::io("resize", temp.path(), e))?;
    temp.commit()?;
    Ok(file.page_count())
}

/// Fails if the file ends in a partial page.
fn check_whole(file: &PageFile) -> Result<()> {
    match file.partial_tail() {
        0 => Ok(()),
        present => Err(Error::Truncated {
            path: file.path().to_path_buf(),
            page: file.page_count(),
            present,
            page_size: file.page_size(),
        }),
    }
}

/// Checks the header and every page; lists every bad page by number.
pub fn verify_file(
    path: &Path,
    secret: Option<&Secret<'_>>,
    tuning: Tuning,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<VerifyReport> {
    let file = PageFile::open(path, secret, false, tuning)?;
    let bad = Mutex::new(Vec::new());
    for_each_page(file.page_count(), threads, progress, |page, buf| {
        buf.resize(file.page_size(), 0);
        file.read_raw(page, buf)?;
        if let Err(e) = file.open_raw(page, buf) {
            let reason = match &e {
                Error::Core {
                    page: Some(_),
                    source,
                    ..
                } => source.to_string(),
                other => other.to_string(),
            };
            bad.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(BadPage { page, reason });
        }
        Ok(())
    })?;
    let mut bad_pages = bad.into_inner().unwrap_or_else(|p| p.into_inner());
    bad_pages.sort_by_key(|b| b.page);
    // A file cut on a page boundary has no partial page: the header's data
    // length tells that whole pages are missing (one entry, not one per page).
    let data_len = file.header().data_len();
    let payload = file.payload_len() as u64;
    if file.partial_tail() == 0 && data_len > file.page_count() * payload {
        bad_pages.push(BadPage {
            page: file.page_count(),
            reason: format!(
                "page {} missing: the file ends before it, but the header records \
                 {data_len} bytes of data ({} pages)",
                file.page_count(),
                data_len.div_ceil(payload)
            ),
        });
    }
    Ok(VerifyReport {
        pages: file.page_count(),
        bad_pages,
        partial_tail: file.partial_tail(),
        damaged_header_copy: file.repaired().map(|c: HeaderCopy| c.to_string()),
    })
}

/// What [`rotate_file`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Rotation {
    /// Pages re-sealed.
    pub pages: u64,
    /// The keyslot that now holds the secret given.
    pub keyslot: usize,
    /// Keyslots of the old file that were not carried over: their secrets
    /// were not given, and the old file key they unwrapped is gone. Add
    /// them again (e.g. a recovery key) with a keyslot change.
    pub dropped_keyslots: Vec<usize>,
}

/// Rotates every key of `path`: a new file key, a new data key and a new
/// file id, with every page re-sealed, in a new file renamed over the old
/// one. Only `secret`'s keyslot is carried over (rewrapped under the new
/// file key, with the same KDF parameters); every other keyslot is dropped
/// and listed, because without its secret it cannot be rewrapped. A secret
/// that leaked before the rotation then opens nothing written after it,
/// even with an old copy of the header.
///
/// Every page must verify first. A symbolic link is followed (the real
/// file is rotated and the link kept); a file with other hard links is
/// refused (replacing it would split the links). The new file keeps the
/// old one's permission bits, and its owner and group where the process
/// may set them. The old file is locked against writers for the whole run.
pub fn rotate_file(
    path: &Path,
    secret: &Secret<'_>,
    tuning: Tuning,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Rotation> {
    let real = std::fs::canonicalize(path).map_err(|e| Error::io("open", path, e))?;
    let file = storage::open_regular(&real, false)?;
    storage::refuse_hard_links(&file, &real)?;
    storage::lock(&file, &real)?;
    let old = PageFile::open_on(file, &real, Some(secret), false, tuning)?;
    check_whole(&old)?;
    let header = old.header();
    let keyslot = old
        .opened_keyslot()
        .ok_or(pageseal_core::Error::KeyNotExpected)?;
    let kdf = match header.keyslots()[keyslot].kdf() {
        Some(SlotKdf::Argon2id(params)) => params,
        _ => pageseal_core::KdfParams::DEFAULT,
    };
    let dropped_keyslots = (0..pageseal_core::KEYSLOTS)
        .filter(|&i| i != keyslot && header.keyslots()[i].kdf().is_some())
        .collect();
    let temp = Replacement::new(&real)?;
    temp.keep_owner_and_mode_of(&real)?;
    let file = temp
        .file()
        .try_clone()
        .map_err(|e| Error::io("open", temp.path(), e))?;
    let options = CreateOptions {
        suite: header.suite(),
        page_size: header.page_size(),
        kdf,
    };
    let new = PageFile::create_on(file, temp.path(), &options, Some(secret), tuning)?;
    if keyslot != 0 {
        new.set_keyslot(keyslot, secret, &kdf)?;
        new.remove_keyslot(0)?;
    }
    for_each_page(old.page_count(), threads, progress, |page, buf| {
        buf.resize(old.payload_len(), 0);
        old.read_page(page, buf)?;
        new.seal_and_write(page, buf)
    })?;
    new.set_data_len(header.data_len());
    new.sync()?;
    temp.commit()?;
    Ok(Rotation {
        pages: old.page_count(),
        keyslot,
        dropped_keyslots,
    })
}
