//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use pageseal::KeySource;

use crate::keys::KeyInput;

/// Seal fixed-size pages with authenticated encryption.
#[derive(Parser, Debug)]
#[command(name = "pageseal", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create an encrypted (or checksum-only) page file of N zero pages.
    Create {
        /// The file to create (must not exist).
        file: PathBuf,
        /// Number of pages.
        #[arg(long)]
        pages: u64,
        #[command(flatten)]
        layout: Layout,
        #[command(flatten)]
        key: KeyArgs,
        #[command(flatten)]
        kdf: KdfArgs,
    },
    /// Seal a plain file into a new page file.
    Seal {
        /// The plain input.
        plain: PathBuf,
        /// The sealed output (must not exist).
        out: PathBuf,
        #[command(flatten)]
        layout: Layout,
        #[command(flatten)]
        key: KeyArgs,
        #[command(flatten)]
        kdf: KdfArgs,
        #[command(flatten)]
        threads: Threads,
    },
    /// Verify every page and write the plain data to a new file.
    Unseal {
        /// The sealed file.
        file: PathBuf,
        /// The plain output (must not exist).
        out: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        #[command(flatten)]
        threads: Threads,
    },
    /// Check the header and every page; list every bad page.
    Verify {
        /// The sealed file.
        file: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        #[command(flatten)]
        threads: Threads,
        /// Print a JSON report.
        #[arg(long)]
        json: bool,
    },
    /// Describe a file (no key needed).
    Info {
        /// The file.
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Replace the key or passphrase that opens a file (the header only).
    Rekey {
        /// The sealed file.
        file: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        #[command(flatten)]
        new_key: NewKeyArgs,
        #[command(flatten)]
        kdf: KdfArgs,
    },
    /// Move every page to a fresh data key (new key epoch).
    Rotate {
        /// The sealed file.
        file: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        #[command(flatten)]
        threads: Threads,
    },
    /// Measure sealing and opening speed on this machine.
    Bench {
        /// A suite, or `all`.
        #[arg(long, default_value = "all")]
        cipher: String,
        /// Page sizes in bytes, comma-separated, or `all` (512 to 65536).
        #[arg(long, default_value = "4096")]
        page_size: String,
        /// `auto`, `portable`, `all`, or a backend name.
        #[arg(long, default_value = "auto")]
        backend: String,
        /// Seconds to measure each case (all rounds together).
        #[arg(long, default_value_t = 0.6)]
        seconds: f64,
        /// Rounds per figure (the median is reported, with the spread).
        #[arg(long, default_value_t = 3)]
        repeats: usize,
        /// Threads sealing at once, each with its own key session (1 to 256).
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show the CPU features found and the backend chosen per suite.
    Cpu {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Suite and page size of a new file.
#[derive(Args, Debug)]
pub struct Layout {
    /// Page size: a power of two from 512 to 65536.
    #[arg(long, default_value_t = 4096)]
    pub page_size: usize,
    /// The suite, `checksum` for integrity only, or `auto` (fastest on this CPU).
    #[arg(long, default_value = "auto")]
    pub cipher: String,
}

/// Where the key comes from (at most one).
#[derive(Args, Debug)]
#[group(multiple = false)]
pub struct KeyArgs {
    /// Read the key from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub key_env: Option<String>,
    /// Read the key from this open file descriptor.
    #[arg(long, value_name = "N")]
    pub key_fd: Option<u32>,
    /// Read the key from standard input.
    #[arg(long)]
    pub key_stdin: bool,
    /// Read the key from this file.
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
}

/// Where the new key comes from (at most one).
#[derive(Args, Debug)]
#[group(multiple = false)]
pub struct NewKeyArgs {
    /// Read the new key from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub new_key_env: Option<String>,
    /// Read the new key from this open file descriptor.
    #[arg(long, value_name = "N")]
    pub new_key_fd: Option<u32>,
    /// Read the new key from standard input.
    #[arg(long)]
    pub new_key_stdin: bool,
    /// Read the new key from this file.
    #[arg(long, value_name = "PATH")]
    pub new_key_file: Option<PathBuf>,
}

/// Argon2id cost for a new passphrase.
#[derive(Args, Debug)]
pub struct KdfArgs {
    /// Argon2id memory in KiB (default 65536).
    #[arg(long, value_name = "KIB")]
    pub kdf_memory: Option<u32>,
    /// Argon2id passes (default 3).
    #[arg(long, value_name = "N")]
    pub kdf_iterations: Option<u32>,
    /// Argon2id lanes (default 1).
    #[arg(long, value_name = "P")]
    pub kdf_parallelism: Option<u32>,
}

/// Worker threads for bulk work.
#[derive(Args, Debug)]
pub struct Threads {
    /// Threads to use (default: every core).
    #[arg(long)]
    pub threads: Option<usize>,
}

fn pick(
    env: &Option<String>,
    fd: Option<u32>,
    stdin: bool,
    file: &Option<PathBuf>,
) -> Option<KeyInput> {
    let source = if let Some(var) = env {
        KeySource::Env(var.clone())
    } else if let Some(fd) = fd {
        KeySource::Fd(fd)
    } else if stdin {
        KeySource::Stdin
    } else {
        KeySource::File(file.as_ref()?.clone())
    };
    Some(KeyInput::Source(source))
}

impl KeyArgs {
    /// The source the flags name, if any.
    pub fn source(&self) -> Option<KeyInput> {
        pick(&self.key_env, self.key_fd, self.key_stdin, &self.key_file)
    }
}

impl NewKeyArgs {
    /// The source the flags name, if any.
    pub fn source(&self) -> Option<KeyInput> {
        pick(
            &self.new_key_env,
            self.new_key_fd,
            self.new_key_stdin,
            &self.new_key_file,
        )
    }
}
