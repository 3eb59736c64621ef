//! Every deliberately broken configuration under `fixtures/bad/` must fail with the expected
//! diagnostic code at the expected file, line and column, and carry a help line.
//!
//! Each fixture folder holds `stack.toml` and/or `tier.toml` (the tier is loaded when present)
//! and `expect.toml` with `code = "..."` and `at = "FILE:LINE:COLUMN"`.
//! `UPDATE_EXPECT=1 cargo test --test config_fixtures` rewrites the expectations (review them!).

use std::path::{Path, PathBuf};
use strata::config::{load, LoadRequest};

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bad");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures/bad exists")
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn request(dir: &Path) -> LoadRequest {
    let tier = dir.join("tier.toml");
    LoadRequest {
        tier: tier.is_file().then(|| tier.display().to_string()),
        stack: (!tier.is_file()).then(|| dir.join("stack.toml").display().to_string()),
        name: None,
        project_dir: dir.to_path_buf(),
        snapshot: None,
    }
}

fn expectation(dir: &Path) -> Option<(String, String)> {
    let text = std::fs::read_to_string(dir.join("expect.toml")).ok()?;
    let value = toml_span::parse(&text).expect("expect.toml parses");
    let code = value.pointer("/code")?.as_str()?.to_string();
    let at = value.pointer("/at")?.as_str()?.to_string();
    Some((code, at))
}

#[test]
fn broken_fixtures_report_code_and_location() {
    let dirs = fixtures();
    assert!(
        dirs.len() >= 15,
        "expected at least 15 broken fixtures, found {}",
        dirs.len()
    );
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let registry = strata::aws::registry();
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let errors = match load(&request(dir), &registry) {
            Ok(_) => {
                failures.push(format!("{name}: loaded without error"));
                continue;
            }
            Err(e) => e.errors,
        };
        let first = &errors[0];
        let location = first
            .rendered_location()
            .map(|l| {
                // Keep the path relative to the fixture folder.
                let prefix = format!("{}/", dir.display());
                l.strip_prefix(&prefix).unwrap_or(l).to_string()
            })
            .unwrap_or_default();
        if first.help.as_deref().unwrap_or("").is_empty() {
            failures.push(format!("{name}: diagnostic without a help line"));
        }
        if update {
            std::fs::write(
                dir.join("expect.toml"),
                format!("code = \"{}\"\nat = \"{location}\"\n", first.code),
            )
            .unwrap();
            continue;
        }
        match expectation(dir) {
            Some((code, at)) => {
                if code != first.code || at != location {
                    failures.push(format!(
                        "{name}: expected {code} at {at}, got {} at {location} ({})",
                        first.code, first.message
                    ));
                }
            }
            None => failures.push(format!("{name}: missing or malformed expect.toml")),
        }
    }
    assert!(
        failures.is_empty(),
        "fixture failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_diagnostic_code_is_exercised_by_a_fixture() {
    use strata::config::codes::*;
    let expected = [
        TOML_SYNTAX,
        UNKNOWN_KEY,
        WRONG_TYPE,
        MISSING_KEY,
        UNKNOWN_KIND,
        DUPLICATE_ADDRESS,
        UNKNOWN_RESOURCE,
        UNKNOWN_ATTRIBUTE,
        UNKNOWN_VARIABLE,
        UNKNOWN_STACK,
        OVERRIDE_MISSING,
        CYCLE,
        BAD_EXPRESSION,
        COMPUTED_ATTRIBUTE,
    ];
    let seen: Vec<String> = fixtures()
        .iter()
        .filter_map(|d| expectation(d).map(|(c, _)| c))
        .collect();
    for code in expected {
        assert!(
            seen.iter().any(|s| s == code),
            "no fixture exercises {code}"
        );
    }
}
