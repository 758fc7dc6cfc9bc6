use crate::expr::Expr;
use crate::Table;

/// `DELETE FROM table WHERE ...`.
#[derive(Debug, Clone)]
#[must_use]
pub struct Delete {
    pub table: Table,
    pub where_: Option<Expr>,
    pub returning: Vec<Expr>,
}

impl Delete {
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
    /// `DELETE FROM table`.
    pub fn delete(&self) -> Delete {
        Delete {
            table: self.clone(),
            where_: None,
            returning: Vec::new(),
        }
    }
}
