//! The configuration loader never panics, whatever the files hold: it returns a deployment or
//! diagnostics, and every diagnostic has a code and, when it points somewhere, a place that
//! exists in the file it names.
//!
//! Inputs are the real `stacks/ai-stack.toml` + `tiers/dev.toml` and the broken fixtures under
//! `fixtures/bad/`, mutated at random (byte ranges deleted, TOML-ish snippets inserted, lines
//! duplicated or swapped), and arbitrary strings as a whole file. Inputs past the loader's
//! bounds (nesting 20,000 deep, strings and files over 1 MiB, binary junk) go through the
//! real binary, which must exit 1 with a diagnostic rather than die of a stack overflow.

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};
use proptest::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use strata::config::{load, LoadRequest};

use crate::support::project::stack_project;
use crate::support::strata;

/// Snippets inserted by mutations: TOML and `${...}` syntax, valid fragments in the wrong place,
/// and characters that often trip up offset arithmetic.
const SNIPPETS: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    "\"",
    "'",
    "${",
    "}}",
    "=",
    ".",
    ",",
    "#",
    "\n",
    "\\",
    "\"\"\"",
    "'''",
    "[resource.x.y]",
    "[resource.vpc.main]",
    "[[resource.vpc.main]]",
    "[tier]",
    "[stack]",
    "[vars]",
    "[output]",
    "${var.",
    "${var.instance_type}",
    "${vpc.main.id}",
    "${vpc.main.",
    "${nosuch.thing.id}",
    "${tier.name}",
    "${deployment.",
    "${join(\",\", var.services)}",
    "${join(",
    "enabled = false\n",
    "enabled = \"${var.market}\"\n",
    "depends_on = [\"vpc.main\"]\n",
    "depends_on = [\"instance.host\"]\n",
    "existing = \"vpc-0abc\"\n",
    "name = \"\"\n",
    "stack = \"nowhere\"\n",
    "x = { sensitive = true }\n",
    " = [",
    "true",
    "-9223372036854775808",
    "99999999999999999999",
    "1e999",
    "inf",
    "nan",
    "0x",
    "é",
    "🦀",
    "\u{200b}",
    "\r\n",
    "\t",
    "\u{0}",
];

/// Whole lines inserted at line boundaries, so that many mutants stay valid TOML and reach the
/// checks after parsing (kinds, keys, types, references, cycles).
const LINES: &[&str] = &[
    "[resource.x.y]\n",
    "[resource.vpc.other]\n",
    "[resource.instance.host]\n",
    "[resource.subnet.public_a]\n",
    "[resource.vpc.main]\n",
    "enabled = false\n",
    "enabled = \"${var.market}\"\n",
    "depends_on = [\"instance.host\"]\n",
    "depends_on = [\"vpc.nope\"]\n",
    "existing = \"vpc-0abc\"\n",
    "lookup = { Name = \"x\" }\n",
    "vpc_id = \"${vpc.main.id}\"\n",
    "vpc_id = \"${vpc.main.nope}\"\n",
    "cidr_block = \"${var.services}\"\n",
    "cidr_block = 42\n",
    "id = \"i-123\"\n",
    "instance_type = \"${var.nope}\"\n",
    "instance_type = \"${join(\",\", var.services)}\"\n",
    "user_data = \"${var.n8n_encryption_key}\"\n",
    "name = \"${tier.name}-${deployment.name}\"\n",
    "tags = { A = \"${var.instance_type}\" }\n",
    "nope = 1\n",
    "x = { sensitive = true }\n",
    "region = \"\"\n",
    "stack = \"nowhere\"\n",
    "name = \"\"\n",
    "monthly_usd = \"lots\"\n",
];

