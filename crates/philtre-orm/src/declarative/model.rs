//! [`Model`]: what `#[derive(Model)]` adds to the [`Mapped`] mapping.

use philtre::Table;

use crate::declarative::base::DeclarativeBase;
use crate::mapping::Mapped;

/// A declarative model: a [`Mapped`] type whose table is defined by its struct and
/// registered with a [`DeclarativeBase`]. Implemented by `#[derive(Model)]`; not meant to
/// be written by hand.
pub trait Model: Mapped {
    /// The base whose metadata holds this model's table (`class User(Base)`).
    type Base: DeclarativeBase;

    /// The table's name (`__tablename__`), known at compile time so that foreign keys
    /// can name it without building the table.
    const TABLE_NAME: &'static str;

    /// The primary-key columns, in the table's order.
    const PRIMARY_KEY: &'static [&'static str];

    /// The model's table (`User.__table__`), built once: use it for Core statements,
    /// `User::table_ref().select()`.
    fn table_ref() -> &'static Table;
}
