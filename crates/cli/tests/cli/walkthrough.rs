//! The README's walkthrough, run as a reader runs it: every ```sh block of its
//! walkthrough sections, in order, in one bash session (`set -euo pipefail`), against
//! the real binary started with `serve --demo` on a fresh SQLite file (a month of
//! history rather than the default year, for speed: the walkthrough holds for both), with `KEY` set to
//! the key it printed. The blocks check themselves (`jq -e`, `grep -x`), so a command
//! that fails or an answer that is not what the README says fails the test, naming the
//! block. The only change made to the text is the port: `http://127.0.0.1:8080` becomes
//! the server's own. A block right after a `<!-- not run -->` line is shown, not run.
//! It needs `bash`, `curl`, `jq`, GNU `date`, `pdftoppm` and `zbarimg` (`.ci/run`
//! installs them).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The README sections whose shell blocks make up the walkthrough, in order.
const SECTIONS: [&str; 3] = [
    "### Walkthrough",
    "### Purchase orders and available-to-promise",
    "### Fulfilment and shipping",
];
/// The address the README's commands use.
const README_BASE: &str = "http://127.0.0.1:8080";
/// The line that keeps the block after it out of the run.
const NOT_RUN: &str = "<!-- not run -->";
/// Generous: the demo loads in seconds and the walkthrough runs in a few more.
const RUN_WITHIN: Duration = Duration::from_secs(180);
/// What the test needs on the machine besides the binary.
const TOOLS: [&str; 5] = ["curl", "jq", "date", "pdftoppm", "zbarimg"];

/// The shell blocks of `sections` of `markdown`, in order, but for those marked not run.
fn shell_blocks(markdown: &str, sections: &[&str]) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut in_section = false;
    // Inside a fenced block: `Some(Some(code))` for a shell block being taken,
    // `Some(None)` for any other.
    let mut fence: Option<Option<String>> = None;
    let mut skip = false;
    let mut last_text = "";
    for line in markdown.lines() {
        if let Some(inside) = fence.as_mut() {
            if line.starts_with("```") {
                if let Some(code) = inside.take().filter(|_| !skip) {
                    blocks.push(code);
                }
                fence = None;
                last_text = line;
            } else if let Some(code) = inside.as_mut() {
                code.push_str(line);
                code.push('\n');
            }
        } else if line.starts_with("```") {
            skip = last_text == NOT_RUN;
            fence = Some((in_section && line.trim_end() == "```sh").then(String::new));
        } else if line.starts_with('#') && !line.starts_with("####") {
            in_section = sections.contains(&line.trim_end());
        } else if !line.trim().is_empty() {
            last_text = line.trim();
        }
    }
    blocks
}

#[test]
fn shell_blocks_are_taken_from_the_named_sections_in_order_without_those_marked_not_run() {
    let markdown = "### Before\n```sh\nbefore\n```\n### Walkthrough\nText\n```sh\none\n# a comment\n```\n\
                    ```\n# not a heading\n```\n<!-- not run -->\n\n```sh\nshown only\n```\n```sh\ntwo\n```\n\
                    ### After\n```sh\nafter\n```\n";
    assert_eq!(
        shell_blocks(markdown, &["### Walkthrough"]),
        ["one\n# a comment\n", "two\n"]
    );
}

/// `switchyard serve --demo --history-days 30`, killed when dropped.
struct DemoServer {
    child: Child,
    addr: SocketAddr,
    key: String,
    log: std::path::PathBuf,
}

impl DemoServer {
    /// Starts the demo on a free port and waits for its key and for `/readyz`.
    async fn start(dir: &Path) -> DemoServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let log = dir.join("server.log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchyard"))
            .args(["serve", "--demo", "--history-days", "30", "--addr", &addr.to_string()])
            .env(
                "SWITCHYARD_DATABASE_URL",
                format!("sqlite://{}", dir.join("demo.db").display()),
            )
            .env("SWITCHYARD_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        // The demo prints its admin key alone on stdout once it has loaded.
        let mut key = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut key)
            .unwrap();
        let mut server = DemoServer {
            child,
            addr,
            key: key.trim().to_owned(),
            log,
        };
        assert!(server.key.starts_with("sy_"), "no key: {}", server.log_text());
        server.ready().await;
        server
    }

    async fn ready(&mut self) {
        let started = Instant::now();
        loop {
            if let Some(exit) = self.child.try_wait().unwrap() {
                panic!("the demo server exited ({exit}): {}", self.log_text());
            }
            let url = format!("http://{}/readyz", self.addr);
            if reqwest::get(url).await.is_ok_and(|r| r.status() == 200) {
                return;
            }
            assert!(started.elapsed() < RUN_WITHIN, "not ready: {}", self.log_text());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The script bash runs: the blocks with the server's address, each announced by a
/// marker line so a failure can be traced to its block.
fn script(blocks: &[String], base: &str) -> String {
    let mut script = String::from("set -euo pipefail\nexec 2>&1\n");
    for (i, block) in blocks.iter().enumerate() {
        script.push_str(&format!("echo '{}'\n", marker(i)));
        script.push_str(&block.replace(README_BASE, base));
    }
    script
}

fn marker(block: usize) -> String {
    format!("@@ README walkthrough block {} @@", block + 1)
}

#[tokio::test]
async fn the_readme_walkthrough_runs_as_written_against_a_fresh_demo() {
    for tool in TOOLS {
        let found = Command::new("bash")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .unwrap();
        assert!(
            found.status.success(),
            "the README walkthrough needs `{tool}` (installed by .ci/run)"
        );
    }
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    for section in SECTIONS {
        assert!(
            readme.lines().any(|l| l == section),
            "README.md has no `{section}` section"
        );
    }
    let blocks = shell_blocks(&readme, &SECTIONS);
    assert!(blocks.len() >= 20, "only {} shell blocks found", blocks.len());
    for (i, block) in blocks.iter().enumerate() {
        assert!(
            !block.contains("127.0.0.1:") || block.contains(README_BASE),
            "block {} uses another address than {README_BASE}:\n{block}",
            i + 1
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let server = DemoServer::start(dir.path()).await;
    let work = dir.path().join("reader");
    std::fs::create_dir(&work).unwrap();
    // Curl's own settings, for this run only: no request hangs the test, and each
    // request's status goes to the output a failure shows (not to what jq reads).
    std::fs::write(
        work.join(".curlrc"),
        "max-time = 30\nwrite-out = \"%{stderr}HTTP %{http_code} %{method} %{url_effective}\\n\"\n",
    )
    .unwrap();
    let output = work.join("output.txt");
    let mut bash = Command::new("bash")
        .arg("-c")
        .arg(script(&blocks, &format!("http://{}", server.addr)))
        .current_dir(&work)
        .env("KEY", &server.key)
        .env("CURL_HOME", &work)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&output).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = bash.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > RUN_WITHIN {
            bash.kill().unwrap();
            break bash.wait().unwrap();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let text = std::fs::read_to_string(&output).unwrap();
    if !status.success() {
        let failed = (0..blocks.len())
            .rev()
            .find(|i| text.contains(&marker(*i)))
            .unwrap_or(0);
        let since = text.rfind(&marker(failed)).unwrap_or(0);
        panic!(
            "README walkthrough block {} failed ({status}):\n{}\n--- its output:\n{}\n--- server log:\n{}",
            failed + 1,
            blocks[failed],
            &text[since..],
            server.log_text()
        );
    }
    assert!(text.contains(&marker(blocks.len() - 1)), "{text}");
}
