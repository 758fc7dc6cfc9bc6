//! Extractors: the [`Db`], the request's session ([`DbSession`], [`SessionGuard`]), the
//! engine ([`DbEngine`]) and the statements the request ran ([`RecordedQueries`]).

use std::ops::{Deref, DerefMut};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use philtre::{Engine, QueryRecorder, RecordedQuery};
use philtre_orm::{ScopedGuard, ScopedSession, Session};

use crate::db::Db;
use crate::error::HttpError;

fn db_of(parts: &Parts) -> Result<Db, HttpError> {
    parts.extensions.get::<Db>().cloned().ok_or_else(|| {
        HttpError::internal("no Db in the request: add `.layer(db.layer())` to the router")
    })
}

/// The application's [`Db`], put in the request by [`DbLayer`](crate::DbLayer).
impl<S: Send + Sync> FromRequestParts<S> for Db {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        db_of(parts)
    }
}

/// The request's session of the default bind, as a scoped handle (`db.session`): each
/// call (`add`, `commit`, `query::<User>()`...) locks the request's session only while
/// it runs, so `User::query()` may be used beside it.
#[derive(Debug, Clone)]
pub struct DbSession(pub ScopedSession);

impl Deref for DbSession {
    type Target = ScopedSession;
    fn deref(&self) -> &ScopedSession {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for DbSession {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(DbSession(db_of(parts)?.session().clone()))
    }
}

/// The request's [`Session`] of the default bind, locked for the whole handler: the full
/// session API (`pending()`, `objects()`, `expunge`...) through `Deref`/`DerefMut`. While
/// it lives, other uses of the same scoped session in this request (`User::query()`,
/// [`DbSession`]) get `OrmError::SessionBusy`: use one or the other.
#[derive(Debug)]
pub struct SessionGuard(pub ScopedGuard);

impl Deref for SessionGuard {
    type Target = Session;
    fn deref(&self) -> &Session {
        &self.0
    }
}

impl DerefMut for SessionGuard {
    fn deref_mut(&mut self) -> &mut Session {
        &mut self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SessionGuard {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(SessionGuard(db_of(parts)?.lock_session().await?))
    }
}

/// The default bind's [`Engine`] (`db.engine`), for Core statements outside the session.
#[derive(Debug, Clone)]
pub struct DbEngine(pub Engine);

impl Deref for DbEngine {
    type Target = Engine;
    fn deref(&self) -> &Engine {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for DbEngine {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(DbEngine(db_of(parts)?.engine().clone()))
    }
}

/// The statements this request has run so far (Flask-SQLAlchemy's
/// `get_recorded_queries()`), when the [`Db`] records queries; empty otherwise. Also in
/// the response's extensions, complete, for a middleware outside the layer.
#[derive(Debug, Clone, Default)]
pub struct RecordedQueries(Option<QueryRecorder>);

impl RecordedQueries {
    pub(crate) fn new(recorder: Option<QueryRecorder>) -> Self {
        RecordedQueries(recorder)
    }

    /// Whether queries are being recorded.
    pub fn enabled(&self) -> bool {
        self.0.is_some()
    }

    /// The statements recorded so far, in order.
    pub fn queries(&self) -> Vec<RecordedQuery> {
        self.0
            .as_ref()
            .map(QueryRecorder::queries)
            .unwrap_or_default()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RecordedQueries {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<RecordedQueries>()
            .cloned()
            .unwrap_or_default())
    }
}

/// The statements the current request (task) has run so far, when it records queries.
pub fn recorded_queries() -> Vec<RecordedQuery> {
    QueryRecorder::current()
        .map(|r| r.queries())
        .unwrap_or_default()
}
