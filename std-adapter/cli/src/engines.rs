//! `info` and `verify` for the files of block and log engines: key rings
//! and sealed logs.

use std::path::Path;
use std::sync::Arc;

use pageseal::core::{Contents, HEADER_AREA_LEN, Header, read_header};
use pageseal::{
    AuditRecord, Error, KeyRing, KeySource, LOG_MAGIC, LogOptions, OwnedSecret, SealedLog,
};
use serde_json::json;

use crate::EXIT_VERIFY;
use crate::args::{KeyArgs, Limits};
use crate::commands::{read_prefix, tuning};
use crate::keys::KeyInput;

type Result<T> = pageseal::Result<T>;

/// What kind of engine file `file` is, if it is one.
enum Kind {
    Ring(Box<Header>),
    Log,
}

fn kind_of(file: &Path) -> Result<Option<Kind>> {
    let head = read_prefix(file, HEADER_AREA_LEN)?;
    if head.starts_with(&LOG_MAGIC) {
        return Ok(Some(Kind::Log));
    }
    Ok(read_header(&head)
        .ok()
        .filter(|read| read.header.contents() == Contents::KeyRing)
        .map(|read| Kind::Ring(Box::new(read.header))))
}

/// `pageseal info` for a key ring or a sealed log; `false` when `file` is
/// neither (a page file: the caller describes it).
pub fn info(
    file: &Path,
    ring: Option<&Path>,
    key: &KeyArgs,
    limits: &Limits,
    as_json: bool,
) -> Result<bool> {
    // `info` never prompts: a key is used only when one is given.
    let secret = key
        .source()
        .or_else(|| KeySource::from_default_env().map(KeyInput::Source))
        .map(|s| s.read("", false))
        .transpose()?;
    match kind_of(file)? {
        None => Ok(false),
        Some(Kind::Ring(header)) => {
            let audit = match &secret {
                Some(secret) => Some(open_ring(file, secret, limits)?.audit()?),
                None => None,
            };
            ring_info(file, &header, audit.as_deref(), as_json);
            Ok(true)
        }
        Some(Kind::Log) => {
            let prologue = read_prefix(file, 64)?;
            let len = std::fs::metadata(file)
                .map_err(|e| Error::io("stat", file, e))?
                .len();
            let mut value = json!({
                "file": file.display().to_string(),
                "kind": "sealed log",
                "log_id": hex(&prologue[16..32]),
                "key_ring_id": hex(&prologue[32..48]),
                "suite_id": prologue[10],
                "file_len": len,
            });
            if let (Some(ring), Some(secret)) = (ring, &secret) {
                let log = open_log(file, ring, secret, limits)?;
                let records = log.iter(pageseal::LOG_DATA_START).count();
                value["synced"] = json!(log.synced());
                value["end"] = json!(log.end());
                value["records"] = json!(records);
                value["cut_regions"] = json!(log.cuts());
                value["key_ids"] = json!(log.key_ids()?);
            }
            if as_json {
                say!("{value:#}");
            } else {
                say!("file:          {}", file.display());
                say!("kind:          sealed log");
                for field in [
                    "log_id",
                    "key_ring_id",
                    "file_len",
                    "synced",
                    "end",
                    "records",
                    "cut_regions",
                    "key_ids",
                ] {
                    if let Some(v) = value.get(field) {
                        say!("{:<14} {}", format!("{}:", field.replace('_', " ")), v);
                    }
                }
                if value.get("records").is_none() {
                    say!("(give --ring PATH and its key to count and check the records)");
                }
            }
            Ok(true)
        }
    }
}

