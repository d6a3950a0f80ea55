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
        limits: Limits,
        #[command(flatten)]
        threads: Threads,
    },
    /// Check the header and every page (or, for a key ring, its audit
    /// trail; for a sealed log, every record); list every bad one.
    Verify {
        /// The sealed file, key ring or sealed log.
        file: PathBuf,
        /// The key ring a sealed log is sealed under (the key opens it).
        #[arg(long, value_name = "PATH")]
        ring: Option<PathBuf>,
        #[command(flatten)]
        key: KeyArgs,
        #[command(flatten)]
        limits: Limits,
        #[command(flatten)]
        threads: Threads,
        /// Print a JSON report.
        #[arg(long)]
        json: bool,
    },
    /// Describe a file (no key needed). With a key, a key ring's audit
    /// trail is verified and shown, and a sealed log's records counted.
    Info {
        /// The file: page file, key ring or sealed log.
        file: PathBuf,
        /// The key ring a sealed log is sealed under.
        #[arg(long, value_name = "PATH")]
        ring: Option<PathBuf>,
        #[command(flatten)]
        key: KeyArgs,
        #[command(flatten)]
        limits: Limits,
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
        limits: Limits,
        #[command(flatten)]
        new_key: NewKeyArgs,
        #[command(flatten)]
        kdf: KdfArgs,
    },
    /// Give a file a new file key, data key and file id, re-sealing every
    /// page; keyslots of other secrets are dropped (and listed).
    Rotate {
        /// The sealed file.
        file: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        #[command(flatten)]
        limits: Limits,
        #[command(flatten)]
        threads: Threads,
    },
    /// List, add or remove keyslots (recovery keys); the header only.
    Keyslot {
        /// What to do.
        #[command(subcommand)]
        action: KeyslotAction,
    },
    /// Write a fresh random raw key to a new file (mode 0600).
    Keygen {
        /// The key file to create (must not exist).
        file: PathBuf,
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

/// What `pageseal keyslot` does.
#[derive(Subcommand, Debug)]
pub enum KeyslotAction {
    /// List the keyslots (no key needed).
    List {
        /// The sealed file.
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Add a secret (e.g. a recovery key) in the first free keyslot.
    Add {
        /// The sealed file.
        file: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        #[command(flatten)]
        limits: Limits,
        #[command(flatten)]
        new_key: NewKeyArgs,
        #[command(flatten)]
        kdf: KdfArgs,
    },
    /// Empty a keyslot (not the last one).
    Remove {
        /// The sealed file.
        file: PathBuf,
        /// The keyslot to empty (0 to 3; see `keyslot list`).
        #[arg(long, value_name = "N")]
        slot: usize,
        #[command(flatten)]
        key: KeyArgs,
        #[command(flatten)]
        limits: Limits,
    },
}

/// The most a key derivation may cost when opening a file.
#[derive(Args, Debug)]
pub struct Limits {
    /// Refuse keyslots asking Argon2id for more memory than this, in KiB
    /// (default 1048576 = 1 GiB). Raise only for a file you trust.
    #[arg(long, value_name = "KIB")]
    pub kdf_max_memory: Option<u32>,
    /// Refuse keyslots asking Argon2id for more passes than this (default 16).
    #[arg(long, value_name = "N")]
    pub kdf_max_iterations: Option<u32>,
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
    /// Accept a checksum-only file (no key, no secrecy). Without it, a
    /// checksum-only file is refused whenever a key is at hand.
    #[arg(long)]
    pub checksum_only: bool,
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
    /// Threads to use, 1 to 256 (default: every core).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: Option<u16>,
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
