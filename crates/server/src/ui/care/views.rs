//! Saved views of the order list: `POST /ui/orders/views` saves the filters of the
//! list under a name (a name the user already has gets the new filters), `POST
//! /ui/orders/views/{id}/delete` deletes one. Views are the user's own; each save and
//! delete is on the audit list.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use switchyard_core::id::SavedViewId;
use switchyard_core::order_list::{self, FilterInput};

use super::list::{self, ViewForm};
use crate::AppState;
use crate::ui::{Errors, Staff, error_page, failed, see_other};

#[derive(Debug, Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    name: String,
    #[serde(flatten)]
    filters: FilterInput,
}

pub async fn save(staff: Staff, State(s): State<AppState>, headers: HeaderMap, Form(form): Form<SaveForm>) -> Response {
    let saved = match order_list::new_view(&form.name, &form.filters) {
        Ok(view) => s
            .store
            .save_view(&staff.user().id, &view)
            .await
            .map_err(Errors::from_store),
        Err(errors) => Err(Errors::fields(&errors)),
    };
    match saved {
        Ok(view) => {
            staff
                .audit(
                    &s,
                    "saved_view.save",
                    view.id.as_str(),
                    &format!("{}: {}", view.name, view.query),
                )
                .await;
            see_other(&headers, &format!("{}?{}&done=saved", list::PATH, view.query))
        }
        Err(errors) => {
            let view = ViewForm {
                name: form.name,
                errors,
            };
            list::show(&staff, &s, form.filters, None, view, None).await
        }
    }
}

pub async fn delete(staff: Staff, State(s): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let Some(id) = SavedViewId::parse(&id) else {
        return error_page(StatusCode::NOT_FOUND, "Not found", "There is no such saved view.");
    };
    match s.store.delete_view(&staff.user().id, &id).await {
        Ok(view) => {
            staff
                .audit(
                    &s,
                    "saved_view.delete",
                    view.id.as_str(),
                    &format!("{}: {}", view.name, view.query),
                )
                .await;
            see_other(&headers, &format!("{}?done=deleted", list::PATH))
        }
        Err(e) => failed(e),
    }
}
