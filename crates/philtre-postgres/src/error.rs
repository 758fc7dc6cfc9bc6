//! Turning tokio-postgres errors into philtre's [`Error`], by SQLSTATE.

use std::error::Error as _;

use philtre_core::{DatabaseError, DbErrorKind, Error};
use tokio_postgres::error::DbError;

/// The backend name carried by [`DatabaseError::backend`].
pub(crate) const BACKEND: &str = "postgresql";

/// The portable kind of an SQLSTATE, or `None` when the code means the session is gone.
pub(crate) fn kind_of(code: &str) -> Option<DbErrorKind> {
    let kind = match code {
        "23505" => DbErrorKind::UniqueViolation,
        "23503" => DbErrorKind::ForeignKeyViolation,
        "23502" => DbErrorKind::NotNullViolation,
        "23514" => DbErrorKind::CheckViolation,
        "40001" => DbErrorKind::SerializationFailure,
        "40P01" => DbErrorKind::Deadlock,
        "55P03" => DbErrorKind::Busy,
        "42P01" => DbErrorKind::UndefinedTable,
        "42703" => DbErrorKind::UndefinedColumn,
        "42601" => DbErrorKind::Syntax,
        "25006" => DbErrorKind::ReadOnly,
        "57P01" | "57P02" | "57P03" => return None,
        c if c.starts_with("08") => return None,
        _ => DbErrorKind::Other,
    };
    Some(kind)
}

/// Whether the error leaves the connection unusable.
pub(crate) fn is_fatal(err: &Error) -> bool {
    matches!(err, Error::ConnectionLost(_))
}

/// Maps an error from a statement run on an open connection.
pub(crate) fn map(err: &tokio_postgres::Error) -> Error {
    if let Some(db) = err.as_db_error() {
        return map_db(db);
    }
    if err.is_closed() {
        return Error::ConnectionLost(format!("the connection to PostgreSQL is closed: {err}"));
    }
    if let Some(io) = err
        .source()
        .and_then(|s| s.downcast_ref::<std::io::Error>())
    {
        return Error::ConnectionLost(format!("I/O error talking to PostgreSQL: {io}"));
    }
    let text = err.to_string();
    // A reply the client could not make sense of: the protocol is out of step.
    if text.starts_with("unexpected message") || text.starts_with("error parsing response") {
        return Error::ConnectionLost(format!("PostgreSQL protocol error: {text}"));
    }
    Error::Database(DatabaseError {
        kind: DbErrorKind::Other,
        backend: BACKEND,
        code: String::new(),
        message: match err.source() {
            Some(src) => format!("{text}: {src}"),
            None => text,
        },
    })
}

/// Maps a server error response, keeping the SQLSTATE as the code.
pub(crate) fn map_db(db: &DbError) -> Error {
    let code = db.code().code();
    let mut message = db.message().to_owned();
    if let Some(detail) = db.detail() {
        message.push_str(" (");
        message.push_str(detail);
        message.push(')');
    }
    match kind_of(code) {
        Some(kind) => Error::Database(DatabaseError {
            kind,
            backend: BACKEND,
            code: code.to_owned(),
            message,
        }),
        None => Error::ConnectionLost(format!("{message} (SQLSTATE {code})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstate_table() {
        for (code, kind) in [
            ("23505", Some(DbErrorKind::UniqueViolation)),
            ("23503", Some(DbErrorKind::ForeignKeyViolation)),
            ("23502", Some(DbErrorKind::NotNullViolation)),
            ("23514", Some(DbErrorKind::CheckViolation)),
            ("40001", Some(DbErrorKind::SerializationFailure)),
            ("40P01", Some(DbErrorKind::Deadlock)),
            ("42P01", Some(DbErrorKind::UndefinedTable)),
            ("42703", Some(DbErrorKind::UndefinedColumn)),
            ("42601", Some(DbErrorKind::Syntax)),
            ("25006", Some(DbErrorKind::ReadOnly)),
            ("22012", Some(DbErrorKind::Other)),
            ("57P01", None),
            ("57P02", None),
            ("57P03", None),
            ("08006", None),
            ("08P01", None),
        ] {
            assert_eq!(kind_of(code), kind, "{code}");
        }
    }
}
