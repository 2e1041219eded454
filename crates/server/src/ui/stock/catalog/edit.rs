//! Creating and changing products and their kit components. The forms are read into
//! core's `ProductInput`, `ProductPatch` and `ComponentInput` (amounts through
//! `Money::from_decimal`, in the form's currency); a refused form comes back (422)
//! with what was typed and its errors next to the fields.

use askama::Template;
use axum::Form;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use switchyard_core::catalog::{ComponentInput, ProductInput, ProductPatch, parse_components};
use switchyard_core::{Currency, Money};
use switchyard_store::catalog::Product;

use super::super::{Typed, segment};
use super::ProductPage;
use crate::AppState;
use crate::extract::perm;
use crate::ui::{Chrome, Errors, Staff, failed, render, render_status, see_other};

/// The product form as typed: amounts are decimals in `currency`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ProductForm {
    pub sku: String,
    pub title: String,
    pub barcode: String,
    pub weight_grams: String,
    pub price: String,
    pub cost: String,
    pub currency: String,
}

/// The decimal part of an amount as core writes it (`12.50` of `12.50 GBP`).
fn decimal(m: Option<Money>) -> String {
    m.map(|m| m.to_string().split(' ').next().unwrap_or_default().to_owned())
        .unwrap_or_default()
}

impl ProductForm {
    /// The form filled with `product` as it is.
    pub fn of(product: &Product) -> ProductForm {
        ProductForm {
            sku: product.sku.clone(),
            title: product.title.clone(),
            barcode: product.barcode.clone().unwrap_or_default(),
            weight_grams: product.weight_grams.map(|w| w.to_string()).unwrap_or_default(),
            price: decimal(product.price),
            cost: decimal(product.cost),
            currency: product
                .price
                .or(product.cost)
                .map(|m| m.currency.to_string())
                .unwrap_or_default(),
        }
    }

    /// The weight, price and cost, read: what is no number is an error of its field.
    fn numbers(&self, typed: &mut Typed) -> (Option<i64>, Option<Money>, Option<Money>) {
        let weight = typed.whole("/weight_grams", &self.weight_grams);
        let amounts = (Typed::text(&self.price), Typed::text(&self.cost));
        if amounts == (None, None) {
            return (weight, None, None);
        }
        let currency = match Currency::parse(&self.currency) {
            Ok(c) => c,
            Err(e) => {
                typed.bad.push(e.at("/currency"));
                return (weight, None, None);
            }
        };
        let mut money = |field: &str, raw: Option<String>| {
            let raw = raw?;
            Money::from_decimal(&raw, currency)
                .map_err(|e| typed.bad.push(e.at(field)))
                .ok()
        };
        let price = money("/price", amounts.0);
        let cost = money("/cost", amounts.1);
        (weight, price, cost)
    }
}

#[derive(Template)]
#[template(path = "ui/stock/product_new.html")]
struct NewPage {
    chrome: Chrome,
    form: ProductForm,
    errors: Errors,
}

/// `GET /ui/products/new`
pub async fn new(staff: Staff<perm::ManageCatalog>) -> Response {
    render(&NewPage {
        chrome: staff.chrome("catalog"),
        form: ProductForm::default(),
        errors: Errors::default(),
    })
}

fn product_link(sku: &str, done: &str) -> String {
    format!("/ui/products/{}?done={done}", segment(sku))
}

/// `POST /ui/products`
pub async fn create(
    staff: Staff<perm::ManageCatalog>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<ProductForm>,
) -> Response {
    let mut typed = Typed::default();
    let (weight_grams, price, cost) = form.numbers(&mut typed);
    let input = ProductInput {
        sku: Typed::text(&form.sku),
        title: Typed::text(&form.title),
        barcode: Typed::text(&form.barcode),
        weight_grams,
        price,
        cost,
    };
    let outcome = match typed.check(input.parse()) {
        Ok(draft) => s.store.create_product(&draft).await.map_err(Errors::from_store),
        Err(errors) => Err(errors),
    };
    match outcome {
        Ok(product) => {
            staff.audit(&s, "product_created", &product.sku, &product.title).await;
            see_other(&headers, &product_link(&product.sku, "created"))
        }
        Err(errors) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &NewPage {
                chrome: staff.chrome("catalog"),
                form,
                errors,
            },
        ),
    }
}

