//! `switchyard user`: the people who sign in to the web UI, from the command line (the
//! first admin, a locked-out one, a leaver). Core checks every input
//! (`core::user`); a password is read from stdin or made up and printed once.

use std::io::Read;

use anyhow::Context;
use clap::Subcommand;
use switchyard_core::auth::Role;
use switchyard_core::user::{self as rules, NewUser, UserInput};
use switchyard_store::user::User;
use switchyard_store::{Store, StoreError};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. Without --password-stdin a random password is made and printed
    /// alone on the last line, once.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// admin, manager, warehouse, support or viewer.
        #[arg(long)]
        role: String,
        /// Read the password from stdin (one line) instead.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users (never their passwords).
    List,
    /// Disable a user: they cannot sign in and their sessions end.
    Disable { email: String },
    /// Let a disabled user sign in again.
    Enable { email: String },
    /// Set a user's password (their sessions end); without --password-stdin a random
    /// one is made and printed alone on the last line, once.
    Password {
        email: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// End every session of a user.
    SessionsEnd { email: String },
}

/// A password no one chose: 20 characters of 256 random bits.
pub fn random_password() -> anyhow::Result<String> {
    Ok(switchyard_store::user::new_token()?.chars().take(20).collect())
}

/// The password: from stdin (its line ending dropped, spaces kept), or made up (`true`:
/// print it).
fn password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if !from_stdin {
        return Ok((random_password()?, true));
    }
    let mut raw = String::new();
    std::io::stdin()
        .read_to_string(&mut raw)
        .context("cannot read the password from stdin")?;
    let line = raw.lines().next().unwrap_or("").to_owned();
    Ok((line, false))
}

/// Makes sure `email` can sign in as `role` with a new random password, creating the
/// user the first time (the demo's admin); returns the password.
pub async fn with_new_password(store: &Store, name: &str, email: &str, role: Role) -> anyhow::Result<String> {
    let password = random_password()?;
    match store.user_by_email(email).await {
        Ok(user) => {
            store.set_user_password(&user.id, password.clone()).await?;
            store.set_user_disabled(&user.id, false).await?;
            store.set_user_role(&user.id, role).await?;
        }
        Err(StoreError::NotFound { .. }) => {
            let input = UserInput {
                name: name.into(),
                email: email.into(),
                role: role.as_str().into(),
                password: password.clone(),
            };
            store.create_user(parse(&input)?).await?;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(password)
}

/// The user, or every wrong field in one message.
fn parse(input: &UserInput) -> anyhow::Result<NewUser> {
    input.parse().map_err(|errors| {
        let text: Vec<String> = errors
            .iter()
            .map(|e| format!("{}: {}", e.field.trim_start_matches('/'), e.message))
            .collect();
        anyhow::anyhow!("{}", text.join("; "))
    })
}

fn print_made_up(password: &str) {
    eprintln!("password (shown once):");
    println!("{password}");
}

fn describe(u: &User) -> String {
    let state = u
        .disabled_at
        .map_or_else(|| "active".to_owned(), |t| format!("disabled {t}"));
    format!("{}\t{}\t{}\t{}\t{}", u.id, u.email, u.name, u.role, state)
}

pub async fn run(store: &Store, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Create {
            name,
            email,
            role,
            password_stdin,
        } => {
            let (password, made_up) = password(password_stdin)?;
            let input = UserInput {
                name,
                email,
                role,
                password: password.clone(),
            };
            let user = store.create_user(parse(&input)?).await?;
            println!("created user {} ({}) with role {}", user.email, user.name, user.role);
            if made_up {
                print_made_up(&password);
            }
        }
        UserCommand::List => {
            for user in store.list_users().await? {
                println!("{}", describe(&user));
            }
        }
        UserCommand::Disable { email } => {
            let user = store.user_by_email(&email).await?;
            store.set_user_disabled(&user.id, true).await?;
            println!("disabled {}; their sessions have ended", user.email);
        }
        UserCommand::Enable { email } => {
            let user = store.user_by_email(&email).await?;
            store.set_user_disabled(&user.id, false).await?;
            println!("enabled {}", user.email);
        }
        UserCommand::Password { email, password_stdin } => {
            let user = store.user_by_email(&email).await?;
            let (raw, made_up) = password(password_stdin)?;
            let checked = rules::password(&raw).map_err(|e| anyhow::anyhow!("password: {}", e.message))?;
            store.set_user_password(&user.id, checked).await?;
            println!("set the password of {}; their sessions have ended", user.email);
            if made_up {
                print_made_up(&raw);
            }
        }
        UserCommand::SessionsEnd { email } => {
            let user = store.user_by_email(&email).await?;
            let n = store.end_sessions_of(&user.id).await?;
            println!("ended {n} session(s) of {}", user.email);
        }
    }
    Ok(())
}
