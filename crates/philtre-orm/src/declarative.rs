//! Declarative mapping: the seed's `class User(Base)` as `#[derive(Model)]`, defining the
//! table and the mapping in one go. It is sugar over manual mapping: the derive writes the
//! [`Mapped`](crate::Mapped) implementation you would write by hand, with a static table.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> philtre_orm::Result<()> {
//! use philtre_orm::prelude::*;
//!
//! // Base = declarative_base()
//! declarative_base!(pub Base);
//!
//! // class User(Base): __tablename__ = 'users' (the default name for `User`)
//! #[derive(Model, Clone)]
//! pub struct User {
//!     #[column(primary_key)]                  // id = Column(Integer, primary_key=True)
//!     pub id: Option<i64>,
//!     #[column(length = 50, unique)]          // name = Column(String(50), unique=True)
//!     pub name: Option<String>,
//!     #[column(length = 120, unique)]         // email = Column(String(120), unique=True)
//!     pub email: Option<String>,
//! }
//!
//! impl User {
//!     pub fn new(name: &str, email: &str) -> Self {
//!         User { id: None, name: Some(name.into()), email: Some(email.into()) }
//!     }
//! }
//!
//! impl std::fmt::Debug for User {                         // __repr__
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!         write!(f, "<User {:?}>", Value::from(self.name.clone()))
//!     }
//! }
//!
//! let engine = create_engine("sqlite://")?;
//! let db_session = scoped_session(sessionmaker(&engine).autocommit(false).autoflush(false));
//! Base::set_session(&db_session);                         // Base.query = db_session.query_property()
//! Base::metadata().create_all(&engine).await?;            // init_db()
//!
//! db_session.scope(async {
//!     db_session.add(User::new("admin", "admin@localhost")).await?;
//!     db_session.commit().await?;
//!     let all = User::query().all().await?;
//!     assert_eq!(format!("{all:?}"), "[<User 'admin'>]");
//!     let admin = User::query().filter(User::name.eq("admin")).first().await?;
//!     assert_eq!(format!("{admin:?}"), "Some(<User 'admin'>)");
//!     db_session.remove().await
//! }).await
//! # }
//! ```
//!
//! # The derive
//!
//! `#[derive(Model)]` on a struct with named fields generates:
//!
//! - the [`Table`](philtre::Table), built once ([`Model::table_ref`]) and registered with the
//!   base's [`MetaData`](philtre::MetaData);
//! - the [`Mapped`](crate::Mapped) implementation (columns, `from_row` and the moving
//!   `from_owned_row`, `to_values`, a field-by-field `changes`, keys);
//! - [`QueryProperty`](crate::QueryProperty), so `User::query()` runs on the base's scoped session;
//! - one typed column per field, an associated constant named like the field: `User::name`
//!   is a [`Col<User, Option<String>>`](Col) whose `eq`, `lt`, `in_`, `like`... take only
//!   values of the field's type ([`Operand`]).
//!
//! Struct attributes, `#[model(...)]`:
//!
//! | attribute | meaning |
//! |---|---|
//! | `table = "users"` | the table's name (`__tablename__`) |
//! | `base = path::Base` | the base to join; without it, the `Base` in scope where the struct is defined |
//! | `unique(a, b)` | a unique constraint over several fields |
//! | `index(a, b)` | an index over several fields, named `ix_<table>_<a>_<b>` |
//! | `crate = path` | where `philtre_orm` is, if renamed |
//!
//! The default table name is the struct's name in snake_case, made plural: `User` → `users`,
//! `BlogPost` → `blog_posts`, `Address` → `addresses`, `Category` → `categories`. The rule
//! adds `es` after `s`, `x`, `z`, `ch` and `sh`, turns a consonant + `y` into `ies`, and adds
//! `s` otherwise; irregular plurals are not guessed (`Person` → `persons`): set `table`.
//!
//! Field attributes, `#[column(...)]`:
//!
//! | attribute | meaning |
//! |---|---|
//! | `primary_key` | part of the primary key (several fields make a composite key) |
//! | `autoincrement`, `autoincrement = false` | force it on or off (default: on for a lone integer key) |
//! | `length = 50` | `VARCHAR(50)` for a `String` field (default `TEXT`) |
//! | `precision = 10, scale = 2` | `NUMERIC(10, 2)` for a `Decimal` field |
//! | `sql_type = Text` | any column type, written as in `Column::new` (`String(50)`, `Numeric(10, 2)`, ...) |
//! | `unique`, `index` | a unique constraint, an index (`ix_<table>_<column>`) |
//! | `nullable`, `nullable = false` | default: nullable exactly when the field is an `Option` |
//! | `default = value` | a default philtre applies when an INSERT gives no value (a `None` field) |
//! | `server_default = value`, `server_default_sql = "CURRENT_TIMESTAMP"` | a default in the `CREATE TABLE` |
//! | `foreign_key = "users.id"`, `foreign_key = User` | references a column, or a model's primary key |
//! | `on_delete = "cascade"`, `on_update = "set null"` | referential actions of the foreign key |
//! | `name = "email_address"` | the column's name, when it differs from the field's |
//!
//! Field types and the column types they map to are listed at [`SqlField`]. Misuse is a
//! compile error at the field that says what to write instead: an unknown attribute, a
//! type that has no column type, no primary key, `length` on a non-string, `nullable` on a
//! non-`Option`, a unique or indexed `String` without a length (MySQL cannot index `TEXT`).
//!
//! # Bases
//!
//! [`declarative_base!`](crate::declarative_base) defines a base, the seed's
//! `Base = declarative_base()`. A model joins the `Base` in scope where it is derived, as
//! `class User(Base)` does, or the one `#[model(base = path::AuditBase)]` names; with neither,
//! the error is rustc's "cannot find type `Base` in this scope". A program may have several
//! bases, each with its own metadata and query session.
//!
//! Models register at link time (the `inventory` crate), so `Base::metadata()` holds the
//! tables of every model linked into the program without a list: the seed's `init_db`
//! imports the models module for this, Rust needs no import. The registration builds in
//! crates that forbid `unsafe_code` (this workspace does). A model in a library that the
//! program otherwise never uses may be left out by the linker: use anything of that
//! library (the model itself will do) and it is linked.
//!
//! The query property is set on the base, once: `Base::set_session(&db_session)` is the
//! seed's `Base.query = db_session.query_property()`. Before that, `User::query()` fails
//! with [`Error::Config`](philtre::Error::Config) saying so. `Base::metadata()` is a plain
//! [`MetaData`](philtre::MetaData): Core tables can join it too.
//!
//! # Limits
//!
//! - Associated constants share the namespace of associated functions: a model cannot have
//!   a method named like one of its fields, and a field named `query` or `table_ref` hides
//!   `User::query()` or `User::table_ref()` (call them as `<User as QueryProperty>::query()`).
//! - Generic structs, tuple structs and enums cannot derive `Model`.
//! - Two models of one base must not name the same table: the later one replaces the
//!   earlier in the metadata.

mod base;
mod column;
mod field;
mod model;
#[doc(hidden)]
pub mod private;

pub use base::{DeclarativeBase, ModelEntry, Registry};
pub use column::Col;
pub use field::{
    DecimalField, IntegerField, IntoField, KeyBase, Operand, OptionField, SqlField, StringField,
};
pub use model::Model;

#[cfg(all(test, feature = "macros"))]
mod tests;
