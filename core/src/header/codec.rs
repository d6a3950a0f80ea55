//! The byte layout of a header copy: encoding and decoding, with every
//! field checked on the way in (FORMAT.md, "Header copy").

use super::{CREATED_AT, DIGEST_AT, EPOCHS_AT, FileKind, Header, MAC_AT, SLOTS_AT, header_mac};
use super::{Contents, FORMAT_VERSION, HEADER_COPY_LEN, MAGIC};
use crate::epoch::{EPOCH_ENTRY_LEN, EpochEntry, FileKeys, MAX_EPOCHS};
use crate::error::{CopyFault, Error};
use crate::geometry::check_page_size;
use crate::kdf::sha256;
use crate::keyslot::{KEYSLOT_LEN, Keyslot};
use crate::layout::{le32, le64, put32, put64};
use crate::page::FILE_ID_LEN;
use crate::suite::Suite;

impl Header {
    /// The header copy's bytes, with the MAC (keyed from `keys`, required
    /// for encrypted files) and the digest filled in.
    pub fn encode(&self, keys: Option<&FileKeys>) -> Result<[u8; HEADER_COPY_LEN], Error> {
        let mut out = self.body();
        if self.kind == FileKind::Encrypted {
            let keys = keys.ok_or(Error::KeyRequired)?;
            let mac = header_mac(&keys.file_key, &self.file_id, &out[..MAC_AT]);
            out[MAC_AT..DIGEST_AT].copy_from_slice(&mac);
        }
        let digest = sha256(&out[..DIGEST_AT]);
        out[DIGEST_AT..].copy_from_slice(&digest);
        Ok(out)
    }

    /// Everything but the MAC and the digest.
    pub(super) fn body(&self) -> [u8; HEADER_COPY_LEN] {
        let mut out = [0u8; HEADER_COPY_LEN];
        out[..8].copy_from_slice(&MAGIC);
        out[8..10].copy_from_slice(&self.version().to_le_bytes());
        out[10] = match self.kind {
            FileKind::Encrypted => 1,
            FileKind::ChecksumOnly => 2,
        };
        out[11] = self.suite.id();
        out[12] = self.page_size.trailing_zeros() as u8;
        out[13] = self.contents.id();
        out[16..32].copy_from_slice(&self.file_id);
        put64(&mut out[32..40], self.generation);
        put64(&mut out[40..48], self.data_len);
        put32(&mut out[48..52], self.current_epoch);
        for (i, slot) in self.slots.iter().enumerate() {
            let at = SLOTS_AT + i * KEYSLOT_LEN;
            out[at..at + KEYSLOT_LEN].copy_from_slice(slot.bytes());
        }
        for (i, entry) in self.epochs.iter().enumerate() {
            let at = EPOCHS_AT + i * EPOCH_ENTRY_LEN;
            out[at..at + EPOCH_ENTRY_LEN].copy_from_slice(entry.bytes());
        }
        for (i, &t) in self.created.iter().enumerate() {
            put64(&mut out[CREATED_AT + 8 * i..CREATED_AT + 8 * i + 8], t);
        }
        out
    }

