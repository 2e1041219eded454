//! Customer emails over SMTP: the email destination's sender. For each outbox message
//! the fan-out sends to `email`, it asks core whether the customer is mailed about it
//! (`core::mail::decide`: the kind, the channel's settings, an address), builds the
//! view from the store, renders the templates and hands the email to the SMTP server.
//!
//! - No SMTP server configured, no address, a kind the channel turned off: the try is
//!   skipped, with the reason recorded on the attempt.
//! - A template that fails to render, a store read that fails, an SMTP server that is
//!   down or answers 4xx: the try fails and is retried (a seller who fixes the
//!   template sees the email go out on the next try). A 5xx answer fails for good.
//! - Each email sent goes on the order's timeline (`order.email_sent`, kind and
//!   subject). Logs never name the customer, their address or what they were sent.

mod templates;
pub mod view;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::transport::smtp::response::Response;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::Value;
use switchyard_core::delivery::{self, Destination, Outcome, SEND_TIMEOUT};
use switchyard_core::mail::{self as rules, EmailKind};
use switchyard_store::Store;
use switchyard_store::catalog::Channel;
use switchyard_store::order::Order;

pub use templates::{Rendered, TemplateError, Templates};

use switchyard_store::outbox::Report;

use super::{Job, SendFuture, Sender};
use view::Occasion;

/// How the server sends customer emails, from its command line.
#[derive(Debug, Clone, Default)]
pub struct MailConfig {
    /// `smtp://host:port` (plain, or `?tls=required` for STARTTLS) or
    /// `smtps://host:port`, with `user:password@` when the server wants a login.
    pub smtp_url: Option<String>,
    /// The address emails come from.
    pub from: Option<String>,
    /// A directory of templates that replace the defaults of the same name.
    pub templates: Option<PathBuf>,
    /// Where customers reach this server's pages (`https://shop.example.com`), for the
    /// links emails carry; feedback requests are not sent without it.
    pub public_url: Option<String>,
}

/// A mail setting the server cannot start with.
#[derive(Debug, thiserror::Error)]
pub enum MailSetupError {
    #[error("--smtp-url: {0}")]
    Url(String),
    #[error("--mail-from: {0}")]
    From(String),
    #[error("--mail-from is required with --smtp-url")]
    NoFrom,
    #[error("--mail-templates: {0} is not a directory")]
    Templates(String),
    #[error("--public-url: {0} is not an http(s) address such as https://shop.example.com")]
    PublicUrl(String),
}

/// The server's mail settings, checked: what the email sender and the preview use.
#[derive(Clone, Default)]
pub struct Mail(Arc<Inner>);

#[derive(Default)]
struct Inner {
    smtp: Option<Smtp>,
    templates: Templates,
    /// `--public-url` without a trailing slash.
    public_url: Option<String>,
}

struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Address,
}

impl Mail {
    /// Checks `config`: the URL parses, the sender is an address, the template
    /// directory exists. Without an SMTP URL, emails are rendered (previews work) but
    /// never sent.
    pub fn new(config: MailConfig) -> Result<Mail, MailSetupError> {
        if let Some(dir) = &config.templates
            && !dir.is_dir()
        {
            return Err(MailSetupError::Templates(dir.display().to_string()));
        }
        let smtp = match &config.smtp_url {
            None => {
                tracing::info!("customer emails are not sent: no --smtp-url");
                None
            }
            Some(url) => {
                let from = config.from.as_deref().ok_or(MailSetupError::NoFrom)?;
                let from: Address = from.trim().parse().map_err(|e| MailSetupError::From(format!("{e}")))?;
                let timeout = Duration::from_secs(SEND_TIMEOUT.as_secs().unsigned_abs());
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| MailSetupError::Url(e.to_string()))?
                    .timeout(Some(timeout))
                    .build();
                Some(Smtp { transport, from })
            }
        };
        let public_url = match config.public_url {
            None => None,
            Some(url) => {
                let base = url.trim().trim_end_matches('/').to_owned();
                let parsed = url::Url::parse(&base).map_err(|_| MailSetupError::PublicUrl(url.clone()))?;
                if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
                    return Err(MailSetupError::PublicUrl(url));
                }
                Some(base)
            }
        };
        Ok(Mail(Arc::new(Inner {
            smtp,
            templates: Templates::new(config.templates),
            public_url,
        })))
    }

    pub fn templates(&self) -> &Templates {
        &self.0.templates
    }

    /// The email of `kind` for order `key` as it would be sent now, without sending
    /// it: about the order's latest event of that kind, or the order alone when it
    /// has none (a template can be tried before the step happens).
    pub async fn preview(&self, store: &Store, key: &str, kind: EmailKind) -> Result<Rendered, PreviewError> {
        let order = store.order(key).await?;
        let channel = store.channel(order.summary.channel_id.as_str()).await?;
        let data = latest_data(&order, kind);
        let occasion = Occasion {
            kind,
            order: &order,
            channel: &channel,
            data: &data,
            public_url: self.0.public_url.as_deref().unwrap_or_default(),
        };
        let view = view::build(store, &occasion).await?;
        Ok(self.0.templates.render(&view)?)
    }
}

