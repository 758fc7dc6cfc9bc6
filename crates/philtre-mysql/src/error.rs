//! Mapping mysql_async's errors onto philtre's [`Error`] (the table is in the crate docs).

use mysql_async::{DriverError, ServerError};
use philtre_core::{DatabaseError, DbErrorKind, Error};

/// Server error numbers that mean the session is gone: server gone away (2006), lost during
/// a query (2013), connection killed (1927, MariaDB), server shutdown (1053), and MySQL 8's
/// disconnect for inactivity (4031).
const CONNECTION_GONE: &[u16] = &[2006, 2013, 1927, 1053, 4031];

/// The portable kind of a MySQL/MariaDB error number.
pub(crate) fn kind_of(code: u16) -> DbErrorKind {
    match code {
        1062 | 1586 => DbErrorKind::UniqueViolation,
        1451 | 1452 | 1216 | 1217 => DbErrorKind::ForeignKeyViolation,
        1048 | 1364 => DbErrorKind::NotNullViolation,
        3819 | 4025 => DbErrorKind::CheckViolation,
        1213 => DbErrorKind::Deadlock,
        1205 => DbErrorKind::Busy,
        1146 | 1051 => DbErrorKind::UndefinedTable,
        1054 => DbErrorKind::UndefinedColumn,
        1064 => DbErrorKind::Syntax,
        1290 | 1792 => DbErrorKind::ReadOnly,
        _ => DbErrorKind::Other,
    }
}

/// A server error as philtre's [`Error::Database`], or [`Error::ConnectionLost`] for the
/// numbers that mean the session ended.
pub(crate) fn server_error(e: ServerError) -> Error {
    if CONNECTION_GONE.contains(&e.code) {
        return Error::ConnectionLost(format!("MySQL error {}: {}", e.code, e.message));
    }
    Error::Database(DatabaseError {
        kind: kind_of(e.code),
        backend: "mysql",
        code: e.code.to_string(),
        message: format!("{} (SQLSTATE {})", e.message, e.state),
    })
}

/// Any mysql_async error. Client-side parameter mistakes are [`Error::InvalidStatement`] (the
/// connection stays usable); I/O, protocol and every other driver failure leave the
/// connection in an unknown state and are [`Error::ConnectionLost`].
pub(crate) fn map_error(e: mysql_async::Error) -> Error {
    match e {
        mysql_async::Error::Server(e) => server_error(e),
        mysql_async::Error::Driver(
            d @ (DriverError::StmtParamsMismatch { .. }
            | DriverError::StmtParamsNumberExceedsLimit { .. }
            | DriverError::Params(_)
            | DriverError::MixedParams),
        ) => Error::InvalidStatement(d.to_string()),
        mysql_async::Error::Url(u) => Error::Config(u.to_string()),
        other => Error::ConnectionLost(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(code: u16) -> mysql_async::Error {
        mysql_async::Error::Server(ServerError {
            code,
            message: "boom".into(),
            state: "23000".into(),
        })
    }

    #[test]
    fn numbers_map_to_kinds_and_keep_the_code() {
        match map_error(server(1062)) {
            Error::Database(e) => {
                assert_eq!(e.kind, DbErrorKind::UniqueViolation);
                assert_eq!((e.backend, e.code.as_str()), ("mysql", "1062"));
                assert_eq!(e.message, "boom (SQLSTATE 23000)");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(kind_of(1452), DbErrorKind::ForeignKeyViolation);
        assert_eq!(kind_of(4025), DbErrorKind::CheckViolation);
        assert_eq!(kind_of(1205), DbErrorKind::Busy);
        assert_eq!(kind_of(1792), DbErrorKind::ReadOnly);
        assert_eq!(kind_of(1292), DbErrorKind::Other);
    }

    #[test]
    fn gone_sessions_are_connection_lost() {
        for code in [2006, 2013, 1927, 1053] {
            assert!(map_error(server(code)).is_connection_lost(), "{code}");
        }
        let eof = mysql_async::Error::Driver(DriverError::ConnectionClosed);
        assert!(map_error(eof).is_connection_lost());
        let params = mysql_async::Error::Driver(DriverError::StmtParamsMismatch {
            required: 2,
            supplied: 1,
        });
        assert!(matches!(map_error(params), Error::InvalidStatement(_)));
    }
}
