//! [`StatementCache`]: a driver's prepared statements by SQL text, least recently used
//! out first. Shared by the drivers so that each only says what it keeps per statement.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

/// Prepared statements (any `S` a driver keeps) by SQL text. A capacity of 0 keeps none.
///
/// ```
/// use philtre_core::statement_cache::StatementCache;
/// let mut cache = StatementCache::new(2);
/// assert_eq!(cache.insert("select 1", 1), None);
/// assert_eq!(cache.insert("select 2", 2), None);
/// assert_eq!(cache.get("select 1"), Some(1));          // now the most recently used
/// assert_eq!(cache.insert("select 3", 3), Some(2));    // the least recently used goes
/// assert_eq!(cache.len(), 2);
/// ```
///
/// Keys are hashed with FxHash, not the standard SipHash: every statement run looks its SQL
/// up here, and SipHash spent ~380 instructions on an 80-byte `SELECT` (a sixth of what
/// compiling it costs). SipHash guards a table against keys chosen to collide; these keys
/// are the application's own SQL (values are bound apart), and a table holds at most
/// `capacity` of them, so colliding keys could at worst slow lookups in a small table.
#[derive(Debug)]
pub struct StatementCache<S> {
    entries: HashMap<String, Entry<S>, FxBuildHasher>,
    capacity: usize,
    clock: u64,
}

#[derive(Debug)]
struct Entry<S> {
    statement: S,
    last_used: u64,
}

impl<S: Clone> StatementCache<S> {
    pub fn new(capacity: usize) -> Self {
        StatementCache {
            entries: HashMap::default(),
            capacity,
            clock: 0,
        }
    }

    /// The statement cached for `sql`, marked as just used.
    pub fn get(&mut self, sql: &str) -> Option<S> {
        self.clock += 1;
        let entry = self.entries.get_mut(sql)?;
        entry.last_used = self.clock;
        Some(entry.statement.clone())
    }

    /// Caches `statement` for `sql`. Returns the statement it pushed out to make room, for
    /// the driver to close on the server. With a capacity of 0 nothing is kept.
    pub fn insert(&mut self, sql: &str, statement: S) -> Option<S> {
        if self.capacity == 0 {
            return None;
        }
        let evicted = if self.entries.len() >= self.capacity && !self.entries.contains_key(sql) {
            // A scan, on a miss only: cheaper than keeping an order on every hit.
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.last_used)
                .map(|(k, _)| k.clone());
            oldest
                .and_then(|k| self.entries.remove(&k))
                .map(|e| e.statement)
        } else {
            None
        };
        self.clock += 1;
        self.entries.insert(
            sql.to_owned(),
            Entry {
                statement,
                last_used: self.clock,
            },
        );
        evicted
    }

    pub fn remove(&mut self, sql: &str) -> Option<S> {
        self.entries.remove(sql).map(|e| e.statement)
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
