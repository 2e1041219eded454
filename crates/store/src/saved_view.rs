//! Saved views of the order list: per user, a name and the list's query string. What
//! a valid view is, is `switchyard_core::order_list`'s; saving a name the user already
//! has replaces its filters.

use jiff::Timestamp;
use switchyard_core::id::{SavedViewId, UserId};
use switchyard_core::order_list::{NewView, VIEWS_MAX};

use crate::Store;
use crate::db::{self, get_id, get_time, micros};
use crate::error::{StoreError, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedView {
    pub id: SavedViewId,
    pub name: String,
    /// The order list's query string (`status=on_hold&channel=amazon`).
    pub query: String,
    pub created_at: Timestamp,
}

impl Store {
    /// Saves `view` for `user` under its name, replacing a view of that name; refuses a
    /// new name past `VIEWS_MAX` views.
    pub async fn save_view(&self, user: &UserId, view: &NewView) -> StoreResult<SavedView> {
        let query = view.filters.query();
        let now = self.now();
        let id = transact!(self, |tx| {
            let existing = db::query("SELECT id FROM saved_view WHERE user_id = $1 AND name = $2")
                .bind(user.as_str())
                .bind(&view.name)
                .fetch_optional(&mut ***tx)
                .await?;
            if let Some(row) = existing {
                let id: SavedViewId = get_id(&row, "id")?;
                db::query("UPDATE saved_view SET query = $1 WHERE id = $2")
                    .bind(&query)
                    .bind(id.as_str())
                    .execute(&mut ***tx)
                    .await?;
                return Ok(id);
            }
            let count: i64 = db::query("SELECT COUNT(*) AS n FROM saved_view WHERE user_id = $1")
                .bind(user.as_str())
                .fetch_one(&mut ***tx)
                .await?
                .try_get("n")?;
            if count >= VIEWS_MAX as i64 {
                return Err(StoreError::Conflict {
                    code: "too_many_views",
                    message: format!("You have {VIEWS_MAX} saved views: delete one to save another."),
                });
            }
            let id = SavedViewId::new_at(now);
            db::query("INSERT INTO saved_view (id, user_id, name, query, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(id.as_str())
                .bind(user.as_str())
                .bind(&view.name)
                .bind(&query)
                .bind(micros(now))
                .execute(&mut ***tx)
                .await?;
            Ok(id)
        })?;
        Ok(SavedView {
            id,
            name: view.name.clone(),
            query,
            created_at: now,
        })
    }

    /// The views of `user`, by name.
    pub async fn saved_views(&self, user: &UserId) -> StoreResult<Vec<SavedView>> {
        let rows = db::query("SELECT id, name, query, created_at FROM saved_view WHERE user_id = $1 ORDER BY name, id")
            .bind(user.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(SavedView {
                    id: get_id(r, "id")?,
                    name: r.try_get("name")?,
                    query: r.try_get("query")?,
                    created_at: get_time(r, "created_at")?,
                })
            })
            .collect()
    }

    /// Deletes a view of `user`'s; the view deleted (another user's is not found).
    pub async fn delete_view(&self, user: &UserId, id: &SavedViewId) -> StoreResult<SavedView> {
        let view = self
            .saved_views(user)
            .await?
            .into_iter()
            .find(|v| &v.id == id)
            .ok_or_else(|| StoreError::NotFound {
                resource: "saved view",
                key: id.to_string(),
            })?;
        transact!(self, |tx| {
            db::query("DELETE FROM saved_view WHERE id = $1 AND user_id = $2")
                .bind(id.as_str())
                .bind(user.as_str())
                .execute(&mut ***tx)
                .await?;
            Ok(())
        })?;
        Ok(view)
    }
}
