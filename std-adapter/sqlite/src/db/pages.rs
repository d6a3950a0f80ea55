//! Pages and images: sealed under a permit, opened (re-reading the header
//! when another process rotated), and migrated to the current epoch.

use std::sync::RwLockReadGuard;

use pageseal::FastRandom;
use pageseal_core::{Error as CoreError, Grant, Permit, data_offset};

use super::{Db, Io, LEASE_BATCH, Unlocked};
use crate::error::{Failure, Result};

impl Db {
    /// Re-seals every page of the database file that is under an older
    /// epoch than the current one, syncs, then drops the epochs no page
    /// uses; returns (pages re-sealed, epochs dropped). The caller holds
    /// SQLite's EXCLUSIVE lock in a rollback-journal mode, so no other
    /// writer touches the file meanwhile, and any process's next write
    /// transaction re-reads the header first.
    pub(crate) fn migrate(&self, io: &dyn Io) -> Result<(u64, usize)> {
        self.reload(io)?;
        let (format, current) = {
            let state = self.read();
            let u = state.as_ref().ok_or_else(|| self.no_key())?;
            (*u.session.format(), u.session.current_epoch())
        };
        let ps = format.page_size();
        let base = data_offset(ps);
        let pages = io.size()?.saturating_sub(base) / ps as u64;
        let mut page = vec![0u8; ps];
        let mut resealed = 0;
        for index in 0..pages {
            let at = base + index * ps as u64;
            io.read_at(at, &mut page)?;
            let epoch = format
                .epoch(&page)
                .map_err(|e| Failure::core(&self.path, e))?;
            if epoch == current {
                continue;
            }
            self.open_page(io, index, &mut page)?;
            self.seal_page(io, index, &mut page)?;
            io.write_at(at, &page)?;
            resealed += 1;
        }
        zeroize::Zeroize::zeroize(&mut page[..]);
        io.sync()?;
        // Every page is under the current epoch now (this connection holds
        // the exclusive lock): the others can go.
        let dropped = self.change(io, |s| {
            let old: Vec<u32> = s
                .header()
                .epochs()
                .map(|(e, _)| e)
                .filter(|e| *e != s.current_epoch())
                .collect();
            for &e in &old {
                s.drop_epoch(e)?;
            }
            Ok(old.len())
        })?;
        Ok((resealed, dropped))
    }

    /// One seal's permit with the session read-locked to seal under.
    fn permit(&self, io: &dyn Io) -> Result<(RwLockReadGuard<'_, Option<Unlocked>>, Permit)> {
        loop {
            let state = self.read();
            let unlocked = state.as_ref().ok_or_else(|| self.no_key())?;
            if let Some(permit) = self.lease().take(&unlocked.session) {
                return Ok((state, permit));
            }
            drop(state);
            let mut state = self.write();
            let unlocked = state.as_mut().ok_or_else(|| self.no_key())?;
            let mut lease = self.lease();
            if lease.is_usable(&unlocked.session) {
                continue;
            }
            match unlocked.session.lease(LEASE_BATCH, &mut FastRandom) {
                Ok(Grant::Ready(new)) => *lease = new,
                Ok(Grant::Persist) => {
                    drop(lease);
                    self.persist(io, unlocked)?;
                }
                Err(e) => return Err(Failure::core(&self.path, e)),
            }
        }
    }

    /// Seals database page `page` (0-based) in place.
    pub(crate) fn seal_page(&self, io: &dyn Io, page: u64, buf: &mut [u8]) -> Result<()> {
        let (state, permit) = self.permit(io)?;
        let unlocked = state.as_ref().ok_or_else(|| self.no_key())?;
        unlocked
            .session
            .seal(permit, &mut FastRandom, page, buf)
            .map_err(|e| Failure::core(&self.path, e))
    }

    /// Seals an image outside the database file with `aad(epoch, format)`.
    pub(crate) fn seal_image(
        &self,
        io: &dyn Io,
        buf: &mut [u8],
        aad: impl FnOnce(u32, &pageseal_core::PageFormat) -> Vec<u8>,
    ) -> Result<()> {
        let (state, permit) = self.permit(io)?;
        let unlocked = state.as_ref().ok_or_else(|| self.no_key())?;
        let format = *unlocked.session.format();
        unlocked
            .session
            .seal_bound(permit, &mut FastRandom, buf, |e| aad(e, &format))
            .map_err(|e| Failure::core(&self.path, e))
    }

    /// Opens database page `page` (0-based) in place; re-reads the header
    /// once when the page names an epoch this session does not know
    /// (another process rotated).
    pub(crate) fn open_page(&self, io: &dyn Io, page: u64, buf: &mut [u8]) -> Result<()> {
        // An unknown epoch is found before anything is decrypted: the
        // buffer still holds the sealed page for the second try.
        let attempt = |buf: &mut [u8]| -> Result<std::result::Result<(), CoreError>> {
            let state = self.read();
            let unlocked = state.as_ref().ok_or_else(|| self.no_key())?;
            Ok(unlocked.session.open(page, buf))
        };
        let opened = match attempt(buf)? {
            Err(CoreError::UnknownEpoch { .. }) => {
                self.reload(io)?;
                attempt(buf)?
            }
            other => other,
        };
        opened.map_err(|e| Failure::core(&self.path, e))
    }

    /// Opens an image sealed with [`seal_image`](Self::seal_image);
    /// `number` names it in errors.
    pub(crate) fn open_image(
        &self,
        io: &dyn Io,
        number: u64,
        buf: &mut [u8],
        aad: impl Fn(u32, &pageseal_core::PageFormat) -> Vec<u8>,
    ) -> std::result::Result<(), CoreError> {
        // As in `open_page`: an unknown epoch leaves the buffer sealed.
        let attempt = |buf: &mut [u8]| {
            let state = self.read();
            let Some(unlocked) = state.as_ref() else {
                return Err(CoreError::KeyRequired);
            };
            let format = *unlocked.session.format();
            unlocked
                .session
                .open_bound(number, buf, |e| aad(e, &format))
        };
        match attempt(buf) {
            Err(CoreError::UnknownEpoch { .. }) if self.reload(io).is_ok() => attempt(buf),
            other => other,
        }
    }
}
