//! Whole-file operations: seal a plain file, unseal it, verify every page,
//! rotate the data key. All use every core. `seal`, `unseal` and `rotate`
//! write a new file next to the target, flush it, rename it over the
//! target and flush the directory: after a crash the target is wholly old or
//! wholly new, and a failed operation leaves no partial output.

use std::path::Path;
use std::sync::Mutex;

use pageseal_core::{HeaderCopy, Secret};

use crate::error::{Error, Result};
use crate::pagefile::{CreateOptions, PageFile, Tuning};
use crate::parallel::for_each_page;
use crate::storage::{self, Replacement};

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
    let input = storage::open(plain, false)?;
    let meta = input.metadata().map_err(|e| Error::io("stat", plain, e))?;
    // A pipe or device reports length 0: sealing it would silently give an
    // empty file.
    if !meta.is_file() {
        return Err(Error::io(
            "read",
            plain,
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file (its length is unknown; pipes and devices are not supported)",
            ),
        ));
    }
    let len = meta.len();
    refuse_existing(out)?;
    let temp = Replacement::new(out)?;
    let file = temp
        .file()
        .try_clone()
        .map_err(|e| Error::io("open", temp.path(), e))?;
    let (header, keys) = PageFile::init(temp.path(), &file, options, secret)?;
    let sealed =
        PageFile::from_parts(temp.path(), file, true, header, keys, None, Some(0), tuning)?;
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
                Error::Page { source, .. } => source.to_string(),
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

/// Moves every page of `path` to a new key epoch with a fresh data key and
/// drops the old epochs, by writing a new file and renaming it over the old
/// one. Keyslots are kept. Every page must verify first. Returns the new
/// epoch.
pub fn rotate_file(
    path: &Path,
    secret: &Secret<'_>,
    tuning: Tuning,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u32> {
    let old = PageFile::open(path, Some(secret), false, tuning)?;
    check_whole(&old)?;
    let temp = Replacement::new(path)?;
    temp.keep_permissions_of(path)?;
    let file = temp
        .file()
        .try_clone()
        .map_err(|e| Error::io("open", temp.path(), e))?;
    let (header, keys) = old.snapshot();
    let new = PageFile::from_parts(
        temp.path(),
        file,
        true,
        header,
        keys,
        None,
        old.opened_keyslot(),
        tuning,
    )?;
    // The new file has no page yet: if the epoch table is full, adding the
    // new epoch first drops every older one (none is in use here).
    let epoch = new.rotate()?;
    for_each_page(old.page_count(), threads, progress, |page, buf| {
        buf.resize(old.payload_len(), 0);
        old.read_page(page, buf)?;
        new.seal_and_write(page, buf)
    })?;
    new.drop_epochs(|e| e != epoch)?;
    new.sync()?;
    temp.commit()?;
    Ok(epoch)
}
