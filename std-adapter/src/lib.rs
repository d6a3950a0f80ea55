//! `pageseal`: encrypted page files over `std::fs::File` and the `pageseal`
//! command-line tool (arriving with the std-adapter issue).

pub use pageseal_core as core;
