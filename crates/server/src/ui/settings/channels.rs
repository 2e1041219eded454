//! `/ui/settings/channels`: the list, a channel's page (its policies, the locations it
//! ships from, and its connection as a read-only summary) and a new one. The same
//! store calls and core parsing as the API's catalog handlers.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use switchyard_core::catalog::{ChannelInput, ChannelKind, ShortagePolicy};
use switchyard_core::feedback;
use switchyard_core::payment::{CaptureMode, PaymentProvider};
use switchyard_core::returns::RefundOn;
use switchyard_core::routing::SplitPolicy;
use switchyard_core::validation::{FieldError, Validator, whole_number};
use switchyard_store::StoreError;
use switchyard_store::catalog::{CatalogFilter, Channel};
use switchyard_store::connection::ConnectionView;
use switchyard_store::{Page, PageRequest};

use super::{Choice, DoneQuery, given, parsed, read, refused_fields, renamed, when};
use crate::AppState;
use crate::extract::perm;
use crate::ui::{Chrome, Errors, Staff, failed, render, render_status, see_other};

#[derive(Template)]
#[template(path = "ui/settings/channels.html")]
struct List {
    chrome: Chrome,
    page: Page<Channel>,
}

/// `GET /ui/settings/channels`
pub async fn list(
    staff: Staff,
    State(s): State<AppState>,
    axum::extract::Query(page): axum::extract::Query<PageRequest>,
) -> Response {
    let filter = CatalogFilter {
        q: None,
        include_archived: false,
        updated_since: None,
    };
    match s.store.list_channels(&filter, &page).await {
        Ok(page) => render(&List {
            chrome: staff.chrome("settings"),
            page,
        }),
        Err(e) => failed(e),
    }
}

/// The channel form as typed.
#[derive(Debug, Default, Clone)]
pub struct ChannelForm {
    code: String,
    name: String,
    kind: String,
    /// Location codes in the order they are tried, separated by commas or spaces.
    ship_from: String,
    shortage_policy: String,
    split_policy: String,
    payment_provider: String,
    capture_mode: String,
    return_window_days: String,
    refund_on: String,
    restocking_fee_percent: String,
    /// Blank: never ask for feedback.
    feedback_after_days: String,
}

impl ChannelForm {
    fn of(c: &Channel) -> ChannelForm {
        let p = &c.policies;
        ChannelForm {
            code: c.code.clone(),
            name: c.name.clone(),
            kind: c.kind.as_str().to_owned(),
            ship_from: c.ship_from.join(", "),
            shortage_policy: c.shortage_policy.as_str().to_owned(),
            split_policy: c.split_policy.as_str().to_owned(),
            payment_provider: p.payment_provider.as_str().to_owned(),
            capture_mode: p.capture_mode.as_str().to_owned(),
            return_window_days: p.return_window_days.to_string(),
            refund_on: p.refund_on.as_str().to_owned(),
            restocking_fee_percent: p.restocking_fee_percent.to_string(),
            feedback_after_days: c.feedback_after_days.map(|d| d.to_string()).unwrap_or_default(),
        }
    }

    /// The form from its fields, in any order.
    fn from_pairs(pairs: Vec<(String, String)>) -> ChannelForm {
        let mut f = ChannelForm::default();
        for (k, v) in pairs {
            let slot = match k.as_str() {
                "code" => &mut f.code,
                "name" => &mut f.name,
                "kind" => &mut f.kind,
                "ship_from" => &mut f.ship_from,
                "shortage_policy" => &mut f.shortage_policy,
                "split_policy" => &mut f.split_policy,
                "payment_provider" => &mut f.payment_provider,
                "capture_mode" => &mut f.capture_mode,
                "return_window_days" => &mut f.return_window_days,
                "refund_on" => &mut f.refund_on,
                "restocking_fee_percent" => &mut f.restocking_fee_percent,
                "feedback_after_days" => &mut f.feedback_after_days,
                _ => continue,
            };
            *slot = v;
        }
        f
    }

