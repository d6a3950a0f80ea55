//! Renders criterion's results as the tables and plot of
//! `benches/RESULTS.md`:
//!
//!     render CRITERION_DIR PAGE_SIZE SVG_OUT
//!
//! prints the MB/s table and the ratio table (Markdown) for `PAGE_SIZE`,
//! then the seal MB/s of every page size measured, and writes the seal bar
//! chart for `PAGE_SIZE` to `SVG_OUT`.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, size, svg_out] = &args[..] else {
        eprintln!("usage: render CRITERION_DIR PAGE_SIZE SVG_OUT");
        return ExitCode::FAILURE;
    };
    let Ok(size) = size.parse::<u64>() else {
        eprintln!("render: PAGE_SIZE must be a number, not {size:?}");
        return ExitCode::FAILURE;
    };
    let results = match pageseal_benches::load(&PathBuf::from(dir)) {
        Ok(results) => results,
        Err(e) => {
            eprintln!("render: cannot read {dir}: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}", pageseal_benches::table(&results, size));
    println!("{}", pageseal_benches::ratios(&results, size));
    println!("{}", pageseal_benches::by_size(&results, "seal"));
    if let Err(e) = std::fs::write(svg_out, pageseal_benches::svg(&results, "seal", size)) {
        eprintln!("render: cannot write {svg_out}: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
