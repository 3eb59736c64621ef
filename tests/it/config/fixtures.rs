//! Every deliberately broken configuration under `fixtures/bad/` must fail with the expected
//! diagnostic: its code, file, line and column, exact message and help line, and the report the
//! binary prints, all held in one snapshot per fixture (`snapshots/`, reviewed with
//! `cargo insta review`).
//!
//! Each fixture folder holds `stack.toml` and/or `tier.toml` (the tier is loaded when present).

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

fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/bad")
        .join(name)
}

fn request(dir: &Path) -> LoadRequest {
    let tier = dir.join("tier.toml");
    LoadRequest {
        tier: tier.is_file().then(|| tier.display().to_string()),
        stack: (!tier.is_file()).then(|| dir.join("stack.toml").display().to_string()),
        name: None,
        project_dir: dir.to_path_buf(),
        snapshot: None,
        ..Default::default()
    }
}

/// The first diagnostic of fixture `name` as the library reports it: code, location relative
/// to the fixture folder, message and help.
fn first_error(name: &str) -> (String, String, String, String) {
    let dir = fixture_dir(name);
    let errors = match load(&request(&dir), &strata::aws::registry()) {
        Ok(_) => panic!("{name}: loaded without error"),
        Err(e) => e.errors,
    };
    let first = &errors[0];
    let location = first
        .rendered_location()
        .map(|l| {
            let prefix = format!("{}/", dir.display());
            l.strip_prefix(&prefix).unwrap_or(l).to_string()
        })
        .unwrap_or_default();
    (
        first.code.to_string(),
        location,
        first.message.clone(),
        first.help.clone().unwrap_or_default(),
    )
}

/// Load the fixture `name` through the library and through `strata validate`, and compare both
/// with its snapshot.
fn check_fixture(name: &str) {
    let dir = fixture_dir(name);
    let (code, at, message, help) = first_error(name);
    assert!(!help.is_empty(), "{name}: diagnostic without a help line");
    let file = if dir.join("tier.toml").is_file() {
        ["--tier", "tier.toml"]
    } else {
        ["--stack", "stack.toml"]
    };
    let run = crate::support::strata(&dir)
        .args(["validate"])
        .args(file)
        .run()
        .expect_code(1);
    let report = run.stderr.replace(&format!("{}/", dir.display()), "");
    insta::assert_snapshot!(
        name,
        format!("code: {code}\nat: {at}\nmessage: {message}\nhelp: {help}\n\n{report}")
    );
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
        let (_, _, _, help) = first_error(fixture);
        assert!(
            help.contains(&format!("did you mean `{suggestion}`?")),
            "{fixture}: {help}"
        );
    }
}

/// The duplicate-address diagnostic names the address exactly, brackets and all trimmed.
#[test]
fn duplicate_address_names_the_resource_exactly() {
    let (_, _, message, help) = first_error("duplicate_address");
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
        .map(|d| first_error(&d.file_name().expect("folder name").to_string_lossy()).0)
        .collect();
    for code in expected {
        assert!(
            seen.iter().any(|s| s == code),
            "no fixture exercises {code}"
        );
    }
}
