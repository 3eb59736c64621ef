//! How `strata apply` and `strata destroy` show progress: plain lines when stderr is not a
//! terminal, the live view (permanent lines above spinners, a summary) on a pseudo-terminal
//! driven by util-linux `script`, colour only when allowed. The emulator sits behind a strict
//! proxy (`moto_strict`).

use crate::support::moto::moto_strict;
use crate::support::{strata, TempProject};
use std::path::Path;
use std::process::Command;

/// ANSI colours the live view uses for created, deleted and failed resources.
const COLOURS: [&str; 3] = ["\x1b[32m", "\x1b[31m", "\x1b[1;31m"];

#[test]
fn off_a_terminal_apply_and_destroy_print_plain_lines() {
    let moto = moto_strict();
    let project = TempProject::new();
    let state = tempfile::tempdir().unwrap();
    let run = strata(project.path())
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .args(["apply", "--tier", "dev", "--yes"])
        .state_dir(state.path())
        .run()
        .expect_code(0);
    assert!(
        run.stderr.contains("vpc.main: created (vpc-"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("11 created, 0 updated"),
        "{}",
        run.stderr
    );
    for s in ["\x1b[", "\r"] {
        assert!(!run.stderr.contains(s), "{s:?} in {:?}", run.stderr);
    }
    let quiet = strata(project.path())
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .args(["-q", "destroy", "--tier", "dev", "--yes"])
        .state_dir(state.path())
        .run()
        .expect_code(0);
    assert_eq!(quiet.stderr, "", "-q prints failures only");
}

/// Run the strata binary under a pseudo-terminal (stdin, stdout and stderr all on it) and
/// return everything it drew.
fn on_terminal(
    project: &Path,
    state: &Path,
    endpoint: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> String {
    let mut words = vec![
        env!("CARGO_BIN_EXE_strata").to_string(),
        "--project-dir".into(),
        project.display().to_string(),
    ];
    words.extend(args.iter().map(|a| a.to_string()));
    words.extend(["--state-dir".into(), state.display().to_string()]);
    let line: Vec<String> = words
        .iter()
        .map(|w| format!("'{}'", w.replace('\'', r"'\''")))
        .collect();
    let mut cmd = Command::new("script");
    cmd.args(["-qefc", &line.join(" "), "/dev/null"])
        .current_dir(project)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env("TERM", "xterm-256color")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("util-linux `script` runs");
    let drawn = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{:?} under a terminal exited {}:\n{drawn}\n{}",
        args,
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    drawn
}

/// What a terminal shows once the escape sequences are gone (colours, cursor moves).
fn without_escapes(drawn: &str) -> String {
    let mut out = String::new();
    let mut chars = drawn.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn on_a_terminal_apply_draws_the_live_view_and_no_colour_honours_no_color() {
    let moto = moto_strict();
    let project = TempProject::new();
    let state = tempfile::tempdir().unwrap();
    let drawn = on_terminal(
        project.path(),
        state.path(),
        &moto.endpoint,
        &["apply", "--tier", "dev", "--yes"],
        &[],
    );
    let text = without_escapes(&drawn);
    assert!(text.contains("+ created vpc.main (vpc-"), "{text}");
    assert!(text.contains("+ created instance.host (i-"), "{text}");
    assert!(text.contains("Done in "), "{text}");
    assert!(text.contains(": 11 created."), "{text}");
    assert!(
        !text.contains("vpc.main: created"),
        "the plain lines are not printed as well:\n{text}"
    );
    assert!(
        drawn.contains("\x1b[32m+"),
        "created lines are green: {drawn:?}"
    );

    let drawn = on_terminal(
        project.path(),
        state.path(),
        &moto.endpoint,
        &["destroy", "--tier", "dev", "--yes"],
        &[("NO_COLOR", "1")],
    );
    let text = without_escapes(&drawn);
    assert!(text.contains("- deleted vpc.main (vpc-"), "{text}");
    assert!(text.contains(": 11 deleted."), "{text}");
    for colour in COLOURS {
        assert!(
            !drawn.contains(colour),
            "{colour:?} despite NO_COLOR: {drawn:?}"
        );
    }
}
