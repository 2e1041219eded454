//! `GET /ui/purchase-orders/new` and `POST /ui/purchase-orders`: a purchase order with
//! its supplier, destination, currency, expected date and lines (SKU, quantity, unit
//! cost). Blank line rows are left out; core parses the rest as the API's input.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use switchyard_core::purchase::{PurchaseOrderInput, PurchaseOrderLineInput, SupplierInput};
use switchyard_core::{Currency, Money};

use super::super::{Typed, location_codes};
use crate::AppState;
use crate::extract::perm;
use crate::ui::{Chrome, Errors, Staff, failed, render_status, see_other};

/// Blank line rows the form offers beyond the ones filled in.
const SPARE_ROWS: usize = 3;

/// The purchase order form as typed.
#[derive(Debug, Default)]
pub struct OrderForm {
    supplier_name: String,
    supplier_reference: String,
    supplier_email: String,
    location: String,
    currency: String,
    expected_at: String,
    notes: String,
    lines: Vec<LineForm>,
}

/// One line row: what was typed and the errors of its fields.
#[derive(Debug, Default, Clone)]
pub struct LineForm {
    sku: String,
    quantity: String,
    cost: String,
    errors: [Option<String>; 3],
}

impl LineForm {
    fn is_blank(&self) -> bool {
        [&self.sku, &self.quantity, &self.cost]
            .iter()
            .all(|f| f.trim().is_empty())
    }
}

impl OrderForm {
    fn read(body: &[u8]) -> OrderForm {
        let mut form = OrderForm::default();
        let mut columns: [Vec<String>; 3] = Default::default();
        for (k, v) in url::form_urlencoded::parse(body) {
            let v = v.into_owned();
            match k.as_ref() {
                "supplier_name" => form.supplier_name = v,
                "supplier_reference" => form.supplier_reference = v,
                "supplier_email" => form.supplier_email = v,
                "location" => form.location = v,
                "currency" => form.currency = v,
                "expected_at" => form.expected_at = v,
                "notes" => form.notes = v,
                "line_sku" => columns[0].push(v),
                "line_quantity" => columns[1].push(v),
                "line_cost" => columns[2].push(v),
                _ => {}
            }
        }
        let rows = columns.iter().map(Vec::len).max().unwrap_or(0);
        let cell = |c: &Vec<String>, i: usize| c.get(i).cloned().unwrap_or_default();
        form.lines = (0..rows)
            .map(|i| LineForm {
                sku: cell(&columns[0], i),
                quantity: cell(&columns[1], i),
                cost: cell(&columns[2], i),
                errors: Default::default(),
            })
            .filter(|l| !l.is_blank())
            .collect();
        form
    }

    /// Core's input, with the numbers and amounts that were no number as errors.
    fn input(&self, typed: &mut Typed) -> PurchaseOrderInput {
        let currency = Currency::parse(self.currency.trim()).ok();
        let lines = self
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let unit_cost = match (Typed::text(&l.cost), currency) {
                    (Some(raw), Some(c)) => Money::from_decimal(&raw, c)
                        .map_err(|e| typed.bad.push(e.at(format!("/lines/{i}/unit_cost"))))
                        .ok(),
                    _ => None,
                };
                PurchaseOrderLineInput {
                    sku: Typed::text(&l.sku),
                    quantity: typed.whole(&format!("/lines/{i}/quantity"), &l.quantity),
                    unit_cost,
                    expected_at: None,
                }
            })
            .collect();
        PurchaseOrderInput {
            supplier: Some(SupplierInput {
                name: Typed::text(&self.supplier_name),
                reference: Typed::text(&self.supplier_reference),
                email: Typed::text(&self.supplier_email),
            }),
            location: Typed::text(&self.location),
            currency: Typed::text(&self.currency),
            expected_at: Typed::text(&self.expected_at),
            lines: Some(lines),
            notes: Typed::text(&self.notes),
        }
    }

    /// Puts each line's errors next to its fields, and adds the spare rows.
    fn with_errors(mut self, errors: &Errors) -> OrderForm {
        for (i, line) in self.lines.iter_mut().enumerate() {
            line.errors =
                ["sku", "quantity", "unit_cost"].map(|f| errors.get(&format!("lines/{i}/{f}")).map(str::to_owned));
        }
        let spare = SPARE_ROWS.max(5usize.saturating_sub(self.lines.len()));
        self.lines.extend(std::iter::repeat_n(LineForm::default(), spare));
        self
    }
}

#[derive(Template)]
#[template(path = "ui/stock/purchase_order_new.html")]
struct NewPage {
    chrome: Chrome,
    form: OrderForm,
    locations: Vec<String>,
    errors: Errors,
}

async fn form_page(s: &AppState, chrome: Chrome, status: StatusCode, form: OrderForm, errors: Errors) -> Response {
    match location_codes(s).await {
        Ok(locations) => render_status(
            status,
            &NewPage {
                chrome,
                form: form.with_errors(&errors),
                locations,
                errors,
            },
        ),
        Err(e) => failed(e),
    }
}

/// `GET /ui/purchase-orders/new`
pub async fn new(staff: Staff<perm::ManageCatalog>, State(s): State<AppState>) -> Response {
    let chrome = staff.chrome("purchasing");
    form_page(&s, chrome, StatusCode::OK, OrderForm::default(), Errors::default()).await
}

/// `POST /ui/purchase-orders`
pub async fn create(
    staff: Staff<perm::ManageCatalog>,
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = OrderForm::read(&body);
    let mut typed = Typed::default();
    let input = form.input(&mut typed);
    let outcome = match typed.check(input.parse()) {
        Ok(draft) => s
            .store
            .create_purchase_order(&draft, &staff.user().name)
            .await
            .map_err(Errors::from_store),
        Err(errors) => Err(errors),
    };
    match outcome {
        Ok(po) => {
            let number = po.summary.number;
            let detail = format!("{} for {}", po.summary.supplier.name, po.summary.location);
            staff.audit(&s, "purchase_order_created", &number, &detail).await;
            see_other(&headers, &format!("/ui/purchase-orders/{number}?done=created"))
        }
        Err(errors) => {
            let chrome = staff.chrome("purchasing");
            form_page(&s, chrome, StatusCode::UNPROCESSABLE_ENTITY, form, errors).await
        }
    }
}
