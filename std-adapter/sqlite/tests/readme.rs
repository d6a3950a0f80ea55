//! The README's SQLite example is this crate's doctest: every line of the
//! `rust` block in the README's "SQLite" section appears, in order, in the
//! doctest of `lib.rs` (which `cargo test` compiles and runs).

#[test]
fn readme_sqlite_example_is_the_compiled_doctest() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let lib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs")).unwrap();
    let section = readme
        .split("## SQLite (`pageseal-sqlite`)")
        .nth(1)
        .expect("README.md has a SQLite section");
    let block = section
        .split("```rust\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the SQLite section has a rust block");
    let doctest: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//! "))
        .filter(|l| !l.starts_with("# "))
        .collect();
    let mut at = 0;
    for line in block.lines().filter(|l| !l.trim().is_empty()) {
        let found = doctest[at..].iter().position(|d| *d == line);
        assert!(
            found.is_some(),
            "README line not in the lib.rs doctest (in order): {line}"
        );
        at += found.unwrap() + 1;
    }
}
