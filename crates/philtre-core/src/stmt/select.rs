use crate::expr::{Expr, OrderBy};
use crate::Table;

/// `SELECT columns`: the FROM clause is inferred from the columns' tables unless given.
///
/// ```
/// use philtre_core::{select, func, Column, MetaData, Table, types::*};
/// let md = MetaData::new();
/// let users = Table::new("users", &md, [Column::new("id", Integer).primary_key(), Column::new("name", Text)]);
/// let q = select([users.c("name"), func::count_star()]).group_by(users.c("name"));
/// ```
pub fn select(columns: impl IntoIterator<Item = Expr>) -> Select {
    Select {
        columns: columns.into_iter().collect(),
        ..Select::default()
    }
}

/// A `SELECT` statement.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Select {
    pub columns: Vec<Expr>,
    pub from: Vec<FromItem>,
    pub joins: Vec<Join>,
    pub where_: Option<Expr>,
    pub group_by: Vec<Expr>,
    pub having: Option<Expr>,
    pub order_by: Vec<OrderBy>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    pub distinct: bool,
}

/// Something a `FROM` or `JOIN` names.
#[derive(Debug, Clone)]
pub enum FromItem {
    Table(Table),
    /// `(SELECT ...) AS alias`.
    Subquery(Box<Select>, String),
}

impl FromItem {
    pub fn table(&self) -> Option<&Table> {
        match self {
            FromItem::Table(t) => Some(t),
            FromItem::Subquery(..) => None,
        }
    }
}

impl From<&Table> for FromItem {
    fn from(t: &Table) -> Self {
        FromItem::Table(t.clone())
    }
}

impl From<Table> for FromItem {
    fn from(t: Table) -> Self {
        FromItem::Table(t)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    Inner,
    Left,
}

/// `[LEFT] JOIN target ON on`; `on: None` is inferred from the one foreign key between them.
#[derive(Debug, Clone)]
pub struct Join {
    pub kind: JoinKind,
    pub target: FromItem,
    pub on: Option<Expr>,
}

impl Select {
    /// Adds a condition; several calls are joined with `AND`.
    pub fn where_(mut self, cond: Expr) -> Self {
        self.where_ = Some(match self.where_.take() {
            Some(prev) => prev.and(cond),
            None => cond,
        });
        self
    }

    /// Same as [`where_`](Self::where_), in SQLAlchemy's ORM spelling.
    pub fn filter(self, cond: Expr) -> Self {
        self.where_(cond)
    }

    /// Adds an output column.
    pub fn column(mut self, e: Expr) -> Self {
        self.columns.push(e);
        self
    }

    /// Sets the `FROM` explicitly (in addition to tables inferred from the columns).
    pub fn select_from(mut self, item: impl Into<FromItem>) -> Self {
        self.from.push(item.into());
        self
    }

    /// `JOIN target ON <inferred from the foreign key>`.
    pub fn join(mut self, target: impl Into<FromItem>) -> Self {
        self.joins.push(Join {
            kind: JoinKind::Inner,
            target: target.into(),
            on: None,
        });
        self
    }

    /// `JOIN target ON on`.
    pub fn join_on(mut self, target: impl Into<FromItem>, on: Expr) -> Self {
        self.joins.push(Join {
            kind: JoinKind::Inner,
            target: target.into(),
            on: Some(on),
        });
        self
    }

    /// `LEFT OUTER JOIN target ON <inferred>`.
    pub fn outerjoin(mut self, target: impl Into<FromItem>) -> Self {
        self.joins.push(Join {
            kind: JoinKind::Left,
            target: target.into(),
            on: None,
        });
        self
    }

    /// `LEFT OUTER JOIN target ON on`.
    pub fn outerjoin_on(mut self, target: impl Into<FromItem>, on: Expr) -> Self {
        self.joins.push(Join {
            kind: JoinKind::Left,
            target: target.into(),
            on: Some(on),
        });
        self
    }

    pub fn group_by(mut self, e: Expr) -> Self {
        self.group_by.push(e);
        self
    }

    pub fn having(mut self, cond: Expr) -> Self {
        self.having = Some(match self.having.take() {
            Some(prev) => prev.and(cond),
            None => cond,
        });
        self
    }

    pub fn order_by(mut self, o: impl Into<OrderBy>) -> Self {
        self.order_by.push(o.into());
        self
    }

    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    pub fn offset(mut self, n: u64) -> Self {
        self.offset = Some(n);
        self
    }

    pub fn distinct(mut self) -> Self {
        self.distinct = true;
        self
    }

    /// This select as a named subquery for a `FROM` or `JOIN`; refer to its columns with
    /// [`column("alias.name")`](crate::expr::column).
    pub fn subquery(self, alias: &str) -> FromItem {
        FromItem::Subquery(Box::new(self), alias.to_owned())
    }

    /// This select as a scalar value inside another expression.
    pub fn scalar_subquery(self) -> Expr {
        Expr::Subquery(Box::new(self))
    }
}

impl Table {
    /// `SELECT <every column> FROM table`.
    pub fn select(&self) -> Select {
        Select {
            columns: self.columns().iter().map(|c| self.c(&c.name)).collect(),
            from: vec![FromItem::Table(self.clone())],
            ..Select::default()
        }
    }
}
