//! The code the README shows is the code CI compiles: its first Rust block is
//! `examples/outside/src/main.rs`, byte for byte. (The guide includes that file directly.)

#[test]
fn the_readme_shows_the_getting_started_crate_as_it_compiles() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let main = std::fs::read_to_string(format!("{root}/examples/outside/src/main.rs")).unwrap();
    let start = readme
        .find("```rust\n")
        .expect("a Rust block in the README")
        + "```rust\n".len();
    let len = readme[start..].find("```\n").expect("the block ends");
    assert_eq!(&readme[start..start + len], main);
}

#[test]
fn the_guide_includes_the_files_it_shows() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let page = std::fs::read_to_string(format!("{root}/docs/src/getting-started.md")).unwrap();
    for included in [
        "examples/outside/Cargo.toml",
        "examples/outside/src/main.rs",
        "examples/src/bin/ops.rs",
    ] {
        assert!(
            page.contains(&format!("{{{{#include ../../{included}}}}}")),
            "{included}"
        );
        assert!(std::path::Path::new(&format!("{root}/{included}")).exists());
    }
}

#[test]
fn the_deployment_sigil_toml_is_one_sigil_accepts() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let path = format!("{root}/docs/deploy/sigil.toml");
    let config = sigil::config::SigilConfig::load(std::path::Path::new(&path)).unwrap();
    assert!(
        config
            .http
            .allowed_hosts
            .iter()
            .any(|h| h == "bank.internal")
    );
    assert!(config.tools.contains_key("transfer_funds"));
}
