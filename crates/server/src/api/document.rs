//! What every `/api/v1` operation documents because of the layers it runs behind, not
//! because of its handler: written once here from what an operation takes (a path
//! parameter, a query, a body, the POST method), so no handler repeats it and none
//! forgets it.
//!
//! Each answer is added only where the handler's own annotation does not already
//! describe that status, so a handler keeps its more precise wording.

mod examples;

pub use examples::document_examples;
use switchyard_store::page;
use utoipa::Number;
use utoipa::openapi::header::Header;
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, RefOr, Required, Response, ResponseBuilder, Schema, Type};

/// The header the idempotency middleware reads on every authenticated POST.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// A path parameter is one line of visible text: no control characters, line or
/// paragraph separators, bidirectional controls or invisible characters (the rule of
/// `switchyard_core::validation::visible`, checked by `extract::request_target`; 400
/// otherwise).
const ONE_LINE: &str =
    "^[^\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2069\\ufeff]+$";

/// Adds, to every `/api/v1` operation, the errors its layers can answer and the
/// `Idempotency-Key` header of its POSTs.
pub fn document_common(doc: &mut utoipa::openapi::OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        if !path.starts_with("/api/v1") {
            continue;
        }
        let operations = [
            (&mut item.get, false),
            (&mut item.post, true),
            (&mut item.patch, false),
            (&mut item.put, false),
            (&mut item.delete, false),
        ];
        for (operation, post) in operations {
            if let Some(operation) = operation {
                document_operation(operation, path, post);
            }
        }
    }
}

/// A key of the demo business (`switchyard demo`) for the `{key}` of a path under
/// each collection, so that "Try it out" and the conformance run reach a real resource.
/// Collections the demo has nothing in (shipments, returns, pick lists) have none.
const DEMO_KEYS: [(&str, &str); 5] = [
    ("/api/v1/channels/", "web"),
    ("/api/v1/locations/", "LON"),
    ("/api/v1/products/", "TEE-BLA-M"),
    ("/api/v1/orders/", "SO-100001"),
    ("/api/v1/purchase-orders/", "PO-1001"),
];

fn demo_key(path: &str) -> Option<&'static str> {
    DEMO_KEYS
        .iter()
        .find(|(collection, _)| path.starts_with(collection))
        .map(|(_, key)| *key)
}

fn document_operation(operation: &mut Operation, path: &str, post: bool) {
    let takes = |place: ParameterIn| {
        operation
            .parameters
            .iter()
            .flatten()
            .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place))
    };
    let has_path = takes(ParameterIn::Path);
    let has_query = takes(ParameterIn::Query);
    let has_body = operation.request_body.is_some();
    let mut paged = false;
    for parameter in operation.parameters.iter_mut().flatten() {
        let RefOr::T(parameter) = parameter else { continue };
        let query = parameter.parameter_in == ParameterIn::Query;
        paged |= query && parameter.name == page::CURSOR_PARAM;
        let Some(RefOr::T(Schema::Object(schema))) = &mut parameter.schema else {
            continue;
        };
        if parameter.parameter_in == ParameterIn::Path {
            if schema.pattern.is_none() {
                schema.pattern = Some(ONE_LINE.into());
            }
            if parameter.name == "key"
                && schema.examples.is_empty()
                && let Some(key) = demo_key(path)
            {
                schema.examples = vec![key.into()];
            }
        }
        if query && parameter.name == page::LIMIT_PARAM {
            // Out of range is 400 `invalid_limit`, not a silent clamp.
            schema.minimum = Some(Number::Int(1));
            schema.maximum = Some(Number::Int(page::MAX_LIMIT as isize));
        }
    }
    if paged {
        document_link_next(operation);
    }
    if post {
        add_idempotency_key(operation);
    }
    let mut answers: Vec<(&str, &str)> = vec![
        ("401", "No API key, or an unknown or revoked one"),
        ("403", "The key's role may not do this"),
        (
            "429",
            "Too many requests from this key or address; `Retry-After` says when to retry",
        ),
    ];
    if has_path || has_query || has_body || post {
        answers.push((
            "400",
            "The request is malformed: a path parameter, a cursor, the JSON body or the Idempotency-Key",
        ));
    }
    if has_path {
        answers.push(("404", "Not found"));
    }
    if post {
        answers.push((
            "409",
            "A request with this Idempotency-Key is still running, or was applied but its answer was lost",
        ));
    }
    if has_body {
        answers.push(("413", "The body is larger than 1 MiB"));
        answers.push(("415", "The body is not JSON"));
    }
    if has_query || has_body || post {
        answers.push((
            "422",
            "Invalid fields or parameters (each named in `errors`), or an Idempotency-Key reused with another request",
        ));
    }
    let responses = &mut operation.responses.responses;
    for (status, description) in answers {
        responses
            .entry(status.into())
            .or_insert_with(|| problem(description).into());
    }
}

/// A list's page answer sends `Link: <…>; rel="next"` when there is a next page.
fn document_link_next(operation: &mut Operation) {
    if let Some(RefOr::T(ok)) = operation.responses.responses.get_mut("200") {
        let mut link = Header::new(ObjectBuilder::new().schema_type(Type::String));
        link.description = Some(
            "`<the same request with cursor=next_cursor>; rel=\"next\"` (RFC 8288), when there is a next page".into(),
        );
        ok.headers.entry("Link".into()).or_insert(RefOr::T(link));
    }
}

/// A problem+json answer.
fn problem(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

fn add_idempotency_key(operation: &mut Operation) {
    let parameters = operation.parameters.get_or_insert_with(Vec::new);
    let documented = parameters
        .iter()
        .any(|p| matches!(p, RefOr::T(p) if p.name.eq_ignore_ascii_case(IDEMPOTENCY_KEY)));
    if !documented {
        parameters.push(RefOr::T(idempotency_key()));
    }
}

fn idempotency_key() -> Parameter {
    ParameterBuilder::new()
        .name(IDEMPOTENCY_KEY)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "1 to 255 visible ASCII characters. A retry with the same key and request replays the \
             first answer (with `Idempotent-Replayed: true`) instead of applying it again; the same \
             key with another request is a 422. Keys are kept for 24 hours.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255))
                .pattern(Some("^[!-~]+$")),
        ))
        .build()
}

#[cfg(test)]
mod tests;
