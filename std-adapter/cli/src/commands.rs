//! One function per command.

use std::io::IsTerminal;
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};
use pageseal::core::{FileKind, KdfLimits, KdfParams, Secret, Suite, read_header};
use pageseal::{
    CreateOptions, Error, KeyRing, KeyRingOptions, OwnedSecret, PageFile, Tuning, default_threads,
    rotate_file, seal_file, unseal_file, verify_file,
};
use pageseal_dispatch::recommended_suite;

use crate::args::{Command, KdfArgs, KeyArgs, KeyslotAction, Layout, Limits, NewKeyArgs, Threads};
use crate::keys::KeyInput;
use crate::{EXIT_VERIFY, bench, engines, report};

type Result<T> = pageseal::Result<T>;

/// Runs a command; returns the exit code on success.
pub fn run(command: Command) -> Result<u8> {
    match command {
        Command::Create {
            file,
            pages,
            layout,
            key,
            kdf,
        } => {
            let options = create_options(&layout, &kdf)?;
            let secret = new_secret(
                &key,
                options.suite,
                &format!("New passphrase for {}: ", file.display()),
                &file,
            )?;
            let pf =
                PageFile::create(&file, &options, borrow(&secret).as_ref(), Tuning::default())?;
            let bar = progress(pages, "creating");
            let zeros = vec![0u8; pf.payload_len()];
            let filled = (0..pages)
                .try_for_each(|n| {
                    pf.append_page(&zeros)?;
                    bar.set_position(n + 1);
                    Ok(())
                })
                .and_then(|()| {
                    pf.set_data_len(pages * pf.payload_len() as u64);
                    pf.close()
                });
            bar.finish_and_clear();
            if let Err(e) = filled {
                // Leave no partial file (it would verify, with fewer pages).
                let _ = std::fs::remove_file(&file);
                return Err(e);
            }
            say!(
                "created {}: {pages} pages of {} bytes, {}",
                file.display(),
                options.page_size,
                options.suite
            );
            Ok(0)
        }
        Command::Seal {
            plain,
            out,
            layout,
            key,
            kdf,
            threads,
        } => {
            let options = create_options(&layout, &kdf)?;
            let prompt = format!("New passphrase for {}: ", out.display());
            let secret = new_secret(&key, options.suite, &prompt, &out)?;
            let len = std::fs::metadata(&plain)
                .map_err(|e| Error::io("read", &plain, e))?
                .len();
            let payload = pageseal::core::payload_len(options.suite, options.page_size)
                .map_err(Error::from)? as u64;
            let pages = with_progress(len.div_ceil(payload), "sealing", |progress| {
                let secret = borrow(&secret);
                seal_file(
                    &plain,
                    &out,
                    &options,
                    secret.as_ref(),
                    Tuning::default(),
                    threads_of(&threads),
                    progress,
                )
            })?;
            say!(
                "sealed {} ({len} bytes) into {}: {pages} pages of {} bytes, {}",
                plain.display(),
                out.display(),
                options.page_size,
                options.suite
            );
            Ok(0)
        }
        Command::Unseal {
            file,
            out,
            key,
            limits,
            threads,
        } => {
            let secret = existing_secret(&key, &file)?;
            let pages = with_progress(page_count(&file), "unsealing", |progress| {
                let secret = borrow(&secret);
                unseal_file(
                    &file,
                    &out,
                    secret.as_ref(),
                    tuning(&limits),
                    threads_of(&threads),
                    progress,
                )
            })?;
            say!(
                "unsealed {} into {}: {pages} pages verified",
                file.display(),
                out.display()
            );
            Ok(0)
        }
        Command::Verify {
            file,
            ring,
            key,
            limits,
            threads,
            json,
        } => {
            if let Some(code) = engines::verify(&file, ring.as_deref(), &key, &limits, json)? {
                return Ok(code);
            }
            let secret = existing_secret(&key, &file)?;
            let report = with_progress(page_count(&file), "verifying", |progress| {
                let secret = borrow(&secret);
                verify_file(
                    &file,
                    secret.as_ref(),
                    tuning(&limits),
                    threads_of(&threads),
                    progress,
                )
            })?;
            report::verify(&file, &report, json);
            Ok(if report.ok() { 0 } else { EXIT_VERIFY })
        }
        Command::Info {
            file,
            ring,
            key,
            limits,
            json,
        } => {
            if engines::info(&file, ring.as_deref(), &key, &limits, json)? {
                return Ok(0);
            }
            let header_bytes = read_prefix(&file, pageseal::core::HEADER_AREA_LEN)?;
            let read = read_header(&header_bytes).map_err(|e| Error::format(&file, e))?;
            let len = std::fs::metadata(&file)
                .map_err(|e| Error::io("stat", &file, e))?
                .len();
            report::info(&file, &read, len, json);
            Ok(0)
        }
        Command::Rekey {
            file,
            key,
            limits,
            new_key,
            kdf,
        } => {
            let (pf, new_secret, kdf) =
                open_with_new_secret(&file, &key, &limits, &new_key, &kdf, "change")?;
            let slot = pf.rekey(&new_secret.as_secret(), &kdf)?;
            pf.close()?;
            say!(
                "rekeyed {}: keyslot {slot} now opens with the new {}; no page was rewritten",
                file.display(),
                new_secret.as_secret().kind()
            );
            Ok(0)
        }
        Command::Rotate {
            file,
            key,
            limits,
            threads,
        } => {
            let secret = existing_secret(&key, &file)?.ok_or_else(|| keyless(&file, "rotate"))?;
            let rotation = with_progress(page_count(&file), "rotating", |progress| {
                rotate_file(
                    &file,
                    &secret.as_secret(),
                    tuning(&limits),
                    threads_of(&threads),
                    progress,
                )
            })?;
            say!(
                "rotated {}: new file key and data key, {} pages re-sealed; keyslot {} opens with the key given",
                file.display(),
                rotation.pages,
                rotation.keyslot
            );
            if !rotation.dropped_keyslots.is_empty() {
                let list: Vec<String> = rotation
                    .dropped_keyslots
                    .iter()
                    .map(|i| i.to_string())
                    .collect();
                say!(
                    "dropped keyslots {} (their secrets were not given and cannot open the rotated file; add recovery keys again)",
                    list.join(", ")
                );
            }
            Ok(0)
        }
        Command::Keyslot { action } => keyslot(action),
        Command::Keygen { file } => {
            pageseal::keygen(&file)?;
            say!(
                "wrote a new random raw key to {} (mode 0600)",
                file.display()
            );
            Ok(0)
        }
        Command::Bench {
            cipher,
            page_size,
            backend,
            seconds,
            repeats,
            threads,
            json,
        } => bench::run(
            &bench::Plan::parse(&cipher, &page_size, &backend, seconds, repeats, threads)?,
            json,
        ),
        Command::Cpu { json } => {
            report::cpu(json);
            Ok(0)
        }
    }
}

