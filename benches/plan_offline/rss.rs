//! The kernel's view of memory (Linux `/proc/self`), as a cross-check of the counting
//! allocator: `VmHWM` is the process's peak resident set size.

/// Return freed heap to the kernel and restart the `VmHWM` peak from the current resident size,
/// so that the peak reported at the end covers the measured runs and not the setup before them.
/// Returns false where this is not possible (not Linux, or `/proc/self/clear_refs` not writable).
pub fn reset_peak_rss() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim only releases free memory held by glibc's allocator; it has no
        // preconditions and touches no memory the program still uses.
        unsafe {
            libc::malloc_trim(0);
        }
    }
    // "5" resets the peak resident set size (Linux 4.0+, see proc(5)).
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// `VmHWM` (peak resident set size) in bytes, where `/proc/self/status` exists.
pub fn peak_rss_bytes() -> Option<u64> {
    status_field("VmHWM:")
}

/// `VmRSS` (current resident set size) in bytes, where `/proc/self/status` exists.
pub fn current_rss_bytes() -> Option<u64> {
    status_field("VmRSS:")
}

/// A `kB` line of `/proc/self/status`, in bytes.
fn status_field(name: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(name))?;
    let kb: u64 = line
        .trim_start_matches(name)
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}
