//! The per-connection cache of prepared statements, keyed by SQL text.

use std::sync::Arc;

use tokio_postgres::Statement;

use crate::decode::{column_kinds, ColumnKind};

/// How many statements a connection keeps prepared unless told otherwise.
pub const DEFAULT_STATEMENT_CACHE_CAPACITY: usize = 256;

/// A prepared statement, the names of its result columns (shared by every row), and how
/// each column decodes: worked out once, when it is prepared, not at every run.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub stmt: Statement,
    pub columns: Arc<[String]>,
    pub kinds: Arc<[ColumnKind]>,
}

/// Least-recently-used cache of [`Prepared`] statements; a capacity of 0 disables it.
///
/// An evicted [`Statement`] is closed on the server when its last clone is dropped.
#[derive(Debug)]
pub(crate) struct StatementCache {
    inner: philtre_core::statement_cache::StatementCache<Prepared>,
}

impl StatementCache {
    pub(crate) fn new(capacity: usize) -> Self {
        StatementCache {
            inner: philtre_core::statement_cache::StatementCache::new(capacity),
        }
    }

    pub(crate) fn get(&mut self, sql: &str) -> Option<Prepared> {
        self.inner.get(sql)
    }

    /// Caches a freshly prepared statement and returns it with its column names.
    pub(crate) fn insert(&mut self, sql: &str, stmt: Statement) -> Prepared {
        let columns: Arc<[String]> = stmt.columns().iter().map(|c| c.name().to_owned()).collect();
        let kinds = column_kinds(stmt.columns()).into();
        let prepared = Prepared {
            stmt,
            columns,
            kinds,
        };
        // What is pushed out is dropped, which closes it once unused.
        self.inner.insert(sql, prepared.clone());
        prepared
    }

    pub(crate) fn remove(&mut self, sql: &str) {
        self.inner.remove(sql);
    }

    pub(crate) fn clear(&mut self) {
        self.inner.clear();
    }

    pub(crate) fn len(&self) -> usize {
        self.inner.len()
    }
}
