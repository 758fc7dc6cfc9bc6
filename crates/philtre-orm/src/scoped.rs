//! [`ScopedSession`]: one session per scope, where a scope is a tokio task (or any future
//! run with [`ScopedSession::scope`]) rather than a thread; and [`QueryProperty`].

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use philtre::{CursorResult, Error, Executable, OrmError, Result};
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

use crate::identity::IntoKey;
use crate::maker::SessionMaker;
use crate::mapping::Mapped;
use crate::object::Obj;
use crate::query::Query;
use crate::session::Session;

/// The current scope's session, locked for as long as the guard lives.
pub type ScopedGuard = OwnedMutexGuard<Session>;

/// A registry of sessions, one per scope: SQLAlchemy's `scoped_session(sessionmaker(...))`.
///
/// ```
/// # use philtre_orm::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> philtre_orm::Result<()> {
/// let engine = create_engine("sqlite://")?;
/// let db_session = scoped_session(sessionmaker(&engine).autoflush(false));
///
/// db_session.scope(async {
///     let s = db_session.session().await?;          // this scope's session, made on first use
///     assert!(!s.in_transaction());
///     drop(s);
///     db_session.remove().await                     // close it (rolling back) and forget it
/// }).await?;
///
/// // Outside any scope: a typed error, not a panic.
/// assert!(matches!(
///     db_session.session().await,
///     Err(philtre_orm::Error::Orm(OrmError::NoScope))
/// ));
/// # Ok(()) }
/// ```
///
/// Several registries can share one scope. Sessions left in a scope when it ends are
/// dropped, which rolls back whatever they did not commit.
#[derive(Clone)]
pub struct ScopedSession {
    inner: Arc<Registry>,
}

struct Registry {
    id: u64,
    maker: RwLock<Option<SessionMaker>>,
    /// The error when used before `configure()`, if not the generic one.
    unbound_hint: Option<String>,
}

type Slot = Arc<AsyncMutex<Session>>;

/// The sessions of one scope, by registry id.
#[derive(Default)]
struct Scope {
    sessions: Mutex<HashMap<u64, Slot>>,
}

tokio::task_local! {
    static SCOPE: Scope;
}

static NEXT_REGISTRY: AtomicU64 = AtomicU64::new(1);

/// `scoped_session(sessionmaker(&engine))`.
pub fn scoped_session(maker: SessionMaker) -> ScopedSession {
    ScopedSession::new(maker)
}

/// Runs `fut` in a session scope of its own, or in the current one when already inside one.
pub async fn scope<F: Future>(fut: F) -> F::Output {
    if SCOPE.try_with(|_| ()).is_ok() {
        fut.await
    } else {
        SCOPE.scope(Scope::default(), fut).await
    }
}

impl fmt::Debug for ScopedSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopedSession")
            .field("id", &self.inner.id)
            .field("maker", &*self.inner.maker.read())
            .finish()
    }
}

impl ScopedSession {
    pub fn new(maker: SessionMaker) -> Self {
        let this = Self::unbound();
        this.configure(maker);
        this
    }

    /// A registry with no session maker yet, for a `static` set up before the engine
    /// exists: `static DB: LazyLock<ScopedSession> = LazyLock::new(ScopedSession::unbound);`
    /// then `DB.configure(sessionmaker(&engine))`.
    pub fn unbound() -> Self {
        Self::unbound_hinted(None)
    }

    /// An unbound registry whose "no session maker" error is `hint` (a declarative base
    /// uses it to say which call is missing).
    pub(crate) fn unbound_with_hint(hint: String) -> Self {
        Self::unbound_hinted(Some(hint))
    }

    fn unbound_hinted(unbound_hint: Option<String>) -> Self {
        ScopedSession {
            inner: Arc::new(Registry {
                id: NEXT_REGISTRY.fetch_add(1, Ordering::Relaxed),
                maker: RwLock::new(None),
                unbound_hint,
            }),
        }
    }

    /// Whether `other` is this registry or a clone of it (clones share their sessions).
    pub fn same_registry(&self, other: &ScopedSession) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Sets the session maker for sessions made from now on.
    pub fn configure(&self, maker: SessionMaker) {
        *self.inner.maker.write() = Some(maker);
    }

    /// Runs `fut` in a session scope (see [`scope`]); inside it, [`session`](Self::session)
    /// gives that scope's session.
    pub async fn scope<F: Future>(&self, fut: F) -> F::Output {
        scope(fut).await
    }

    /// The current scope's session, made on first use. The guard locks it: drop it
    /// before calling anything else that uses the same scoped session (such as
    /// `User::query()`), which would otherwise get [`OrmError::SessionBusy`].
    ///
    /// Outside a scope: [`OrmError::NoScope`].
    pub async fn session(&self) -> Result<ScopedGuard> {
        let slot = self.slot(true)?.ok_or(OrmError::NoScope)?;
        slot.try_lock_owned()
            .map_err(|_| OrmError::SessionBusy.into())
    }