/// One configuration to mutate: its files (relative path, text) and how to load it.
#[derive(Debug, Clone)]
struct Scenario {
    label: String,
    files: Vec<(String, String)>,
    /// Relative path of the tier file, when loading with a tier.
    tier: Option<String>,
    /// Relative path of the stack file, when loading a stack alone.
    stack: Option<String>,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn scenarios() -> &'static [Scenario] {
    static SCENARIOS: OnceLock<Vec<Scenario>> = OnceLock::new();
    SCENARIOS.get_or_init(|| {
        let root = repo();
        let mut out = vec![Scenario {
            label: "ai-stack + dev".into(),
            files: vec![
                (
                    "stacks/ai-stack.toml".into(),
                    read(&root.join("stacks/ai-stack.toml")),
                ),
                ("tiers/dev.toml".into(), read(&root.join("tiers/dev.toml"))),
                // The user data template is mutated too: its parser must not panic either.
                (
                    "stacks/ai-stack/user-data.sh.tpl".into(),
                    read(&root.join("stacks/ai-stack/user-data.sh.tpl")),
                ),
            ],
            tier: Some("tiers/dev.toml".into()),
            stack: None,
        }];
        let mut dirs: Vec<PathBuf> = fs::read_dir(root.join("fixtures/bad"))
            .expect("fixtures/bad exists")
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for dir in dirs {
            let mut files = Vec::new();
            for name in ["stack.toml", "tier.toml"] {
                let path = dir.join(name);
                if path.is_file() {
                    files.push((name.to_string(), read(&path)));
                }
            }
            let has_tier = files.iter().any(|(n, _)| n == "tier.toml");
            out.push(Scenario {
                label: dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                files,
                tier: has_tier.then(|| "tier.toml".to_string()),
                stack: (!has_tier).then(|| "stack.toml".to_string()),
            });
        }
        assert!(out.len() > 10, "expected the fixtures to be found");
        out
    })
}

/// One random edit of a file's text. Positions are taken modulo the text's length in chars.
#[derive(Debug, Clone)]
enum Mutation {
    Delete { at: usize, len: usize },
    Insert { at: usize, snippet: usize },
    InsertChar { at: usize, c: char },
    DuplicateLine { line: usize },
    SwapLines { a: usize, b: usize },
    DeleteLine { line: usize },
    InsertLine { line: usize, snippet: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), 0..SNIPPETS.len())
            .prop_map(|(at, snippet)| Mutation::Insert { at, snippet }),
        (any::<usize>(), any::<char>()).prop_map(|(at, c)| Mutation::InsertChar { at, c }),
        any::<usize>().prop_map(|line| Mutation::DuplicateLine { line }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
        any::<usize>().prop_map(|line| Mutation::DeleteLine { line }),
        (any::<usize>(), 0..LINES.len())
            .prop_map(|(line, snippet)| Mutation::InsertLine { line, snippet }),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let chars: Vec<char> = text.chars().collect();
    let pos = |at: usize| {
        if chars.is_empty() {
            0
        } else {
            at % (chars.len() + 1)
        }
    };
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    let line_ix = |i: usize| i % lines.len().max(1);
    match m {
        Mutation::Delete { at, len } => {
            let start = pos(*at);
            let end = (start + len).min(chars.len());
            chars[..start].iter().chain(&chars[end..]).collect()
        }
        Mutation::Insert { at, snippet } => {
            let at = pos(*at);
            let mut s: String = chars[..at].iter().collect();
            s.push_str(SNIPPETS[*snippet]);
            s.extend(&chars[at..]);
            s
        }
        Mutation::InsertChar { at, c } => {
            let mut chars = chars.clone();
            chars.insert(pos(*at), *c);
            chars.into_iter().collect()
        }
        Mutation::DuplicateLine { line } if !lines.is_empty() => {
            let i = line_ix(*line);
            lines.insert(i, lines[i]);
            lines.concat()
        }
        Mutation::SwapLines { a, b } if !lines.is_empty() => {
            let (a, b) = (line_ix(*a), line_ix(*b));
            lines.swap(a, b);
            lines.concat()
        }
        Mutation::DeleteLine { line } if !lines.is_empty() => {
            lines.remove(line_ix(*line));
            lines.concat()
        }
        Mutation::InsertLine { line, snippet } => {
            let i = line % (lines.len() + 1);
            lines.insert(i, LINES[*snippet]);
            lines.concat()
        }
        _ => text.to_string(),
    }
}

