//! The feedback page a customer reaches from their email: a form rating each delivered
//! item and the delivery from 1 to 5 with a comment, the thank-you after it, and the
//! unsubscribe page. The link's token (core::feedback) names the order; a forged,
//! expired or unknown one gets the same "not found" page, whatever was wrong with it.
//!
//! Unsubscribing is a button (a POST), not the GET of the link itself: mail scanners
//! open every link in an email, and would unsubscribe customers who never asked. The
//! POST also serves mail clients' one-click unsubscribe (RFC 8058), which posts to the
//! same address.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use switchyard_core::FieldError;
use switchyard_core::feedback::{
    self as rules, COMMENT_FIELD, COMMENT_MAX, DELIVERY_FIELD, FeedbackInput, ITEM_FIELD_PREFIX, RATING_MAX, RATING_MIN,
};
use switchyard_core::id::OrderId;
use switchyard_core::link::{self, Link, Purpose};
use switchyard_store::StoreError;
use switchyard_store::feedback::FeedbackForm;

use super::{escape, failure, not_found, page};
use crate::AppState;

/// The order a live link is for; `None` for any link that is not one.
async fn live_link(s: &AppState, token: &str) -> Result<Option<OrderId>, Response> {
    let secret = s.store.link_secret().await.map_err(|e| logged(&e))?;
    Ok(link::verify(Purpose::Feedback, token, &secret, s.store.now()).ok())
}

fn logged(e: &StoreError) -> Response {
    tracing::error!(error = %e, "a feedback page failed");
    failure()
}

/// The form of a live link's order, or the page to answer instead.
async fn form_of(s: &AppState, token: &str) -> Result<(OrderId, FeedbackForm), Response> {
    let Some(order) = live_link(s, token).await? else {
        return Err(not_found());
    };
    match s.store.feedback_form(&order).await {
        Ok(form) if form.answered => Err(already(&form)),
        Ok(form) => Ok((order, form)),
        Err(StoreError::NotFound { .. }) => Err(not_found()),
        Err(e) => Err(logged(&e)),
    }
}

/// `GET /feedback/{token}`: the form.
pub async fn form(State(s): State<AppState>, Path(token): Path<String>) -> Response {
    match form_of(&s, &token).await {
        Ok((_, form)) => render(StatusCode::OK, &token, &form, &FeedbackInput::default(), &[]),
        Err(page) => page,
    }
}

/// `POST /feedback/{token}`: saves the answers and thanks the customer, or shows the
/// form again with what was wrong and what they wrote.
pub async fn answer(
    State(s): State<AppState>,
    Path(token): Path<String>,
    fields: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let (order, form) = match form_of(&s, &token).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let Ok(Form(fields)) = fields else {
        return render(
            StatusCode::BAD_REQUEST,
            &token,
            &form,
            &FeedbackInput::default(),
            &[bad_form()],
        );
    };
    let input = FeedbackInput { fields };
    let line_nos: Vec<i64> = form.lines.iter().map(|l| l.line_no).collect();
    let answers = match input.parse(&line_nos) {
        Ok(answers) => answers,
        Err(errors) => return render(StatusCode::UNPROCESSABLE_ENTITY, &token, &form, &input, &errors),
    };
    match s.store.answer_feedback(&order, &answers).await {
        Ok(_) => page(
            StatusCode::OK,
            "Thank you",
            &format!(
                "<p>Thank you for telling us about order {}. {}</p>",
                escape(&form.order_number),
                if answers.is_negative() {
                    "We are sorry it was not better: someone from our team will be in touch."
                } else {
                    "It helps us do better."
                }
            ),
        ),
        Err(StoreError::Conflict {
            code: "already_answered",
            ..
        }) => already(&form),
        Err(StoreError::Invalid(errors)) => render(StatusCode::UNPROCESSABLE_ENTITY, &token, &form, &input, &errors),
        Err(StoreError::NotFound { .. }) => not_found(),
        Err(e) => logged(&e),
    }
}

fn bad_form() -> FieldError {
    FieldError {
        field: String::new(),
        code: "invalid_form",
        message: "the form could not be read; please fill it in again".into(),
    }
}

/// The answer to a link whose order was answered: the first answer stands.
fn already(form: &FeedbackForm) -> Response {
    page(
        StatusCode::CONFLICT,
        "Already answered",
        &format!(
            "<p>We already have your feedback on order {}. Thank you!</p>",
            escape(&form.order_number)
        ),
    )
}

