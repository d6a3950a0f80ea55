//! The README's heed3 example is `examples/heed3.rs`, which `cargo test`
//! compiles; the behaviour it shows is tested in `tests/heed3.rs`.

/// The example without its leading doc comment.
fn example_code() -> &'static str {
    let example = include_str!("../examples/heed3.rs");
    let (_, code) = example
        .split_once("\n\n")
        .expect("doc comment, blank line, code");
    code
}

#[test]
fn the_readme_shows_the_compiled_example() {
    let readme_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    let readme = std::fs::read_to_string(readme_path).expect("README.md at the root");
    assert!(
        readme.contains(&format!("```rust\n{}```\n", example_code())),
        "README.md must show examples/heed3.rs (after its doc comment) verbatim"
    );
}
