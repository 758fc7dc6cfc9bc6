//! [`RawRow`]: one result row as the driver holds it, read column by column straight into
//! Rust types, with no [`Value`] in between.
//!
//! A typed result (`query_as`, the ORM's loads) asks the driver for each column in the
//! field's own type. The driver answers the common kinds (integers, text) straight from
//! its wire or storage format; anything else, and every case it is unsure of, goes
//! through [`RawRow::value`], the same decoding `query` uses, so errors and conversions
//! are the same on both paths.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::value::Value;

/// One row of a result, before any [`Value`] is built (see the module docs).
///
/// **Each column is read at most once**, by exactly one of [`value`](Self::value),
/// [`int`](Self::int), [`text`](Self::text) or [`values`](Self::values) (which reads them
/// all), so a driver may move the column out. A fast path that answers `None` (not its
/// kind) or `Some(None)` (`NULL`) must leave the column as it was: the caller may then
/// read it through `value`. [`is_null`](Self::is_null) and [`peek`](Self::peek) are not
/// reads.
pub trait RawRow {
    /// The result's column names (the ones `RowSink::columns` received).
    fn columns(&self) -> &Arc<[String]>;

    /// Whether column `i` is `NULL` (false when there is no such column).
    fn is_null(&self, i: usize) -> bool;

    /// Column `i` decoded as `query` decodes it.
    fn value(&mut self, i: usize) -> Result<Value>;

    /// Column `i` as [`value`](Self::value) would give it, without reading it: the column
    /// can still be read. For the identity of a loaded object; a driver that moves
    /// columns out copies it.
    fn peek(&self, i: usize) -> Result<Value>;

    /// Every column decoded as `query` decodes it, in a buffer the driver reuses from row
    /// to row, with the column names: what a sink that wants values after all reads (the
    /// values may be moved out). Counts as a read of every column.
    fn values(&mut self) -> Result<(&mut [Value], &Arc<[String]>)>;

    /// Column `i` as an integer (`Some(None)` for `NULL`), when the driver can read it
    /// straight and [`value`](Self::value) would have given `Value::Int` of it (or
    /// `Value::Null`); `None`, the column unread, otherwise: the caller takes the `value`
    /// path.
    fn int(&mut self, _i: usize) -> Option<Option<i64>> {
        None
    }

    /// Column `i` as text (`Some(None)` for `NULL`), when the driver can read it straight
    /// and [`value`](Self::value) would have given `Value::Text` of it (or `Value::Null`);
    /// `None`, the column unread, otherwise.
    fn text(&mut self, _i: usize) -> Option<Option<String>> {
        None
    }
}

/// For a driver's [`RawRow`]: the integer [`RawRow::peek`] last read, so that the read of
/// the same column that usually follows (a loaded object's key, then the object's field)
/// does not decode it again.
#[derive(Debug, Default)]
pub struct PeekedInt(std::cell::Cell<Option<(usize, Option<i64>)>>);

impl PeekedInt {
    /// Notes that `peek(i)` read the integer `n` (`None` for `NULL`) and gives it back.
    pub fn remember(&self, i: usize, n: Option<i64>) -> Option<i64> {
        self.0.set(Some((i, n)));
        n
    }

    /// What `peek(i)` read, if it was the last column peeked and read as an integer.
    pub fn get(&self, i: usize) -> Option<Option<i64>> {
        match self.0.get() {
            Some((j, n)) if j == i => Some(n),
            _ => None,
        }
    }
}

/// Column `i` of `row` through the `Value` path, naming the column in a decode error.
pub(crate) fn decode_value<T: crate::FromValue>(row: &mut dyn RawRow, i: usize) -> Result<T> {
    let value = row.value(i)?;
    let columns = row.columns();
    let column = columns.get(i).map_or("?", String::as_str);
    value.decode(column)
}

/// A fast path's answer for a column read as `T`; `None` (not answered) takes the `Value`
/// path, which also reports a `NULL` read as a non-optional type.
pub(crate) fn required<T: crate::FromValue>(
    fast: Option<Option<T>>,
    row: &mut dyn RawRow,
    i: usize,
) -> Result<T> {
    match fast {
        Some(Some(v)) => Ok(v),
        _ => decode_value(row, i),
    }
}

/// The same for a column read as `Option<T>`.
pub(crate) fn optional<T: crate::FromValue>(
    fast: Option<Option<T>>,
    row: &mut dyn RawRow,
    i: usize,
) -> Result<Option<T>> {
    match fast {
        Some(v) => Ok(v),
        None => decode_value(row, i),
    }
}

/// A row of values already decoded, as a [`RawRow`]: each value moves out when read.
#[derive(Debug)]
pub struct ValuesRow<'a> {
    columns: &'a Arc<[String]>,
    values: &'a mut [Value],
}

