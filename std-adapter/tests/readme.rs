//! The README's Rust examples are compiled doctests: every line of each
//! README `rust` block checked here appears, in order, in the doctest of
//! the source file named for it (which `cargo test` compiles and runs), so
//! the README cannot show code that does not compile.

/// The README's `rust` block that follows `heading`, as lines.
fn readme_block(readme: &str, heading: &str) -> Vec<String> {
    let after = readme
        .split_once(heading)
        .unwrap_or_else(|| panic!("README.md has the section {heading:?}"))
        .1;
    after
        .split("```rust\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the section has a rust block")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// Asserts that `block` appears, line by line and in order, in the `//! `
/// doctest lines of `source`.
fn assert_in_doctest(block: &[String], source: &str) {
    let text =
        std::fs::read_to_string(format!("{}/src/{source}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let doctest: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("//! ").or((l == "//!").then_some("")))
        .filter(|l| !l.starts_with("# "))
        .collect();
    let mut at = 0;
    for line in block {
        let found = doctest[at..].iter().position(|d| d == line);
        assert!(
            found.is_some(),
            "README line not in the {source} doctest (in order): {line}"
        );
        at += found.unwrap() + 1;
    }
}

#[test]
fn readme_examples_are_the_compiled_doctests() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    assert_in_doctest(&readme_block(&readme, "## The library\n"), "lib.rs");
    assert_in_doctest(
        &readme_block(&readme, "## Blocks, key rings and sealed logs"),
        "keyring/mod.rs",
    );
}
