//! `get_or_404`, `first_or_404`, `one_or_404`: a missing row is a 404 response.

use std::future::Future;

use philtre::Error;
use philtre_orm::{IntoKey, Mapped, Obj, Query, ScopedSession};

use crate::error::HttpError;

fn type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

fn not_found<T>() -> HttpError {
    HttpError::not_found(format!("{} not found", type_name::<T>()))
}

/// The object with this primary key in the request's session, or a 404
/// (`db.get_or_404(User, id)`).
pub async fn get_or_404<T: Mapped>(
    session: &ScopedSession,
    key: impl IntoKey,
) -> Result<Obj<T>, HttpError> {
    session.get::<T>(key).await?.ok_or_else(not_found::<T>)
}

/// The query's first object, or a 404 (`query.first_or_404()`).
pub async fn first_or_404<T: Mapped>(query: Query<'_, T>) -> Result<Obj<T>, HttpError> {
    query.first().await?.ok_or_else(not_found::<T>)
}

/// The query's only object; no object, or more than one, is a 404 as in Flask-SQLAlchemy
/// (`query.one_or_404()`).
pub async fn one_or_404<T: Mapped>(query: Query<'_, T>) -> Result<Obj<T>, HttpError> {
    match query.one().await {
        Ok(obj) => Ok(obj),
        Err(Error::NoResultFound | Error::MultipleResultsFound) => Err(not_found::<T>()),
        Err(e) => Err(e.into()),
    }
}

/// The helpers as methods of a query: `User::query().get_or_404(id)`,
/// `User::query().filter(..).first_or_404()`.
pub trait QueryExt<'s, T: Mapped>: Sized {
    /// The object with this primary key (the query's filters do not apply), or a 404.
    fn get_or_404(
        self,
        key: impl IntoKey + 's,
    ) -> impl Future<Output = Result<Obj<T>, HttpError>> + 's;
    /// See [`first_or_404`].
    fn first_or_404(self) -> impl Future<Output = Result<Obj<T>, HttpError>> + 's;
    /// See [`one_or_404`].
    fn one_or_404(self) -> impl Future<Output = Result<Obj<T>, HttpError>> + 's;
}

impl<'s, T: Mapped> QueryExt<'s, T> for Query<'s, T> {
    async fn get_or_404(self, key: impl IntoKey + 's) -> Result<Obj<T>, HttpError> {
        self.get(key).await?.ok_or_else(not_found::<T>)
    }

    async fn first_or_404(self) -> Result<Obj<T>, HttpError> {
        first_or_404(self).await
    }

    async fn one_or_404(self) -> Result<Obj<T>, HttpError> {
        one_or_404(self).await
    }
}
