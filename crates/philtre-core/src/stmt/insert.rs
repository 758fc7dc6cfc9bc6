use crate::expr::Expr;
use crate::Table;

/// `INSERT INTO table (...) VALUES (...)[, (...)]`.
///
/// Columns given no value take the column's `default`, if it has one.
#[derive(Debug, Clone)]
#[must_use]
pub struct Insert {
    pub table: Table,
    pub rows: Vec<Vec<(String, Expr)>>,
    pub returning: Vec<Expr>,
    /// Whether a dialect that can (PostgreSQL) appends `RETURNING <primary key>` to learn
    /// a generated key (SQLAlchemy's `implicit_returning`). Default `true`.
    pub implicit_returning: bool,
}

impl Insert {
    /// Sets one column of the (single) row.
    pub fn value(mut self, column: &str, value: impl Into<Expr>) -> Self {
        if self.rows.is_empty() {
            self.rows.push(Vec::new());
        }
        let row = self.rows.last_mut().expect("a row was just ensured");
        row.push((column.to_owned(), value.into()));
        self
    }

    /// Sets the values of the (single) row: `values(values! { "name" => "admin" })`.
    pub fn values<C: Into<String>, V: Into<Expr>>(
        mut self,
        row: impl IntoIterator<Item = (C, V)>,
    ) -> Self {
        self.rows = vec![collect_row(row)];
        self
    }

    /// Several rows in one statement. Every row must name the same columns.
    pub fn rows<C, V, R>(mut self, rows: impl IntoIterator<Item = R>) -> Self
    where
        C: Into<String>,
        V: Into<Expr>,
        R: IntoIterator<Item = (C, V)>,
    {
        self.rows = rows.into_iter().map(collect_row).collect();
        self
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
            rows: Vec::new(),
            returning: Vec::new(),
            implicit_returning: true,
        }
    }
}
