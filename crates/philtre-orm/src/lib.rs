//! philtre's ORM layer: sessions with an identity map and a unit of work, queries that
//! return objects, scoped sessions, and the mapping trait — the seed's "Manual Object
//! Relational Mapping" and, with `#[derive(Model)]`, its "Declarative" way (see
//! [`declarative`]), on SQLite, PostgreSQL and MySQL/MariaDB.
//!
//! A plain struct, a [`Table`](philtre::Table) defined apart, and a short mapping that ties
//! them (SQLAlchemy's `mapper(User, users)`):
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> philtre_orm::Result<()> {
//! use philtre_orm::prelude::*;
//!
//! // engine = create_engine(...); metadata = MetaData()
//! let engine = create_engine("sqlite://")?;
//! let metadata = MetaData::new();
//! // db_session = scoped_session(sessionmaker(autocommit=False, autoflush=False, bind=engine))
//! let db_session = scoped_session(sessionmaker(&engine).autocommit(false).autoflush(false));
//!
//! // class User(object): ...
//! #[derive(Clone)]
//! struct User { id: Option<i64>, name: String, email: String }
//! impl User {
//!     fn new(name: &str, email: &str) -> Self {
//!         User { id: None, name: name.into(), email: email.into() }
//!     }
//! }
//! impl std::fmt::Debug for User {                   // __repr__
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!         write!(f, "<User {:?}>", self.name)
//!     }
//! }
//!
//! // users = Table('users', metadata, ...)
//! let users = Table::new("users", &metadata, [
//!     Column::new("id", Integer).primary_key(),
//!     Column::new("name", String(50)).unique(),
//!     Column::new("email", String(120)).unique(),
//! ]);
//!
//! // mapper(User, users)
//! impl Mapped for User {
//!     const COLUMNS: &'static [&'static str] = &["id", "name", "email"];
//!     fn from_row(row: &Row) -> philtre_orm::Result<Self> {
//!         Ok(User { id: row.get("id")?, name: row.get("name")?, email: row.get("email")? })
//!     }
//!     fn to_values(&self) -> Vec<Value> {
//!         field_values![self.id, self.name, self.email]
//!     }
//! }
//! mapper::<User>(&users)?;
//! metadata.create_all(&engine).await?;               // init_db()
//!
//! db_session.scope(async {
//!     let u = db_session.add(User::new("admin", "admin@localhost")).await?;
//!     db_session.commit().await?;
//!     assert_eq!(u.read().id, Some(1));               // the generated key, set back
//!
//!     let all = db_session.query::<User>().all().await?;
//!     assert_eq!(format!("{all:?}"), "[<User \"admin\">]");
//!     let admin = db_session.query::<User>().filter(users.c("name").eq("admin")).first().await?;
//!     assert!(Obj::ptr_eq(&admin.unwrap(), &u));     // the identity map: the same object
//!     db_session.remove().await                      // teardown: close the scope's session
//! }).await
//! # }
//! ```
//!
//! # Pieces
//!
//! | item | SQLAlchemy | what it does |
//! |---|---|---|
//! | [`Mapped`], [`mapper`] | `mapper(User, users)` | ties a struct to a table |
//! | [`sessionmaker`], [`SessionMaker`] | `sessionmaker(...)` | carries the bind and `autocommit`, `autoflush`, `expire_on_commit` |
//! | [`Session`] | `Session` | identity map, unit of work, `add`/`get`/`delete`/`flush`/`commit`/`rollback`/`merge`/`refresh`/`expunge`/`execute` |
//! | [`Obj`] | an instance | a shared handle; `read()`/`write()`; [`ObjectState`] |
//! | [`Query`] | `session.query(User)` | `filter`, `filter_by`, `order_by`, `limit`, `offset`, `all`, `first`, `one`, `one_or_none`, `get`, `count`, `exists`, bulk `update`/`delete` |
//! | [`ScopedSession`], [`scoped_session`] | `scoped_session(...)` | one session per tokio task scope; `remove()` |
//! | [`QueryProperty`] | `User.query` | `User::query()` on the scoped session |
//! | [`declarative_base!`], [`Model`](macro@Model) | `declarative_base()`, `class User(Base)` | a struct that defines its table and mapping, [`declarative`] |
//! | [`Col`] | `User.name` | a typed column: `User::name.eq("admin")` |
//!
//! # Differences from SQLAlchemy
//!
//! - **No attribute proxies.** Changes are found at flush time by comparing each written
//!   object with a snapshot of what the database has, taken by its first [`Obj::write`]
//!   after the load or last flush ([`Mapped::changes`]: field by field for a model, or a
//!   diff of [`Mapped::to_values`]); only changed columns are updated.
//! - **Expiry is not lazy.** An expired object keeps its values until the next query or
//!   `get` that returns its row overwrites them, or [`Session::refresh`]; objects that are
//!   not expired keep their in-memory state when queried again, as in SQLAlchemy.
//! - **Scopes are tasks.** A [`ScopedSession`] keys its sessions by a tokio task-local
//!   scope entered with [`ScopedSession::scope`], not by thread.
//! - **Errors are values.** Everything returns [`philtre::Result`]; ORM-specific failures
//!   are [`philtre::Error::Orm`] with an [`OrmError`].
//!
//! Not a difference, but worth knowing: a session's transaction begins where SQLAlchemy's
//! drivers begin it, at its first statement on PostgreSQL and MySQL, and at its first
//! write on SQLite (as the pysqlite dialect does), whose reads before that run outside
//! any transaction. An SQLite transaction that has read cannot write once another
//! connection has committed after its snapshot, so a session that began at its first read
//! would fail to flush whenever another request wrote meanwhile. [`Session::begin`] opens
//! the transaction at once, for reads that must share a snapshot.
//!
//! # Features
//!
//! | feature | default | what |
//! |---|---|---|
//! | `sqlite` | yes | `philtre/sqlite` |
//! | `postgres` | no | `philtre/postgres` |
//! | `mysql` | no | `philtre/mysql` |
//! | `macros` | yes | `#[derive(Model)]` (from `philtre-macros`) |

// The derive names this crate `::philtre_orm`, also in its own tests.
extern crate self as philtre_orm;

mod changes;
pub mod declarative;
mod dialect_sql;
mod identity;
mod maker;
mod mapping;
mod object;
mod query;
mod scoped;
mod session;

pub use changes::Changes;
pub use identity::IntoKey;
pub use maker::{sessionmaker, SessionMaker};
pub use mapping::{generated_key, mapper, Mapped, Mapping};
pub use object::{Obj, ObjectState, ReadGuard, WriteGuard};
pub use philtre::{self, Error, OrmError, Result, Row, Value};
pub use query::{FromStatement, Query};
pub use scoped::{scope, scoped_session, QueryProperty, ScopedGuard, ScopedSession};
pub use session::{Session, SessionConfig};

pub use declarative::{Col, DeclarativeBase, Model};
/// `#[derive(Model)]`: see [`declarative`].
#[cfg(feature = "macros")]
pub use philtre_macros::Model;

/// philtre's prelude plus the ORM: one import for the walkthroughs.
pub mod prelude {
    pub use crate::{declarative_base, field_changes, field_values};
    pub use crate::{
        mapper, scoped_session, sessionmaker, Changes, Col, DeclarativeBase, Mapped, Model, Obj,
        ObjectState, OrmError, Query, QueryProperty, ScopedSession, Session, SessionMaker,
    };
    pub use philtre::prelude::*;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>() {}
    fn assert_send_sync<T: Send + Sync>() {}

    #[derive(Debug)]
    struct Thing {
        id: i64,
    }

    impl Mapped for Thing {
        const COLUMNS: &'static [&'static str] = &["id"];
        fn from_row(row: &Row) -> Result<Self> {
            Ok(Thing { id: row.get(0)? })
        }
        fn to_values(&self) -> Vec<Value> {
            field_values![self.id]
        }
    }

    #[test]
    fn the_types_say_who_may_share() {
        assert_send::<Session>();
        assert_send_sync::<Obj<Thing>>();
        assert_send::<ReadGuard<'static, Thing>>();
        assert_send::<WriteGuard<'static, Thing>>();
        assert_send::<ScopedGuard>();
        assert_send_sync::<ScopedSession>();
    }

    #[test]
    fn unmapped_is_a_typed_error() {
        let err = Thing::table().unwrap_err();
        assert!(matches!(
            err,
            Error::Orm(OrmError::NotMapped { type_name: "Thing" })
        ));
        assert_eq!(
            err.to_string(),
            "Thing is not mapped: call mapper::<Thing>(&table)"
        );
    }
}
