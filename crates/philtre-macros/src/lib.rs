//! `#[derive(Model)]` for philtre: SQLAlchemy's declarative extension, where a struct
//! defines its table and its mapping in one go.
//!
//! Use it through `philtre-orm`, which re-exports it (feature `macros`, on by default) and
//! holds the runtime it generates code for; the attributes are documented there, in
//! `philtre_orm::declarative`.
//!
//! ```
//! use philtre_orm::prelude::*;
//!
//! declarative_base!(pub Base);                 // Base = declarative_base()
//!
//! #[derive(Model, Debug)]                      // class User(Base): __tablename__ = 'users'
//! pub struct User {
//!     #[column(primary_key)]
//!     pub id: Option<i64>,
//!     #[column(length = 50, unique)]
//!     pub name: Option<String>,
//!     #[column(length = 120, unique)]
//!     pub email: Option<String>,
//! }
//!
//! assert!(Base::metadata().contains("users"));
//! let users = User::table_ref();
//! assert_eq!(users.primary_key(), ["id"]);
//! assert_eq!(users.column("name").unwrap().ty, SqlType::String(Some(50)));
//! let admin = User::name.eq("admin");         // User.name == 'admin'
//! ```
//!
//! | what it generates | for |
//! |---|---|
//! | `impl Model` with a static `Table` | the table, registered with the base's `MetaData` at link time |
//! | `impl Mapped` | rows to objects and back: the session's side of the mapping |
//! | `impl QueryProperty` | `User::query()` on the base's scoped session |
//! | `User::name`, ... | typed columns, `Col<User, Option<String>>`, for filters the compiler checks |
//!
//! Misuse is a compile error at the field, saying what to write instead.

mod attrs;
mod errors;
mod expand;
mod model;
mod naming;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Declares a model: a table and its mapping from a struct. See `philtre_orm::declarative`
/// for the `#[model(...)]` and `#[column(...)]` attributes.
#[proc_macro_derive(Model, attributes(model, column))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    model::analyze(&input)
        .map(|def| expand::expand(&def))
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
