//! [`HttpError`]: errors as HTTP responses (Flask's `abort(404)`), with `?` from
//! `philtre::Error`.

use std::fmt;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use philtre::{DbErrorKind, Error, OrmError};

/// An error a handler returns: a status, a message for the client, and the database
/// error behind it (if any), which is logged rather than sent.
///
/// Converted from [`philtre::Error`] by `?`:
///
/// | error | status |
/// |---|---|
/// | `NoResultFound` | 404 Not Found |
/// | unique or foreign-key violation | 409 Conflict |
/// | not-null or check violation | 422 Unprocessable Entity |
/// | pool timeout, busy database, deadlock, serialization failure | 503 Service Unavailable |
/// | anything else | 500 Internal Server Error |
///
/// The body is JSON, `{"status": 404, "error": "User not found"}`. A 5xx body never
/// carries the underlying error's text (SQL, server messages): that goes to `tracing`.
///
/// ```
/// use axum::http::StatusCode;
/// use philtre_axum::HttpError;
/// let e: HttpError = philtre::Error::NoResultFound.into();
/// assert_eq!(e.status(), StatusCode::NOT_FOUND);
/// let e: HttpError = philtre::Error::ConnectionLost("server closed".into()).into();
/// assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
/// assert_eq!(e.message(), "internal server error");
/// ```
#[derive(Debug)]
pub struct HttpError {
    status: StatusCode,
    message: String,
    source: Option<Error>,
}

impl HttpError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        HttpError {
            status,
            message: message.into(),
            source: None,
        }
    }

    /// 404, Flask's `abort(404)`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 400: a request the handler cannot make sense of.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 500. `reason` is logged; the client sees only "internal server error".
    pub fn internal(reason: impl Into<String>) -> Self {
        let reason = reason.into();
        tracing::error!(target: "philtre_axum", %reason, "internal server error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// What the client is told.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The database error behind this response, if any.
    pub fn source_error(&self) -> Option<&Error> {
        self.source.as_ref()
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.message)?;
        if let Some(e) = &self.source {
            write!(f, " ({e})")?;
        }
        Ok(())
    }
}

impl std::error::Error for HttpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<Error> for HttpError {
    fn from(e: Error) -> Self {
        let (status, message) = match &e {
            Error::NoResultFound => (StatusCode::NOT_FOUND, "not found".to_owned()),
            Error::PoolTimeout { .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is busy; try again".to_owned(),
            ),
            Error::Orm(OrmError::NeedsRollback { .. }) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal server error".to_owned(),
            ),
            Error::Database(db) => match db.kind {
                DbErrorKind::UniqueViolation => (
                    StatusCode::CONFLICT,
                    "conflict: a unique value is already taken".to_owned(),
                ),
                DbErrorKind::ForeignKeyViolation => (
                    StatusCode::CONFLICT,
                    "conflict: a referenced row is missing or still referenced".to_owned(),
                ),
                DbErrorKind::NotNullViolation => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "a required value is missing".to_owned(),
                ),
                DbErrorKind::CheckViolation => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "a value is not allowed".to_owned(),
                ),
                DbErrorKind::Busy | DbErrorKind::Deadlock | DbErrorKind::SerializationFailure => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the database is busy; try again".to_owned(),
                ),
                _ => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal server error".to_owned(),
                ),
            },
            _ => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal server error".to_owned(),
            ),
        };
        HttpError {
            status,
            message,
            source: Some(e),
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            if let Some(e) = &self.source {
                tracing::error!(target: "philtre_axum", error = %e, status = %self.status, "request failed");
            }
        }
        let body = serde_json::json!({ "status": self.status.as_u16(), "error": self.message });
        let mut response = (self.status, body.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use philtre::DatabaseError;

    fn db_error(kind: DbErrorKind) -> Error {
        Error::Database(DatabaseError {
            kind,
            backend: "sqlite",
            code: "2067".into(),
            message: "UNIQUE constraint failed: users.name".into(),
        })
    }

    #[test]
    fn database_errors_map_to_statuses_without_leaking_sql() {
        let e = HttpError::from(db_error(DbErrorKind::UniqueViolation));
        assert_eq!(e.status(), StatusCode::CONFLICT);
        assert!(!e.message().contains("users.name"));
        let e = HttpError::from(db_error(DbErrorKind::Syntax));
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(e.message(), "internal server error");
        let e = HttpError::from(db_error(DbErrorKind::Busy));
        assert_eq!(e.status(), StatusCode::SERVICE_UNAVAILABLE);
        let e = HttpError::from(db_error(DbErrorKind::NotNullViolation));
        assert_eq!(e.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[test]
    fn the_response_is_json() {
        let r = HttpError::not_found("User not found").into_response();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            r.headers()
                .get(header::CONTENT_TYPE)
                .map(HeaderValue::as_bytes),
            Some(&b"application/json"[..])
        );
    }
}