fn create_options(layout: &Layout, kdf: &KdfArgs) -> Result<CreateOptions> {
    let suite = if layout.cipher.eq_ignore_ascii_case("auto") {
        recommended_suite()
    } else {
        Suite::from_name(&layout.cipher).map_err(|_| {
            usage(format!(
                "unknown --cipher {:?} (expected auto or one of: {})",
                layout.cipher,
                Suite::ALL.map(|s| s.name()).join(", ")
            ))
        })?
    };
    pageseal::core::check_page_size(layout.page_size).map_err(Error::from)?;
    let kdf = kdf_params(kdf);
    kdf.validate().map_err(Error::from)?;
    Ok(CreateOptions {
        suite,
        page_size: layout.page_size,
        kdf,
    })
}

fn kdf_params(args: &KdfArgs) -> KdfParams {
    let d = KdfParams::DEFAULT;
    KdfParams {
        memory_kib: args.kdf_memory.unwrap_or(d.memory_kib),
        iterations: args.kdf_iterations.unwrap_or(d.iterations),
        parallelism: args.kdf_parallelism.unwrap_or(d.parallelism),
    }
}

/// Runs a bulk operation with a progress bar over `total` pages.
fn with_progress<T>(
    total: u64,
    what: &'static str,
    op: impl FnOnce(&(dyn Fn(u64) + Sync)) -> Result<T>,
) -> Result<T> {
    let bar = progress(total, what);
    let out = op(&|n| bar.set_position(n));
    bar.finish_and_clear();
    out
}

/// The secret as `pageseal-core` takes it, if there is one.
fn borrow(secret: &Option<OwnedSecret>) -> Option<Secret<'_>> {
    secret.as_ref().map(|s| s.as_secret())
}

/// The error for rekey/rotate on a checksum-only file.
fn keyless(file: &Path, what: &str) -> Error {
    Error::Argument(format!(
        "{}: the file is checksum-only: it has no key to {what}",
        file.display()
    ))
}