    fn kinds(&self) -> Vec<Choice> {
        Choice::all(ChannelKind::ALL.iter().map(|k| k.as_str()), &self.kind)
    }
    fn shortage_policies(&self) -> Vec<Choice> {
        Choice::all(ShortagePolicy::ALL.iter().map(|k| k.as_str()), &self.shortage_policy)
    }
    fn split_policies(&self) -> Vec<Choice> {
        Choice::all(SplitPolicy::ALL.iter().map(|k| k.as_str()), &self.split_policy)
    }
    fn payment_providers(&self) -> Vec<Choice> {
        Choice::all(PaymentProvider::ALL.iter().map(|k| k.as_str()), &self.payment_provider)
    }
    fn capture_modes(&self) -> Vec<Choice> {
        Choice::all(CaptureMode::ALL.iter().map(|k| k.as_str()), &self.capture_mode)
    }
    fn refund_ons(&self) -> Vec<Choice> {
        Choice::all(RefundOn::ALL.iter().map(|k| k.as_str()), &self.refund_on)
    }

    /// The form as the API's input (the code only for a new channel).
    fn input(&self, new: bool) -> Result<ChannelInput, Vec<FieldError>> {
        let mut v = Validator::new();
        let input = ChannelInput {
            code: if new { given(&self.code) } else { None },
            name: given(&self.name),
            kind: parsed(&mut v, "/kind", &self.kind, ChannelKind::parse),
            ship_from: Some(
                self.ship_from
                    .split([',', ' ', '\n'])
                    .filter(|c| !c.trim().is_empty())
                    .map(|c| c.trim().to_owned())
                    .collect(),
            ),
            shortage_policy: parsed(&mut v, "/shortage_policy", &self.shortage_policy, ShortagePolicy::parse),
            split_policy: parsed(&mut v, "/split_policy", &self.split_policy, SplitPolicy::parse),
            payment_provider: parsed(
                &mut v,
                "/payment_provider",
                &self.payment_provider,
                PaymentProvider::parse,
            ),
            capture_mode: parsed(&mut v, "/capture_mode", &self.capture_mode, CaptureMode::parse),
            return_window_days: parsed(&mut v, "/return_window_days", &self.return_window_days, whole_number),
            refund_on: parsed(&mut v, "/refund_on", &self.refund_on, RefundOn::parse),
            restocking_fee_percent: parsed(
                &mut v,
                "/restocking_fee_percent",
                &self.restocking_fee_percent,
                whole_number,
            ),
            email: None,
            // Blank turns it off; on a new channel it leaves the kind's default.
            feedback_after_days: if new && given(&self.feedback_after_days).is_none() {
                None
            } else {
                Some(parsed(
                    &mut v,
                    "/feedback_after_days",
                    &self.feedback_after_days,
                    |raw| whole_number(raw).and_then(feedback::after_days),
                ))
            },
        };
        read(v).map(|()| input)
    }
}

/// `ship_from/2` is shown at the one `ship_from` field.
fn one_list_field(field: &str) -> Option<String> {
    field.starts_with("/ship_from/").then(|| "/ship_from".to_owned())
}

#[derive(Template)]
#[template(path = "ui/settings/channel.html")]
struct ChannelPage {
    chrome: Chrome,
    /// None for a new channel.
    channel: Option<Channel>,
    connection: Option<ConnectionView>,
    form: ChannelForm,
    errors: Errors,
    done: Option<String>,
}

impl ChannelPage {
    fn action(&self) -> String {
        match &self.channel {
            Some(c) => format!("/ui/settings/channels/{}", c.code),
            None => "/ui/settings/channels".to_owned(),
        }
    }

    fn when(&self, at: &Option<jiff::Timestamp>) -> String {
        at.as_ref().map_or_else(|| "never".to_owned(), when)
    }
}

