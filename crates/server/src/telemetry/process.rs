//! The process's own metrics in Prometheus text, read from `/proc/self` at scrape time
//! (on Linux; elsewhere only the start time is known): CPU seconds, resident memory,
//! open file descriptors and start time.

use std::fmt::Write;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// Clock ticks per second of `/proc/<pid>/stat`'s times (`USER_HZ`, fixed at 100 in
/// Linux's user-space interface).
const TICKS_PER_SECOND: f64 = 100.0;

/// Remembers when the process started serving metrics (called once, at start-up).
pub fn started() -> f64 {
    static START: OnceLock<f64> = OnceLock::new();
    *START.get_or_init(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    })
}

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
    metric(
        &mut out,
        "switchyard_process_start_time_seconds",
        "gauge",
        "When the process started, in seconds since the Unix epoch.",
        started(),
    );
    out
}

fn metric(out: &mut String, name: &str, kind: &str, help: &str, value: f64) {
    // Writing to a String cannot fail.
    let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n\n");
}

/// utime + stime, fields 14 and 15 of `/proc/self/stat` (counted after the command
/// name, which is in parentheses and may hold spaces).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    Some((user + system) / TICKS_PER_SECOND)
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
