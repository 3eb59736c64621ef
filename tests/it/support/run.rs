//! Running the real `strata` binary and looking at what it printed.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// Exit code (`-1` when killed by a signal).
    pub code: i32,
    /// Everything written to stdout.
    pub stdout: String,
    /// Everything written to stderr.
    pub stderr: String,
}

impl Run {
    /// Fail the test, showing the output, unless the exit code is `expected`.
    #[track_caller]
    pub fn expect_code(self, expected: i32) -> Self {
        assert_eq!(
            self.code, expected,
            "expected exit code {expected}, got {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    /// stdout parsed as JSON (fails the test when it is not).
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e})\n--- stdout\n{}\n--- stderr\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// A builder for one invocation of the binary, with an environment cleared of the variables
/// strata reads so that the developer's shell cannot change what the tests see.
pub struct Strata {
    cmd: Command,
}

/// Start an invocation with `--project-dir project`.
pub fn strata(project: &Path) -> Strata {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
    for var in [
        "NO_COLOR",
        "STRATA_PROJECT_DIR",
        "STRATA_STATE_DIR",
        "CLICOLOR_FORCE",
    ] {
        cmd.env_remove(var);
    }
    // Tests contact loopback only: any AWS call goes to a closed local port unless a test
    // points AWS_ENDPOINT_URL at the emulator, credentials are dummies, and the instance
    // metadata service (a non-loopback address) is never asked.
    for var in [
        "AWS_PROFILE",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_SESSION_TOKEN",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    // Relative paths in the arguments resolve against a directory the test controls.
    cmd.current_dir(project);
    cmd.arg("--project-dir").arg(project);
    Strata { cmd }
}

impl Strata {
    /// Add arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// Add `--state-dir dir`.
    pub fn state_dir(mut self, dir: &Path) -> Self {
        self.cmd.arg("--state-dir").arg(dir);
        self
    }

    /// Set an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.cmd.env(key, value);
        self
    }

    /// Run to completion.
    pub fn run(mut self) -> Run {
        let out = self.cmd.output().expect("the strata binary runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }
}

/// Run the binary with arguments only (no `--project-dir`), for usage tests.
pub fn strata_bare<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
    cmd.env_remove("NO_COLOR")
        .env_remove("STRATA_PROJECT_DIR")
        .env_remove("STRATA_STATE_DIR")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args);
    let out = cmd.output().expect("the strata binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