    /// Parses one header copy.
    pub fn decode(bytes: &[u8]) -> Result<Header, CopyFault> {
        let bytes = bytes.get(..HEADER_COPY_LEN).ok_or(CopyFault::Truncated)?;
        if bytes[..8] != MAGIC {
            return Err(CopyFault::BadMagic);
        }
        if sha256(&bytes[..DIGEST_AT])[..] != bytes[DIGEST_AT..] {
            return Err(CopyFault::DigestMismatch);
        }
        let version = u16::from_le_bytes([bytes[8], bytes[9]]);
        if !(1..=FORMAT_VERSION).contains(&version) {
            return Err(CopyFault::UnsupportedVersion(version));
        }
        let suite = Suite::from_id(bytes[11]).map_err(|_| CopyFault::UnknownSuite(bytes[11]))?;
        let kind = match (bytes[10], suite) {
            (1, s) if s.is_keyed() => FileKind::Encrypted,
            (2, Suite::Checksum) => FileKind::ChecksumOnly,
            (1 | 2, _) => return Err(CopyFault::Invalid("file kind does not match the suite")),
            _ => return Err(CopyFault::Invalid("unknown file kind")),
        };
        let page_size = 1usize
            .checked_shl(u32::from(bytes[12]))
            .filter(|&s| check_page_size(s).is_ok())
            .ok_or(CopyFault::Invalid("page size out of range"))?;
        let contents = match (bytes[13], kind) {
            (0, _) => Contents::Pages,
            (1, FileKind::Encrypted) => Contents::KeyRing,
            (1, FileKind::ChecksumOnly) => {
                return Err(CopyFault::Invalid("a key ring must be encrypted"));
            }
            _ => return Err(CopyFault::Invalid("unknown file contents")),
        };
        let created_end = CREATED_AT + MAX_EPOCHS * 8;
        if bytes[14..16] != [0; 2]
            || bytes[52..64] != [0; 12]
            || bytes[EPOCHS_AT + MAX_EPOCHS * EPOCH_ENTRY_LEN..CREATED_AT]
                .iter()
                .any(|&b| b != 0)
            || bytes[created_end..MAC_AT].iter().any(|&b| b != 0)
        {
            return Err(CopyFault::Invalid("reserved bytes are not zero"));
        }
        let mut header = Header::blank(kind, suite, page_size, [0; FILE_ID_LEN]);
        header.file_id.copy_from_slice(&bytes[16..32]);
        header.generation = le64(&bytes[32..40]);
        header.data_len = le64(&bytes[40..48]);
        header.current_epoch = le32(&bytes[48..52]);
        header.contents = contents;
        for (i, t) in header.created.iter_mut().enumerate() {
            *t = le64(&bytes[CREATED_AT + 8 * i..CREATED_AT + 8 * i + 8]);
        }
        for (i, slot) in header.slots.iter_mut().enumerate() {
            let at = SLOTS_AT + i * KEYSLOT_LEN;
            *slot = Keyslot::decode(&bytes[at..at + KEYSLOT_LEN]).map_err(CopyFault::Invalid)?;
        }
        for (i, entry) in header.epochs.iter_mut().enumerate() {
            let at = EPOCHS_AT + i * EPOCH_ENTRY_LEN;
            *entry =
                EpochEntry::decode(&bytes[at..at + EPOCH_ENTRY_LEN]).map_err(CopyFault::Invalid)?;
        }
        header.mac.copy_from_slice(&bytes[MAC_AT..DIGEST_AT]);
        header.check_consistency().map_err(CopyFault::Invalid)?;
        if header.version() != version {
            return Err(CopyFault::Invalid(
                "format version does not match the header's contents",
            ));
        }
        Ok(header)
    }

    /// Argon2 working memory (in [`KdfBlock`](crate::kdf::KdfBlock)s) needed to try a
    /// passphrase on this header: the most any passphrase keyslot needs.
    pub fn kdf_blocks_needed(&self) -> usize {
        self.slots
            .iter()
            .filter_map(|s| match s.kdf() {
                Some(crate::keyslot::SlotKdf::Argon2id(p)) => Some(p.blocks_needed()),
                _ => None,
            })
            .max()
            .unwrap_or(0)
    }

    fn check_consistency(&self) -> Result<(), &'static str> {
        let live = || self.epochs.iter().filter(|e| e.is_live());
        if self
            .epochs
            .iter()
            .zip(&self.created)
            .any(|(e, &t)| !e.is_live() && t != 0)
        {
            return Err("an empty epoch entry has a creation time");
        }
        for (i, a) in live().enumerate() {
            if live().skip(i + 1).any(|b| b.epoch() == a.epoch()) {
                return Err("an epoch appears twice");
            }
        }
        match self.kind {
            FileKind::ChecksumOnly => {
                if self.current_epoch != 0
                    || live().count() != 0
                    || self.slots.iter().any(|s| s.kdf().is_some())
                    || self.mac != [0; 32]
                {
                    return Err("checksum-only header holds keys");
                }
            }
            FileKind::Encrypted => {
                if self.entry(self.current_epoch).is_none() {
                    return Err("current epoch has no entry");
                }
                if self.slots.iter().all(|s| s.kdf().is_none()) {
                    return Err("encrypted header has no keyslot");
                }
            }
        }
        Ok(())
    }
}
