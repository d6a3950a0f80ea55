//! Helpers shared by the CLI integration tests: running the `pageseal`
//! binary with a clean environment, keys, deterministic test data, and
//! reading sealed files.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Exit codes documented at the top of `std-adapter/cli/src/main.rs`.
pub const EXIT_OK: i32 = 0;
pub const EXIT_VERIFY: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_KEY: i32 = 3;
pub const EXIT_FORMAT: i32 = 4;
pub const EXIT_IO: i32 = 5;

/// The environment variable the tests pass keys in.
pub const KEY_VAR: &str = "PST_KEY";
/// A second variable, for the new key of `rekey`.
pub const NEW_KEY_VAR: &str = "PST_NEW_KEY";

/// Cheap Argon2id settings for passphrases in tests.
pub const FAST_KDF: [&str; 4] = ["--kdf-memory", "64", "--kdf-iterations", "1"];

/// Every suite name the CLI accepts.
pub const SUITES: [&str; 10] = [
    "aes-128-gcm",
    "aes-256-gcm",
    "chacha20-poly1305",
    "aegis-128l",
    "aegis-128x2",
    "aegis-128x4",
    "aegis-256",
    "aegis-256x2",
    "aegis-256x4",
    "checksum",
];

/// The header area: two copies of 2048 bytes.
pub const HEADER_AREA: u64 = 4096;

/// Byte offset of page 0 (the header area, or one page if pages are larger).
pub fn data_offset(page_size: usize) -> u64 {
    (page_size as u64).max(HEADER_AREA)
}

/// A raw key text `x'<64 hex>'` made of one repeated byte.
pub fn raw_key(byte: u8) -> String {
    format!("x'{}'", format!("{byte:02x}").repeat(32))
}

/// The finished run of a command.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// The signal that ended the process, if any (Unix).
    pub signal: Option<i32>,
}

impl Run {
    fn from_output(out: Output) -> Run {
        #[cfg(unix)]
        let signal = std::os::unix::process::ExitStatusExt::signal(&out.status);
        #[cfg(not(unix))]
        let signal = None;
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            signal,
        }
    }

    /// Asserts the exit code, showing the output when it differs.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code,
            Some(code),
            "expected exit code {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Asserts success.
    #[track_caller]
    pub fn ok(&self) -> &Run {
        self.expect_code(EXIT_OK)
    }

    /// Asserts the exit code and that stderr contains every piece of text.
    #[track_caller]
    pub fn fails(&self, code: i32, texts: &[&str]) -> &Run {
        self.expect_code(code);
        for text in texts {
            assert!(
                self.stderr.contains(text),
                "stderr does not contain {text:?}\nstderr:\n{}",
                self.stderr
            );
        }
        assert!(
            self.stderr.starts_with("pageseal: ") || code == EXIT_USAGE,
            "errors start with the program name: {:?}",
            self.stderr
        );
        self
    }

    /// Parses stdout as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// How to start the `pageseal` binary: its path, preceded by the runner
/// cargo uses for this target when there is one (`CARGO_TARGET_<TRIPLE>_RUNNER`,
/// e.g. `qemu-aarch64 ...` when cross-testing: the binary is then foreign to
/// the machine and cannot be started directly).
pub fn bin_argv() -> Vec<String> {
    let arch = format!("_{}_", std::env::consts::ARCH.to_uppercase());
    let mut argv: Vec<String> = std::env::vars()
        .find(|(k, _)| {
            k.starts_with("CARGO_TARGET_") && k.ends_with("_RUNNER") && k.contains(&arch)
        })
        .map(|(_, v)| v.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    argv.push(env!("CARGO_BIN_EXE_pageseal").to_string());
    argv
}

/// A command for the `pageseal` binary with a clean environment: no
/// `PAGESEAL_KEY`, no crash hook, stdin not a terminal.
pub fn pageseal() -> Command {
    let argv = bin_argv();
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]);
    cmd.env_remove("PAGESEAL_KEY")
        .env_remove("PAGESEAL_TEST_CRASH_AT")
        .env_remove(KEY_VAR)
        .env_remove(NEW_KEY_VAR)
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null());
    cmd
}

/// Runs `cmd` to the end.
pub fn run_cmd(cmd: &mut Command) -> Run {
    Run::from_output(cmd.output().expect("the pageseal binary runs"))
}

/// Runs `pageseal ARGS` without a key.
pub fn run<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_cmd(pageseal().args(args))
}

/// Runs `pageseal ARGS --key-env PST_KEY` with `PST_KEY=key`.
pub fn run_key<I, S>(key: &str, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_cmd(
        pageseal()
            .args(args)
            .args(["--key-env", KEY_VAR])
            .env(KEY_VAR, key),
    )
}

/// Runs `pageseal ARGS` with `input` on standard input.
pub fn run_stdin<I, S>(input: &[u8], args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_cmd_stdin(pageseal().args(args), input)
}

/// Runs `cmd` with `input` on standard input.
pub fn run_cmd_stdin(cmd: &mut Command, input: &[u8]) -> Run {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the pageseal binary runs");
    match child.stdin.take().expect("piped").write_all(input) {
        // The command may exit before reading its input (e.g. on a usage error).
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.expect("write stdin"),
    }
    Run::from_output(child.wait_with_output().expect("wait"))
}

/// Deterministic pseudo-random bytes (xorshift64*), different per seed.
pub fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

/// A scratch directory.
pub fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("pageseal-test-")
        .tempdir()
        .expect("temp dir")
}

/// `dir/name` as a string argument.
pub fn p(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

/// Writes `bytes` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write test file");
    path
}

/// Seals `plain` into `out` with a raw key (or no key for `checksum`).
#[track_caller]
pub fn seal(key: &str, plain: &Path, out: &Path, cipher: &str, page_size: usize) {
    let ps = page_size.to_string();
    let args = [
        "seal".as_ref(),
        plain.as_os_str(),
        out.as_os_str(),
        "--cipher".as_ref(),
        cipher.as_ref(),
        "--page-size".as_ref(),
        ps.as_ref(),
    ];
    if cipher == "checksum" {
        run(args).ok();
    } else {
        run_key(key, args).ok();
    }
}

/// The page bytes of a sealed file (everything after the header area).
pub fn page_bytes(path: &Path, page_size: usize) -> Vec<u8> {
    let all = std::fs::read(path).expect("read sealed file");
    all[data_offset(page_size) as usize..].to_vec()
}

/// Names in `dir` that look like pageseal temporary files.
pub fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.starts_with('.') && n.contains(".pageseal-") && n.ends_with(".tmp"))
        .collect()
}

/// `info --json` of a file.
#[track_caller]
pub fn info(path: &Path) -> serde_json::Value {
    run(["info".as_ref(), path.as_os_str(), "--json".as_ref()])
        .ok()
        .json()
}
