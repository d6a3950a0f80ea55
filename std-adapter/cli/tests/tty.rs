//! On a terminal, `pageseal` prompts for a passphrase without echo (twice
//! for a new one) and shows a progress bar. The terminal is a pseudo
//! terminal from util-linux `script`; without it the tests print SKIPPED.

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;

fn have_script() -> bool {
    Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Runs `pageseal ARGS` on a pseudo terminal; each time the output shows
/// `wait_for`, types `answer` and Enter. Returns the exit code and the
/// terminal transcript.
fn on_terminal(args: &[&str], dialogue: &[(&str, &str)]) -> (Option<i32>, String) {
    let argv = bin_argv();
    let argv = argv.iter().map(String::as_str).chain(args.iter().copied());
    let line = argv.map(quote).collect::<Vec<_>>().join(" ");
    let mut child = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env_remove("PAGESEAL_KEY")
        .env_remove("PAGESEAL_TEST_CRASH_AT")
        .env("TERM", "xterm")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("script runs");
    let transcript = Arc::new(Mutex::new(Vec::new()));
    let mut stdout = child.stdout.take().unwrap();
    let reader = {
        let transcript = Arc::clone(&transcript);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                transcript.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    };
    let mut stdin = child.stdin.take().unwrap();
    let mut seen = 0;
    for (wait_for, answer) in dialogue {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = String::from_utf8_lossy(&transcript.lock().unwrap()).into_owned();
            if let Some(at) = text[seen..].find(wait_for) {
                seen += at + wait_for.len();
                break;
            }
            assert!(
                Instant::now() < deadline,
                "no {wait_for:?} on the terminal:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // Let the prompt turn echo off before typing.
        std::thread::sleep(Duration::from_millis(300));
        stdin
            .write_all(format!("{answer}\r").as_bytes())
            .expect("type");
        stdin.flush().unwrap();
    }
    let status = child.wait().expect("wait");
    drop(stdin);
    reader.join().unwrap();
    let text = String::from_utf8_lossy(&transcript.lock().unwrap()).into_owned();
    (status.code(), text)
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn passphrase_prompt_and_progress_bar() {
    if !have_script() {
        println!("SKIPPED passphrase_prompt_and_progress_bar: util-linux `script` not found");
        return;
    }
    let dir = scratch();
    let plain = write(dir.path(), "plain", &data(40_000, 41));
    let sealed = p(dir.path(), "sealed");
    let pass = "typed on a terminal";
    let (code, text) = on_terminal(
        &[
            "seal",
            path(&plain),
            path(&sealed),
            "--page-size",
            "512",
            "--kdf-memory",
            "64",
            "--kdf-iterations",
            "1",
        ],
        &[("New passphrase for", pass), ("Repeat it:", pass)],
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(!text.contains(pass), "the passphrase was echoed:\n{text}");
    assert!(text.contains("sealing ["), "no progress bar:\n{text}");
    assert!(text.contains("pages"), "{text}");
    // The prompted passphrase is the file's.
    run_key(pass, ["verify".as_ref(), sealed.as_os_str()]).ok();

    // An existing file asks once.
    let (code, text) = on_terminal(
        &["verify", path(&sealed)],
        &[("Key or passphrase for", pass)],
    );
    assert_eq!(code, Some(0), "{text}");
    let pages = info(&sealed)["pages"].as_u64().unwrap();
    assert!(
        text.contains(&format!("OK, {pages} pages verified")),
        "{text}"
    );
    assert!(!text.contains(pass), "the passphrase was echoed:\n{text}");
    let (code, text) = on_terminal(
        &["verify", path(&sealed)],
        &[("Key or passphrase for", "not it")],
    );
    assert_eq!(code, Some(EXIT_KEY), "{text}");
    assert!(text.contains("wrong key or passphrase"), "{text}");
}

#[test]
fn new_passphrase_entries_must_match() {
    if !have_script() {
        println!("SKIPPED new_passphrase_entries_must_match: util-linux `script` not found");
        return;
    }
    let dir = scratch();
    let plain = write(dir.path(), "plain", &data(1000, 42));
    let sealed = p(dir.path(), "sealed");
    let (code, text) = on_terminal(
        &["seal", path(&plain), path(&sealed)],
        &[("New passphrase for", "one"), ("Repeat it:", "two")],
    );
    assert_eq!(code, Some(EXIT_KEY), "{text}");
    assert!(
        text.contains("cannot read the key from the terminal prompt: the two entries differ"),
        "{text}"
    );
    assert!(!sealed.exists());
}