fn usage(message: String) -> Error {
    Error::Argument(message)
}

/// The secret for a new file (`None` for checksum-only files).
fn new_secret(
    key: &KeyArgs,
    suite: Suite,
    prompt: &str,
    file: &Path,
) -> Result<Option<OwnedSecret>> {
    if !suite.is_keyed() {
        if key.source().is_some() {
            return Err(pageseal::core::Error::KeyNotExpected.into());
        }
        return Ok(None);
    }
    let source = key
        .source()
        .or_else(KeyInput::fallback)
        .ok_or_else(|| Error::KeyMissing { path: file.into() })?;
    Ok(Some(source.read(prompt, true)?))
}

/// The secret for an existing file, or none for a checksum-only file.
///
/// A checksum-only file is accepted without a key only when no key is at
/// hand at all (no key flag, no `PAGESEAL_KEY`, no terminal to prompt on)
/// or `--checksum-only` says the user expects one: an encrypted file that
/// an attacker replaced with a keyless one must not be accepted silently
/// just because the reader had a key ready.
fn existing_secret(key: &KeyArgs, file: &Path) -> Result<Option<OwnedSecret>> {
    let header_bytes = read_prefix(file, pageseal::core::HEADER_AREA_LEN)?;
    let kind = read_header(&header_bytes)
        .map(|read| read.header.kind())
        .map_err(|e| Error::format(file, e))?;
    let source = key.source().or_else(KeyInput::fallback);
    match (kind, key.checksum_only, source) {
        (FileKind::ChecksumOnly, true, _) | (FileKind::ChecksumOnly, false, None) => Ok(None),
        (FileKind::ChecksumOnly, false, Some(_)) => {
            Err(Error::format(file, pageseal::core::Error::KeyNotExpected))
        }
        (FileKind::Encrypted, true, _) | (FileKind::Encrypted, false, None) => {
            Err(Error::KeyMissing { path: file.into() })
        }
        (FileKind::Encrypted, false, Some(source)) => Ok(Some(source.read(
            &format!("Key or passphrase for {}: ", file.display()),
            false,
        )?)),
    }
}

/// For `rekey` and `keyslot add`: the file opened for writing with its
/// secret, the new secret, and the KDF parameters for it (bad `--kdf-*`
/// values are a usage error, found before any key is read).
fn open_with_new_secret(
    file: &Path,
    key: &KeyArgs,
    limits: &Limits,
    new_key: &NewKeyArgs,
    kdf: &KdfArgs,
    what: &str,
) -> Result<(Keyed, OwnedSecret, KdfParams)> {
    if key.key_stdin && new_key.new_key_stdin {
        return Err(Error::KeySource {
            source_name: "standard input".into(),
            reason: "the old and the new key cannot both come from standard input".into(),
        });
    }
    let kdf = kdf_params(kdf);
    kdf.validate().map_err(Error::from)?;
    let secret = existing_secret(key, file)?.ok_or_else(|| keyless(file, what))?;
    let keyed = Keyed::open(file, &secret, limits, kdf)?;
    let new_secret = read_new_secret(new_key, file)?;
    Ok((keyed, new_secret, kdf))
}

/// A file whose keyslots change: a page file, or a key ring (whose
/// changes go to its audit trail).
enum Keyed {
    Pages(PageFile),
    Ring(KeyRing),
}

impl Keyed {
    fn open(file: &Path, secret: &OwnedSecret, limits: &Limits, kdf: KdfParams) -> Result<Keyed> {
        let header = read_prefix(file, pageseal::core::HEADER_AREA_LEN)?;
        let ring = read_header(&header)
            .is_ok_and(|r| r.header.contents() == pageseal::core::Contents::KeyRing);
        if ring {
            let options = KeyRingOptions {
                kdf,
                tuning: tuning(limits),
                ..KeyRingOptions::default()
            };
            return Ok(Keyed::Ring(KeyRing::open(
                file,
                &secret.as_secret(),
                &options,
            )?));
        }
        Ok(Keyed::Pages(PageFile::open(
            file,
            Some(&secret.as_secret()),
            true,
            tuning(limits),
        )?))
    }

    fn rekey(&self, secret: &Secret<'_>, kdf: &KdfParams) -> Result<usize> {
        match self {
            Keyed::Pages(pf) => pf.rekey(secret, kdf),
            Keyed::Ring(ring) => ring.rekey(secret),
        }
    }

