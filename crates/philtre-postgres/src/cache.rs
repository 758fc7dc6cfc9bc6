//! The per-connection cache of prepared statements, keyed by SQL text.

use std::collections::HashMap;
use std::sync::Arc;

use tokio_postgres::Statement;

/// How many statements a connection keeps prepared unless told otherwise.
pub const DEFAULT_STATEMENT_CACHE_CAPACITY: usize = 256;

/// A prepared statement and the names of its result columns (shared by every row).
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub stmt: Statement,
    pub columns: Arc<[String]>,
}

#[derive(Debug)]
struct Entry {
    prepared: Prepared,
    last_used: u64,
}

/// Least-recently-used cache; a capacity of 0 disables it.
///
/// An evicted [`Statement`] is closed on the server when its last clone is dropped.
#[derive(Debug)]
pub(crate) struct StatementCache {
    entries: HashMap<String, Entry>,
    capacity: usize,
    clock: u64,
}

impl StatementCache {
    pub(crate) fn new(capacity: usize) -> Self {
        StatementCache {
            entries: HashMap::new(),
            capacity,
            clock: 0,
        }
    }

    pub(crate) fn get(&mut self, sql: &str) -> Option<Prepared> {
        self.clock += 1;
        let entry = self.entries.get_mut(sql)?;
        entry.last_used = self.clock;
        Some(entry.prepared.clone())
    }

    /// Caches a freshly prepared statement and returns it with its column names.
    pub(crate) fn insert(&mut self, sql: &str, stmt: Statement) -> Prepared {
        let columns: Arc<[String]> = stmt.columns().iter().map(|c| c.name().to_owned()).collect();
        let prepared = Prepared { stmt, columns };
        if self.capacity == 0 {
            return prepared;
        }
        if self.entries.len() >= self.capacity && !self.entries.contains_key(sql) {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.last_used)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                self.entries.remove(&k);
            }
        }
        self.clock += 1;
        self.entries.insert(
            sql.to_owned(),
            Entry {
                prepared: prepared.clone(),
                last_used: self.clock,
            },
        );
        prepared
    }

    pub(crate) fn remove(&mut self, sql: &str) {
        self.entries.remove(sql);
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}