/// Write the files into a fresh temp project and load them the way the command line would.
fn load_files(scenario: &Scenario, files: &[(String, String)]) {
    let dir = tempfile::tempdir().expect("a temp dir");
    for (rel, text) in files {
        let path = dir.path().join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create dir");
        }
        fs::write(&path, text).expect("write file");
    }
    let as_arg = |rel: &String| dir.path().join(rel).display().to_string();
    let req = LoadRequest {
        tier: scenario.tier.as_ref().map(as_arg),
        stack: scenario.stack.as_ref().map(as_arg),
        name: None,
        project_dir: dir.path().to_path_buf(),
        snapshot: None,
        ..Default::default()
    };
    let registry = strata::aws::registry();
    let errors = match load(&req, &registry) {
        Ok(deployment) => {
            // What loads must plan: an Err is fine here, a panic is not.
            let _ = strata::plan::diff::plan(&deployment, None, &registry, false);
            return;
        }
        Err(errors) => errors,
    };
    assert!(
        !errors.errors.is_empty(),
        "{}: a failed load must say why",
        scenario.label
    );
    for err in &errors.errors {
        check_diagnostic(err, &scenario.label);
        assert!(!err.code.is_empty(), "{}: empty code", scenario.label);
        if !err.labels.is_empty() {
            let location = err
                .rendered_location()
                .unwrap_or_else(|| panic!("{}: labelled but unlocated: {err}", scenario.label));
            check_location(location, dir.path(), files, &scenario.label);
        }
    }
}

/// Every diagnostic (and related one) has a code, and each labelled span can be read from the
/// source it comes with; rendering it the way the command line does must not panic either.
fn check_diagnostic(diag: &dyn Diagnostic, label: &str) {
    let code = diag.code().map(|c| c.to_string()).unwrap_or_default();
    assert!(
        !code.is_empty(),
        "{label}: diagnostic without a code: {diag}"
    );
    if let Some(labels) = diag.labels() {
        let source = diag
            .source_code()
            .unwrap_or_else(|| panic!("{label}: labels without source code: {diag}"));
        for span in labels {
            assert!(
                source.read_span(span.inner(), 0, 0).is_ok(),
                "{label}: span {:?} outside the file: {diag}",
                span.inner()
            );
        }
    }
    let mut rendered = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut rendered, diag)
        .unwrap_or_else(|e| panic!("{label}: rendering failed ({e}): {diag}"));
    if let Some(related) = diag.related() {
        for r in related {
            check_diagnostic(r, label);
        }
    }
}

/// `PATH:LINE:COL` names one of the files written, and that line and column exist in it.
fn check_location(location: &str, dir: &Path, files: &[(String, String)], label: &str) {
    let mut parts = location.rsplitn(3, ':');
    let col: usize = parts
        .next()
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("{label}: bad location {location}"));
    let line: usize = parts
        .next()
        .and_then(|l| l.parse().ok())
        .unwrap_or_else(|| panic!("{label}: bad location {location}"));
    let path = parts.next().unwrap_or_default();
    // A mutated `stack = "..."` may lead the loader to some other file: read that one then.
    let text = match files
        .iter()
        .find(|(rel, _)| Path::new(path) == dir.join(rel))
    {
        Some((_, text)) => text.clone(),
        None => fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{label}: location {location} names no readable file: {e}")),
    };
    // A location may sit just past the last character (an error at end of file).
    let lines: Vec<&str> = text.split('\n').collect();
    assert!(
        line >= 1 && line <= lines.len(),
        "{label}: line {line} of {location} outside a file of {} lines",
        lines.len()
    );
    let width = lines[line - 1].chars().count();
    assert!(
        col >= 1 && col <= width + 1,
        "{label}: column {col} of {location} outside a line of {width} chars"
    );
}

