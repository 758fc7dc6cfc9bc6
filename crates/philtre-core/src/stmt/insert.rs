use crate::expr::Expr;
use crate::Table;

use super::row_order::in_column_order;

/// `INSERT INTO table (...) VALUES (...)[, (...)]`.
///
/// Columns given no value take the column's `default`, if it has one. The columns are
/// named once for all rows (a 100-row insert does not carry 100 copies of each name).
#[derive(Debug, Clone)]
#[must_use]
pub struct Insert {
    pub table: Table,
    /// The columns the rows give values for.
    pub columns: Vec<String>,
    /// One list of values per row, in the order of `columns`.
    pub rows: Vec<Vec<Expr>>,
    pub returning: Vec<Expr>,
    /// Whether a dialect that can (PostgreSQL) appends `RETURNING <primary key>` to learn
    /// a generated key (SQLAlchemy's `implicit_returning`). Default `true`.
    pub implicit_returning: bool,
    /// Why the rows given cannot make one statement, reported when it compiles (a builder
    /// method cannot fail).
    pub(crate) invalid: Option<String>,
}

impl Insert {
    /// Sets one column of the (single) row.
    pub fn value(mut self, column: &str, value: impl Into<Expr>) -> Self {
        if self.rows.is_empty() {
            self.rows.push(Vec::new());
        }
        self.columns.push(column.to_owned());
        if let Some(row) = self.rows.last_mut() {
            row.push(value.into());
        }
        self
    }

    /// Sets the values of the (single) row: `values(values! { "name" => "admin" })`.
    pub fn values<C: Into<String>, V: Into<Expr>>(
        mut self,
        row: impl IntoIterator<Item = (C, V)>,
    ) -> Self {
        let (columns, values) = row.into_iter().map(|(c, v)| (c.into(), v.into())).unzip();
        self.columns = columns;
        self.rows = vec![values];
        self.invalid = None;
        self
    }

    /// Several rows in one statement. Every row must name the same columns (in any
    /// order); the first row's order is the statement's.
    pub fn rows<C, V, R>(mut self, rows: impl IntoIterator<Item = R>) -> Self
    where
        C: AsRef<str>,
        V: Into<Expr>,
        R: IntoIterator<Item = (C, V)>,
    {
        self.columns.clear();
        self.rows.clear();
        self.invalid = None;
        let mut rows = rows.into_iter();
        self.rows.reserve(rows.size_hint().0);
        if let Some(first) = rows.next() {
            let (columns, values) = first
                .into_iter()
                .map(|(c, v)| (c.as_ref().to_owned(), v.into()))
                .unzip();
            self.columns = columns;
            self.rows.push(values);
        }
        for row in rows {
            let row = row.into_iter().map(|(c, v)| (c, v.into()));
            let values = in_column_order(&self.columns, row).unwrap_or_else(|_| {
                self.mark_ragged();
                Vec::new()
            });
            self.rows.push(values);
        }
        self
    }

    fn mark_ragged(&mut self) {
        self.invalid.get_or_insert_with(|| {
            "every row of a multi-row INSERT must name the same columns".into()
        });
    }

    /// `implicit_returning(false)`: no `RETURNING` clause just to learn the generated key
    /// (executemany does not report it, and the server would send a row per insert).
    /// PostgreSQL's golden-SQL tests show both forms.
    pub fn implicit_returning(mut self, on: bool) -> Self {
        self.implicit_returning = on;
        self
    }

    /// `RETURNING ...` (SQLite 3.35+, PostgreSQL, MariaDB 10.5+).
    pub fn returning(mut self, columns: impl IntoIterator<Item = Expr>) -> Self {
        self.returning = columns.into_iter().collect();
        self
    }
}

pub(crate) fn collect_row<C: Into<String>, V: Into<Expr>>(
    row: impl IntoIterator<Item = (C, V)>,
) -> Vec<(String, Expr)> {
    row.into_iter().map(|(c, v)| (c.into(), v.into())).collect()
}

impl Table {
    /// `INSERT INTO table`; add values with [`Insert::value`] or [`Insert::values`].
    pub fn insert(&self) -> Insert {
        Insert {
            table: self.clone(),
            columns: Vec::new(),
            rows: Vec::new(),
            returning: Vec::new(),
            implicit_returning: true,
            invalid: None,
        }
    }
}
