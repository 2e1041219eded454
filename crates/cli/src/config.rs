//! The optional configuration file (`--config FILE` or `SWITCHYARD_CONFIG`): TOML whose
//! keys are the long names of the global flags and of `serve`'s, e.g.
//! `database-url = "postgres://…"` or `max-connections = 512`. A value from the file
//! takes the place of the flag's default, so a flag or its environment variable given
//! as well wins. A key that names no such flag is refused. `worker` takes the
//! delivery settings it shares with `serve` from the same file.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{Arg, Command, CommandFactory, FromArgMatches};

use crate::Cli;

/// The subcommand whose flags the file may set, besides the global ones.
const SUBCOMMAND: &str = "serve";

/// The subcommand whose flags are some of `serve`'s (delivery), set by the file too.
const WORKER: &str = "worker";

/// Parses the command line over the configuration file, if one is named; exits with
/// a message (status 2) when the file cannot be read or holds a key or value that is
/// not a flag's.
pub fn parse() -> Cli {
    let args: Vec<OsString> = std::env::args_os().collect();
    let mut command = Cli::command();
    if let Some(path) = named_file(&args) {
        command = match apply(command.clone(), &path) {
            Ok(command) => command,
            Err(message) => command.error(ErrorKind::InvalidValue, message).exit(),
        };
    }
    let matches = command.get_matches_from(args);
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// The file named by `--config FILE`, `--config=FILE` or `SWITCHYARD_CONFIG`.
fn named_file(args: &[OsString]) -> Option<PathBuf> {
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "--config" {
            return args.next().map(PathBuf::from);
        }
        if let Some(path) = arg.to_str().and_then(|a| a.strip_prefix("--config=")) {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os("SWITCHYARD_CONFIG").map(PathBuf::from)
}

/// `command` with the defaults the file at `path` sets.
fn apply(mut command: Command, path: &PathBuf) -> Result<Command, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the configuration file {shown}: {e}"))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| format!("the configuration file {shown} is not valid TOML: {e}"))?;
    for (key, value) in table {
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::Boolean(_) => value.to_string(),
            _ => return Err(format!("`{key}` in {shown} must be a string, number or boolean")),
        };
        // Defaults live as long as the process: the file is read once, at start.
        let value: &'static str = Box::leak(value.into_boxed_str());
        let global = id_of(command.get_arguments(), &key);
        if let Some(id) = global {
            command = command.mut_arg(id, |arg| arg.default_value(value));
            continue;
        }
        let sub = command
            .find_subcommand(SUBCOMMAND)
            .and_then(|serve| id_of(serve.get_arguments(), &key));
        let Some(id) = sub else {
            return Err(format!(
                "`{key}` in {shown} is not a setting; keys are the long names of the global flags and of `serve`'s \
                 (e.g. `database-url`, `addr`, `log-format`)"
            ));
        };
        // `worker` shares the delivery settings of `serve`: the file sets them for both.
        if command
            .find_subcommand(WORKER)
            .is_some_and(|worker| worker.get_arguments().any(|arg| arg.get_id() == id.as_str()))
        {
            command = command.mut_subcommand(WORKER, |worker| worker.mut_arg(&id, |arg| arg.default_value(value)));
        }
        command = command.mut_subcommand(SUBCOMMAND, |serve| serve.mut_arg(id, |arg| arg.default_value(value)));
    }
    Ok(command)
}

/// The id of the flag named `--key` among `args` (not `--config` itself).
fn id_of<'a>(mut args: impl Iterator<Item = &'a Arg>, key: &str) -> Option<String> {
    args.find(|arg| arg.get_long() == Some(key) && key != "config")
        .map(|arg| arg.get_id().to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::Command as Sub;

    /// The command line `args` with `file`'s settings under it.
    fn parse_with(file: &str, args: &[&str]) -> Cli {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("switchyard.toml");
        std::fs::write(&path, file).unwrap();
        let command = apply(Cli::command(), &path).unwrap();
        Cli::from_arg_matches(&command.get_matches_from(args)).unwrap()
    }

    #[test]
    fn a_delivery_setting_in_the_file_applies_to_serve_and_to_worker() {
        let file = "allow-private-webhook-targets = true\n";
        let Sub::Worker { delivery } = parse_with(file, &["switchyard", "worker"]).command else {
            panic!("worker");
        };
        assert!(delivery.allow_private_webhook_targets);
        let Sub::Serve { delivery, .. } = parse_with(file, &["switchyard", "serve"]).command else {
            panic!("serve");
        };
        assert!(delivery.allow_private_webhook_targets);
        let Sub::Worker { delivery } = parse_with("", &["switchyard", "worker"]).command else {
            panic!("worker");
        };
        assert!(!delivery.allow_private_webhook_targets, "off unless set");
    }
}
