//! Every deliberately broken configuration under `fixtures/bad/` must fail with the expected
//! diagnostic code at the expected file, line and column, and carry a help line.
//!
//! Each fixture folder holds `stack.toml` and/or `tier.toml` (the tier is loaded when present)
//! and `expect.toml` with `code`, `at = "FILE:LINE:COLUMN"`, and the exact `message` and `help`.
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

/// What a fixture's `expect.toml` says its first diagnostic is.
struct Expectation {
    code: String,
    at: String,
    /// Exact message; empty (not checked) in an `expect.toml` that predates it.
    message: String,
    /// Exact help line; empty (not checked) in an `expect.toml` that predates it.
    help: String,
}

fn expectation(dir: &Path) -> Option<Expectation> {
    let text = std::fs::read_to_string(dir.join("expect.toml")).ok()?;
    let value = toml_span::parse(&text).expect("expect.toml parses");
    let field = |name: &str| {
        value
            .pointer(&format!("/{name}"))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    Some(Expectation {
        code: field("code")?,
        at: field("at")?,
        message: field("message").unwrap_or_default(),
        help: field("help").unwrap_or_default(),
    })
}

/// Load the fixture `name` and compare its first diagnostic with `expect.toml`.
fn check_fixture(name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/bad")
        .join(name);
    let registry = strata::aws::registry();
    let errors = match load(&request(&dir), &registry) {
        Ok(_) => panic!("{name}: loaded without error"),
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
    let help = first.help.clone().unwrap_or_default();
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        let quoted = |s: &str| serde_json::to_string(s).unwrap();
        std::fs::write(
            dir.join("expect.toml"),
            format!(
                "code = \"{}\"\nat = \"{location}\"\nmessage = {}\nhelp = {}\n",
                first.code,
                quoted(&first.message),
                quoted(&help)
            ),
        )
        .unwrap();
        return;
    }
    let want =
        expectation(&dir).unwrap_or_else(|| panic!("{name}: missing or malformed expect.toml"));
    assert_eq!(first.code, want.code, "{name}: code ({})", first.message);
    assert_eq!(location, want.at, "{name}: location ({})", first.message);
    assert!(!help.is_empty(), "{name}: diagnostic without a help line");
    if !want.message.is_empty() {
        assert_eq!(first.message, want.message, "{name}: message");
    }
    if !want.help.is_empty() {
        assert_eq!(help, want.help, "{name}: help");
    }
}

/// The first diagnostic's message and help line for the fixture `name`.
fn first_diagnostic(name: &str) -> (String, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/bad")
        .join(name);
    match load(&request(&dir), &strata::aws::registry()) {
        Ok(_) => panic!("{name}: loaded without error"),
        Err(e) => (
            e.errors[0].message.clone(),
            e.errors[0].help.clone().unwrap_or_default(),
        ),
    }
}

/// One test per fixture folder under `fixtures/bad/`.
macro_rules! fixture_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check_fixture(stringify!($name));
            }
        )*

        /// Every fixture folder has its test above (a new folder must be added to the list).
        #[test]
        fn every_fixture_folder_has_a_test() {
            let listed = [$(stringify!($name)),*];
            let folders: Vec<String> = fixtures()
                .iter()
                .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
                .collect();
            assert_eq!(folders, listed, "fixture folders and fixture_tests! differ");
        }
    };
}

fixture_tests!(
    bad_expression,
    computed_attribute,
    cycle,
    disabled_reference,
    duplicate_address,
    enabled_not_bool,
    health_missing_url,
    health_unknown_key,
    missing_stack_name,
    override_missing,
    string_interpolates_list,
    toml_syntax,
    unknown_attribute_key,
    unknown_attribute_reference,
    unknown_kind,
    unknown_resource_reference,
    unknown_stack,
    unknown_stack_key,
    unknown_tier_variable,
    unknown_top_level_table,
    unknown_variable_reference,
    variable_without_value,
    wrong_type_attribute,
    wrong_type_tier_variable,
);

/// Fixtures that misspell a name, and the name their help must suggest.
const DID_YOU_MEAN: &[(&str, &str)] = &[
    ("unknown_attribute_key", "cidr_block"),
    ("unknown_kind", "vpc"),
    ("unknown_variable_reference", "var.cidr"),
    ("unknown_resource_reference", "vpc.main"),
    ("unknown_stack_key", "description"),
    ("unknown_tier_variable", "instance_type"),
    ("override_missing", "vpc.main"),
];

/// The near-miss fixtures suggest the name that was meant.
#[test]
fn near_misses_say_did_you_mean() {
    for (fixture, suggestion) in DID_YOU_MEAN {
        let (_, help) = first_diagnostic(fixture);
        assert!(
            help.contains(&format!("did you mean `{suggestion}`?")),
            "{fixture}: {help}"
        );
    }
}

/// The duplicate-address diagnostic names the address exactly, brackets and all trimmed.
#[test]
fn duplicate_address_names_the_resource_exactly() {
    let (message, help) = first_diagnostic("duplicate_address");
    assert_eq!(message, "resource `vpc.main` is declared twice");
    assert_eq!(
        help,
        "give each resource a unique name, or merge the two `[resource.vpc.main]` tables"
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
        .filter_map(|d| expectation(d).map(|e| e.code))
        .collect();
    for code in expected {
        assert!(
            seen.iter().any(|s| s == code),
            "no fixture exercises {code}"
        );
    }
}
