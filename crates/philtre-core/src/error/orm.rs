//! [`OrmError`]: what the session layer (`philtre-orm`) reports, inside [`Error::Orm`](crate::Error::Orm).
//!
//! It lives in core so that every layer shares one [`Error`](crate::Error) type: `?` works
//! across the engine, the expression language and the ORM.

/// Session, mapping and scope errors of the ORM layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OrmError {
    /// The type has no table: the manual mapping was never registered.
    #[error("{type_name} is not mapped: call mapper::<{type_name}>(&table)")]
    NotMapped { type_name: &'static str },

    /// The type's columns and the table do not fit together.
    #[error("cannot map {type_name} to table {table:?}: {reason}")]
    InvalidMapping {
        type_name: &'static str,
        table: String,
        reason: String,
    },

    /// A flush failed and the session's transaction was rolled back; the session refuses
    /// further work until `rollback()` (SQLAlchemy's `PendingRollbackError`).
    #[error("this session's transaction was rolled back after an error during flush ({reason}); call rollback() before using the session again")]
    NeedsRollback { reason: String },

    /// A scoped session was used outside any scope.
    #[error("no session scope: run this code inside ScopedSession::scope(...)")]
    NoScope,

    /// The scope's session is already borrowed (a guard from `session()` is alive).
    #[error(
        "the scoped session is already in use in this scope: drop the guard from session() first"
    )]
    SessionBusy,

    /// The object is in the wrong state for the operation (e.g. deleting a transient object).
    #[error("{type_name} object is {state}: {reason}")]
    InvalidState {
        type_name: &'static str,
        state: &'static str,
        reason: String,
    },

    /// The session needs the object while a `read()`/`write()` guard on it is held.
    #[error("a {type_name} object is locked by a read()/write() guard; drop the guard before flushing or loading")]
    ObjectLocked { type_name: &'static str },

    /// Two objects of the session would have the same primary key.
    #[error("another {type_name} object with primary key {key} is already in this session")]
    IdentityConflict {
        type_name: &'static str,
        key: String,
    },

    /// An UPDATE by primary key matched no row (deleted or re-keyed concurrently).
    #[error("UPDATE of {table} row {key} matched {found} rows, expected 1 (was it deleted or changed concurrently?)")]
    StaleData {
        table: String,
        key: String,
        found: u64,
    },
}
