//! The catalog: products listed and searched, one product with its barcode, weight,
//! cost, price and kit components, and (with `ManageCatalog`) creating and changing a
//! product and its components (`edit`), through the catalog API's store calls.

mod edit;

pub use edit::{components, create, new, update};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use switchyard_store::PageRequest;
use switchyard_store::catalog::{CatalogFilter, Product};

use super::{Typed, next_link, when};
use crate::AppState;
use crate::ui::{Chrome, Errors, Staff, failed, render};
use edit::{ComponentRow, ProductForm};

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    archived: bool,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "ui/stock/products.html")]
struct ListPage {
    chrome: Chrome,
    q: String,
    archived: bool,
    products: Vec<Product>,
    next: Option<String>,
}

/// `GET /ui/products`
pub async fn list(staff: Staff, State(s): State<AppState>, Query(q): Query<ListQuery>) -> Response {
    let filter = CatalogFilter {
        q: Typed::text(&q.q),
        include_archived: q.archived,
        updated_since: None,
    };
    let page = PageRequest {
        cursor: q.cursor,
        limit: None,
    };
    match s.store.list_products(&filter, &page).await {
        Ok(products) => {
            let archived = if q.archived { "true" } else { "" };
            let filters = [("q", q.q.as_str()), ("archived", archived)];
            render(&ListPage {
                chrome: staff.chrome("catalog"),
                next: next_link("/ui/products", &filters, products.next_cursor.as_deref()),
                q: q.q,
                archived: q.archived,
                products: products.data,
            })
        }
        Err(e) => failed(e),
    }
}

#[derive(Template)]
#[template(path = "ui/stock/product.html")]
pub struct ProductPage {
    chrome: Chrome,
    product: Product,
    created_at: String,
    updated_at: String,
    archived_at: String,
    form: ProductForm,
    errors: Errors,
    rows: Vec<ComponentRow>,
    component_errors: Errors,
    done: Option<&'static str>,
}

impl ProductPage {
    /// The page of `product`; `form` and `rows` are what a refused form had typed.
    fn new(
        chrome: Chrome,
        product: Product,
        edited: Option<(ProductForm, Errors)>,
        parts: Option<(Vec<ComponentRow>, Errors)>,
    ) -> ProductPage {
        let (form, errors) = edited.unwrap_or_else(|| (ProductForm::of(&product), Errors::default()));
        let (rows, component_errors) = parts.unwrap_or_else(|| (ComponentRow::of(&product), Errors::default()));
        ProductPage {
            chrome,
            created_at: when(product.created_at),
            updated_at: when(product.updated_at),
            archived_at: product.archived_at.map(when).unwrap_or_default(),
            rows: ComponentRow::with_errors(rows, &component_errors),
            product,
            form,
            errors,
            component_errors,
            done: None,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    done: Option<String>,
}

/// `GET /ui/products/{sku}`
pub async fn page(
    staff: Staff,
    State(s): State<AppState>,
    Path(sku): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    match s.store.product(&sku).await {
        Ok(product) => {
            let mut page = ProductPage::new(staff.chrome("catalog"), product, None, None);
            page.done = match q.done.as_deref() {
                Some("created") => Some("Product created."),
                Some("updated") => Some("Product saved."),
                Some("components") => Some("Kit components saved."),
                _ => None,
            };
            render(&page)
        }
        Err(e) => failed(e),
    }
}
