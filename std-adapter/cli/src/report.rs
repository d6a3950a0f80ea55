//! What the commands print, as text or JSON.

use std::path::Path;

use pageseal::VerifyReport;
use pageseal::core::{
    FileKind, Header, HeaderRead, KEYSLOTS, SlotKdf, Suite, data_offset, payload_len,
};
use pageseal_dispatch::{Backend, Cpu, backend_for, recommended_suite};
use serde_json::json;

/// Prints a verify report.
pub fn verify(file: &Path, report: &VerifyReport, as_json: bool) {
    if as_json {
        let value = json!({
            "file": file.display().to_string(),
            "ok": report.ok(),
            "pages": report.pages,
            "bad_pages": report.bad_pages,
            "partial_tail_bytes": report.partial_tail,
            "damaged_header_copy": report.damaged_header_copy,
        });
        say!("{value:#}");
        return;
    }
    for bad in &report.bad_pages {
        say!("{}", bad.reason);
    }
    if report.partial_tail != 0 {
        say!(
            "page {}: truncated file: only {} bytes of the last page are present",
            report.pages,
            report.partial_tail
        );
    }
    if let Some(copy) = &report.damaged_header_copy {
        say!(
            "header copy {copy} is damaged (the other copy is good; open the file writable to repair it)"
        );
    }
    if report.ok() {
        say!("{}: OK, {} pages verified", file.display(), report.pages);
    } else {
        say!(
            "{}: FAILED, {} of {} pages bad{}",
            file.display(),
            report.bad_pages.len(),
            report.pages,
            if report.partial_tail != 0 {
                ", file truncated"
            } else {
                ""
            }
        );
    }
}

/// The filled keyslots as JSON objects.
fn slot_list(h: &Header) -> Vec<serde_json::Value> {
    h.keyslots()
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            s.kdf().map(|kdf| match kdf {
                SlotKdf::RawKey => json!({"index": i, "kdf": "raw-key"}),
                SlotKdf::Argon2id(p) => json!({
                    "index": i, "kdf": "argon2id", "memory_kib": p.memory_kib,
                    "iterations": p.iterations, "parallelism": p.parallelism,
                }),
            })
        })
        .collect()
}

/// Prints the keyslots (`pageseal keyslot list`).
pub fn keyslots(file: &Path, h: &Header, as_json: bool) {
    let slots = slot_list(h);
    if as_json {
        say!(
            "{:#}",
            json!({"file": file.display().to_string(), "keyslots": slots, "free": KEYSLOTS - slots.len()})
        );
        return;
    }
    say!(
        "{}: {} of {KEYSLOTS} keyslots in use",
        file.display(),
        slots.len()
    );
    for s in &slots {
        match s["kdf"].as_str() {
            Some("argon2id") => say!(
                "  keyslot {}: passphrase (Argon2id, {} KiB, {} passes, {} lanes)",
                s["index"],
                s["memory_kib"],
                s["iterations"],
                s["parallelism"]
            ),
            _ => say!("  keyslot {}: raw key", s["index"]),
        }
    }
}

/// Prints what the header says (no key needed).
pub fn info(file: &Path, read: &HeaderRead, file_len: u64, as_json: bool) {
    let h = &read.header;
    let body = file_len.saturating_sub(data_offset(h.page_size()));
    let pages = body / h.page_size() as u64;
    let kind = match h.kind() {
        FileKind::Encrypted => "encrypted",
        FileKind::ChecksumOnly => "checksum-only",
    };
    let slots = slot_list(h);
    let epochs: Vec<_> = h
        .epochs()
        .map(|(e, seals)| json!({"epoch": e, "seals_reserved": seals, "created": h.created(e)}))
        .collect();
    let damaged = read.damaged.map(|(copy, fault)| format!("{copy}: {fault}"));
    let value = json!({
        "file": file.display().to_string(),
        "kind": kind,
        "format_version": h.version(),
        "suite": h.suite().name(),
        "page_size": h.page_size(),
        "payload_per_page": payload_len(h.suite(), h.page_size()).unwrap_or(0),
        "pages": pages,
        "partial_tail_bytes": body % h.page_size() as u64,
        "data_len": h.data_len(),
        "file_id": h.file_id().iter().map(|b| format!("{b:02x}")).collect::<String>(),
        "generation": h.generation(),
        "current_epoch": h.current_epoch(),
        "epochs": epochs,
        "keyslots": slots,
        "damaged_header_copy": damaged,
    });
    if as_json {
        say!("{value:#}");
        return;
    }
    say!("file:          {}", file.display());
    say!("kind:          {kind} (format version {})", h.version());
    say!("suite:         {}", h.suite());
    say!(
        "page size:     {} ({} bytes of payload)",
        h.page_size(),
        value["payload_per_page"]
    );
    say!(
        "pages:         {pages}{}",
        if !body.is_multiple_of(h.page_size() as u64) {
            " (plus a partial page: truncated)"
        } else {
            ""
        }
    );
    say!("data length:   {}", h.data_len());
    say!("file id:       {}", value["file_id"].as_str().unwrap_or(""));
    say!("current epoch: {}", h.current_epoch());
    for (e, seals) in h.epochs() {
        say!("  epoch {e}: up to {seals} seals");
    }
    for slot in &slots {
        say!(
            "  keyslot {}: {}",
            slot["index"],
            slot["kdf"].as_str().unwrap_or("")
        );
    }
    if let Some(d) = damaged {
        say!("header copy {d} (repaired when the file is next opened for writing)");
    }
}

/// Prints the CPU features and the backend per suite.
pub fn cpu(as_json: bool) {
    let cpu = Cpu::detect();
    let features: Vec<&str> = cpu.features().map(|f| f.name()).collect();
    let suites: Vec<_> = Suite::ALL
        .iter()
        .map(|&s| {
            let available: Vec<&str> = Backend::ALL
                .iter()
                .filter(|b| b.is_available(s))
                .map(|b| b.name())
                .collect();
            json!({"suite": s.name(), "backend": backend_for(s).name(), "available": available})
        })
        .collect();
    let value = json!({
        "arch": std::env::consts::ARCH,
        "features": features,
        "suites": suites,
        "recommended_suite": recommended_suite().name(),
    });
    if as_json {
        say!("{value:#}");
        return;
    }
    say!("arch:      {}", std::env::consts::ARCH);
    say!(
        "features:  {}",
        if features.is_empty() {
            "none used by pageseal".to_string()
        } else {
            features.join(" ")
        }
    );
    say!("auto:      {}", recommended_suite());
    for s in &suites {
        say!(
            "  {:<18} {:<9} (available: {})",
            s["suite"].as_str().unwrap_or(""),
            s["backend"].as_str().unwrap_or(""),
            s["available"]
                .as_array()
                .map(|a| a
                    .iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default()
        );
    }
}
