//! SQL expressions: a small AST built with methods, `users.c("id").eq(1)`.

pub mod func;

use crate::stmt::Select;
use crate::value::Value;
use crate::SqlType;
use crate::Table;

/// A column of a table, as used in an expression: made by [`Table::c`].
#[derive(Debug, Clone)]
pub struct ColumnRef {
    table: Table,
    name: RefName,
}

#[derive(Debug, Clone)]
enum RefName {
    /// The column's position in the table: a reference to a known column allocates and
    /// counts nothing beyond the table handle.
    At(usize),
    /// A name the table does not have; compiling the statement reports it.
    Unknown(Box<str>),
}

impl ColumnRef {
    /// A reference to `table`'s column `name`, known or not.
    pub(crate) fn new(table: Table, name: &str) -> ColumnRef {
        let name = match table.column_position(name) {
            Some(i) => RefName::At(i),
            None => RefName::Unknown(name.into()),
        };
        ColumnRef { table, name }
    }

    /// The table (or alias) the column is read from.
    pub fn table(&self) -> &Table {
        &self.table
    }

    pub fn name(&self) -> &str {
        match &self.name {
            RefName::At(_) => self.column().map_or("", |c| &c.name),
            RefName::Unknown(name) => name,
        }
    }

    /// The column's position in its table, or `None` when the table has no such column.
    pub(crate) fn position(&self) -> Option<usize> {
        match self.name {
            RefName::At(i) => Some(i),
            RefName::Unknown(_) => None,
        }
    }

    /// The table's column, or `None` when the table has no column of that name.
    pub fn column(&self) -> Option<&crate::Column> {
        match self.name {
            RefName::At(i) => self.table.columns().get(i),
            RefName::Unknown(_) => None,
        }
    }
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
    NotLike,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Concat,
}

impl BinOp {
    pub fn sql(self) -> &'static str {
        match self {
            BinOp::Eq => "=",
            BinOp::Ne => "<>",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Like => "LIKE",
            BinOp::NotLike => "NOT LIKE",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Concat => "||",
        }
    }
}

/// An SQL expression. Build it with the methods below and the free functions of this module;
/// every literal value becomes a bound parameter.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Expr {
    Column(ColumnRef),
    /// `"qualifier"."name"` or `"name"`: unchecked, for subquery and label references.
    Identifier(Option<String>, String),
    Bind(Value),
    Binary(Box<Expr>, BinOp, Box<Expr>),
    Not(Box<Expr>),
    IsNull(Box<Expr>, bool),
    InList(Box<Expr>, Vec<Expr>, bool),
    InSelect(Box<Expr>, Box<Select>, bool),
    Between(Box<Expr>, Box<Expr>, Box<Expr>, bool),
    /// `lower(a) LIKE lower(b)`, or `ILIKE` where the dialect has it.
    ILike(Box<Expr>, Box<Expr>, bool),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Function {
        /// Borrowed for the functions `func` names, owned for [`func::call`]'s.
        name: std::borrow::Cow<'static, str>,
        args: Vec<Expr>,
        distinct: bool,
    },
    /// `*`, as in `count(*)`.
    Star,
    Case(Vec<(Expr, Expr)>, Option<Box<Expr>>),
    Subquery(Box<Select>),
    Exists(Box<Select>, bool),
    Label(Box<Expr>, String),
    Cast(Box<Expr>, SqlType),
    /// A named parameter whose value is given each time the statement runs: see
    /// [`bindparam`].
    BindParam(std::borrow::Cow<'static, str>),
}

impl<T: Into<Value>> From<T> for Expr {
    fn from(v: T) -> Self {
        Expr::Bind(v.into())
    }
}

impl From<&Expr> for Expr {
    fn from(e: &Expr) -> Self {
        e.clone()
    }
}

impl Expr {
    fn binary(self, op: BinOp, other: impl Into<Expr>) -> Expr {
        Expr::Binary(Box::new(self), op, Box::new(other.into()))
    }

    /// `self = other`; comparing with `NULL` gives `IS NULL`, as in SQLAlchemy.
    #[allow(clippy::should_implement_trait)]
    pub fn eq(self, other: impl Into<Expr>) -> Expr {
        match other.into() {
            Expr::Bind(Value::Null) => Expr::IsNull(Box::new(self), false),
            other => self.binary(BinOp::Eq, other),
        }
    }

    /// `self <> other`; with `NULL`, `IS NOT NULL`.
    #[allow(clippy::should_implement_trait)]
    pub fn ne(self, other: impl Into<Expr>) -> Expr {
        match other.into() {
            Expr::Bind(Value::Null) => Expr::IsNull(Box::new(self), true),
            other => self.binary(BinOp::Ne, other),
        }
    }

