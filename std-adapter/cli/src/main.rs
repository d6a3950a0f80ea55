//! The `pageseal` command-line tool. Exit codes:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | verification failed: a page (or the file's end) did not verify |
//! | 2 | usage error: bad flags or values |
//! | 3 | key error: wrong key, no key given, key source unreadable |
//! | 4 | not a usable pageseal file: not pageseal, unsupported version, damaged header |
//! | 5 | I/O error: cannot read or write a file, disk full |

#![forbid(unsafe_code)]

/// `println!` that ends the process quietly when standard output is closed
/// early (`pageseal cpu | head`) instead of panicking, and reports other
/// write errors as I/O errors.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            eprintln!("pageseal: cannot write to standard output: {e}");
            std::process::exit(i32::from(crate::EXIT_IO));
        }
    }};
}

mod args;
mod bench;
mod commands;
mod engines;
mod keys;
mod report;

use std::process::ExitCode;

use clap::Parser;
use pageseal::Error;
use pageseal::core::Error as CoreError;

/// Exit code: verification failed.
pub const EXIT_VERIFY: u8 = 1;
/// Exit code: usage error.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: key error.
pub const EXIT_KEY: u8 = 3;
/// Exit code: not a usable pageseal file.
pub const EXIT_FORMAT: u8 = 4;
/// Exit code: I/O error.
pub const EXIT_IO: u8 = 5;

fn main() -> ExitCode {
    harden();
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    match commands::run(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(e @ Error::KeyMissing { .. }) => {
            eprintln!(
                "pageseal: {e} (use --key-env VAR, --key-fd N, --key-stdin, --key-file PATH, \
                 set PAGESEAL_KEY, or run on a terminal to be prompted)"
            );
            ExitCode::from(EXIT_KEY)
        }
        Err(
            e @ Error::Core {
                path: Some(_),
                source: CoreError::KeyNotExpected,
                ..
            },
        ) => {
            eprintln!("pageseal: {e} (pass --checksum-only to accept a checksum-only file)");
            ExitCode::from(EXIT_KEY)
        }
        Err(e) => {
            eprintln!("pageseal: {e}");
            ExitCode::from(exit_code(&e))
        }
    }
}

/// Keeps secrets out of core dumps and other processes: no core file
/// (`RLIMIT_CORE` 0), not dumpable (`PR_SET_DUMPABLE` 0, which also keeps
/// same-user processes from attaching), and temporary files (an unseal's
/// hold plaintext) removed when SIGINT, SIGTERM or SIGHUP ends the run.
/// Each is best effort: a failure leaves the default behaviour.
fn harden() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let none = rustix::process::Rlimit {
            current: Some(0),
            maximum: Some(0),
        };
        let _ = rustix::process::setrlimit(rustix::process::Resource::Core, none);
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let _ =
            rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
        if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) {
            std::thread::spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    pageseal::remove_temp_files();
                    eprintln!("pageseal: interrupted by signal {signal}; temporary files removed");
                    std::process::exit(128 + signal);
                }
            });
        }
    }
}

/// The exit code for an error.
fn exit_code(e: &Error) -> u8 {
    match e {
        Error::Io { .. } => EXIT_IO,
        Error::KeySource { .. } | Error::KeyMissing { .. } => EXIT_KEY,
        Error::Truncated { .. } | Error::Audit { .. } | Error::Record { .. } => EXIT_VERIFY,
        Error::InUse { .. } => EXIT_IO,
        Error::Core { page: Some(_), .. } => EXIT_VERIFY,
        Error::Core { source, path, .. } => match source {
            // A key given for a checksum-only file (e.g. `seal --cipher
            // checksum --key-env K`) is a key error, as it is when opening one.
            CoreError::WrongKey
            | CoreError::NoKeyslotFor { .. }
            | CoreError::KeyRequired
            | CoreError::KeyNotExpected
            | CoreError::KdfCostTooHigh { .. } => EXIT_KEY,
            // Requests the file cannot satisfy as asked.
            CoreError::KeyslotsFull | CoreError::LastKeyslot | CoreError::NoSuchKeyslot { .. } => {
                EXIT_USAGE
            }
            _ if path.is_some() => EXIT_FORMAT,
            _ => EXIT_USAGE,
        },
        _ => EXIT_USAGE,
    }
}
