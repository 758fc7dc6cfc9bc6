//! The declarative base: a registry of models with their [`MetaData`] and the scoped
//! session behind `User::query()`. Models join it at link time (the `inventory` crate), so
//! `Base::metadata()` sees every model linked into the program without a list.

use std::fmt;
use std::sync::{OnceLock, PoisonError, RwLock};

use philtre::{MetaData, Table};

use crate::declarative::model::Model;
use crate::scoped::ScopedSession;

/// A declarative base: `declarative_base!(pub Base)` defines one.
pub trait DeclarativeBase: 'static {
    /// The base's registry, a `static`.
    fn registry() -> &'static Registry;
}

/// What a declarative base holds: its models' metadata and its query session.
pub struct Registry {
    name: &'static str,
    metadata: OnceLock<MetaData>,
    session: RwLock<Option<&'static ScopedSession>>,
    /// Answers `User::query()` before `set_session`, with an error saying so.
    unset: OnceLock<ScopedSession>,
}

/// One model's registration, submitted by `#[derive(Model)]`.
#[doc(hidden)]
#[derive(Debug)]
pub struct ModelEntry {
    registry: fn() -> &'static Registry,
    table: fn() -> &'static Table,
}

inventory::collect!(ModelEntry);

impl ModelEntry {
    pub const fn new<M: Model>() -> Self {
        ModelEntry {
            registry: <M::Base as DeclarativeBase>::registry,
            table: M::table_ref,
        }
    }
}

impl Registry {
    /// An empty registry named after its base (the name appears in error messages).
    pub const fn new(name: &'static str) -> Self {
        Registry {
            name,
            metadata: OnceLock::new(),
            session: RwLock::new(None),
            unset: OnceLock::new(),
        }
    }

    /// The base's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The tables of every model of this base linked into the program, gathered on first
    /// call (registration happens before `main`, so none can be missed).
    pub fn metadata(&'static self) -> &'static MetaData {
        self.metadata.get_or_init(|| {
            let mut tables: Vec<&Table> = inventory::iter::<ModelEntry>
                .into_iter()
                .filter(|e| std::ptr::eq((e.registry)(), self))
                .map(|e| (e.table)())
                .collect();
            // Link order is arbitrary: sort so DDL runs in the same order every time.
            tables.sort_by(|a, b| a.name().cmp(b.name()));
            let metadata = MetaData::new();
            for t in tables {
                metadata.add(t.clone());
            }
            metadata
        })
    }

    /// Sets the scoped session that `Model::query()` uses for this base's models (the
    /// seed's `Base.query = db_session.query_property()`); replaces an earlier one.
    pub fn set_session(&self, session: &ScopedSession) {
        let mut slot = self.session.write().unwrap_or_else(PoisonError::into_inner);
        if slot.is_some_and(|s| s.same_registry(session)) {
            return;
        }
        // A clone shares the sessions of `session`; leaked once per distinct registry so
        // the query property can hand out a `&'static`.
        *slot = Some(Box::leak(Box::new(session.clone())));
    }

    /// The scoped session set with [`set_session`](Self::set_session), or one whose every
    /// use fails with an error that says to call it.
    pub fn scoped_session(&'static self) -> &'static ScopedSession {
        let set = *self.session.read().unwrap_or_else(PoisonError::into_inner);
        set.unwrap_or_else(|| {
            self.unset.get_or_init(|| {
                ScopedSession::unbound_with_hint(format!(
                    "{0} has no scoped session for query(): call {0}::set_session(&db_session) first (the seed's `Base.query = db_session.query_property()`)",
                    self.name
                ))
            })
        })
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tables: Vec<String> = self
            .metadata
            .get()
            .map(|m| m.tables().iter().map(|t| t.name().to_owned()).collect())
            .unwrap_or_default();
        f.debug_struct("Registry")
            .field("name", &self.name)
            .field("tables", &tables)
            .finish_non_exhaustive()
    }
}

/// Defines a declarative base, the seed's `Base = declarative_base()`: a unit struct with
/// a registry that every `#[derive(Model)]` naming it (or deriving where it is in scope as
/// `Base`) joins.
///
/// ```
/// use philtre_orm::prelude::*;
///
/// declarative_base!(pub Base);
///
/// #[derive(Model, Debug)]
/// struct User {
///     #[column(primary_key)]
///     id: Option<i64>,
///     #[column(length = 50, unique)]
///     name: Option<String>,
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> philtre_orm::Result<()> {
/// let engine = create_engine("sqlite://")?;
/// let db_session = scoped_session(sessionmaker(&engine));
/// Base::set_session(&db_session);               // Base.query = db_session.query_property()
/// Base::metadata().create_all(&engine).await?;  // init_db(): sees User without a list
/// assert!(Base::metadata().contains("users"));
/// db_session.scope(async { User::query().count().await }).await?;
/// # Ok(()) }
/// ```
///
/// It generates these associated functions on the struct: `metadata()`, `set_session(&db_session)`,
/// `scoped_session()` and `registry()`.
#[macro_export]
macro_rules! declarative_base {
    ($(#[$attr:meta])* $vis:vis $name:ident) => {
        $(#[$attr])*
        #[derive(Debug, Clone, Copy, Default)]
        $vis struct $name;

        impl $crate::declarative::DeclarativeBase for $name {
            fn registry() -> &'static $crate::declarative::Registry {
                static REGISTRY: $crate::declarative::Registry =
                    $crate::declarative::Registry::new(::std::stringify!($name));
                &REGISTRY
            }
        }

        #[allow(dead_code)]
        impl $name {
            /// The metadata of every model of this base: `Base::metadata().create_all(&engine)`.
            pub fn metadata() -> &'static $crate::philtre::MetaData {
                <Self as $crate::declarative::DeclarativeBase>::registry().metadata()
            }

            /// The scoped session behind `Model::query()` (`Base.query = db_session.query_property()`).
            pub fn set_session(session: &$crate::ScopedSession) {
                <Self as $crate::declarative::DeclarativeBase>::registry().set_session(session)
            }

            /// The scoped session set with `set_session`.
            pub fn scoped_session() -> &'static $crate::ScopedSession {
                <Self as $crate::declarative::DeclarativeBase>::registry().scoped_session()
            }

            /// The base's registry.
            pub fn registry() -> &'static $crate::declarative::Registry {
                <Self as $crate::declarative::DeclarativeBase>::registry()
            }
        }
    };
}
