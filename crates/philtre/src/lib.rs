//! philtre: SQLAlchemy's layers — engine and pool, the SQL expression language, reflection —
//! in async Rust, on SQLite, PostgreSQL and MySQL/MariaDB by changing only the URL.
//!
//! The seed's "SQL abstraction layer", step for step:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> philtre::Result<()> {
//! use philtre::prelude::*;
//!
//! let engine = create_engine("sqlite://")?;          // or sqlite:////tmp/test.db, postgresql://, mysql://
//! let metadata = MetaData::new();
//! Table::new("users", &metadata, [
//!     Column::new("id", Integer).primary_key(),
//!     Column::new("name", String(50)).unique(),
//!     Column::new("email", String(120)).unique(),
//! ]);
//! metadata.create_all(&engine).await?;
//!
//! // ... or load the table from the live database:
//! let users = Table::autoload("users", &metadata, &engine).await?;
//!
//! let mut con = engine.connect().await?;
//! con.execute(users.insert().values(values! { "name" => "admin", "email" => "admin@localhost" })).await?;
//!
//! let r = users.select().where_(users.c("id").eq(1)).execute(&engine).await?.first().unwrap();
//! assert_eq!(format!("{r:?}"), "(1, 'admin', 'admin@localhost')");
//! assert_eq!(format!("{:?}", r["name"]), "'admin'");
//!
//! let r = engine.execute(text("select * from users where id = :1").params(params![1])).await?.first();
//! assert_eq!(format!("{:?}", r.unwrap()), "(1, 'admin', 'admin@localhost')");
//! # Ok(()) }
//! ```
//!
//! # Features
//!
//! | feature | default | backend |
//! |---|---|---|
//! | `sqlite` | yes | SQLite through rusqlite (bundled), one worker thread per connection |
//! | `postgres` | no | PostgreSQL through tokio-postgres |
//! | `mysql` | no | MySQL and MariaDB through mysql_async |
//! | `tls` | no | rustls (ring) for `sslmode=require` / `ssl_mode=required` |
//!
//! A URL whose backend is not compiled in gives [`Error::BackendNotEnabled`] naming the feature.
//!
//! # Layers
//!
//! - [`create_engine`] / [`Engine::builder`]: URL, pool (deadpool), echo.
//! - [`Connection`]: `execute`, `execute_many`, `begin` → [`Transaction`] (savepoints with
//!   `begin_nested`); statements outside a transaction commit at once. Typed results come
//!   straight from the driver's rows with `query_as` (rows as tuples or structs) and
//!   `scalars` (a first column), without a `Row` in between.
//! - The expression language and schema from [`philtre_core`], re-exported here.
//! - [`MetaDataExt`] (`create_all`, `drop_all`, `reflect`), [`Autoload`], [`Inspector`].

mod connection;
mod engine;
mod executemany;
mod pipeline;
mod pool;
mod record;
mod result;
mod schema_ops;
mod transaction;
mod typed_rows;

pub use connection::Connection;
pub use engine::{create_engine, Engine, EngineBuilder, PoolStatus};
pub use philtre_core::*;
pub use record::{QueryRecorder, RecordedQuery};
pub use result::CursorResult;
pub use schema_ops::{Autoload, ExecuteExt, Inspector, MetaDataExt};
pub use transaction::Transaction;

/// Everything the walkthrough uses, in one import.
pub mod prelude {
    pub use crate::types::*;
    pub use crate::{
        and_, bindparam, create_engine, func, not_, or_, params, select, text, values, Autoload,
        Column, Connection, CursorResult, Engine, Executable, ExecuteExt, Expr, ForeignKey,
        FromValues, MetaData, MetaDataExt, RawRow, Row, SqlType, Table, Transaction, Value,
    };
}
