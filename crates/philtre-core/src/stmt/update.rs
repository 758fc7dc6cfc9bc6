use crate::expr::Expr;
use crate::stmt::insert::collect_row;
use crate::Table;

/// `UPDATE table SET ... WHERE ...`.
#[derive(Debug, Clone)]
#[must_use]
pub struct Update {
    pub table: Table,
    pub values: Vec<(String, Expr)>,
    pub where_: Option<Expr>,
    pub returning: Vec<Expr>,
}

impl Update {
    pub fn value(mut self, column: &str, value: impl Into<Expr>) -> Self {
        self.values.push((column.to_owned(), value.into()));
        self
    }

    pub fn values<C: Into<String>, V: Into<Expr>>(
        mut self,
        values: impl IntoIterator<Item = (C, V)>,
    ) -> Self {
        self.values.extend(collect_row(values));
        self
    }

    pub fn where_(mut self, cond: Expr) -> Self {
        self.where_ = Some(match self.where_.take() {
            Some(prev) => prev.and(cond),
            None => cond,
        });
        self
    }

    pub fn returning(mut self, columns: impl IntoIterator<Item = Expr>) -> Self {
        self.returning = columns.into_iter().collect();
        self
    }
}

impl Table {
    /// `UPDATE table`; set columns with [`Update::value`].
    pub fn update(&self) -> Update {
        Update {
            table: self.clone(),
            values: Vec::new(),
            where_: None,
            returning: Vec::new(),
        }
    }
}