    #[allow(clippy::should_implement_trait)]
    pub fn lt(self, other: impl Into<Expr>) -> Expr {
        self.binary(BinOp::Lt, other)
    }
    #[allow(clippy::should_implement_trait)]
    pub fn le(self, other: impl Into<Expr>) -> Expr {
        self.binary(BinOp::Le, other)
    }
    #[allow(clippy::should_implement_trait)]
    pub fn gt(self, other: impl Into<Expr>) -> Expr {
        self.binary(BinOp::Gt, other)
    }
    #[allow(clippy::should_implement_trait)]
    pub fn ge(self, other: impl Into<Expr>) -> Expr {
        self.binary(BinOp::Ge, other)
    }

    pub fn like(self, pattern: impl Into<Expr>) -> Expr {
        self.binary(BinOp::Like, pattern)
    }
    pub fn not_like(self, pattern: impl Into<Expr>) -> Expr {
        self.binary(BinOp::NotLike, pattern)
    }
    /// Case-insensitive `LIKE`.
    pub fn ilike(self, pattern: impl Into<Expr>) -> Expr {
        Expr::ILike(Box::new(self), Box::new(pattern.into()), false)
    }

    /// `self IN (a, b, ...)`; an empty list is never true.
    pub fn in_<T: Into<Expr>>(self, items: impl IntoIterator<Item = T>) -> Expr {
        Expr::InList(
            Box::new(self),
            items.into_iter().map(Into::into).collect(),
            false,
        )
    }
    /// `self NOT IN (a, b, ...)`; an empty list is always true.
    pub fn not_in<T: Into<Expr>>(self, items: impl IntoIterator<Item = T>) -> Expr {
        Expr::InList(
            Box::new(self),
            items.into_iter().map(Into::into).collect(),
            true,
        )
    }
    /// `self IN (SELECT ...)`.
    pub fn in_select(self, select: Select) -> Expr {
        Expr::InSelect(Box::new(self), Box::new(select), false)
    }
    pub fn not_in_select(self, select: Select) -> Expr {
        Expr::InSelect(Box::new(self), Box::new(select), true)
    }

    pub fn between(self, low: impl Into<Expr>, high: impl Into<Expr>) -> Expr {
        Expr::Between(
            Box::new(self),
            Box::new(low.into()),
            Box::new(high.into()),
            false,
        )
    }
    pub fn not_between(self, low: impl Into<Expr>, high: impl Into<Expr>) -> Expr {
        Expr::Between(
            Box::new(self),
            Box::new(low.into()),
            Box::new(high.into()),
            true,
        )
    }

    pub fn is_null(self) -> Expr {
        Expr::IsNull(Box::new(self), false)
    }
    pub fn is_not_null(self) -> Expr {
        Expr::IsNull(Box::new(self), true)
    }

    /// `self AND other`.
    pub fn and(self, other: impl Into<Expr>) -> Expr {
        match self {
            Expr::And(mut items) => {
                items.push(other.into());
                Expr::And(items)
            }
            first => Expr::And(vec![first, other.into()]),
        }
    }
    /// `self OR other`.
    pub fn or(self, other: impl Into<Expr>) -> Expr {
        match self {
            Expr::Or(mut items) => {
                items.push(other.into());
                Expr::Or(items)
            }
            first => Expr::Or(vec![first, other.into()]),
        }
    }

    /// String concatenation (`||`, or `CONCAT()` on MySQL).
    pub fn concat(self, other: impl Into<Expr>) -> Expr {
        self.binary(BinOp::Concat, other)
    }

    /// `self AS name` in a select list.
    pub fn label(self, name: impl Into<String>) -> Expr {
        Expr::Label(Box::new(self), name.into())
    }

    /// `CAST(self AS ty)`.
    pub fn cast(self, ty: SqlType) -> Expr {
        Expr::Cast(Box::new(self), ty)
    }

    pub fn asc(self) -> OrderBy {
        OrderBy {
            expr: self,
            descending: false,
        }
    }
    pub fn desc(self) -> OrderBy {
        OrderBy {
            expr: self,
            descending: true,
        }
    }
}

impl std::ops::Not for Expr {
    type Output = Expr;
    fn not(self) -> Expr {
        Expr::Not(Box::new(self))
    }
}

