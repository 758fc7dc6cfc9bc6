//! Statements: [`Select`], [`Insert`], [`Update`], [`Delete`], raw [`Text`], and DDL.

mod ddl;
mod delete;
mod insert;
mod row_order;
mod select;
mod text;
mod update;

pub use ddl::{CreateIndex, CreateTable, DropIndex, DropTable};
pub use delete::Delete;
pub use insert::Insert;
pub use row_order::{in_column_order, push_in_column_order, RowMismatch};
pub use select::{select, FromItem, Join, JoinKind, Select};
pub(crate) use text::TextPiece;
pub use text::{first_keyword, text, text_returns_rows, Params, Text};
pub use update::Update;

/// A list of `(column, value)` pairs, as `insert().values(...)` and `update().values(...)` take.
///
/// ```
/// use philtre_core::values;
/// let row = values! { "name" => "admin", "email" => "admin@localhost" };
/// assert_eq!(row.len(), 2);
/// ```
#[macro_export]
macro_rules! values {
    ($($col:expr => $val:expr),* $(,)?) => {
        ::std::vec![$(($col.to_string(), $crate::Expr::from($val))),*]
    };
}

/// A list of [`Value`](crate::Value)s, for positional parameters: `params![1, "admin"]`.
#[macro_export]
macro_rules! params {
    ($($val:expr),* $(,)?) => {
        ::std::vec![$($crate::Value::from($val)),*]
    };
}
