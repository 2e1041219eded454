//! The process's own metrics in Prometheus text, read from `/proc/self` at scrape time
//! (on Linux; elsewhere there are none): CPU seconds, resident memory,
//! open file descriptors and start time.

use std::fmt::Write;

/// Clock ticks per second of `/proc/<pid>/stat`'s times (`USER_HZ`, fixed at 100 in
/// Linux's user-space interface).
const TICKS_PER_SECOND: f64 = 100.0;

/// The process metrics as Prometheus text, each with `# HELP` and `# TYPE`.
pub fn render() -> String {
    let mut out = String::new();
    if let Some(cpu) = cpu_seconds() {
        metric(
            &mut out,
            "switchyard_process_cpu_seconds_total",
            "counter",
            "User and system CPU time spent, in seconds.",
            cpu,
        );
    }
    if let Some(rss) = resident_bytes() {
        metric(
            &mut out,
            "switchyard_process_resident_memory_bytes",
            "gauge",
            "Resident memory size, in bytes.",
            rss,
        );
    }
    if let Some(fds) = open_fds() {
        metric(
            &mut out,
            "switchyard_process_open_fds",
            "gauge",
            "Open file descriptors.",
            fds,
        );
    }
    if let Some(start) = start_time() {
        metric(
            &mut out,
            "switchyard_process_start_time_seconds",
            "gauge",
            "When the process started, in seconds since the Unix epoch.",
            start,
        );
    }
    out
}

fn metric(out: &mut String, name: &str, kind: &str, help: &str, value: f64) {
    // Writing to a String cannot fail.
    let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n\n");
}

/// Fields of `/proc/self/stat` from the third on (those after the command name, which
/// is in parentheses and may hold spaces), as numbers of ticks.
fn stat_fields() -> Option<Vec<f64>> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    Some(
        after_name
            .split_whitespace()
            .map(|f| f.parse().unwrap_or(0.0))
            .collect(),
    )
}

/// utime + stime, fields 14 and 15 of `/proc/self/stat`.
fn cpu_seconds() -> Option<f64> {
    let fields = stat_fields()?;
    Some((fields.get(11)? + fields.get(12)?) / TICKS_PER_SECOND)
}

/// The boot time of `/proc/stat` plus the process's start, field 22 of its stat.
fn start_time() -> Option<f64> {
    let since_boot = stat_fields()?.get(19)? / TICKS_PER_SECOND;
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let boot: f64 = stat
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    Some(boot + since_boot)
}

/// `VmRSS` of `/proc/self/status`, which is in kB.
fn resident_bytes() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024.0)
}

fn open_fds() -> Option<f64> {
    Some(std::fs::read_dir("/proc/self/fd").ok()?.count() as f64)
}
