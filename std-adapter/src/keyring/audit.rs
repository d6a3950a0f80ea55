//! The audit trail of a key ring: its records, their HMAC chain, reading
//! and appending them (FORMAT.md, "Key rings").

use std::collections::BTreeSet;

use pageseal_core::{Error as CoreError, data_offset};

use super::{KeyRing, RING_PAGE_SIZE};
use crate::error::{Error, Result};
use crate::pagefile::{FileSession, unix_now};
use crate::storage;

/// Length of one audit record.
pub const AUDIT_RECORD_LEN: usize = 64;
/// The most audit records a key ring may hold (64 MiB of them): a longer
/// trail is refused rather than read.
pub const MAX_AUDIT_RECORDS: u64 = 1 << 20;
/// A key operation recorded in the audit trail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditOp {
    /// The ring was created with its first key id.
    Create,
    /// A new key id, asked for ([`KeyRing::rotate`]).
    Rotate,
    /// A new key id because the last reached its suite's seal limit.
    RotateSealLimit,
    /// A new key id because the last was older than the rotation interval.
    RotateAge,
    /// A key id no block uses any more was dropped.
    Retire,
    /// The secret of a keyslot was replaced (a passphrase change).
    KeyslotSet,
    /// A keyslot was filled (e.g. a recovery key).
    KeyslotAdd,
    /// A keyslot was emptied.
    KeyslotRemove,
}

impl AuditOp {
    const ALL: [AuditOp; 8] = [
        AuditOp::Create,
        AuditOp::Rotate,
        AuditOp::RotateSealLimit,
        AuditOp::RotateAge,
        AuditOp::Retire,
        AuditOp::KeyslotSet,
        AuditOp::KeyslotAdd,
        AuditOp::KeyslotRemove,
    ];

    /// The byte stored in the record.
    pub const fn id(self) -> u8 {
        match self {
            AuditOp::Create => 1,
            AuditOp::Rotate => 2,
            AuditOp::RotateSealLimit => 3,
            AuditOp::RotateAge => 4,
            AuditOp::Retire => 5,
            AuditOp::KeyslotSet => 6,
            AuditOp::KeyslotAdd => 7,
            AuditOp::KeyslotRemove => 8,
        }
    }

    /// What it did, in a few words.
    pub const fn describe(self) -> &'static str {
        match self {
            AuditOp::Create => "created",
            AuditOp::Rotate => "rotated",
            AuditOp::RotateSealLimit => "rotated at the seal limit",
            AuditOp::RotateAge => "rotated at the rotation interval",
            AuditOp::Retire => "retired",
            AuditOp::KeyslotSet => "keyslot secret replaced",
            AuditOp::KeyslotAdd => "keyslot added",
            AuditOp::KeyslotRemove => "keyslot removed",
        }
    }

    fn from_id(id: u8) -> Option<AuditOp> {
        AuditOp::ALL.into_iter().find(|op| op.id() == id)
    }

    fn creates_key(self) -> bool {
        matches!(
            self,
            AuditOp::Create | AuditOp::Rotate | AuditOp::RotateSealLimit | AuditOp::RotateAge
        )
    }
}

/// One verified record of the audit trail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// Its number, from 0.
    pub index: u64,
    /// When it happened, in Unix seconds.
    pub unix_seconds: u64,
    /// What happened.
    pub op: AuditOp,
    /// The key id concerned (the current one for keyslot changes).
    pub key_id: u32,
    /// The keyslot concerned, for keyslot changes.
    pub keyslot: Option<u8>,
}

impl AuditRecord {
    /// Bytes 0..32 of the record (FORMAT.md, "Key rings").
    fn body(&self) -> [u8; 32] {
        let mut b = [0u8; 32];
        b[..8].copy_from_slice(&self.unix_seconds.to_le_bytes());
        b[8] = self.op.id();
        b[9] = self.keyslot.unwrap_or(0xff);
        b[12..16].copy_from_slice(&self.key_id.to_le_bytes());
        b
    }

    fn parse(index: u64, b: &[u8]) -> std::result::Result<AuditRecord, &'static str> {
        let op = AuditOp::from_id(b[8]).ok_or("unknown operation")?;
        if b[10..12] != [0; 2] || b[16..32] != [0; 16] {
            return Err("reserved bytes are not zero");
        }
        Ok(AuditRecord {
            index,
            unix_seconds: u64::from_le_bytes(b[..8].try_into().unwrap_or_default()),
            op,
            key_id: u32::from_le_bytes(b[12..16].try_into().unwrap_or_default()),
            keyslot: (b[9] != 0xff).then_some(b[9]),
        })
    }
}

