//! A mysql_async row as a [`RawRow`]: integers and plain text are moved straight into the
//! caller's types; everything else converts as [`from_mysql`] converts it.

use std::sync::Arc;

use mysql_async::consts::{ColumnFlags, ColumnType};
use mysql_async::{Column, Value as My};
use philtre_core::{Error, RawRow, Result, Value};

use crate::value::{from_mysql, BINARY_CHARSET};

/// Which columns of a result may skip [`from_mysql`], worked out once per result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fast {
    /// An integer column that `from_mysql` reads as `Value::Int` (not a `TINYINT(1)`).
    Int,
    /// A character column without a binary collation: `from_mysql` gives `Value::Text`.
    Text,
    None,
}

impl Fast {
    pub(crate) fn of(column: &Column) -> Fast {
        use ColumnType as T;
        match column.column_type() {
            T::MYSQL_TYPE_TINY if column.column_length() == 1 => Fast::None,
            T::MYSQL_TYPE_TINY
            | T::MYSQL_TYPE_SHORT
            | T::MYSQL_TYPE_LONG
            | T::MYSQL_TYPE_INT24
            | T::MYSQL_TYPE_LONGLONG
            | T::MYSQL_TYPE_YEAR => Fast::Int,
            T::MYSQL_TYPE_VARCHAR
            | T::MYSQL_TYPE_VAR_STRING
            | T::MYSQL_TYPE_STRING
            | T::MYSQL_TYPE_TINY_BLOB
            | T::MYSQL_TYPE_MEDIUM_BLOB
            | T::MYSQL_TYPE_LONG_BLOB
            | T::MYSQL_TYPE_BLOB
                if column.character_set() != BINARY_CHARSET
                    && !column.flags().contains(ColumnFlags::BINARY_FLAG) =>
            {
                Fast::Text
            }
            _ => Fast::None,
        }
    }
}

pub(crate) struct MyRawRow<'a> {
    pub(crate) values: Vec<Option<My>>,
    pub(crate) columns: &'a [Column],
    pub(crate) fast: &'a [Fast],
    pub(crate) names: &'a Arc<[String]>,
    /// Reused from row to row by [`RawRow::values`].
    pub(crate) buf: &'a mut Vec<Value>,
}

impl MyRawRow<'_> {
    fn fast(&self, i: usize) -> Fast {
        self.fast.get(i).copied().unwrap_or(Fast::None)
    }

    /// [`RawRow::int`], which leaves the column in the row.
    fn int_at(&self, i: usize) -> Option<Option<i64>> {
        match self.values.get(i)? {
            None | Some(My::NULL) => Some(None),
            Some(My::Int(n)) if self.fast(i) == Fast::Int => Some(Some(*n)),
            Some(My::UInt(u)) if self.fast(i) == Fast::Int => i64::try_from(*u).ok().map(Some),
            _ => None,
        }
    }
}

impl RawRow for MyRawRow<'_> {
    fn columns(&self) -> &Arc<[String]> {
        self.names
    }

    fn is_null(&self, i: usize) -> bool {
        matches!(self.values.get(i), Some(None | Some(My::NULL)))
    }

    fn value(&mut self, i: usize) -> Result<Value> {
        let (Some(slot), Some(column)) = (self.values.get_mut(i), self.columns.get(i)) else {
            return Err(Error::NoSuchRowColumn(format!("at position {i}")));
        };
        from_mysql(column, slot.take().unwrap_or(My::NULL))
    }

    /// A copy: the column stays in the row. An integer (a key, usually) is read in place.
    fn peek(&self, i: usize) -> Result<Value> {
        if let Some(n) = self.int_at(i) {
            return Ok(n.map_or(Value::Null, Value::Int));
        }
        let (Some(slot), Some(column)) = (self.values.get(i), self.columns.get(i)) else {
            return Err(Error::NoSuchRowColumn(format!("at position {i}")));
        };
        from_mysql(column, slot.clone().unwrap_or(My::NULL))
    }

    fn values(&mut self) -> Result<(&mut [Value], &Arc<[String]>)> {
        self.buf.clear();
        for (slot, column) in self.values.iter_mut().zip(self.columns) {
            self.buf
                .push(from_mysql(column, slot.take().unwrap_or(My::NULL))?);
        }
        Ok((&mut self.buf[..], self.names))
    }

    fn int(&mut self, i: usize) -> Option<Option<i64>> {
        self.int_at(i)
    }

    /// Bytes that are not UTF-8 are put back, for `value` to report.
    fn text(&mut self, i: usize) -> Option<Option<String>> {
        let fast = self.fast(i);
        let slot = self.values.get_mut(i)?;
        match slot {
            None | Some(My::NULL) => return Some(None),
            Some(My::Bytes(_)) if fast == Fast::Text => {}
            _ => return None,
        }
        let Some(My::Bytes(bytes)) = slot.take() else {
            return None;
        };
        match String::from_utf8(bytes) {
            Ok(s) => Some(Some(s)),
            Err(e) => {
                *slot = Some(My::Bytes(e.into_bytes()));
                None
            }
        }
    }
}
