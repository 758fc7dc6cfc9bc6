//! [`CursorResult`]: what running a statement returns.

use std::sync::Arc;

use philtre_core::{Error, FromRow, FromValue, Result, Row, Rows, Value};

/// Rows of a query, or the effect of a statement that returns none.
#[derive(Debug, Clone, Default)]
pub struct CursorResult {
    columns: Arc<[String]>,
    rows: Vec<Row>,
    rows_affected: u64,
    inserted_primary_key: Option<Vec<Value>>,
    last_insert_id: Option<i64>,
}

impl CursorResult {
    pub(crate) fn from_rows(rows: Rows) -> Self {
        CursorResult {
            rows_affected: rows.rows.len() as u64,
            columns: rows.columns,
            rows: rows.rows,
            ..Self::default()
        }
    }

    pub(crate) fn affected(n: u64, pk: Option<Vec<Value>>, last_insert_id: Option<i64>) -> Self {
        CursorResult {
            rows_affected: n,
            inserted_primary_key: pk,
            last_insert_id,
            ..Self::default()
        }
    }

    /// Column names of the rows (`keys()` in SQLAlchemy).
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Rows changed by an INSERT, UPDATE or DELETE (for a query: rows returned).
    pub fn rows_affected(&self) -> u64 {
        self.rows_affected
    }

    /// The primary key of the row a single-row INSERT wrote, generated or given.
    pub fn inserted_primary_key(&self) -> Option<&[Value]> {
        self.inserted_primary_key.as_deref()
    }

    /// The id the database generated for the last inserted row, where it reports one.
    pub fn last_insert_id(&self) -> Option<i64> {
        self.last_insert_id
    }

    /// The first row, or `None`.
    pub fn first(self) -> Option<Row> {
        self.rows.into_iter().next()
    }

    /// Exactly one row: [`Error::NoResultFound`] or [`Error::MultipleResultsFound`] otherwise.
    pub fn one(self) -> Result<Row> {
        self.one_or_none()?.ok_or(Error::NoResultFound)
    }

    /// One row or none; [`Error::MultipleResultsFound`] if more.
    pub fn one_or_none(self) -> Result<Option<Row>> {
        let mut rows = self.rows.into_iter();
        let first = rows.next();
        if rows.next().is_some() {
            return Err(Error::MultipleResultsFound);
        }
        Ok(first)
    }

    /// The first column of the first row, or `None` when there are no rows.
    pub fn scalar<T: FromValue>(self) -> Result<Option<T>> {
        match self.first() {
            Some(row) => row.get::<T>(0).map(Some),
            None => Ok(None),
        }
    }

    /// The first column of exactly one row.
    pub fn scalar_one<T: FromValue>(self) -> Result<T> {
        self.one()?.get::<T>(0)
    }

    /// All rows.
    pub fn all(self) -> Vec<Row> {
        self.rows
    }

    /// All rows converted to tuples or any [`FromRow`] type.
    pub fn all_as<T: FromRow>(self) -> Result<Vec<T>> {
        self.rows.into_iter().map(T::from_row).collect()
    }

    /// The first column of every row (its values move out; nothing is copied).
    pub fn scalars<T: FromValue>(self) -> Result<Vec<T>> {
        let column = self.columns.first().map_or("", String::as_str);
        self.rows
            .into_iter()
            .map(|row| match row.into_values().into_iter().next() {
                Some(value) => value.decode(column),
                None => Err(crate::typed_rows::no_first_column()),
            })
            .collect()
    }
}

impl IntoIterator for CursorResult {
    type Item = Row;
    type IntoIter = std::vec::IntoIter<Row>;
    fn into_iter(self) -> Self::IntoIter {
        self.rows.into_iter()
    }
}
