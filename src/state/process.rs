//! Who a process is, beyond its pid: a pid is reused once its process is gone, so a lock
//! holder is also named by its start time (clock ticks since boot), the boot it ran in and its
//! pid namespace. Linux only; elsewhere these are unknown and only the pid is checked.

use std::io;

/// Whether a process with this pid exists (in this pid namespace).
pub(crate) fn process_exists(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 performs only the existence and permission check, sending nothing.
    let rc = unsafe { libc::kill(pid, 0) };
    // EPERM means it exists but belongs to someone else: that is not stale.
    rc == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// When process `pid` started, in clock ticks since boot (field 22 of `/proc/<pid>/stat`);
/// `None` when it does not exist or this is not Linux.
pub fn start_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_start_ticks(&stat)
}

/// Field 22 of a `/proc/<pid>/stat` line. The command (field 2) is in parentheses and may hold
/// spaces and parentheses itself, so fields are counted after the last `)`.
fn parse_start_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    // `rest` starts at field 3.
    rest.split_whitespace().nth(22 - 3)?.parse().ok()
}

/// This boot's id (`/proc/sys/kernel/random/boot_id`): a holder of another boot is gone.
pub(crate) fn boot_id() -> Option<String> {
    let id = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    let id = id.trim();
    (!id.is_empty()).then(|| id.to_string())
}

/// This process's pid namespace (`pid:[4026531836]`): a pid of another namespace (another
/// container with the same host name) says nothing about processes here.
pub(crate) fn pid_namespace() -> Option<String> {
    let link = std::fs::read_link("/proc/self/ns/pid").ok()?;
    Some(link.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_ticks_are_field_22_even_with_parentheses_in_the_command() {
        let line = "4242 (a (b) c) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654 20 21";
        assert_eq!(parse_start_ticks(line), Some(987654));
        assert_eq!(parse_start_ticks("4242 (x) S 1"), None);
        assert_eq!(parse_start_ticks("garbage"), None);
    }

    #[test]
    fn this_process_exists_and_a_reaped_child_does_not() {
        assert!(process_exists(std::process::id()));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!process_exists(pid));
        assert!(!process_exists(0));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn on_linux_this_process_has_a_start_time_boot_and_namespace() {
        assert!(start_ticks(std::process::id()).is_some());
        assert!(boot_id().is_some());
        assert!(pid_namespace().is_some_and(|ns| ns.starts_with("pid:")));
    }
}