fn mutated_case() -> impl Strategy<Value = (usize, usize, Vec<Mutation>)> {
    // Half the cases mutate the real project, the richest input.
    (
        prop_oneof![Just(0), 0..scenarios().len()],
        any::<usize>(),
        prop::collection::vec(mutation(), 1..5),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn mutated_configurations_never_panic((which, file, mutations) in mutated_case()) {
        let scenario = &scenarios()[which];
        let mut files = scenario.files.clone();
        let target = file % files.len();
        for m in &mutations {
            files[target].1 = apply(&files[target].1, m);
        }
        load_files(scenario, &files);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_as_a_whole_file_never_panics(text in any::<String>(), as_tier in any::<bool>()) {
        let real = &scenarios()[0];
        let mut files = real.files.clone();
        let ix = usize::from(as_tier);
        files[ix].1 = text;
        load_files(real, &files);
    }

    #[test]
    fn snippet_soup_as_a_whole_file_never_panics(
        parts in prop::collection::vec(0..SNIPPETS.len(), 0..40),
        as_tier in any::<bool>(),
    ) {
        let real = &scenarios()[0];
        let mut files = real.files.clone();
        let ix = usize::from(as_tier);
        files[ix].1 = parts.iter().map(|&i| SNIPPETS[i]).collect();
        load_files(real, &files);
    }
}

#[test]
fn the_unmutated_inputs_behave_as_expected() {
    // Guards the harness itself: the real project loads, every fixture fails with located
    // diagnostics, so the properties above start from meaningful inputs.
    let all = scenarios();
    let real = &all[0];
    let dir = tempfile::tempdir().expect("a temp dir");
    for (rel, text) in &real.files {
        let path = dir.path().join(rel);
        fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        fs::write(&path, text).expect("write");
    }
    let req = LoadRequest {
        tier: Some(dir.path().join("tiers/dev.toml").display().to_string()),
        stack: None,
        name: None,
        project_dir: dir.path().to_path_buf(),
        snapshot: None,
        ..Default::default()
    };
    assert!(load(&req, &strata::aws::registry()).is_ok());
    for scenario in &all[1..] {
        load_files(scenario, &scenario.files);
    }
    // Whitespace and char-boundary handling of the mutations themselves.
    assert_eq!(
        apply("aé\nb\n", &Mutation::Delete { at: 1, len: 1 }),
        "a\nb\n"
    );
    assert_eq!(
        apply("a\nb\n", &Mutation::SwapLines { a: 0, b: 1 }),
        "b\na\n"
    );
    assert_eq!(
        apply("a\nb\n", &Mutation::Insert { at: 1, snippet: 0 }),
        "a[\nb\n"
    );
}

/// A stack holding one VPC and, after it, `extra` (outputs, variables...).
fn bounded_stack(extra: &str) -> String {
    format!(
        "[stack]\nname = \"lim\"\nregion = \"us-east-1\"\n\n[resource.vpc.main]\ncidr_block = \"10.9.0.0/16\"\n\n{extra}"
    )
}

/// `strata validate` and `strata plan --refresh=false` of the `dev` tier over `stack` must
/// both exit 1 with a diagnostic of `code` (exit code -1 is a signal: a crash).
#[track_caller]
fn refused_with(stack: &[u8], code: &str, what: &str) {
    let project = stack_project("lim", "");
    fs::write(project.path().join("stacks/lim.toml"), stack).expect("write stack");
    for command in [
        &["validate", "--tier", "dev"][..],
        &["plan", "--tier", "dev", "--refresh=false"],
    ] {
        let run = strata(project.path())
            .env("NO_COLOR", "1")
            .args(command)
            .run();
        assert_eq!(
            run.code, 1,
            "{what}, {command:?}: expected exit 1 (-1 is a crash)\n{}",
            run.stderr
        );
        assert!(
            run.stderr.contains(code),
            "{what}, {command:?}: expected {code}\n{}",
            run.stderr
        );
    }
}

const DEEP: usize = 20_000;

#[test]
fn an_expression_nested_20000_deep_is_a_diagnostic_not_a_stack_overflow() {
    let nested = |open: &str, close: &str| {
        bounded_stack(&format!(
            "[output]\nx = \"${{{}true{}}}\"\n",
            open.repeat(DEEP),
            close.repeat(DEEP)
        ))
    };
    for (what, stack) in [
        ("parentheses", nested("(", ")")),
        ("negations", nested("!", "")),
        ("calls", nested("length(", ")")),
        (
            "a chain of ||",
            bounded_stack(&format!(
                "[output]\nx = \"${{{}}}\"\n",
                vec!["true"; DEEP].join(" || ")
            )),
        ),
    ] {
        refused_with(stack.as_bytes(), "strata::config::too_deep", what);
    }
}

#[test]
fn template_blocks_nested_10000_deep_are_a_diagnostic() {
    // 10,000 levels keep the file under the 256 KiB a template may have.
    let n = 10_000;
    let project = stack_project(
        "lim",
        &bounded_stack("[output]\nx = '${template(\"deep.tpl\")}'\n"),
    );
    let template = format!(
        "{}x\n{}",
        "{{ if true }}\n".repeat(n),
        "{{ end }}\n".repeat(n)
    );
    fs::write(project.path().join("stacks/deep.tpl"), template).expect("write template");
    let run = strata(project.path())
        .env("NO_COLOR", "1")
        .args(["validate", "--tier", "dev"])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("strata::config::too_deep"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("deep.tpl"),
        "the span names the template: {}",
        run.stderr
    );
}

#[test]
fn toml_nested_20000_deep_is_a_diagnostic() {
    let n = DEEP;
    for (what, extra) in [
        (
            "arrays",
            format!("[vars]\nx = {}1{}\n", "[".repeat(n), "]".repeat(n)),
        ),
        (
            "inline tables",
            format!("[vars]\nx = {}1{}\n", "{ a = ".repeat(n), " }".repeat(n)),
        ),
        (
            "dotted keys",
            format!("[vars]\n{} = 1\n", vec!["k"; n].join(".")),
        ),
        ("table headers", format!("[{}]\n", vec!["t"; n].join("."))),
    ] {
        refused_with(
            bounded_stack(&extra).as_bytes(),
            "strata::config::too_deep",
            what,
        );
    }
}

#[test]
fn files_and_strings_over_one_mebibyte_are_diagnostics() {
    let huge = bounded_stack(&format!("[output]\nx = \"{}\"\n", "a".repeat(1024 * 1024)));
    refused_with(
        huge.as_bytes(),
        "strata::config::too_large",
        "a 1 MiB literal",
    );
    // Each half fits in the file; the string they make together does not.
    let doubled = bounded_stack(&format!(
        "[vars]\nhalf = \"{}\"\n\n[output]\nx = \"${{var.half}}${{var.half}}\"\n",
        "a".repeat(600 * 1024)
    ));
    refused_with(
        doubled.as_bytes(),
        "strata::config::too_large",
        "a string made over 1 MiB",
    );
    // Three separators of 400 KiB between four short parts.
    let joined = bounded_stack(&format!(
        "[vars]\nsep = \"{}\"\nparts = [\"a\", \"b\", \"c\", \"d\"]\n\n[output]\nx = \"${{join(var.sep, var.parts)}}\"\n",
        "-".repeat(400 * 1024)
    ));
    refused_with(
        joined.as_bytes(),
        "strata::config::too_large",
        "a join over 1 MiB",
    );
}

#[test]
fn nul_bytes_and_invalid_utf8_are_diagnostics() {
    let valid = bounded_stack("");
    let mut with_nul = valid.clone().into_bytes();
    with_nul.extend_from_slice(b"[output]\nx = \"a\0b\"\n\0\0\0");
    refused_with(&with_nul, "strata::config::", "NUL bytes");
    let mut latin1 = valid.into_bytes();
    latin1.extend_from_slice(b"[output]\nx = \"caf\xe9\"\n");
    refused_with(&latin1, "strata::config::file_unreadable", "invalid UTF-8");
}

proptest! {
    // Each case runs the binary twice: a few dozen cases are plenty for bytes this random.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_as_a_stack_file_are_diagnostics(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        refused_with(&bytes, "strata::config::", "random bytes");
    }
}