macro_rules! arith {
    ($($tr:ident $m:ident $op:ident),*) => {$(
        impl<T: Into<Expr>> std::ops::$tr<T> for Expr {
            type Output = Expr;
            fn $m(self, rhs: T) -> Expr { self.binary(BinOp::$op, rhs) }
        }
    )*};
}
arith!(Add add Add, Sub sub Sub, Mul mul Mul, Div div Div, Rem rem Mod);

/// One `ORDER BY` item.
#[derive(Debug, Clone)]
pub struct OrderBy {
    pub expr: Expr,
    pub descending: bool,
}

impl From<Expr> for OrderBy {
    fn from(expr: Expr) -> Self {
        expr.asc()
    }
}

/// `a AND b AND ...`; `and_([])` is true.
pub fn and_(items: impl IntoIterator<Item = Expr>) -> Expr {
    Expr::And(items.into_iter().collect())
}

/// `a OR b OR ...`; `or_([])` is false.
pub fn or_(items: impl IntoIterator<Item = Expr>) -> Expr {
    Expr::Or(items.into_iter().collect())
}

/// `NOT e`.
pub fn not_(e: Expr) -> Expr {
    !e
}

/// `EXISTS (SELECT ...)`.
pub fn exists(select: Select) -> Expr {
    Expr::Exists(Box::new(select), false)
}

/// A bound literal value as an expression, e.g. in a select list.
pub fn lit(v: impl Into<Value>) -> Expr {
    Expr::Bind(v.into())
}

/// A named bind parameter, SQLAlchemy's `bindparam("name")`: a placeholder whose value is
/// given each time the statement runs.
///
/// A statement holding one is compiled once with [`Executable::prepare`], which keeps the
/// SQL; [`Prepared::bind`] gives the values for each run. Compared with a column
/// (`users.c("id").eq(bindparam("id"))`) or set into one (an insert's or update's value),
/// the value bound is checked against the column's type as a literal would be. Compiling
/// such a statement straight away (`execute(stmt)`) is an error,
/// [`Error::MissingParameter`](crate::Error::MissingParameter), since it has no value.
///
/// Unlike a literal `None`, which `eq` writes as `IS NULL`, a NULL bound to `= :name`
/// matches no row, as in SQL.
///
/// ```
/// use philtre_core::{bindparam, types::*, Column, Error, Executable, MetaData, Table};
/// # use philtre_core::compiler::{Dialect, SqlWriter};
/// # #[derive(Debug)] struct Ansi;
/// # impl Dialect for Ansi {
/// #     fn name(&self) -> &'static str { "ansi" }
/// #     fn write_type(&self, w: &mut SqlWriter<'_>, ty: &philtre_core::SqlType) -> philtre_core::Result<()> { w.push(&ty.to_string()); Ok(()) }
/// # }
/// let users = Table::new("users", &MetaData::new(), [
///     Column::new("id", Integer).primary_key(),
///     Column::new("name", String(50)),
/// ]);
/// let by_id = users.select().where_(users.c("id").eq(bindparam("id"))).prepare(&Ansi)?;
/// assert_eq!(
///     by_id.sql(),
///     r#"SELECT "users"."id", "users"."name" FROM "users" WHERE "users"."id" = ?"#
/// );
/// let run = by_id.bind("id", 7).compile(&Ansi)?;
/// assert_eq!(run.params, philtre_core::params![7]);
/// // A value the column cannot hold is refused, as a literal would be.
/// assert!(matches!(
///     by_id.bind("id", "seven").compile(&Ansi),
///     Err(Error::TypeMismatch { .. })
/// ));
/// # Ok::<(), philtre_core::Error>(())
/// ```
///
/// [`Executable::prepare`]: crate::Executable::prepare
/// [`Prepared::bind`]: crate::Prepared::bind
pub fn bindparam(name: impl Into<std::borrow::Cow<'static, str>>) -> Expr {
    Expr::BindParam(name.into())
}

/// A column by name, not tied to a table: `column("n")`, or `column("sub.n")` for a subquery.
pub fn column(name: &str) -> Expr {
    match name.split_once('.') {
        Some((q, n)) => Expr::Identifier(Some(q.to_owned()), n.to_owned()),
        None => Expr::Identifier(None, name.to_owned()),
    }
}

/// `CASE WHEN c1 THEN v1 ... ELSE e END`.
pub fn case<C: Into<Expr>, V: Into<Expr>>(
    whens: impl IntoIterator<Item = (C, V)>,
    else_: Option<Expr>,
) -> Expr {
    Expr::Case(
        whens
            .into_iter()
            .map(|(c, v)| (c.into(), v.into()))
            .collect(),
        else_.map(Box::new),
    )
}
