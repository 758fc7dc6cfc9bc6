//! Row sinks that decode a result straight into Rust types as the driver reads it: behind
//! [`Connection::query_as`](crate::Connection::query_as) and
//! [`Connection::scalars`](crate::Connection::scalars).

use std::sync::Arc;

use philtre_core::{Error, FromValue, FromValues, RawRow, Result, RowSink, Value};

/// Every row as a `T` (a tuple or any [`FromValues`] type).
pub(crate) struct TypedRows<T> {
    /// Given before the first row (an empty `Arc` would be an allocation per query).
    columns: Option<Arc<[String]>>,
    pub(crate) out: Vec<T>,
}

impl<T> TypedRows<T> {
    pub(crate) fn new() -> Self {
        TypedRows {
            columns: None,
            out: Vec::new(),
        }
    }
}

impl<T: FromValues + Send> RowSink for TypedRows<T> {
    fn columns(&mut self, names: &Arc<[String]>) -> Result<()> {
        self.columns = Some(names.clone());
        Ok(())
    }

    fn row(&mut self, values: &mut [Value]) -> Result<()> {
        let columns = self.columns.as_deref().unwrap_or_default();
        self.out.push(T::from_values(values, columns)?);
        Ok(())
    }

    fn reset(&mut self) {
        self.out.clear();
    }

    fn raw_row(&mut self, row: &mut dyn RawRow) -> Result<()> {
        self.out.push(T::from_raw(row)?);
        Ok(())
    }
}

/// The first column of every row as a `T`; the other columns are not decoded.
pub(crate) struct FirstColumn<T> {
    column: String,
    pub(crate) out: Vec<T>,
}

impl<T> FirstColumn<T> {
    pub(crate) fn new() -> Self {
        FirstColumn {
            column: String::new(),
            out: Vec::new(),
        }
    }
}

impl<T: FromValue + Send> RowSink for FirstColumn<T> {
    fn columns(&mut self, names: &Arc<[String]>) -> Result<()> {
        // A result of no columns has no first one: say so before any row.
        let first = names.first().ok_or_else(no_first_column)?;
        first.clone_into(&mut self.column);
        Ok(())
    }

    fn row(&mut self, values: &mut [Value]) -> Result<()> {
        let value = values
            .first_mut()
            .map(std::mem::take)
            .ok_or_else(no_first_column)?;
        self.out.push(value.decode(&self.column)?);
        Ok(())
    }

    fn reset(&mut self) {
        self.out.clear();
    }

    fn raw_row(&mut self, row: &mut dyn RawRow) -> Result<()> {
        self.out.push(T::from_raw(row, 0)?);
        Ok(())
    }
}

/// The error for a result or row with no first column, as `scalars` reports it.
pub(crate) fn no_first_column() -> Error {
    Error::NoSuchRowColumn("at position 0".into())
}
