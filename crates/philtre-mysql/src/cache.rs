//! [`StatementCache`]: the connection's prepared statements by SQL text.
//!
//! philtre keeps them itself, with mysql_async's own cache turned off: asking mysql_async
//! for a statement by text parses the text for named parameters on every call, hit or
//! miss, which cost more than the rest of a primary-key lookup on the client.

use std::collections::HashMap;

use mysql_async::Statement;

/// Prepared statements by SQL text; the least recently used one makes room for a new one.
#[derive(Debug)]
pub(crate) struct StatementCache {
    entries: HashMap<String, Entry>,
    capacity: usize,
    clock: u64,
}

#[derive(Debug)]
struct Entry {
    statement: Statement,
    last_used: u64,
}

impl StatementCache {
    pub(crate) fn new(capacity: usize) -> Self {
        StatementCache {
            entries: HashMap::new(),
            capacity: capacity.max(1),
            clock: 0,
        }
    }

    /// The statement prepared for `sql`, if cached.
    pub(crate) fn get(&mut self, sql: &str) -> Option<Statement> {
        self.clock += 1;
        let entry = self.entries.get_mut(sql)?;
        entry.last_used = self.clock;
        Some(entry.statement.clone())
    }

    /// Caches `statement` for `sql`; returns the statement it pushed out, which the caller
    /// closes on the server.
    pub(crate) fn insert(&mut self, sql: &str, statement: Statement) -> Option<Statement> {
        self.clock += 1;
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
        self.entries.insert(
            sql.to_owned(),
            Entry {
                statement,
                last_used: self.clock,
            },
        );
        evicted
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}
