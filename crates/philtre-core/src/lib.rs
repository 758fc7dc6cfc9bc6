//! The backend-agnostic core of philtre: values, rows, errors, URLs, schema, SQL
//! expressions, the statement compiler with its [`Dialect`] hooks, and the [`Driver`]
//! contract that backend crates implement.
//!
//! Most programs use it through the `philtre` facade, which adds the engine and pool.
//! Statements can be built and compiled without any database:
//!
//! ```
//! use philtre_core::{Column, Executable, MetaData, Table, types::*};
//! # use philtre_core::compiler::{Dialect, SqlWriter};
//! # #[derive(Debug)] struct Ansi;
//! # impl Dialect for Ansi {
//! #     fn name(&self) -> &'static str { "ansi" }
//! #     fn write_type(&self, w: &mut SqlWriter<'_>, ty: &philtre_core::SqlType) -> philtre_core::Result<()> { w.push(&ty.to_string()); Ok(()) }
//! # }
//! let metadata = MetaData::new();
//! let users = Table::new("users", &metadata, [
//!     Column::new("id", Integer).primary_key(),
//!     Column::new("name", String(50)).unique(),
//!     Column::new("email", String(120)).unique(),
//! ]);
//! let query = users.select().where_(users.c("id").eq(1));
//! let compiled = query.compile(&Ansi)?;
//! assert_eq!(
//!     compiled.sql,
//!     r#"SELECT "users"."id", "users"."name", "users"."email" FROM "users" WHERE "users"."id" = ?"#
//! );
//! assert_eq!(compiled.params, philtre_core::params![1]);
//! # Ok::<(), philtre_core::Error>(())
//! ```
//!
//! | module | what it holds |
//! |---|---|
//! | [`value`], [`row`] | [`Value`], [`Row`] (tuple and mapping at once) |
//! | [`error`] | [`Error`], [`DbErrorKind`] |
//! | [`url`] | [`DatabaseUrl`] (SQLAlchemy's URL grammar) |
//! | [`schema`], [`types`] | [`MetaData`], [`Table`], [`Column`], [`SqlType`] |
//! | [`expr`], [`stmt`] | expressions and statements ([`select`], [`text`], ...) |
//! | [`compiler`] | [`Executable`], [`Dialect`], [`Compiled`] |
//! | [`driver`] | [`Driver`], [`Connection`]: the contract for backends |

pub mod compiler;
pub mod driver;
pub mod error;
pub mod expr;
pub mod raw_row;
pub mod row;
pub mod schema;
mod sql_type;
pub mod statement_cache;
pub mod stmt;
pub mod url;
pub mod value;

pub use compiler::{Compiled, Dialect, Executable, InsertedKey, Prepared};
pub use driver::{Connection, Driver, ExecResult, RowSink, Rows};
pub use error::{DatabaseError, DbErrorKind, Error, OrmError, Result};
pub use expr::{and_, bindparam, case, column, exists, func, lit, not_, or_, Expr, OrderBy};
pub use raw_row::{PeekedInt, RawRow, ValuesRow};
pub use row::{FromRow, FromValues, Row, RowIndex};
pub use schema::{
    sort_by_dependency, CheckConstraint, Column, ForeignKey, Index, MetaData, ReferentialAction,
    ServerDefault, Table, TableBuilder, UniqueConstraint,
};
pub use sql_type::{types, SqlType};
pub use stmt::{
    select, text, CreateIndex, CreateTable, Delete, DropIndex, DropTable, Insert, Params, Select,
    Text, Update,
};
pub use url::{Backend, DatabaseUrl};
pub use value::{FromValue, Value};
