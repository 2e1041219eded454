//! `switchyard user`: the first admin made from the command line signs in to the web
//! UI; a disabled one cannot; passwords are checked as the UI checks them.

use std::io::Write;
use std::process::{Command, Stdio};

use super::{Db, db, start_server, stdout, switchyard, terminate};

/// `switchyard user ...` with `input` on stdin.
fn with_stdin(db: &Db, args: &[&str], input: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(args)
        .env("SWITCHYARD_DATABASE_URL", &db.url)
        .env("SWITCHYARD_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// Signs in through the web UI's form; the status of the answer.
async fn sign_in(base: &str, email: &str, password: &str) -> u16 {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = client
        .get(format!("{base}/ui/sign-in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"csrf\" value=\"";
    let at = form.find(marker).unwrap() + marker.len();
    let csrf = form[at..].split('"').next().unwrap();
    let res = client
        .post(format!("{base}/ui/sign-in"))
        .form(&[("email", email), ("password", password), ("csrf", csrf)])
        .send()
        .await
        .unwrap();
    res.status().as_u16()
}

#[tokio::test]
async fn a_user_created_on_the_command_line_signs_in_until_disabled() {
    let db = db();
    let out = switchyard(
        &db,
        &[
            "user",
            "create",
            "--name",
            "Olu Ops",
            "--email",
            "Olu@Example.com",
            "--role",
            "admin",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    let password = text.lines().last().unwrap().to_owned();
    assert_eq!(password.chars().count(), 20, "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("shown once"));

    let short = with_stdin(
        &db,
        &[
            "user",
            "create",
            "--name",
            "Kim",
            "--email",
            "kim@example.com",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("password: must be at least 12 characters"));
    let chosen = with_stdin(
        &db,
        &[
            "user",
            "create",
            "--name",
            "Kim",
            "--email",
            "kim@example.com",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        "kim's own passphrase\n",
    );
    assert!(chosen.status.success(), "{}", String::from_utf8_lossy(&chosen.stderr));

    let list = stdout(&switchyard(&db, &["user", "list"]));
    assert!(list.contains("olu@example.com\tOlu Ops\tadmin\tactive"), "{list}");
    assert!(list.contains("kim@example.com\tKim\tviewer\tactive"), "{list}");

    let (mut child, addr, _lines) = start_server(&db, &[]);
    let base = format!("http://{addr}");
    assert_eq!(sign_in(&base, "olu@example.com", &password).await, 303);
    assert_eq!(sign_in(&base, "kim@example.com", "kim's own passphrase").await, 303);

    let disabled = switchyard(&db, &["user", "disable", "kim@example.com"]);
    assert!(disabled.status.success());
    assert_eq!(sign_in(&base, "kim@example.com", "kim's own passphrase").await, 401);
    assert!(switchyard(&db, &["user", "enable", "kim@example.com"]).status.success());
    let reset = switchyard(&db, &["user", "password", "kim@example.com"]);
    let new_password = stdout(&reset).lines().last().unwrap().to_owned();
    assert_eq!(sign_in(&base, "kim@example.com", &new_password).await, 303);
    let ended = stdout(&switchyard(&db, &["user", "sessions-end", "kim@example.com"]));
    assert!(ended.contains("ended 1 session(s) of kim@example.com"), "{ended}");
    terminate(&mut child);

    let unknown = switchyard(&db, &["user", "disable", "nobody@example.com"]);
    assert!(!unknown.status.success());
}
