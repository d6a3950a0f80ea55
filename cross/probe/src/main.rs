//! Backend probe run by the cross scripts before each test run: says which
//! implementation of each suite the tests exercise on this CPU (or emulated
//! CPU), given the `--cfg` flags it was compiled with (the scripts build it
//! with the same target and `RUSTFLAGS` as the tests).
//!
//! Two levels are reported: the primitive crates' own backends
//! ([`primitives`]), which `pageseal_core::Portable` runs on, and
//! pageseal-dispatch's choice per suite, with every backend it can run here
//! (the differential tests run each of those against the portable path).

mod primitives;

use pageseal_core::Suite;
use pageseal_dispatch::{Cpu, available_backends, backend_for, recommended_suite};

fn main() {
    primitives::report();
    println!(
        "pageseal-dispatch: cpu features {:?}, auto = {}",
        Cpu::detect(),
        recommended_suite()
    );
    for suite in Suite::ALL {
        let all: Vec<&str> = available_backends(suite).map(|b| b.name()).collect();
        println!(
            "  {:<18} default backend {:<9} available: {}",
            suite.name(),
            backend_for(suite).name(),
            all.join(", ")
        );
    }
}
