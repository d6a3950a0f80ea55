//! `pageseal-dispatch` will probe the CPU once and route each suite to its
//! fastest implementation (AES-NI/VAES, ARMv8 AES, or the portable path of
//! `pageseal-core`). Until the hardware backends land (issue 4), every
//! suite runs on [`pageseal_core::Portable`].

#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub use pageseal_core::Portable;
