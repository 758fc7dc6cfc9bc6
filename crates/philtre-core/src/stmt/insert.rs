use crate::expr::Expr;
use crate::Table;

use super::row_order::push_in_column_order;

/// `INSERT INTO table (...) VALUES (...)[, (...)]`.
///
/// Columns given no value take the column's `default`, if it has one. The columns are
/// named once for all rows (a 100-row insert does not carry 100 copies of each name), and
/// every row's values are kept in one buffer.
#[derive(Debug, Clone)]
#[must_use]
pub struct Insert {
    pub table: Table,
    /// The columns the rows give values for.
    pub columns: Vec<String>,
    /// Every row's values, row after row, each in the order of `columns`.
    pub(crate) cells: Vec<Expr>,
    /// How many rows `cells` holds.
    pub(crate) row_count: usize,
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
        match self.row_count {
            0 => self.row_count = 1,
            1 => {}
            _ => self.mark_ragged(),
        }
        self.columns.push(column.to_owned());
        self.cells.push(value.into());
        self
    }

    /// Sets the values of the (single) row: `values(values! { "name" => "admin" })`.
    pub fn values<C: Into<String>, V: Into<Expr>>(
        mut self,
        row: impl IntoIterator<Item = (C, V)>,
    ) -> Self {
        let (columns, cells) = row.into_iter().map(|(c, v)| (c.into(), v.into())).unzip();
        self.columns = columns;
        self.cells = cells;
        self.row_count = 1;
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
        self.cells.clear();
        self.row_count = 0;
        self.invalid = None;
        let mut rows = rows.into_iter();
        if let Some(first) = rows.next() {
            for (c, v) in first {
                self.columns.push(c.as_ref().to_owned());
                self.cells.push(v.into());
            }
            self.row_count = 1;
            self.cells.reserve(self.columns.len() * rows.size_hint().0);
        }
        for row in rows {
            let row = row.into_iter().map(|(c, v)| (c, v.into()));
            if push_in_column_order(&self.columns, row, &mut self.cells).is_err() {
                self.mark_ragged();
            }
            self.row_count += 1;
        }
        self
    }

    /// How many rows of values it has (0 before any is given).
    ///
    /// ```
    /// use philtre_core::{types::*, Column, Expr, MetaData, Table, Value};
    ///
    /// let users = Table::new("users", &MetaData::new(), [Column::new("name", Text)]);
    /// let insert = users.insert().rows([[("name", "ann")], [("name", "bob")]]);
    /// assert_eq!(insert.row_count(), 2);
    /// assert!(matches!(insert.row(1), Some([Expr::Bind(Value::Text(name))]) if name == "bob"));
    /// assert!(insert.row(2).is_none());
    /// ```
    pub fn row_count(&self) -> usize {
        self.row_count
    }

    /// Row `i`'s values, in the order of [`columns`](Self::columns).
    pub fn row(&self, i: usize) -> Option<&[Expr]> {
        let width = self.columns.len();
        if i >= self.row_count {
            return None;
        }
        self.cells.get(i * width..(i + 1) * width)
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
            cells: Vec::new(),
            row_count: 0,
            returning: Vec::new(),
            implicit_returning: true,
            invalid: None,
        }
    }
}
