//! The flags that say how customer emails are sent, shared by the commands that run
//! delivery workers.

use std::path::PathBuf;

use anyhow::Context;
use switchyard_server::delivery::mail::{Mail, MailConfig};

/// How customer emails are sent (see `switchyard_server::delivery::mail`).
#[derive(Debug, Clone, clap::Args)]
pub struct MailArgs {
    /// The SMTP server customer emails go to: smtp://HOST:PORT (add ?tls=required for
    /// STARTTLS) or smtps://HOST:PORT, with USER:PASSWORD@ when it wants a login.
    /// Without it, no customer email is sent.
    #[arg(long, env = "SWITCHYARD_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The address customer emails come from; each channel sets the sender name.
    #[arg(long, env = "SWITCHYARD_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// A directory of email templates that replace the built-in ones of the same name
    /// (`shipped.html`, `shipped.txt`, `shipped.subject`, `layout.html`, …); read for
    /// every email, so a fix applies without a restart.
    #[arg(long, env = "SWITCHYARD_MAIL_TEMPLATES")]
    pub mail_templates: Option<PathBuf>,
    /// Where customers reach this server's pages, e.g. https://shop.example.com: the
    /// base of the links emails carry (feedback requests are not sent without it).
    #[arg(long, env = "SWITCHYARD_PUBLIC_URL")]
    pub public_url: Option<String>,
}

impl MailArgs {
    /// The checked settings: a URL that does not parse, a sender that is no address
    /// or a missing template directory stops the server from starting.
    pub fn mail(&self) -> anyhow::Result<Mail> {
        Mail::new(MailConfig {
            smtp_url: self.smtp_url.clone(),
            from: self.mail_from.clone(),
            templates: self.mail_templates.clone(),
            public_url: self.public_url.clone(),
        })
        .context("customer emails")
    }
}
