//! [`Error`]: every failure philtre reports, typed so a program can match on it.

use std::time::Duration;

mod orm;
pub use orm::OrmError;

/// `Result` with philtre's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, from a malformed URL to a constraint violation.
///
/// Nothing a user or a database can cause panics: it arrives here.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL could not be parsed.
    #[error("invalid database URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },

    /// The URL's scheme names no backend philtre knows.
    #[error("unknown database backend {scheme:?} (expected sqlite, postgresql or mysql)")]
    UnknownBackend { scheme: String },

    /// The URL names a backend whose Cargo feature is off.
    #[error("the {backend} backend is not enabled: turn on philtre's `{feature}` Cargo feature")]
    BackendNotEnabled {
        backend: &'static str,
        feature: &'static str,
    },

    /// A configuration value is out of range or inconsistent.
    #[error("invalid configuration: {0}")]
    Config(String),

    /// Could not open a connection.
    #[error("could not connect to {url}: {message}")]
    Connect { url: String, message: String },

    /// The connection broke while in use (killed by the server, network gone).
    #[error("connection lost: {0}")]
    ConnectionLost(String),

    /// No pooled connection became free within the acquire timeout.
    #[error("timed out after {waited:?} waiting for a pooled connection (pool size {size})")]
    PoolTimeout { waited: Duration, size: usize },

    /// The database rejected a statement.
    #[error(transparent)]
    Database(#[from] DatabaseError),

    /// A value read from the database does not convert to the requested Rust type.
    #[error("cannot decode column {column:?}: expected {expected}, found {found}")]
    Decode {
        column: String,
        expected: &'static str,
        found: String,
    },

    /// A value bound to a column has the wrong kind for the column's type.
    #[error("type mismatch for column {column:?}: column type is {expected}, value is {found}")]
    TypeMismatch {
        column: String,
        expected: String,
        found: &'static str,
    },

    /// The statement refers to a table the schema does not have.
    #[error("no such table: {0:?}")]
    NoSuchTable(String),

    /// The statement refers to a column the table does not have.
    #[error("table {table:?} has no column {column:?}")]
    NoSuchColumn { table: String, column: String },

    /// A row has no column of that name, or no column at that position.
    #[error("row has no column {0}")]
    NoSuchRowColumn(String),

    /// A bind parameter of a statement was given no value.
    #[error("missing value for bind parameter :{0}")]
    MissingParameter(String),

    /// A value was given for a bind parameter the statement does not have.
    #[error("unexpected parameter {0} (the statement has no such bind)")]
    UnexpectedParameter(String),

    /// The statement cannot be compiled as written.
    #[error("invalid statement: {0}")]
    InvalidStatement(String),

    /// `one()` found no row.
    #[error("no row was found when one was required")]
    NoResultFound,

    /// `one()` / `one_or_none()` found more than one row.
    #[error("multiple rows were found when exactly one was required")]
    MultipleResultsFound,

    /// The operation was given up by the caller or the driver's worker stopped.
    #[error("operation cancelled: {0}")]
    Cancelled(String),

    /// The ORM layer (`philtre-orm`) refused an operation: see [`OrmError`].
    #[error(transparent)]
    Orm(#[from] OrmError),
}

impl Error {
    /// The database error kind, when this is a database error.
    pub fn db_kind(&self) -> Option<DbErrorKind> {
        match self {
            Error::Database(e) => Some(e.kind),
            _ => None,
        }
    }

    /// Whether the connection that produced this error can no longer be used.
    pub fn is_connection_lost(&self) -> bool {
        matches!(self, Error::ConnectionLost(_))
    }
}

/// An error reported by the database server, classified into a portable kind.
///
/// The backend's own code (SQLSTATE, MySQL error number, SQLite extended code) and message
/// are kept. Each driver documents its mapping in its crate docs.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind} ({backend} code {code}): {message}")]
pub struct DatabaseError {
    pub kind: DbErrorKind,
    pub backend: &'static str,
    pub code: String,
    pub message: String,
}

/// Portable classification of a database error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DbErrorKind {
    UniqueViolation,
    ForeignKeyViolation,
    NotNullViolation,
    CheckViolation,
    SerializationFailure,
    Deadlock,
    /// SQLite's "database is locked" after the busy timeout, or a lock wait timeout.
    Busy,
    UndefinedTable,
    UndefinedColumn,
    Syntax,
    /// The database is read-only (`?mode=ro`) or the statement writes where it may not.
    ReadOnly,
    Other,
}

impl std::fmt::Display for DbErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DbErrorKind::UniqueViolation => "unique constraint violated",
            DbErrorKind::ForeignKeyViolation => "foreign key constraint violated",
            DbErrorKind::NotNullViolation => "not-null constraint violated",
            DbErrorKind::CheckViolation => "check constraint violated",
            DbErrorKind::SerializationFailure => "serialization failure",
            DbErrorKind::Deadlock => "deadlock detected",
            DbErrorKind::Busy => "database is busy or locked",
            DbErrorKind::UndefinedTable => "undefined table",
            DbErrorKind::UndefinedColumn => "undefined column",
            DbErrorKind::Syntax => "syntax error",
            DbErrorKind::ReadOnly => "database is read-only",
            DbErrorKind::Other => "database error",
        })
    }
}
