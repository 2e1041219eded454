//! The JSON API under `/api/v1`, and the OpenAPI document generated from its handlers.

pub mod catalog;
pub mod channel_stock;
pub mod channels;
mod document;
pub mod documents;
pub mod emails;
pub mod events;
pub mod feedback;
pub mod forecasts;
pub mod fulfilment;
pub mod imports;
pub mod inventory;
pub mod orders;
pub mod payments;
pub mod pick_lists;
pub mod purchase_orders;
pub mod replenishment;
pub mod reports;
pub mod returns;
pub mod routing;
pub mod shipments;
pub mod tracking;
pub mod webhooks;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub use document::{document_common, document_examples};

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
    // Referenced by the reports' query parameters, which do not register it.
    components(schemas(reports::ReportFormat, reports::time_of_order::TimeChart)),
    tags(
        (name = "catalog", description = "Products, locations and channels"),
        (name = "inventory", description = "Stock levels and the ledger"),
        (name = "orders", description = "Placing and managing orders"),
        (name = "payments", description = "Payments and refunds: authorizations, captures on shipment, voids, refunds and goodwill"),
        (name = "routing", description = "Where orders ship from: zones, simulation, re-routing"),
        (name = "fulfilment", description = "Releasing work to the floor, pick lists, packing, labels and shipping"),
        (name = "tracking", description = "Carriers and tracking events to the customer's door"),
        (name = "purchasing", description = "Purchase orders: inbound stock, receipts into the ledger"),
        (name = "returns", description = "Returns (RMAs), receipts with dispositions, refunds and exchanges; claims"),
        (name = "events", description = "The event feed: every event in order, for systems that pull"),
        (name = "reports", description = "Reports from daily roll-ups of the orders placed each day in the seller's time zone: JSON, CSV (`?format=csv`) or an SVG chart (`?format=svg`), all with the same filters"),
        (name = "feedback", description = "What customers said when asked after delivery: ratings, comments, averages"),
        (name = "webhooks", description = "Webhook endpoints: signed event deliveries to other systems, their secrets and their attempts"),
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
        .routes(routes!(channel_stock::list_listings))
        .routes(routes!(
            channel_stock::get_listing,
            channel_stock::put_listing,
            channel_stock::delete_listing
        ))
        .routes(routes!(channel_stock::import_listings))
        .routes(routes!(channel_stock::get_channel_stock))
        .routes(routes!(channel_stock::get_drift))
        .routes(routes!(channel_stock::resync))
        .routes(routes!(
            channels::get_connection,
            channels::set_connection,
            channels::delete_connection
        ))
        .routes(routes!(channels::test_connection))
        .routes(routes!(channels::poll_channel))
        .routes(routes!(inventory::list_levels))
        .routes(routes!(inventory::list_movements))
        .routes(routes!(inventory::create_receipt))
        .routes(routes!(inventory::create_adjustment))
        .routes(routes!(inventory::create_count))
        .routes(routes!(inventory::create_transfer))
        .routes(routes!(inventory::get_atp))
        .routes(routes!(orders::list_orders, orders::create_order))
        .routes(routes!(orders::get_order))
        .routes(routes!(orders::cancel_order))
        .routes(routes!(orders::cancel_order_line))
        .routes(routes!(orders::hold_order))
        .routes(routes!(orders::release_order))
        .routes(routes!(imports::create_import))
        .routes(routes!(emails::preview_email))
        .routes(routes!(payments::get_payments, payments::create_payment))
        .routes(routes!(payments::create_refund))
        .routes(routes!(payments::create_appeasement))
        .routes(routes!(routing::reroute_order))
        .routes(routes!(routing::simulate))
        .routes(routes!(routing::set_zones))
        .routes(routes!(routing::disable_location))
        .routes(routes!(routing::enable_location))
        .routes(routes!(routing::set_components))
        .routes(routes!(shipments::release_shipments))
        .routes(routes!(shipments::list_shipments))
        .routes(routes!(shipments::list_late_shipments))
        .routes(routes!(shipments::list_shipment_exceptions))
        .routes(routes!(shipments::get_shipment))
        .routes(routes!(shipments::list_order_shipments))
        .routes(routes!(shipments::pack_shipment))
        .routes(routes!(documents::get_label, shipments::create_label))
        .routes(routes!(shipments::void_label))
        .routes(routes!(shipments::ship_shipment))
        .routes(routes!(shipments::cancel_shipment))
        .routes(routes!(documents::get_packing_slip))
        .routes(routes!(documents::get_pick_list_pdf))
        .routes(routes!(pick_lists::list_pick_lists, pick_lists::create_pick_list))
        .routes(routes!(pick_lists::get_pick_list))
        .routes(routes!(pick_lists::confirm_picks))
        .routes(routes!(
            fulfilment::get_fulfilment_settings,
            fulfilment::set_fulfilment_settings
        ))
        .routes(routes!(fulfilment::list_bins, fulfilment::set_bins))
        .routes(routes!(fulfilment::list_carriers))
        .routes(routes!(tracking::record_tracking_event))
        .routes(routes!(tracking::record_tracking_events))
        .routes(routes!(tracking::record_easypost_event))
        .routes(routes!(
            purchase_orders::list_purchase_orders,
            purchase_orders::create_purchase_order
        ))
        .routes(routes!(purchase_orders::get_purchase_order))
        .routes(routes!(purchase_orders::receive_purchase_order))
        .routes(routes!(purchase_orders::close_purchase_order))
        .routes(routes!(purchase_orders::cancel_purchase_order))
        .routes(routes!(purchase_orders::submit_purchase_order))
        .routes(routes!(
            replenishment::get_supplier_terms,
            replenishment::set_supplier_terms
        ))
        .routes(routes!(replenishment::create_replenishment_drafts))
        .routes(routes!(replenishment::suggestions::list_suggestions))
        .routes(routes!(returns::list_returns, returns::create_return))
        .routes(routes!(returns::get_return))
        .routes(routes!(returns::authorize_return))
        .routes(routes!(returns::reject_return))
        .routes(routes!(returns::cancel_return))
        .routes(routes!(returns::receive_return))
        .routes(routes!(returns::exchange_return))
        .routes(routes!(returns::approve_return_refund))
        .routes(routes!(returns::get_return_label_pdf))
        .routes(routes!(returns::get_return_label_zpl))
        .routes(routes!(returns::create_claim))
        .routes(routes!(returns::list_claims))
        .routes(routes!(returns::list_quarantine))
        .routes(routes!(returns::returns_report))
        .routes(routes!(reports::delivery::delivery))
        .routes(routes!(reports::perfect::perfect_orders))
        .routes(routes!(reports::perfect::perfect_order_failures))
        .routes(routes!(reports::channel_performance::channel_performance))
        .routes(routes!(reports::time_of_order::time_of_order))
        .routes(routes!(reports::stock::stock_report))
        .routes(routes!(forecasts::get_forecast))
        .routes(routes!(forecasts::refresh_forecasts))
        .routes(routes!(events::list_events))
        .routes(routes!(feedback::list_feedback))
        .routes(routes!(feedback::feedback_summary))
        .routes(routes!(
            webhooks::list_webhook_endpoints,
            webhooks::create_webhook_endpoint
        ))
        .routes(routes!(
            webhooks::get_webhook_endpoint,
            webhooks::update_webhook_endpoint,
            webhooks::delete_webhook_endpoint
        ))
        .routes(routes!(webhooks::disable_webhook_endpoint))
        .routes(routes!(webhooks::enable_webhook_endpoint))
        .routes(routes!(webhooks::rotate_webhook_secret))
        .routes(routes!(webhooks::send_test_event))
        .routes(routes!(webhooks::list_webhook_attempts))
        .routes(routes!(webhooks::retry_webhook_message))
        .routes(routes!(webhooks::replay_webhook_events))
        .layer(axum::middleware::from_fn(crate::extract::request_target))
}
