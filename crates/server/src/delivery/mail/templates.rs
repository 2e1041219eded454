//! The email templates: defaults built into the binary, each overridable by a file of
//! the same name in the seller's template directory. Templates are read afresh for
//! every email, so a fixed template takes effect on the next retry without a restart.
//!
//! Each kind has three: `{kind}.subject` (one line), `{kind}.txt` and `{kind}.html`;
//! the default HTML ones extend `layout.html`. HTML is escaped, text is not. A name
//! a template does not know, or a value it reads that the view does not have, is an
//! error rather than an empty space, so a seller's typo fails loudly.

use std::path::{Path, PathBuf};

use minijinja::{Environment, ErrorKind, UndefinedBehavior};
use serde::Serialize;
use switchyard_core::mail as rules;

use super::view::View;

macro_rules! defaults {
    ($($kind:literal),+ $(,)?) => {
        &[
            ("layout.html", include_str!("templates/layout.html")),
            $(
                (concat!($kind, ".subject"), include_str!(concat!("templates/", $kind, ".subject"))),
                (concat!($kind, ".txt"), include_str!(concat!("templates/", $kind, ".txt"))),
                (concat!($kind, ".html"), include_str!(concat!("templates/", $kind, ".html"))),
            )+
        ]
    };
}

/// Every default template by file name.
pub const DEFAULTS: &[(&str, &str)] = defaults!(
    "order_received",
    "backordered",
    "shipped",
    "out_for_delivery",
    "delivered",
    "running_late",
    "cancelled",
    "refund_issued",
    "return_authorized",
    "return_received",
    "exchange_placed",
    "payment_failed",
    "feedback_request",
);

/// An email as it will be sent: its subject, plain text and HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = EmailPreview)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A template that could not be read or rendered: which one, and why.
#[derive(Debug, Clone, thiserror::Error)]
#[error("template {name}: {reason}")]
pub struct TemplateError {
    pub name: String,
    pub reason: String,
}

/// Where templates come from: the defaults, and the seller's directory when given.
#[derive(Debug, Clone, Default)]
pub struct Templates {
    dir: Option<PathBuf>,
}

impl Templates {
    pub fn new(dir: Option<PathBuf>) -> Templates {
        Templates { dir }
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The three parts of the email `view` is for.
    pub fn render(&self, view: &View) -> Result<Rendered, TemplateError> {
        let env = self.environment();
        let kind = view.kind;
        let part = |suffix: &str| {
            let name = format!("{kind}.{suffix}");
            let failed = |e: minijinja::Error| TemplateError {
                name: name.clone(),
                reason: describe(&e),
            };
            env.get_template(&name)
                .and_then(|t| t.render(minijinja::value::Serde(view)))
                .map_err(failed)
        };
        let subject = part("subject")?;
        let subject = rules::subject(&subject).map_err(|e| TemplateError {
            name: format!("{kind}.subject"),
            reason: format!("the subject {}", e.message),
        })?;
        Ok(Rendered {
            subject,
            text: part("txt")?,
            html: part("html")?,
        })
    }

    fn environment(&self) -> Environment<'static> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        let dir = self.dir.clone();
        env.set_loader(move |name| load(dir.as_deref(), name));
        env
    }
}

/// A template's source: the seller's file of that name, else the default. Only the
/// known names are looked up, so a template cannot include files from elsewhere.
fn load(dir: Option<&Path>, name: &str) -> Result<Option<String>, minijinja::Error> {
    let Some(default) = DEFAULTS.iter().find(|(n, _)| *n == name).map(|(_, source)| *source) else {
        return Ok(None);
    };
    if let Some(dir) = dir {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(source) => return Ok(Some(source)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(minijinja::Error::new(
                    ErrorKind::TemplateNotFound,
                    format!("cannot read it from the template directory: {e}"),
                ));
            }
        }
    }
    Ok(Some(default.to_owned()))
}

/// The error with where it happened, on one line.
fn describe(e: &minijinja::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        text.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    text
}
