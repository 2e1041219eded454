//! The JSON API under `/api/v1`, and the OpenAPI document generated from its handlers.

pub mod catalog;
pub mod inventory;
pub mod orders;
pub mod routing;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchyard",
        description = "Order management for sellers on many channels shipping from many places. \
            Every `/api/v1` request needs `Authorization: Bearer <key>`. Errors are RFC 9457 \
            `application/problem+json` with a stable `type` and per-field `errors`. Money is \
            `{\"amount\": minor units, \"currency\": \"GBP\"}`; times are RFC 3339 UTC. Lists are \
            cursor-paged: pass `next_cursor` back as `cursor`. Every POST accepts an \
            `Idempotency-Key` header."
    ),
    modifiers(&BearerAuth),
    security(("api_key" = [])),
    tags(
        (name = "catalog", description = "Products, locations and channels"),
        (name = "inventory", description = "Stock levels and the ledger"),
        (name = "orders", description = "Placing and managing orders"),
        (name = "routing", description = "Where orders ship from: zones, simulation, re-routing"),
        (name = "operations", description = "Health and metrics, no key needed"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key from `switchyard api-key create`"))
                    .build(),
            ),
        );
    }
}

/// The `/api/v1` routes with their OpenAPI description.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(catalog::list_products, catalog::create_product))
        .routes(routes!(catalog::get_product, catalog::update_product))
        .routes(routes!(catalog::archive_product))
        .routes(routes!(catalog::list_locations, catalog::create_location))
        .routes(routes!(catalog::get_location, catalog::update_location))
        .routes(routes!(catalog::archive_location))
        .routes(routes!(catalog::list_channels, catalog::create_channel))
        .routes(routes!(catalog::get_channel, catalog::update_channel))
        .routes(routes!(catalog::archive_channel))
        .routes(routes!(inventory::list_levels))
        .routes(routes!(inventory::list_movements))
        .routes(routes!(inventory::create_receipt))
        .routes(routes!(inventory::create_adjustment))
        .routes(routes!(inventory::create_count))
        .routes(routes!(inventory::create_transfer))
        .routes(routes!(orders::list_orders, orders::create_order))
        .routes(routes!(orders::get_order))
        .routes(routes!(orders::cancel_order))
        .routes(routes!(orders::cancel_order_line))
        .routes(routes!(orders::hold_order))
        .routes(routes!(orders::release_order))
        .routes(routes!(routing::reroute_order))
        .routes(routes!(routing::simulate))
        .routes(routes!(routing::set_zones))
        .routes(routes!(routing::disable_location))
        .routes(routes!(routing::enable_location))
        .routes(routes!(routing::set_components))
}

/// Adds the 401 and 403 answers every `/api/v1` operation can give, so each
/// operation documents them without repeating them on every handler.
pub fn document_auth_errors(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let problem = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        if !path.starts_with("/api/v1") {
            continue;
        }
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.patch,
            &mut item.put,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            let responses = &mut operation.responses.responses;
            responses
                .entry("401".into())
                .or_insert_with(|| problem("No API key, or an unknown or revoked one").into());
            responses
                .entry("403".into())
                .or_insert_with(|| problem("The key's role may not do this").into());
        }
    }
}