    /// Whether the current scope has a session of this registry.
    pub fn has_session(&self) -> bool {
        matches!(self.slot(false), Ok(Some(_)))
    }

    /// Closes the current scope's session (rolling back what it did not commit) and
    /// forgets it; the next [`session`](Self::session) makes a new one.
    pub async fn remove(&self) -> Result<()> {
        let Some(slot) = self.slot(false)? else {
            return Ok(());
        };
        let mut session = slot.try_lock_owned().map_err(|_| OrmError::SessionBusy)?;
        SCOPE
            .try_with(|s| s.sessions.lock().remove(&self.inner.id))
            .map_err(|_| OrmError::NoScope)?;
        session.close().await
    }

    /// The scope's slot for this registry, made when `create` and missing.
    fn slot(&self, create: bool) -> Result<Option<Slot>> {
        let maker = if create {
            let maker = self.inner.maker.read().clone();
            Some(maker.ok_or_else(|| {
                Error::Config(self.inner.unbound_hint.clone().unwrap_or_else(|| {
                    "the scoped session has no session maker: call configure() first".into()
                }))
            })?)
        } else {
            None
        };
        SCOPE
            .try_with(|s| {
                let mut sessions = s.sessions.lock();
                if let Some(slot) = sessions.get(&self.inner.id) {
                    return Some(slot.clone());
                }
                let slot = Arc::new(AsyncMutex::new(maker?.session()));
                sessions.insert(self.inner.id, slot.clone());
                Some(slot)
            })
            .map_err(|_| OrmError::NoScope.into())
    }

    /// A query on the current scope's session (locked only while it runs).
    pub fn query<T: Mapped>(&self) -> Query<'static, T> {
        Query::on_scoped(self.clone())
    }

    /// `db_session.add(obj)` on the current scope's session.
    pub async fn add<T: Mapped>(&self, value: T) -> Result<Obj<T>> {
        self.session().await?.add(value)
    }

    pub async fn add_all<T: Mapped>(
        &self,
        values: impl IntoIterator<Item = T>,
    ) -> Result<Vec<Obj<T>>> {
        self.session().await?.add_all(values)
    }

    pub async fn delete<T: Mapped>(&self, obj: &Obj<T>) -> Result<()> {
        self.session().await?.delete(obj)
    }

    pub async fn get<T: Mapped>(&self, key: impl IntoKey) -> Result<Option<Obj<T>>> {
        self.session().await?.get::<T>(key).await
    }

    pub async fn flush(&self) -> Result<()> {
        self.session().await?.flush().await
    }

    pub async fn commit(&self) -> Result<()> {
        self.session().await?.commit().await
    }

    pub async fn rollback(&self) -> Result<()> {
        self.session().await?.rollback().await
    }

    pub async fn execute(&self, stmt: impl Executable) -> Result<CursorResult> {
        self.session().await?.execute(stmt).await
    }
}

/// `User::query()`: queries on a scoped session, the seed's
/// `Base.query = db_session.query_property()`.
///
/// ```
/// # use philtre_orm::prelude::*;
/// use std::sync::LazyLock;
///
/// static DB_SESSION: LazyLock<ScopedSession> = LazyLock::new(ScopedSession::unbound);
///
/// # #[derive(Debug)] struct User { id: Option<i64>, name: String }
/// # impl Mapped for User {
/// #     const COLUMNS: &'static [&'static str] = &["id", "name"];
/// #     fn from_row(row: &Row) -> philtre_orm::Result<Self> { Ok(User { id: row.get(0)?, name: row.get(1)? }) }
/// #     fn to_values(&self) -> Vec<Value> { field_values![self.id, self.name] }
/// # }
/// impl QueryProperty for User {
///     fn scoped_session() -> &'static ScopedSession { &DB_SESSION }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> philtre_orm::Result<()> {
/// # let engine = create_engine("sqlite://")?;
/// # let metadata = MetaData::new();
/// # let users = Table::new("users", &metadata, [Column::new("id", Integer).primary_key(), Column::new("name", String(50))]);
/// # metadata.create_all(&engine).await?;
/// # mapper::<User>(&users)?;
/// DB_SESSION.configure(sessionmaker(&engine));
/// DB_SESSION.scope(async {
///     DB_SESSION.add(User { id: None, name: "admin".into() }).await?;
///     assert_eq!(User::query().count().await?, 1);       // autoflush, then count
///     DB_SESSION.remove().await
/// }).await
/// # }
/// ```
pub trait QueryProperty: Mapped {
    /// The registry whose current session the queries use.
    fn scoped_session() -> &'static ScopedSession;

    /// A query on the current scope's session.
    fn query() -> Query<'static, Self> {
        Self::scoped_session().query::<Self>()
    }
}
