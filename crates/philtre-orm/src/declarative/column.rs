//! [`Col`]: a model's column as a typed value, `User::name`, whose comparisons the compiler
//! checks against the field's type.

use std::fmt;
use std::marker::PhantomData;

use philtre::{Expr, OrderBy};

use crate::declarative::field::{Operand, SqlField, StringField};
use crate::declarative::model::Model;

/// The column of field `T` of model `M`: `#[derive(Model)]` makes one associated constant
/// per field, named like it, so filters read like the seed's `User.name == 'admin'`:
///
/// ```
/// # use philtre_orm::prelude::*;
/// # declarative_base!(Base);
/// #[derive(Model, Debug)]
/// struct User {
///     #[column(primary_key)]
///     id: Option<i64>,
///     #[column(length = 50, unique)]
///     name: String,
///     age: Option<i32>,
/// }
///
/// let admin: Expr = User::name.eq("admin");
/// let adults = User::age.ge(18).and(User::name.ne("root"));
/// let sorted = User::name.desc();
/// ```
///
/// A value of the wrong type does not compile:
///
/// ```compile_fail
/// # use philtre_orm::prelude::*;
/// # declarative_base!(Base);
/// # #[derive(Model, Debug)]
/// # struct User { #[column(primary_key)] id: Option<i64>, #[column(length = 50)] name: String }
/// let wrong = User::name.eq(5);   // a `String` column cannot be compared with an integer
/// ```
pub struct Col<M, T> {
    name: &'static str,
    _model: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Col<M, T> {
    /// The column named `name` of `M`'s table (what the derive writes).
    pub const fn new(name: &'static str) -> Self {
        Col {
            name,
            _model: PhantomData,
        }
    }

    /// The column's name in the table.
    pub const fn name(self) -> &'static str {
        self.name
    }
}

impl<M, T> Clone for Col<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, T> Copy for Col<M, T> {}

impl<M, T> fmt::Debug for Col<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let model = crate::mapping::short_type_name::<M>();
        write!(f, "{model}::{}", self.name)
    }
}

// The comparison methods are named like SQLAlchemy's operators, not Rust's traits.
#[allow(clippy::should_implement_trait)]
impl<M: Model, T: SqlField> Col<M, T> {
    /// The column as a Core expression, qualified by the model's table.
    pub fn expr(self) -> Expr {
        M::table_ref().c(self.name)
    }

    /// `column = value`; `None` gives `IS NULL`, as in SQLAlchemy.
    pub fn eq(self, other: impl Operand<T>) -> Expr {
        self.expr().eq(other.into_expr())
    }

    /// `column <> value`; `None` gives `IS NOT NULL`.
    pub fn ne(self, other: impl Operand<T>) -> Expr {
        self.expr().ne(other.into_expr())
    }

    pub fn lt(self, other: impl Operand<T>) -> Expr {
        self.expr().lt(other.into_expr())
    }

    pub fn le(self, other: impl Operand<T>) -> Expr {
        self.expr().le(other.into_expr())
    }

    pub fn gt(self, other: impl Operand<T>) -> Expr {
        self.expr().gt(other.into_expr())
    }

    pub fn ge(self, other: impl Operand<T>) -> Expr {
        self.expr().ge(other.into_expr())
    }

    /// `column IN (a, b, ...)`; an empty list is never true.
    pub fn in_<V: Operand<T>>(self, items: impl IntoIterator<Item = V>) -> Expr {
        self.expr().in_(items.into_iter().map(Operand::into_expr))
    }

    /// `column NOT IN (a, b, ...)`; an empty list is always true.
    pub fn not_in<V: Operand<T>>(self, items: impl IntoIterator<Item = V>) -> Expr {
        self.expr()
            .not_in(items.into_iter().map(Operand::into_expr))
    }

    pub fn between(self, low: impl Operand<T>, high: impl Operand<T>) -> Expr {
        self.expr().between(low.into_expr(), high.into_expr())
    }

    pub fn is_null(self) -> Expr {
        self.expr().is_null()
    }

    pub fn is_not_null(self) -> Expr {
        self.expr().is_not_null()
    }

    /// `ORDER BY column ASC`.
    pub fn asc(self) -> OrderBy {
        self.expr().asc()
    }

    /// `ORDER BY column DESC`.
    pub fn desc(self) -> OrderBy {
        self.expr().desc()
    }
}

impl<M: Model, T: StringField> Col<M, T> {
    /// `column LIKE pattern`.
    pub fn like(self, pattern: &str) -> Expr {
        self.expr().like(pattern)
    }

    /// `column NOT LIKE pattern`.
    pub fn not_like(self, pattern: &str) -> Expr {
        self.expr().not_like(pattern)
    }

    /// Case-insensitive `LIKE`.
    pub fn ilike(self, pattern: &str) -> Expr {
        self.expr().ilike(pattern)
    }
}

/// Another column compares when both fields have the same base type: `Post::user_id.eq(User::id)`.
impl<T, M, U> Operand<T> for Col<M, U>
where
    T: SqlField,
    M: Model,
    U: SqlField<Base = T::Base>,
{
    fn into_expr(self) -> Expr {
        self.expr()
    }
}

impl<M: Model, T: SqlField> From<Col<M, T>> for Expr {
    fn from(col: Col<M, T>) -> Expr {
        col.expr()
    }
}

/// `order_by(User::name)`: ascending.
impl<M: Model, T: SqlField> From<Col<M, T>> for OrderBy {
    fn from(col: Col<M, T>) -> OrderBy {
        col.asc()
    }
}
