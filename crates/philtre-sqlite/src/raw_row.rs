//! A rusqlite row as a [`RawRow`]: integers and text of plainly declared columns are read
//! straight into the caller's types; everything else decodes by declared type as
//! [`decode`] does.

use std::sync::Arc;

use philtre_core::{PeekedInt, RawRow, Result, Value};
use rusqlite::types::ValueRef;

use crate::convert::{decode, Decl};
use crate::errors::map_error;

pub(crate) struct SqliteRow<'r, 's> {
    pub(crate) row: &'r rusqlite::Row<'s>,
    pub(crate) decls: &'r [Decl],
    pub(crate) columns: &'r Arc<[String]>,
    /// Reused from row to row by [`RawRow::values`].
    pub(crate) buf: &'r mut Vec<Value>,
    /// What [`RawRow::peek`] last read as an integer, for the field's read that follows.
    pub(crate) peeked: PeekedInt,
}

impl SqliteRow<'_, '_> {
    /// [`RawRow::int`] without the peek's memory.
    fn int_at(&self, i: usize) -> Option<Option<i64>> {
        match (self.row.get_ref(i).ok()?, self.decls.get(i)?) {
            (ValueRef::Null, _) => Some(None),
            (ValueRef::Integer(n), Decl::Storage) => Some(Some(n)),
            _ => None,
        }
    }
}

impl RawRow for SqliteRow<'_, '_> {
    fn columns(&self) -> &Arc<[String]> {
        self.columns
    }

    fn is_null(&self, i: usize) -> bool {
        matches!(self.row.get_ref(i), Ok(ValueRef::Null))
    }

    fn value(&mut self, i: usize) -> Result<Value> {
        self.peek(i)
    }

    fn values(&mut self) -> Result<(&mut [Value], &Arc<[String]>)> {
        self.buf.clear();
        for (i, decl) in self.decls.iter().enumerate() {
            self.buf
                .push(decode(self.row.get_ref(i).map_err(map_error)?, *decl));
        }
        Ok((&mut self.buf[..], self.columns))
    }

    fn peek(&self, i: usize) -> Result<Value> {
        if let Some(n) = self.int_at(i) {
            return Ok(self.peeked.remember(i, n).map_or(Value::Null, Value::Int));
        }
        let decl = self.decls.get(i).copied().unwrap_or(Decl::Storage);
        Ok(decode(self.row.get_ref(i).map_err(map_error)?, decl))
    }

    fn int(&mut self, i: usize) -> Option<Option<i64>> {
        self.peeked.get(i).or_else(|| self.int_at(i))
    }

    /// Text that is not UTF-8 decodes as bytes, so it takes the `value` path.
    fn text(&mut self, i: usize) -> Option<Option<String>> {
        match (self.row.get_ref(i).ok()?, self.decls.get(i)?) {
            (ValueRef::Null, _) => Some(None),
            (ValueRef::Text(t), Decl::Storage) => {
                std::str::from_utf8(t).ok().map(|s| Some(s.to_owned()))
            }
            _ => None,
        }
    }
}