/// Why a preview could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error(transparent)]
    Store(#[from] switchyard_store::StoreError),
    #[error(transparent)]
    Template(#[from] TemplateError),
}

/// The data of the order's latest timeline event that mails `kind`. An email about a
/// parcel with no event of its own (out for delivery) shows the latest parcel shipped.
fn latest_data(order: &Order, kind: EmailKind) -> Value {
    let mails = |wanted: EmailKind| {
        order.timeline.iter().rev().find(|e| {
            let payload = serde_json::json!({ "data": e.data });
            rules::kind_for(e.kind.as_str(), &payload) == Some(wanted)
        })
    };
    let event = match kind {
        EmailKind::OutForDelivery => mails(EmailKind::Shipped),
        _ => mails(kind),
    };
    event.map(|e| e.data.clone()).unwrap_or(Value::Null)
}

/// The email destination's sender.
pub struct EmailSender {
    store: Store,
    mail: Mail,
}

impl EmailSender {
    pub fn new(store: Store, mail: Mail) -> EmailSender {
        EmailSender { store, mail }
    }

    async fn try_job(&self, job: &Job) -> Attempt {
        if job.destination != Destination::Email {
            return Attempt::failed(true, None, "not an email delivery".into());
        }
        let Some(order_id) = job.payload.get("order_id").and_then(Value::as_str) else {
            return Attempt::skipped(rules::Skip::NotAnEmail.describe());
        };
        let (order, channel) = match self.read(order_id).await {
            Ok(found) => found,
            Err(e) => return Attempt::failed(false, None, format!("cannot read the order: {e}")),
        };
        let (kind, to) = match rules::decide(&job.topic, &job.payload, &channel.email, &order.summary.customer.email) {
            Ok(decided) => decided,
            Err(skip) => return Attempt::skipped(skip.describe()),
        };
        let Some(smtp) = &self.mail.0.smtp else {
            return Attempt::skipped("no SMTP server configured".into());
        };
        let public_url = match self.mail.0.public_url.as_deref() {
            Some(url) => url,
            None if kind.links_to_our_pages() => {
                return Attempt::skipped(format!("{kind} emails need --public-url for their link"));
            }
            None => "",
        };
        // An order event's facts are in its `data`; a shipment's message is its facts.
        let data = match job.payload.get("data") {
            Some(data) if job.topic.starts_with("order.") => data,
            _ => &job.payload,
        };
        let occasion = Occasion {
            kind,
            order: &order,
            channel: &channel,
            data,
            public_url,
        };
        let view = match view::build(&self.store, &occasion).await {
            Ok(view) => view,
            Err(e) => return Attempt::failed(false, None, format!("cannot read what the email shows: {e}")),
        };
        let rendered = match self.mail.0.templates.render(&view) {
            Ok(rendered) => rendered,
            Err(e) => return Attempt::failed(false, None, e.to_string()),
        };
        let label = match view
            .return_
            .as_ref()
            .and_then(|r| Some((r.number.as_str(), r.label.as_deref()?)))
        {
            Some((rma, name)) => match self.return_label(rma).await {
                Ok(bytes) => Some((name.to_owned(), bytes)),
                Err(e) => return Attempt::failed(false, None, e),
            },
            None => None,
        };
        let message = match message(smtp, &channel, &to, job, &rendered, label) {
            Ok(message) => message,
            Err(e) => return Attempt::failed(true, None, e),
        };
        match smtp.transport.send(message).await {
            Ok(response) => {
                if let Err(e) = self
                    .store
                    .record_email_sent(&order.summary.id, kind, &rendered.subject)
                    .await
                {
                    tracing::warn!(message = %job.message, error = %e, "email sent but not put on the order's timeline");
                }
                Attempt::delivered(&response)
            }
            Err(e) => {
                let code = e.status().map(u16::from);
                Attempt::failed(e.is_permanent(), code, e.to_string())
            }
        }
    }

    /// The PDF label of return `rma`, as `GET /returns/{rma}/label.pdf` draws it.
    async fn return_label(&self, rma: &str) -> Result<Vec<u8>, String> {
        let ret = self
            .store
            .return_request(rma)
            .await
            .map_err(|e| format!("cannot read the return: {e}"))?;
        let label = crate::api::returns::label_data(&ret).map_err(|_| "the return has no label".to_owned())?;
        crate::api::documents::render(label, switchyard_documents::label_pdf)
            .await
            .map_err(|_| "cannot draw the return label".to_owned())
    }

    async fn read(&self, order_id: &str) -> switchyard_store::StoreResult<(Order, Channel)> {
        let order = self.store.order(order_id).await?;
        let channel = self.store.channel(order.summary.channel_id.as_str()).await?;
        Ok((order, channel))
    }
}

impl Sender for EmailSender {
    fn send<'a>(&'a self, job: &'a Job) -> SendFuture<'a> {
        Box::pin(async move {
            let started = Instant::now();
            let attempt = self.try_job(job).await;
            Report {
                outcome: attempt.outcome,
                status_code: attempt.status_code,
                reply: attempt.reply.map(|r| delivery::reply(&r).to_owned()),
                latency: started.elapsed(),
            }
        })
    }
}

/// What one try came to, before its time is measured.
struct Attempt {
    outcome: Outcome,
    status_code: Option<u16>,
    reply: Option<String>,
}

impl Attempt {
    fn skipped(reason: String) -> Attempt {
        Attempt {
            outcome: Outcome::Skipped,
            status_code: None,
            reply: Some(reason),
        }
    }

    fn failed(permanent: bool, status_code: Option<u16>, reason: String) -> Attempt {
        Attempt {
            outcome: Outcome::Failed { permanent },
            status_code,
            reply: Some(reason),
        }
    }

    fn delivered(response: &Response) -> Attempt {
        let text: Vec<&str> = response.message().collect();
        Attempt {
            outcome: Outcome::Delivered,
            status_code: Some(u16::from(response.code())),
            reply: Some(text.join(" ")),
        }
    }
}

/// The email itself: from the server's address under the channel's sender name,
/// replies to the channel's reply-to, plain text and HTML alternatives, and the
/// return label when there is one (`label`: file name and PDF). Its Message-ID is the
/// outbox message's, so a repeat of a try is recognisably the same.
fn message(
    smtp: &Smtp,
    channel: &Channel,
    to: &str,
    job: &Job,
    rendered: &Rendered,
    label: Option<(String, Vec<u8>)>,
) -> Result<Message, String> {
    let from = Mailbox::new(channel.email.sender_name.clone(), smtp.from.clone());
    let to: Address = to
        .parse()
        .map_err(|e| format!("the customer's address is not usable: {e}"))?;
    let mut builder = Message::builder()
        .from(from)
        .to(Mailbox::new(None, to))
        .subject(rendered.subject.clone())
        .message_id(Some(format!("<{}@{}>", job.message, smtp.from.domain())));
    if let Some(reply_to) = &channel.email.reply_to {
        let reply_to: Address = reply_to.parse().map_err(|e| format!("the channel's reply-to: {e}"))?;
        builder = builder.reply_to(Mailbox::new(None, reply_to));
    }
    let body = MultiPart::alternative_plain_html(rendered.text.clone(), rendered.html.clone());
    let body = match label {
        None => body,
        Some((name, pdf)) => {
            let pdf_type = ContentType::parse("application/pdf").map_err(|e| e.to_string())?;
            MultiPart::mixed()
                .multipart(body)
                .singlepart(Attachment::new(name).body(pdf, pdf_type))
        }
    };
    builder
        .multipart(body)
        .map_err(|e| format!("cannot build the email: {e}"))
}

#[cfg(test)]
mod tests;
