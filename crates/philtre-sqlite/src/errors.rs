//! SQLite errors → philtre [`Error`]s (the mapping table is in the crate docs).

use philtre_core::{DatabaseError, DbErrorKind, Error};

/// The `backend` name carried by every [`DatabaseError`] of this driver.
pub(crate) const BACKEND: &str = "sqlite";

/// `SQLITE_CONSTRAINT_CHECK`.
const CONSTRAINT_CHECK: i32 = 275;
/// `SQLITE_CONSTRAINT_FOREIGNKEY`.
const CONSTRAINT_FOREIGNKEY: i32 = 787;
/// `SQLITE_CONSTRAINT_NOTNULL`.
const CONSTRAINT_NOTNULL: i32 = 1299;
/// `SQLITE_CONSTRAINT_PRIMARYKEY`.
const CONSTRAINT_PRIMARYKEY: i32 = 1555;
/// `SQLITE_CONSTRAINT_UNIQUE`.
const CONSTRAINT_UNIQUE: i32 = 2067;
/// Primary result codes (the low byte of an extended code).
const BUSY: i32 = 5;
const LOCKED: i32 = 6;
const READONLY: i32 = 8;

/// Converts an error raised while running a statement.
pub(crate) fn map_error(err: rusqlite::Error) -> Error {
    match err {
        rusqlite::Error::SqliteFailure(e, message) => {
            let message = message.unwrap_or_else(|| e.to_string());
            Error::Database(DatabaseError {
                kind: classify(e.extended_code, &message),
                backend: BACKEND,
                code: e.extended_code.to_string(),
                message,
            })
        }
        // A prepare error that points into the SQL text (syntax, unknown table or column).
        rusqlite::Error::SqlInputError {
            error, msg, offset, ..
        } => Error::Database(DatabaseError {
            kind: classify(error.extended_code, &msg),
            backend: BACKEND,
            code: error.extended_code.to_string(),
            message: format!("{msg} (at offset {offset})"),
        }),
        rusqlite::Error::MultipleStatement => Error::InvalidStatement(
            "several statements in one call: run them one by one, or through batch()".into(),
        ),
        rusqlite::Error::InvalidParameterCount(given, expected) => Error::InvalidStatement(
            format!("the statement has {expected} parameter(s) but {given} value(s) were given"),
        ),
        rusqlite::Error::NulError(e) => {
            Error::InvalidStatement(format!("SQL text contains a NUL byte: {e}"))
        }
        other => Error::Database(DatabaseError {
            kind: DbErrorKind::Other,
            backend: BACKEND,
            code: String::new(),
            message: other.to_string(),
        }),
    }
}

/// Converts an error raised while opening or configuring a connection.
pub(crate) fn connect_error(url: &str, err: &rusqlite::Error) -> Error {
    Error::Connect {
        url: url.to_owned(),
        message: err.to_string(),
    }
}

/// The portable kind of an SQLite extended result code and its message.
pub(crate) fn classify(extended_code: i32, message: &str) -> DbErrorKind {
    match extended_code {
        CONSTRAINT_UNIQUE | CONSTRAINT_PRIMARYKEY => return DbErrorKind::UniqueViolation,
        CONSTRAINT_NOTNULL => return DbErrorKind::NotNullViolation,
        CONSTRAINT_FOREIGNKEY => return DbErrorKind::ForeignKeyViolation,
        CONSTRAINT_CHECK => return DbErrorKind::CheckViolation,
        _ => {}
    }
    match extended_code & 0xff {
        BUSY | LOCKED => return DbErrorKind::Busy,
        READONLY => return DbErrorKind::ReadOnly,
        _ => {}
    }
    let message = message.to_ascii_lowercase();
    if message.contains("no such table") {
        DbErrorKind::UndefinedTable
    } else if message.contains("no such column") || message.contains("has no column named") {
        DbErrorKind::UndefinedColumn
    } else if message.contains("syntax error")
        || message.contains("incomplete input")
        || message.contains("unrecognized token")
    {
        DbErrorKind::Syntax
    } else {
        DbErrorKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_messages() {
        assert_eq!(
            classify(2067, "UNIQUE constraint failed: t.x"),
            DbErrorKind::UniqueViolation
        );
        assert_eq!(
            classify(1555, "UNIQUE constraint failed: t.id"),
            DbErrorKind::UniqueViolation
        );
        assert_eq!(
            classify(1299, "NOT NULL constraint failed"),
            DbErrorKind::NotNullViolation
        );
        assert_eq!(
            classify(787, "FOREIGN KEY constraint failed"),
            DbErrorKind::ForeignKeyViolation
        );
        assert_eq!(
            classify(275, "CHECK constraint failed"),
            DbErrorKind::CheckViolation
        );
        assert_eq!(classify(5, "database is locked"), DbErrorKind::Busy);
        assert_eq!(classify(517, "database is locked"), DbErrorKind::Busy); // BUSY_SNAPSHOT
        assert_eq!(classify(262, "database table is locked"), DbErrorKind::Busy); // LOCKED_SHAREDCACHE
        assert_eq!(
            classify(8, "attempt to write a readonly database"),
            DbErrorKind::ReadOnly
        );
        assert_eq!(
            classify(1, "no such table: nope"),
            DbErrorKind::UndefinedTable
        );
        assert_eq!(
            classify(1, "no such column: nope"),
            DbErrorKind::UndefinedColumn
        );
        assert_eq!(
            classify(1, "table t has no column named nope"),
            DbErrorKind::UndefinedColumn
        );
        assert_eq!(
            classify(1, "near \"SELEC\": syntax error"),
            DbErrorKind::Syntax
        );
        assert_eq!(classify(1, "incomplete input"), DbErrorKind::Syntax);
        assert_eq!(classify(19, "constraint failed"), DbErrorKind::Other);
        assert_eq!(classify(1, "something else"), DbErrorKind::Other);
    }

    #[test]
    fn keeps_extended_code() {
        let err = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(2067),
            Some("UNIQUE constraint failed: t.x".into()),
        );
        match map_error(err) {
            Error::Database(e) => {
                assert_eq!(e.code, "2067");
                assert_eq!(e.backend, "sqlite");
                assert_eq!(e.message, "UNIQUE constraint failed: t.x");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