fn new_page(chrome: Chrome, form: ChannelForm, errors: Errors) -> ChannelPage {
    ChannelPage {
        chrome,
        channel: None,
        connection: None,
        form,
        errors,
        done: None,
    }
}

/// `GET /ui/settings/channels/new`
pub async fn new(staff: Staff<perm::ManageCatalog>) -> Response {
    let form = ChannelForm {
        return_window_days: "30".into(),
        ..ChannelForm::default()
    };
    render(&new_page(staff.chrome("settings"), form, Errors::default()))
}

/// `POST /ui/settings/channels`
pub async fn create(
    staff: Staff<perm::ManageCatalog>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = ChannelForm::from_pairs(pairs);
    let created = match form.input(true).and_then(|input| input.parse()) {
        Ok(draft) => s
            .store
            .create_channel(&draft)
            .await
            .map_err(|e| refused_fields(e, one_list_field)),
        Err(errors) => Err(renamed(errors, one_list_field)),
    };
    match created {
        Ok(c) => {
            staff.audit(&s, "channel_created", &c.code, &c.name).await;
            see_other(&headers, &format!("/ui/settings/channels/{}?done=created", c.code))
        }
        Err(errors) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &new_page(staff.chrome("settings"), form, errors),
        ),
    }
}

/// The channel's connection, if it has one.
async fn connection_of(s: &AppState, code: &str) -> Result<Option<ConnectionView>, StoreError> {
    match s.store.connection(code).await {
        Ok(c) => Ok(Some(c)),
        Err(StoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn channel_page(
    s: &AppState,
    chrome: Chrome,
    code: &str,
    form: Option<ChannelForm>,
    errors: Errors,
    done: Option<String>,
) -> Result<ChannelPage, StoreError> {
    let channel = s.store.channel(code).await?;
    let connection = connection_of(s, &channel.code).await?;
    Ok(ChannelPage {
        chrome,
        form: form.unwrap_or_else(|| ChannelForm::of(&channel)),
        channel: Some(channel),
        connection,
        errors,
        done,
    })
}

/// `GET /ui/settings/channels/{code}`
pub async fn page(
    staff: Staff,
    State(s): State<AppState>,
    Path(code): Path<String>,
    axum::extract::Query(q): axum::extract::Query<DoneQuery>,
) -> Response {
    match channel_page(&s, staff.chrome("settings"), &code, None, Errors::default(), q.done).await {
        Ok(page) => render(&page),
        Err(e) => failed(e),
    }
}

/// `POST /ui/settings/channels/{code}`: changes its settings.
pub async fn update(
    staff: Staff<perm::ManageCatalog>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = ChannelForm::from_pairs(pairs);
    let changed = match form.input(false) {
        Ok(patch) => s
            .store
            .update_channel(&code, &patch)
            .await
            .map_err(|e| refused_fields(e, one_list_field)),
        Err(errors) => Err(renamed(errors, one_list_field)),
    };
    match changed {
        Ok(c) => {
            let detail = format!(
                "shortage {}, {}, ships from {}, returns {} days",
                c.shortage_policy.as_str(),
                c.split_policy.as_str(),
                c.ship_from.join(" "),
                c.policies.return_window_days
            );
            staff.audit(&s, "channel_changed", &c.code, &detail).await;
            see_other(&headers, &format!("/ui/settings/channels/{}?done=saved", c.code))
        }
        Err(errors) => match channel_page(&s, staff.chrome("settings"), &code, Some(form), errors, None).await {
            Ok(page) => render_status(StatusCode::UNPROCESSABLE_ENTITY, &page),
            Err(e) => failed(e),
        },
    }
}

/// `POST /ui/settings/channels/{code}/archive`
pub async fn archive(
    staff: Staff<perm::ManageCatalog>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Response {
    match s.store.archive_channel(&code).await {
        Ok(c) => {
            staff.audit(&s, "channel_archived", &c.code, "").await;
            see_other(&headers, &format!("/ui/settings/channels/{}?done=archived", c.code))
        }
        Err(e) => failed(e),
    }
}
