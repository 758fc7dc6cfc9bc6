//! What a connection keeps between statements: its prepared statements by SQL text, and
//! the last result's column names and decoders.
//!
//! philtre keeps the statements itself, with mysql_async's own cache turned off: asking
//! mysql_async for a statement by text parses the text for named parameters on every call,
//! hit or miss, which cost more than the rest of a primary-key lookup on the client. What
//! the cache pushes out, the caller closes on the server.

use std::sync::Arc;

use mysql_async::consts::{ColumnFlags, ColumnType};
use mysql_async::Column;

use crate::raw_row::Fast;

/// Prepared statements by SQL text; the least recently used one makes room for a new one.
pub(crate) type StatementCache =
    philtre_core::statement_cache::StatementCache<mysql_async::Statement>;

/// A connection's caches, handed together to each operation.
#[derive(Debug)]
pub(crate) struct Caches {
    pub(crate) statements: StatementCache,
    pub(crate) columns: LastColumns,
}

/// The last result's column names and fast decoders, given again to the next result with
/// the same columns (a repeated query), so that it allocates no names.
///
/// Matched on what the decoders depend on as well as the names: a table changed under a
/// prepared statement gives a result of other types, and gets decoders of its own.
#[derive(Debug)]
pub(crate) struct LastColumns {
    names: Arc<[String]>,
    fast: Arc<[Fast]>,
    shapes: Vec<Shape>,
}

/// What [`Fast::of`] reads from a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shape {
    ty: ColumnType,
    length: u32,
    charset: u16,
    flags: ColumnFlags,
}

impl Shape {
    fn of(c: &Column) -> Shape {
        Shape {
            ty: c.column_type(),
            length: c.column_length(),
            charset: c.character_set(),
            flags: c.flags(),
        }
    }
}

impl Default for LastColumns {
    fn default() -> Self {
        LastColumns {
            names: Arc::from([]),
            fast: Arc::from([]),
            shapes: Vec::new(),
        }
    }
}

impl LastColumns {
    /// The names and decoders of `columns`: the last ones again when they match.
    pub(crate) fn of(&mut self, columns: &[Column]) -> (Arc<[String]>, Arc<[Fast]>) {
        let same =
            self.names.len() == columns.len()
                && columns.iter().zip(self.names.iter().zip(&self.shapes)).all(
                    |(c, (name, shape))| c.name_ref() == name.as_bytes() && Shape::of(c) == *shape,
                );
        if !same {
            self.names = columns.iter().map(|c| c.name_str().into_owned()).collect();
            self.fast = columns.iter().map(Fast::of).collect();
            self.shapes = columns.iter().map(Shape::of).collect();
        }
        (self.names.clone(), self.fast.clone())
    }
}
