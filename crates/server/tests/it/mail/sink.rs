//! A real SMTP server process for the mail tests (`smtp_sink.py`, Debian's
//! python3-aiosmtpd), and what it received, read back as its own parser saw it.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The Python with python3-aiosmtpd: Debian's, not whichever a version manager puts first.
const PYTHON: &str = "/usr/bin/python3";

pub struct SmtpSink {
    child: Child,
    dir: tempfile::TempDir,
    pub port: u16,
}

/// One email as the sink's parser read it.
#[derive(Debug, Clone)]
pub struct Received {
    pub rcpt_to: Vec<String>,
    pub from: String,
    pub reply_to: Option<String>,
    pub subject: String,
    pub message_id: String,
    pub content_type: String,
    pub text: String,
    pub html: String,
    /// (file name, content type, its first five bytes) of each attachment.
    pub attachments: Vec<(String, String, String)>,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let dir = tempfile::tempdir().unwrap();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/mail/smtp_sink.py");
        let child = Command::new(PYTHON)
            .arg(script)
            .arg(dir.path())
            .stdin(Stdio::null())
            .spawn()
            .expect("python3-aiosmtpd (apt-get install python3-aiosmtpd)");
        let started = Instant::now();
        let port = loop {
            if let Ok(text) = std::fs::read_to_string(dir.path().join("port")) {
                break text.trim().parse().unwrap();
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the SMTP sink did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        SmtpSink { child, dir, port }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Refuses every message with `reply` (e.g. "451 4.3.0 Try again later") until
    /// called with `None`.
    pub fn refuse(&self, reply: Option<&str>) {
        let file = self.dir.path().join("refuse");
        match reply {
            Some(reply) => std::fs::write(file, reply).unwrap(),
            None => std::fs::remove_file(file).unwrap(),
        }
    }

    /// Every email received so far, in the order it arrived.
    pub fn received(&self) -> Vec<Received> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|path| {
                let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
                let text = |key: &str| v[key].as_str().unwrap_or_default().replace("\r\n", "\n");
                Received {
                    rcpt_to: serde_json::from_value(v["rcpt_to"].clone()).unwrap(),
                    from: text("from"),
                    reply_to: v["reply_to"].as_str().map(str::to_owned),
                    subject: text("subject"),
                    message_id: text("message_id"),
                    content_type: text("content_type"),
                    text: text("text"),
                    html: text("html"),
                    attachments: v["attachments"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|a| {
                            let field = |k: &str| a[k].as_str().unwrap_or_default().to_owned();
                            (field("filename"), field("content_type"), field("starts"))
                        })
                        .collect(),
                }
            })
            .collect()
    }

    /// The subjects received so far, in order.
    pub fn subjects(&self) -> Vec<String> {
        self.received().into_iter().map(|r| r.subject).collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}