/// `pageseal verify` for a key ring (its header and audit trail) or a
/// sealed log (every record); `None` when `file` is neither.
pub fn verify(
    file: &Path,
    ring: Option<&Path>,
    key: &KeyArgs,
    limits: &Limits,
    as_json: bool,
) -> Result<Option<u8>> {
    let Some(kind) = kind_of(file)? else {
        return Ok(None);
    };
    let source = key
        .source()
        .or_else(KeyInput::fallback)
        .ok_or_else(|| Error::KeyMissing { path: file.into() })?;
    let secret = source.read(
        &format!("Key or passphrase for {}: ", ring.unwrap_or(file).display()),
        false,
    )?;
    match kind {
        Kind::Ring(_) => {
            let audit = open_ring(file, &secret, limits)?.audit()?;
            if as_json {
                say!(
                    "{:#}",
                    json!({"file": file.display().to_string(), "ok": true, "audit_records": audit.len()})
                );
            } else {
                say!(
                    "{}: OK, key ring header and {} audit records verified",
                    file.display(),
                    audit.len()
                );
            }
            Ok(Some(0))
        }
        Kind::Log => {
            let ring = ring.ok_or_else(|| {
                Error::Argument(format!(
                    "{}: a sealed log is verified with its key ring: give --ring PATH",
                    file.display()
                ))
            })?;
            let log = open_log(file, ring, &secret, limits)?;
            let mut records = 0u64;
            let mut bad = Vec::new();
            for result in log.iter(pageseal::LOG_DATA_START) {
                records += 1;
                if let Err(e) = result {
                    bad.push(e);
                }
            }
            let len = std::fs::metadata(file)
                .map_err(|e| Error::io("stat", file, e))?
                .len();
            let unsynced_tail = len.saturating_sub(log.end());
            if as_json {
                let list: Vec<_> = bad
                    .iter()
                    .map(|e| match e {
                        Error::Record {
                            position, reason, ..
                        } => json!({"position": position, "reason": reason}),
                        other => json!({"position": null, "reason": other.to_string()}),
                    })
                    .collect();
                say!(
                    "{:#}",
                    json!({
                        "file": file.display().to_string(),
                        "ok": bad.is_empty(),
                        "records": records,
                        "bad_records": list,
                        "synced": log.synced(),
                        "end": log.end(),
                        "cut_regions": log.cuts(),
                        "unverified_tail_bytes": unsynced_tail,
                    })
                );
            } else {
                for e in &bad {
                    say!("{e}");
                }
                if unsynced_tail != 0 {
                    say!(
                        "{}: {unsynced_tail} bytes after the last complete record (a torn tail, cut when the log is next opened for appending)",
                        file.display()
                    );
                }
                if bad.is_empty() {
                    say!("{}: OK, {records} records verified", file.display());
                } else {
                    say!(
                        "{}: FAILED, {} of {records} records bad",
                        file.display(),
                        bad.len()
                    );
                }
            }
            Ok(Some(if bad.is_empty() { 0 } else { EXIT_VERIFY }))
        }
    }
}

fn open_ring(file: &Path, secret: &OwnedSecret, limits: &Limits) -> Result<KeyRing> {
    KeyRing::open_read_only(file, &secret.as_secret(), tuning(limits).kdf_limits)
}

fn open_log(file: &Path, ring: &Path, secret: &OwnedSecret, limits: &Limits) -> Result<SealedLog> {
    let ring = Arc::new(open_ring(ring, secret, limits)?);
    SealedLog::open_read_only(file, ring, LogOptions::default())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `seconds` since the Unix epoch as a UTC date and time
/// (`2026-12-01 23:50:00 UTC`).
fn utc(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

fn ring_info(file: &Path, h: &Header, audit: Option<&[AuditRecord]>, as_json: bool) {
    let current = h.current_epoch();
    let mut keys: Vec<_> = h.epochs().collect();
    keys.sort_unstable();
    let key_list: Vec<_> = keys
        .iter()
        .map(|&(id, seals)| {
            json!({"key_id": id, "seals_reserved": seals, "created": h.created(id),
                   "current": id == current})
        })
        .collect();
    let slots = h.keyslots().iter().filter(|s| s.kdf().is_some()).count();
    let audit_list: Option<Vec<_>> = audit.map(|a| {
        a.iter()
            .map(|r| {
                json!({"index": r.index, "time": r.unix_seconds, "op": r.op.describe(),
                       "key_id": r.key_id, "keyslot": r.keyslot})
            })
            .collect()
    });
    if as_json {
        say!(
            "{:#}",
            json!({
                "file": file.display().to_string(),
                "kind": "key ring",
                "format_version": h.version(),
                "suite": h.suite().name(),
                "file_id": hex(h.file_id()),
                "generation": h.generation(),
                "current_key_id": current,
                "keys": key_list,
                "keyslots_in_use": slots,
                "audit_records": h.data_len() / pageseal::AUDIT_RECORD_LEN as u64,
                "audit": audit_list,
            })
        );
        return;
    }
    say!("file:          {}", file.display());
    say!("kind:          key ring (format version {})", h.version());
    say!("suite:         {}", h.suite());
    say!("file id:       {}", hex(h.file_id()));
    say!("current key:   {current}");
    for &(id, seals) in &keys {
        say!(
            "  key {id}: up to {seals} seals, created {}",
            h.created(id).map_or("at an unknown time".into(), utc)
        );
    }
    say!("keyslots:      {slots} in use");
    let count = h.data_len() / pageseal::AUDIT_RECORD_LEN as u64;
    match audit {
        None => say!("audit trail:   {count} records (give the key to verify and show them)"),
        Some(records) => {
            say!("audit trail:   {count} records, verified");
            for r in records {
                let slot = r
                    .keyslot
                    .map(|s| format!(", keyslot {s}"))
                    .unwrap_or_default();
                say!(
                    "  #{} {}: key {} {}{slot}",
                    r.index,
                    utc(r.unix_seconds),
                    r.key_id,
                    r.op.describe()
                );
            }
        }
    }
}