/// The tag of audit record `index`: HMAC over LE64(index) ‖ the previous
/// record's tag (zeros for record 0) ‖ the record's bytes 0..32.
fn audit_tag(
    session: &FileSession,
    index: u64,
    prev: &[u8; 32],
    body: &[u8; 32],
) -> std::result::Result<[u8; 32], CoreError> {
    let mut msg = [0u8; 72];
    msg[..8].copy_from_slice(&index.to_le_bytes());
    msg[8..40].copy_from_slice(prev);
    msg[40..].copy_from_slice(body);
    session.audit_tag(&msg)
}

impl KeyRing {
    /// Every audit record, verified: a record that was altered, removed or
    /// reordered fails the chain and is reported by number.
    pub fn audit(&self) -> Result<Vec<AuditRecord>> {
        let session = self.file.read_session();
        let (records, _) = self.read_audit(&session)?;
        Ok(records)
    }

    /// Reads and verifies the audit trail; returns it with the last tag.
    pub(super) fn read_audit(&self, session: &FileSession) -> Result<(Vec<AuditRecord>, [u8; 32])> {
        let len = session.header().data_len();
        let bad = |record: u64, reason: &'static str| Error::Audit {
            path: self.path().to_path_buf(),
            record,
            reason,
        };
        let count = len / AUDIT_RECORD_LEN as u64;
        if !len.is_multiple_of(AUDIT_RECORD_LEN as u64) || count > MAX_AUDIT_RECORDS {
            return Err(bad(
                count,
                "is out of range: the header's audit length is invalid",
            ));
        }
        let start = data_offset(RING_PAGE_SIZE);
        let mut records = Vec::with_capacity(count.min(1024) as usize);
        let mut prev = [0u8; 32];
        let mut buf = [0u8; AUDIT_RECORD_LEN];
        for index in 0..count {
            let at = start + index * AUDIT_RECORD_LEN as u64;
            let got = storage::read_up_to(self.file.storage(), self.path(), at, &mut buf)?;
            if got < AUDIT_RECORD_LEN {
                return Err(bad(index, "is missing: the audit trail was truncated"));
            }
            let mut body = [0u8; 32];
            body.copy_from_slice(&buf[..32]);
            let tag = audit_tag(session, index, &prev, &body)
                .map_err(|e| Error::format(self.path(), e))?;
            let mut stored = [0u8; 32];
            stored.copy_from_slice(&buf[32..]);
            if !pageseal_core::tags_match_32(&tag, &stored) {
                return Err(bad(
                    index,
                    "failed authentication: the audit trail was altered",
                ));
            }
            records.push(AuditRecord::parse(index, &body).map_err(|r| bad(index, r))?);
            prev = tag;
        }
        Ok((records, prev))
    }

    pub(super) fn append_audit(
        &self,
        session: &mut FileSession,
        record: &AuditRecord,
        prev: &[u8; 32],
    ) -> Result<()> {
        let body = record.body();
        let tag = audit_tag(session, record.index, prev, &body)
            .map_err(|e| Error::format(self.path(), e))?;
        let mut bytes = [0u8; AUDIT_RECORD_LEN];
        bytes[..32].copy_from_slice(&body);
        bytes[32..].copy_from_slice(&tag);
        let at = data_offset(RING_PAGE_SIZE) + record.index * AUDIT_RECORD_LEN as u64;
        storage::write_at(self.file.storage(), self.path(), at, &bytes)?;
        storage::flush(self.file.storage(), self.path())?;
        session.set_data_len((record.index + 1) * AUDIT_RECORD_LEN as u64);
        self.file.persist(session)
    }

    /// Records a key id that exists without a creation record (a rotation
    /// at the seal limit whose record a crash prevented).
    pub(super) fn record_missing_keys(&self) -> Result<()> {
        let _serial = self.serial();
        let mut session = self.file.write_session();
        let (records, mut prev) = self.read_audit(&session)?;
        let logged: BTreeSet<u32> = records
            .iter()
            .filter(|r| r.op.creates_key())
            .map(|r| r.key_id)
            .collect();
        let mut missing: Vec<u32> = session
            .header()
            .epochs()
            .map(|(id, _)| id)
            .filter(|id| !logged.contains(id))
            .collect();
        missing.sort_unstable();
        for (index, id) in (records.len() as u64..).zip(missing) {
            let record = AuditRecord {
                index,
                unix_seconds: session.header().created(id).unwrap_or_else(unix_now),
                op: AuditOp::RotateSealLimit,
                key_id: id,
                keyslot: None,
            };
            self.append_audit(&mut session, &record, &prev)?;
            prev = audit_tag(&session, index, &prev, &record.body())
                .map_err(|e| Error::format(self.path(), e))?;
        }
        Ok(())
    }
}