/// The form, with `errors` above it and the values of `input` kept.
fn render(
    status: StatusCode,
    token: &str,
    form: &FeedbackForm,
    input: &FeedbackInput,
    errors: &[FieldError],
) -> Response {
    let value = |name: &str| {
        input
            .fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim().to_owned())
    };
    let mut body = format!(
        "<p>How was your order {} from {}? Rate what you like from {RATING_MIN} (poor) to {RATING_MAX} \
         (excellent); leave out what you have not tried yet.</p>\n",
        escape(&form.order_number),
        escape(&form.shop)
    );
    if !errors.is_empty() {
        body.push_str("<ul class=\"errors\" role=\"alert\">\n");
        for e in errors {
            let what = label_of(form, &e.field);
            let what = if what.is_empty() {
                String::new()
            } else {
                format!("{}: ", escape(&what))
            };
            body.push_str(&format!("<li>{what}{}</li>\n", escape(&e.message)));
        }
        body.push_str("</ul>\n");
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"{}\">\n",
        escape(&rules::page_path(token))
    ));
    for line in &form.lines {
        let name = format!("{ITEM_FIELD_PREFIX}{}", line.line_no);
        let legend = format!("{} ({}) × {}", line.title, line.sku, line.quantity);
        body.push_str(&stars(&name, &legend, value(&name).as_deref()));
    }
    body.push_str(&stars(DELIVERY_FIELD, "The delivery", value(DELIVERY_FIELD).as_deref()));
    body.push_str(&format!(
        "<p><label for=\"{COMMENT_FIELD}\">Anything else you would like to tell us?</label><br>\n\
         <textarea id=\"{COMMENT_FIELD}\" name=\"{COMMENT_FIELD}\" maxlength=\"{COMMENT_MAX}\">{}</textarea></p>\n\
         <p><button type=\"submit\">Send feedback</button></p>\n</form>\n\
         <p><small><a href=\"{}\">No more feedback emails, please</a></small></p>",
        escape(&value(COMMENT_FIELD).unwrap_or_default()),
        escape(&rules::unsubscribe_path(token)),
    ));
    page(status, "Your feedback", &body)
}

/// What the customer calls form field `field`.
fn label_of(form: &FeedbackForm, field: &str) -> String {
    if field == DELIVERY_FIELD {
        return "The delivery".into();
    }
    if field == COMMENT_FIELD {
        return "Your comment".into();
    }
    field
        .strip_prefix(ITEM_FIELD_PREFIX)
        .and_then(|n| n.parse::<i64>().ok())
        .and_then(|n| form.lines.iter().find(|l| l.line_no == n))
        .map_or_else(|| field.to_owned(), |l| l.title.clone())
}

/// A question rated with radio buttons from 1 to 5, `checked` kept.
fn stars(name: &str, legend: &str, checked: Option<&str>) -> String {
    let mut html = format!("<fieldset>\n<legend>{}</legend>\n", escape(legend));
    for rating in RATING_MIN..=RATING_MAX {
        let on = if checked == Some(rating.to_string().as_str()) {
            " checked"
        } else {
            ""
        };
        html.push_str(&format!(
            "<label class=\"r\"><input type=\"radio\" name=\"{name}\" value=\"{rating}\"{on}> {rating}</label>\n",
            name = escape(name)
        ));
    }
    html.push_str("</fieldset>\n");
    html
}

/// The order behind a genuine link, expired or not: an old email's unsubscribe link
/// keeps working after its feedback form closes.
async fn signed_link(s: &AppState, token: &str) -> Result<OrderId, Response> {
    let secret = s.store.link_secret().await.map_err(|e| logged(&e))?;
    Link::open(Purpose::Feedback, token, &secret)
        .map(|link| link.order)
        .map_err(|_| not_found())
}

/// `GET /feedback/{token}/unsubscribe`: asks to confirm with a button.
pub async fn unsubscribe_page(State(s): State<AppState>, Path(token): Path<String>) -> Response {
    if let Err(page) = signed_link(&s, &token).await {
        return page;
    }
    page(
        StatusCode::OK,
        "No more feedback emails",
        &format!(
            "<p>Press the button and we will not ask you for feedback by email again.</p>\n\
             <form method=\"post\" action=\"{}\"><p><button type=\"submit\">Unsubscribe</button></p></form>",
            escape(&rules::unsubscribe_path(&token))
        ),
    )
}

/// `POST /feedback/{token}/unsubscribe`: records the opt-out.
pub async fn unsubscribe(State(s): State<AppState>, Path(token): Path<String>) -> Response {
    let order = match signed_link(&s, &token).await {
        Ok(order) => order,
        Err(page) => return page,
    };
    match s.store.opt_out_of_feedback(&order).await {
        Ok(()) => page(
            StatusCode::OK,
            "Unsubscribed",
            "<p>Done: we will not ask you for feedback by email again.</p>",
        ),
        Err(StoreError::NotFound { .. }) => not_found(),
        Err(e) => logged(&e),
    }
}
