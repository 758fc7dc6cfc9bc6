//! philtre-axum: what Flask-SQLAlchemy gives a Flask app, for axum — configuration from
//! the environment, one session per request removed at teardown, extractors,
//! `get_or_404` / `first_or_404` / `one_or_404`, `paginate`, errors as HTTP responses,
//! and the statements each request ran.
//!
//! The seed's `@app.teardown_appcontext def shutdown_session(): db_session.remove()` is
//! [`Db::layer`]:
//!
//! ```
//! use axum::{extract::Path, routing::get, Json, Router};
//! use philtre_axum::{Db, DbSession, HttpError, PageParams, QueryExt};
//! use philtre_orm::prelude::*;
//!
//! declarative_base!(pub Base);
//!
//! #[derive(Model, Clone, Debug)]
//! pub struct User {
//!     #[column(primary_key)]
//!     pub id: Option<i64>,
//!     #[column(length = 50, unique)]
//!     pub name: Option<String>,
//! }
//!
//! // GET /users/{id}: 404 when missing
//! async fn show(Path(id): Path<i64>) -> Result<String, HttpError> {
//!     let user = User::query().get_or_404(id).await?;
//!     let name = user.read().name.clone().unwrap_or_default();
//!     Ok(name)
//! }
//!
//! // POST /users/{name}: nothing is written unless the handler commits
//! async fn create(session: DbSession, Path(name): Path<String>) -> Result<String, HttpError> {
//!     let u = session.add(User { id: None, name: Some(name) }).await?;
//!     session.commit().await?;
//!     let id = u.read().id.unwrap_or_default();
//!     Ok(id.to_string())
//! }
//!
//! // GET /users?page=2&per_page=10
//! async fn list(session: DbSession, page: PageParams) -> Result<String, HttpError> {
//!     let p = philtre_axum::paginate(&page, || session.query::<User>().order_by(User::id)).await?;
//!     Ok(format!("{} of {}", p.items.len(), p.total))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let db = Db::from_env("app")                     // DATABASE_URL, else sqlite:///instance/app.db
//!     .database_url("sqlite://")                    // (here: in memory)
//!     .base::<Base>()                               // Base's models use the request's session
//!     .build()?;
//! db.create_all().await?;                           // init_db()
//!
//! let app = Router::new()
//!     .route("/users", get(list))
//!     .route("/users/{id}", get(show).post(create))
//!     .layer(db.layer());                           // a session per request, removed at the end
//!
//! // Drive the router as a server would (tests in this crate use a real socket).
//! use tower_service::Service;
//! async fn call(app: &mut Router, method: &str, uri: &str) -> (u16, String) {
//!     let req = axum::http::Request::builder().method(method).uri(uri).body(axum::body::Body::empty()).unwrap();
//!     let resp = app.call(req).await.unwrap();
//!     let status = resp.status().as_u16();
//!     let body = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
//!     (status, String::from_utf8(body.to_vec()).unwrap())
//! }
//! let mut app = app;
//! assert_eq!(call(&mut app, "POST", "/users/admin").await, (200, "1".into()));
//! assert_eq!(call(&mut app, "GET", "/users/1").await, (200, "admin".into()));
//! assert_eq!(call(&mut app, "GET", "/users/2").await.0, 404);
//! assert_eq!(call(&mut app, "GET", "/users?page=1").await, (200, "1 of 1".into()));
//! assert_eq!(call(&mut app, "GET", "/users?page=0").await.0, 400);
//! assert_eq!(db.engine().pool_status().checked_out(), 0);   // every session was removed
//! # Ok(()) }
//! ```
//!
//! # Pieces
//!
//! | Flask-SQLAlchemy | philtre-axum |
//! |---|---|
//! | `db = SQLAlchemy(app)`, `SQLALCHEMY_DATABASE_URI`, `SQLALCHEMY_ENGINE_OPTIONS`, `SQLALCHEMY_ECHO` | [`Db::from_env`]`("app")` / [`Db::builder`], [`DbBuilder`], [`EngineOptions`] |
//! | the default `sqlite:///instance/app.db` | the same, `instance/` created if missing ([`DbBuilder::instance_path`]) |
//! | `SQLALCHEMY_BINDS`, `__bind_key__` | [`DbBuilder::bind`], [`DbBuilder::base_on`], [`Db::session_for`], [`Db::engine_for`] |
//! | `db.session`, removed at teardown | [`Db::layer`] ([`DbLayer`]); extractors [`DbSession`], [`SessionGuard`], [`DbEngine`], [`Db`] |
//! | `get_or_404`, `first_or_404`, `one_or_404` | [`get_or_404`], [`first_or_404`], [`one_or_404`], [`QueryExt`] |
//! | `User.query.paginate()`, `Pagination`, `iter_pages()` | [`paginate`]`(&params, \|\| User::query())`, [`paginate_session`], [`PageParams`], [`Pagination`] |
//! | `abort(404)` | [`HttpError`] (`?` on any `philtre::Error`) |
//! | `SQLALCHEMY_RECORD_QUERIES`, `get_recorded_queries()` | [`DbBuilder::record_queries`], [`RecordedQueries`], [`recorded_queries`] |
//! | `db.create_all()`, `db.drop_all()` | [`Db::create_all`], [`Db::drop_all`] |
//!
//! # The request's session
//!
//! [`DbLayer`] runs every request in a session scope ([`philtre_orm::scope`]): the first use
//! of `db.session()` (or a [`DbSession`], or `User::query()` for a model of a base given
//! to [`DbBuilder::base`]) in the request makes the request's session; when the request
//! ends — response, error response, or a panic in the handler, which becomes a 500 — the
//! layer removes the session of every bind. Removing rolls back whatever the handler did
//! not commit and returns the connection to the pool. A request whose future is dropped
//! (the client went away) drops its sessions, which rolls them back too.
//!
//! # Binds
//!
//! A bind is a named extra database with its own engine and its own scoped session.
//! Flask-SQLAlchemy ties a model to a bind with `__bind_key__`; here a model is tied to a
//! bind through its declarative base: `.base_on::<AuditBase>("audit")` makes every model
//! of `AuditBase` query through the request's `audit` session (`AuditLog::query()`) and
//! makes [`Db::create_all`] create `AuditBase`'s tables on the `audit` engine. Objects
//! are added and committed through that bind's session, `db.session_for("audit")?`. One
//! session does not route statements between engines: a model of one base cannot be
//! written through another bind's session (its table lives in the other database).
//! Core or manually mapped tables join a bind with [`DbBuilder::metadata_on`].
//!
//! # Query recording
//!
//! With [`DbBuilder::record_queries`] (or `DATABASE_RECORD_QUERIES=1`), every statement
//! run in the request's task is recorded: SQL with placeholders, the bound values
//! (never spliced in), and its duration. Handlers read them with the
//! [`RecordedQueries`] extractor or [`recorded_queries`]; the complete list is also in
//! the response's extensions and logged at DEBUG (target `philtre_axum::queries`).
//! Statements run in tasks the handler spawns are not recorded.
//!
//! # Limits
//!
//! - A panic is caught only when the program unwinds (`panic = "abort"` ends the process).
//! - Work a handler moves to another task (`tokio::spawn`) is outside the request's scope:
//!   it has no request session and its statements are not recorded.
//! - Every checkout of an in-memory SQLite engine (`sqlite://`) is the same connection
//!   (SQLAlchemy's `StaticPool`), so requests that overlap in time share one transaction
//!   there: use a file (or a server) for a server that takes concurrent writes.
//! - The `test-client` is for tests on 127.0.0.1, one request per connection; it is not a
//!   general HTTP client.
//!
//! # Features
//!
//! | feature | default | what |
//! |---|---|---|
//! | `sqlite` | yes | `philtre-orm/sqlite` |
//! | `postgres` | no | `philtre-orm/postgres` |
//! | `mysql` | no | `philtre-orm/mysql` |
//! | `test-client` | no | [`test_client::TestClient`], a small HTTP/1.1 client for tests over 127.0.0.1 |

mod config;
mod db;
mod error;
mod extract;
mod helpers;
mod layer;
mod pagination;
#[cfg(feature = "test-client")]
pub mod test_client;

pub use config::{DbBuilder, EngineOptions, DEFAULT_BIND};
pub use db::Db;
pub use error::HttpError;
pub use extract::{recorded_queries, DbEngine, DbSession, RecordedQueries, SessionGuard};
pub use helpers::{first_or_404, get_or_404, one_or_404, QueryExt};
pub use layer::{DbLayer, DbService};
pub use pagination::{
    paginate, paginate_session, PageParams, Pagination, DEFAULT_MAX_PER_PAGE, DEFAULT_PER_PAGE,
};
pub use philtre::{QueryRecorder, RecordedQuery};
