//! `pageseal`: the crate desktop and server users depend on.
//!
//! Today it supplies operating-system randomness for nonces and file ids
//! ([`OsRandom`]) on top of [`pageseal_core`]; encrypted page files and the
//! `pageseal` command-line tool arrive with the std-adapter issue.

pub use pageseal_core as core;

mod random;

pub use random::{OsRandom, fill_random, random_file_id};
