//! The application module: routes over `User`, as JSON and as one plain HTML page.
//!
//! Handlers use the seed's `db_session` ([`DB_SESSION`]) and `User::query()` directly: the
//! layer gives each request its own session and removes it at the end
//! (`@app.teardown_appcontext def shutdown_session(): db_session.remove()`).

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::get;
use axum::{Json, Router};
use philtre_axum::{paginate, Db, HttpError, PageParams, Pagination, QueryExt};
use philtre_orm::prelude::*;
use serde::Deserialize;

use crate::database::DB_SESSION;
use crate::models::User;

/// The routes, with the session-per-request layer around them.
pub fn app(db: &Db) -> Router {
    Router::new()
        .route("/users", get(list_users).post(create_user))
        .route("/users.html", get(users_page))
        .route(
            "/users/{id}",
            get(show_user)
                .put(replace_user)
                .patch(update_user)
                .delete(delete_user),
        )
        .layer(db.layer())
}

/// The body of `POST /users` and `PUT /users/{id}`.
#[derive(Debug, Deserialize)]
pub struct NewUser {
    pub name: String,
    pub email: String,
}

/// The body of `PATCH /users/{id}`: the fields to change.
#[derive(Debug, Deserialize)]
pub struct UserPatch {
    pub name: Option<String>,
    pub email: Option<String>,
}

fn check(field: &str, value: &str, max: usize) -> Result<(), HttpError> {
    if value.trim().is_empty() || value.chars().count() > max {
        return Err(HttpError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{field} must be 1 to {max} characters"),
        ));
    }
    Ok(())
}

/// `POST /users {"name": .., "email": ..}` → 201 and the user; 409 if name or email is taken.
async fn create_user(Json(new): Json<NewUser>) -> Result<(StatusCode, Json<User>), HttpError> {
    check("name", &new.name, 50)?;
    check("email", &new.email, 120)?;
    // >>> u = User('admin', 'admin@localhost'); db_session.add(u); db_session.commit()
    let u = DB_SESSION.add(User::new(&new.name, &new.email)).await?;
    DB_SESSION.commit().await?;
    let user = u.read().clone();
    Ok((StatusCode::CREATED, Json(user)))
}

/// `GET /users?page=1&per_page=20` → one page of users, by id.
async fn list_users(page: PageParams) -> Result<Json<Pagination<User>>, HttpError> {
    let users = paginate(&page, || User::query().order_by(User::id)).await?;
    Ok(Json(users.map(|u| u.read().clone())))
}

/// `GET /users/{id}` → the user, or 404.
async fn show_user(Path(id): Path<i64>) -> Result<Json<User>, HttpError> {
    let u = User::query().get_or_404(id).await?;
    let user = u.read().clone();
    Ok(Json(user))
}

/// `PUT /users/{id}` with both fields.
async fn replace_user(
    Path(id): Path<i64>,
    Json(new): Json<NewUser>,
) -> Result<Json<User>, HttpError> {
    update(
        id,
        UserPatch {
            name: Some(new.name),
            email: Some(new.email),
        },
    )
    .await
}

/// `PATCH /users/{id}` with the fields to change.
async fn update_user(
    Path(id): Path<i64>,
    Json(patch): Json<UserPatch>,
) -> Result<Json<User>, HttpError> {
    update(id, patch).await
}

async fn update(id: i64, patch: UserPatch) -> Result<Json<User>, HttpError> {
    let u = User::query().get_or_404(id).await?;
    {
        let mut user = u.write();
        if let Some(name) = patch.name {
            check("name", &name, 50)?;
            user.name = Some(name);
        }
        if let Some(email) = patch.email {
            check("email", &email, 120)?;
            user.email = Some(email);
        }
    }
    DB_SESSION.commit().await?; // UPDATE of the changed columns only
    let user = u.read().clone();
    Ok(Json(user))
}

/// `DELETE /users/{id}` → 204, or 404.
async fn delete_user(Path(id): Path<i64>) -> Result<StatusCode, HttpError> {
    let u = User::query().get_or_404(id).await?;
    DB_SESSION.delete(&u).await?;
    DB_SESSION.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /users.html?page=1`: a plain HTML list with a pager.
async fn users_page(page: PageParams) -> Result<Html<String>, HttpError> {
    let users = paginate(&page, || User::query().order_by(User::id)).await?;
    let mut html = String::from(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Users</title></head><body>\n<h1>Users</h1>\n<ul>\n",
    );
    for u in &users.items {
        let u = u.read();
        html.push_str(&format!(
            "<li>{} &lt;{}&gt;</li>\n",
            escape(u.name.as_deref().unwrap_or("")),
            escape(u.email.as_deref().unwrap_or(""))
        ));
    }
    html.push_str("</ul>\n<p>");
    for n in users.iter_pages_default() {
        match n {
            Some(n) if n == users.page => html.push_str(&format!("<strong>{n}</strong> ")),
            Some(n) => html.push_str(&format!("<a href=\"/users.html?page={n}\">{n}</a> ")),
            None => html.push_str("… "),
        }
    }
    html.push_str(&format!(
        "</p>\n<p>{} users</p>\n</body></html>\n",
        users.total
    ));
    Ok(Html(html))
}

/// Text for HTML: `&`, `<`, `>`, `"` and `'` escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