impl<'a> ValuesRow<'a> {
    pub fn new(columns: &'a Arc<[String]>, values: &'a mut [Value]) -> Self {
        ValuesRow { columns, values }
    }
}

impl RawRow for ValuesRow<'_> {
    fn columns(&self) -> &Arc<[String]> {
        self.columns
    }

    fn is_null(&self, i: usize) -> bool {
        self.values.get(i).is_some_and(Value::is_null)
    }

    fn value(&mut self, i: usize) -> Result<Value> {
        self.values
            .get_mut(i)
            .map(std::mem::take)
            .ok_or_else(|| no_such_column(i))
    }

    fn peek(&self, i: usize) -> Result<Value> {
        self.values.get(i).cloned().ok_or_else(|| no_such_column(i))
    }

    fn values(&mut self) -> Result<(&mut [Value], &Arc<[String]>)> {
        Ok((&mut *self.values, self.columns))
    }
}

fn no_such_column(i: usize) -> Error {
    Error::NoSuchRowColumn(format!("at position {i}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FromValue, FromValues};

    /// A row that answers the fast paths and counts how often each path ran.
    struct Fast<'a> {
        inner: ValuesRow<'a>,
        fast: usize,
    }

    impl RawRow for Fast<'_> {
        fn columns(&self) -> &Arc<[String]> {
            self.inner.columns()
        }
        fn is_null(&self, i: usize) -> bool {
            self.inner.is_null(i)
        }
        fn value(&mut self, i: usize) -> Result<Value> {
            self.inner.value(i)
        }
        fn peek(&self, i: usize) -> Result<Value> {
            self.inner.peek(i)
        }
        fn values(&mut self) -> Result<(&mut [Value], &Arc<[String]>)> {
            self.inner.values()
        }
        fn int(&mut self, i: usize) -> Option<Option<i64>> {
            let n = match self.inner.values.get(i)? {
                Value::Int(n) => Some(*n),
                Value::Null => None,
                _ => return None,
            };
            self.fast += 1;
            Some(n)
        }
        fn text(&mut self, i: usize) -> Option<Option<String>> {
            let s = match self.inner.values.get_mut(i)? {
                Value::Text(s) => Some(std::mem::take(s)),
                Value::Null => None,
                _ => return None,
            };
            self.fast += 1;
            Some(s)
        }
    }

    fn columns() -> Arc<[String]> {
        ["id", "name", "note"].map(String::from).into()
    }

    #[test]
    fn tuples_read_fast_paths_and_fall_back() {
        let columns = columns();
        let mut values = vec![Value::Int(7), Value::from("ann"), Value::Null];
        let mut row = Fast {
            inner: ValuesRow::new(&columns, &mut values),
            fast: 0,
        };
        let (id, name, note): (i64, String, Option<String>) =
            FromValues::from_raw(&mut row).unwrap();
        assert_eq!((id, name.as_str(), note), (7, "ann", None));
        assert_eq!(row.fast, 3);
    }

    #[test]
    fn errors_are_the_value_paths() {
        let columns = columns();
        let mut values = vec![Value::from("x"), Value::Null, Value::Int(1)];
        let mut row = ValuesRow::new(&columns, &mut values);
        let err = i64::from_raw(&mut row, 0).unwrap_err();
        assert!(
            matches!(&err, Error::Decode { column, expected: "i64", found } if column == "id" && found == "text"),
            "{err:?}"
        );
        let err = String::from_raw(&mut row, 1).unwrap_err();
        assert!(
            matches!(&err, Error::Decode { found, .. } if found == "null"),
            "{err:?}"
        );
        // An integer read as a string is an error on the fast path's fallback too.
        assert!(String::from_raw(&mut row, 2).is_err());
        assert!(matches!(
            i64::from_raw(&mut row, 9),
            Err(Error::NoSuchRowColumn(_))
        ));
    }

    #[test]
    fn a_peeked_integer_is_given_back_for_its_column_only() {
        let peeked = PeekedInt::default();
        assert_eq!(peeked.get(0), None);
        assert_eq!(peeked.remember(0, Some(7)), Some(7));
        assert_eq!(peeked.get(0), Some(Some(7)));
        assert_eq!(peeked.get(1), None);
        peeked.remember(2, None);
        assert_eq!(peeked.get(2), Some(None));
        assert_eq!(peeked.get(0), None);
    }

    #[test]
    fn wrong_width_tuple_is_an_error() {
        let columns = columns();
        let mut values = vec![Value::Int(1), Value::from("a"), Value::Null];
        let mut row = ValuesRow::new(&columns, &mut values);
        let two: Result<(i64, String)> = FromValues::from_raw(&mut row);
        assert!(matches!(two, Err(Error::InvalidStatement(_))));
    }
}