/// `POST /ui/products/{sku}`: a blank field keeps what the product has.
pub async fn update(
    staff: Staff<perm::ManageCatalog>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(sku): Path<String>,
    Form(form): Form<ProductForm>,
) -> Response {
    let current = match s.store.product(&sku).await {
        Ok(p) => p,
        Err(e) => return failed(e),
    };
    let mut typed = Typed::default();
    let (weight_grams, price, cost) = form.numbers(&mut typed);
    let patch = ProductPatch {
        title: Typed::text(&form.title),
        barcode: Typed::text(&form.barcode),
        weight_grams,
        price,
        cost,
    };
    // The store has core apply the patch to the product as stored.
    let outcome = match typed.check(Ok(())) {
        Ok(()) => s.store.update_product(&sku, &patch).await.map_err(Errors::from_store),
        Err(errors) => Err(errors),
    };
    match outcome {
        Ok(product) => {
            staff.audit(&s, "product_updated", &product.sku, &product.title).await;
            see_other(&headers, &product_link(&product.sku, "updated"))
        }
        Err(errors) => {
            let form = ProductForm {
                sku: current.sku.clone(),
                ..form
            };
            let page = ProductPage::new(staff.chrome("catalog"), current, Some((form, errors)), None);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// One row of the components form, with its errors.
#[derive(Debug, Default, Clone)]
pub struct ComponentRow {
    pub sku: String,
    pub quantity: String,
    pub sku_error: Option<String>,
    pub quantity_error: Option<String>,
}

/// Blank component rows the form offers beyond the ones filled in.
const SPARE_ROWS: usize = 3;

impl ComponentRow {
    /// The rows of `product`'s components.
    pub fn of(product: &Product) -> Vec<ComponentRow> {
        product
            .components
            .iter()
            .map(|c| ComponentRow {
                sku: c.sku.clone(),
                quantity: c.quantity.to_string(),
                ..Default::default()
            })
            .collect()
    }

    /// Puts the errors of the rows sent (`{i}/sku`, `{i}/quantity`) next to them, and
    /// adds the spare rows.
    pub fn with_errors(mut rows: Vec<ComponentRow>, errors: &Errors) -> Vec<ComponentRow> {
        for (i, row) in rows.iter_mut().enumerate() {
            row.sku_error = errors.get(&format!("{i}/sku")).map(str::to_owned);
            row.quantity_error = errors.get(&format!("{i}/quantity")).map(str::to_owned);
        }
        rows.extend(std::iter::repeat_n(ComponentRow::default(), SPARE_ROWS));
        rows
    }
}

/// `POST /ui/products/{sku}/components`: rows of `component_sku` and
/// `component_quantity`; blank rows are left out, and none at all makes the product an
/// ordinary one again.
pub async fn components(
    staff: Staff<perm::ManageCatalog>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(sku): Path<String>,
    body: Bytes,
) -> Response {
    let (mut skus, mut quantities) = (Vec::new(), Vec::new());
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "component_sku" => skus.push(v.into_owned()),
            "component_quantity" => quantities.push(v.into_owned()),
            _ => {}
        }
    }
    quantities.resize(skus.len().max(quantities.len()), String::new());
    skus.resize(quantities.len(), String::new());
    let rows: Vec<ComponentRow> = skus
        .into_iter()
        .zip(quantities)
        .filter(|(s, q)| !(s.trim().is_empty() && q.trim().is_empty()))
        .map(|(sku, quantity)| ComponentRow {
            sku,
            quantity,
            ..Default::default()
        })
        .collect();
    let mut typed = Typed::default();
    let inputs: Vec<ComponentInput> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| ComponentInput {
            sku: Typed::text(&r.sku),
            quantity: typed.whole(&format!("/{i}/quantity"), &r.quantity),
        })
        .collect();
    let outcome = match typed.check(parse_components(&inputs)) {
        Ok(_) => s.store.set_components(&sku, &inputs).await.map_err(Errors::from_store),
        Err(errors) => Err(errors),
    };
    match outcome {
        Ok(product) => {
            let detail = product
                .components
                .iter()
                .map(|c| format!("{} x{}", c.sku, c.quantity))
                .collect::<Vec<_>>()
                .join(", ");
            staff.audit(&s, "kit_components_set", &product.sku, &detail).await;
            see_other(&headers, &product_link(&product.sku, "components"))
        }
        Err(errors) => match s.store.product(&sku).await {
            Ok(product) => {
                let page = ProductPage::new(staff.chrome("catalog"), product, None, Some((rows, errors)));
                render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
            }
            Err(e) => failed(e),
        },
    }
}