    fn add_keyslot(&self, secret: &Secret<'_>, kdf: &KdfParams) -> Result<usize> {
        match self {
            Keyed::Pages(pf) => pf.add_keyslot(secret, kdf),
            Keyed::Ring(ring) => ring.add_keyslot(secret),
        }
    }

    fn remove_keyslot(&self, index: usize) -> Result<()> {
        match self {
            Keyed::Pages(pf) => pf.remove_keyslot(index),
            Keyed::Ring(ring) => ring.remove_keyslot(index),
        }
    }

    fn close(self) -> Result<()> {
        match self {
            Keyed::Pages(pf) => pf.close(),
            Keyed::Ring(_) => Ok(()),
        }
    }
}

/// The new secret of `rekey` and `keyslot add`.
fn read_new_secret(new_key: &NewKeyArgs, file: &Path) -> Result<OwnedSecret> {
    let source = new_key
        .source()
        .or_else(|| std::io::stdin().is_terminal().then_some(KeyInput::Prompt))
        .ok_or_else(|| Error::KeySource {
            source_name: "the new key".into(),
            reason: "no source given (use --new-key-env VAR, --new-key-fd N, --new-key-stdin or --new-key-file PATH)".into(),
        })?;
    source.read(&format!("New passphrase for {}: ", file.display()), true)
}

/// Opening limits from the flags.
pub(crate) fn tuning(limits: &Limits) -> Tuning {
    let d = KdfLimits::DEFAULT;
    Tuning {
        kdf_limits: KdfLimits {
            max_memory_kib: limits.kdf_max_memory.unwrap_or(d.max_memory_kib),
            max_iterations: limits.kdf_max_iterations.unwrap_or(d.max_iterations),
        },
        ..Tuning::default()
    }
}

/// `pageseal keyslot list|add|remove`.
fn keyslot(action: KeyslotAction) -> Result<u8> {
    match action {
        KeyslotAction::List { file, json } => {
            let header_bytes = read_prefix(&file, pageseal::core::HEADER_AREA_LEN)?;
            let read = read_header(&header_bytes).map_err(|e| Error::format(&file, e))?;
            report::keyslots(&file, &read.header, json);
            Ok(0)
        }
        KeyslotAction::Add {
            file,
            key,
            limits,
            new_key,
            kdf,
        } => {
            let (pf, new_secret, kdf) =
                open_with_new_secret(&file, &key, &limits, &new_key, &kdf, "add a keyslot to")?;
            let slot = pf.add_keyslot(&new_secret.as_secret(), &kdf)?;
            pf.close()?;
            say!(
                "{}: keyslot {slot} now opens with the new {}; no page was rewritten",
                file.display(),
                new_secret.as_secret().kind()
            );
            Ok(0)
        }
        KeyslotAction::Remove {
            file,
            slot,
            key,
            limits,
        } => {
            let secret = existing_secret(&key, &file)?
                .ok_or_else(|| keyless(&file, "remove a keyslot from"))?;
            let pf = Keyed::open(&file, &secret, &limits, KdfParams::DEFAULT)?;
            pf.remove_keyslot(slot)?;
            pf.close()?;
            say!("{}: keyslot {slot} removed", file.display());
            Ok(0)
        }
    }
}

pub(crate) fn read_prefix(file: &Path, len: usize) -> Result<Vec<u8>> {
    use std::io::Read;
    let f = pageseal::open_regular(file, false)?;
    let mut out = Vec::with_capacity(len);
    f.take(len as u64)
        .read_to_end(&mut out)
        .map_err(|e| Error::io("read", file, e))?;
    Ok(out)
}

/// Whole pages of a file, for the progress bar (0 when unknown).
fn page_count(file: &Path) -> u64 {
    let Ok(bytes) = read_prefix(file, pageseal::core::HEADER_AREA_LEN) else {
        return 0;
    };
    let Ok(read) = read_header(&bytes) else {
        return 0;
    };
    let page_size = read.header.page_size();
    let len = std::fs::metadata(file).map_or(0, |m| m.len());
    len.saturating_sub(pageseal::core::data_offset(page_size)) / page_size as u64
}

fn threads_of(t: &Threads) -> usize {
    t.threads.map_or_else(default_threads, usize::from).max(1)
}

/// A progress bar on a terminal, hidden otherwise.
fn progress(total: u64, what: &'static str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} pages ({eta})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what);
    bar
}
