//! `strata plan` as a user runs it: a fresh process per run, so the numbers include what the
//! in-process runs leave out (start-up, a cold heap whose pages fault in, writing the output,
//! freeing at exit). Wall time and the child's peak resident set size are reported.
//!
//! Linux charges the parent's peak RSS to a child started with vfork + exec (as
//! `std::process::Command` does): exec records the peak of the memory map it leaves, which is the
//! parent's. So before each spawn the bench trims its heap and resets its own peak to its
//! current size; that size is kept as the floor under which the child's figure means nothing.

use std::error::Error;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The binary Cargo built alongside this bench.
const STRATA: &str = env!("CARGO_BIN_EXE_strata");

/// What one process run measured.
#[derive(Debug, Clone, Copy)]
pub struct ProcessSample {
    /// From spawn to exit.
    pub wall: Duration,
    /// The child's peak resident set size in bytes, where the OS reports it.
    pub max_rss: Option<u64>,
    /// The bench's own resident size at spawn, which the child's figure cannot go below.
    pub rss_floor: Option<u64>,
}

/// Run `strata plan --output json --tier bench` on the project, its JSON going to /dev/null.
pub fn run_cli(project_dir: &Path, state_root: &Path) -> Result<ProcessSample, Box<dyn Error>> {
    crate::rss::reset_peak_rss();
    let rss_floor = crate::rss::current_rss_bytes();
    let started = Instant::now();
    let child = Command::new(STRATA)
        .arg("--project-dir")
        .arg(project_dir)
        .args([
            "--output",
            "json",
            "plan",
            "--refresh=false",
            "--tier",
            "bench",
        ])
        .arg("--state-dir")
        .arg(state_root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()?;
    let (success, max_rss) = wait_with_rusage(child)?;
    let wall = started.elapsed();
    if !success {
        return Err(format!("`{STRATA} plan` failed in {}", project_dir.display()).into());
    }
    Ok(ProcessSample {
        wall,
        max_rss,
        rss_floor,
    })
}

/// Wait for the child and read its resource usage (`wait4` reports it for that child alone).
#[cfg(target_os = "linux")]
fn wait_with_rusage(child: Child) -> std::io::Result<(bool, Option<u64>)> {
    let pid = libc::pid_t::try_from(child.id()).map_err(std::io::Error::other)?;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; all-zero is a valid value for it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own unreaped child (std never waits on it, as `wait` is not
        // called), and both out-pointers refer to live locals.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == pid {
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
    let success = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    // ru_maxrss is in kilobytes on Linux.
    let max_rss = u64::try_from(usage.ru_maxrss).ok().map(|kb| kb * 1024);
    Ok((success, max_rss))
}

/// Wait for the child; no per-child resource usage on this OS.
#[cfg(not(target_os = "linux"))]
fn wait_with_rusage(mut child: Child) -> std::io::Result<(bool, Option<u64>)> {
    Ok((child.wait()?.success(), None))
}
