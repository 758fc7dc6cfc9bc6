//! [`Db`]: the extension object, Flask-SQLAlchemy's `db = SQLAlchemy(app)`.

use std::fmt;
use std::sync::Arc;

use philtre::{Engine, Error, MetaData, MetaDataExt, Result};
use philtre_orm::{ScopedGuard, ScopedSession};

use crate::config::{DbBuilder, DEFAULT_BIND};
use crate::layer::DbLayer;

/// The engines, the request-scoped sessions and the tables of an application.
/// Cheap to clone; clones share everything.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> philtre::Result<()> {
/// use philtre_axum::Db;
/// let db = Db::builder("app").database_url("sqlite://").build()?;
/// let router: axum::Router = axum::Router::new().layer(db.layer());   // a session per request
/// # let _ = router;
/// assert_eq!(db.engine().url().to_string(), "sqlite://");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Db {
    inner: Arc<DbInner>,
}

pub(crate) struct DbInner {
    pub(crate) name: String,
    /// The default bind first.
    pub(crate) binds: Vec<Bind>,
    /// Tables to create and drop, by index into `binds`.
    pub(crate) metadata: Vec<(usize, MetaData)>,
    pub(crate) record_queries: bool,
}

pub(crate) struct Bind {
    pub(crate) key: String,
    pub(crate) engine: Engine,
    pub(crate) session: ScopedSession,
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let binds: Vec<(&str, &Engine)> = self
            .inner
            .binds
            .iter()
            .map(|b| (b.key.as_str(), &b.engine))
            .collect();
        f.debug_struct("Db")
            .field("name", &self.inner.name)
            .field("binds", &binds)
            .field("record_queries", &self.inner.record_queries)
            .finish()
    }
}

impl Db {
    /// Starts a configuration; `name` names the default SQLite file (`instance/<name>.db`).
    pub fn builder(name: &str) -> DbBuilder {
        DbBuilder::new(name)
    }

    /// [`builder`](Self::builder) with [`DbBuilder::from_env`] applied (`DATABASE_URL`, ...).
    pub fn from_env(name: &str) -> DbBuilder {
        DbBuilder::new(name).from_env()
    }

    pub(crate) fn from_inner(inner: DbInner) -> Self {
        Db {
            inner: Arc::new(inner),
        }
    }

    /// The tower layer: one session scope per request, removed at teardown.
    pub fn layer(&self) -> DbLayer {
        DbLayer::new(self.clone())
    }

    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The default bind's engine (`db.engine`).
    pub fn engine(&self) -> &Engine {
        &self.inner.binds[0].engine
    }

    /// The default bind's scoped session (`db.session`): inside a request, its methods
    /// use the request's session.
    pub fn session(&self) -> &ScopedSession {
        &self.inner.binds[0].session
    }

    /// The engine of a bind (`db.engines["audit"]`); [`Error::Config`] for an unknown key.
    pub fn engine_for(&self, key: &str) -> Result<&Engine> {
        Ok(&self.bind(key)?.engine)
    }

    /// The scoped session of a bind: the request's session on that bind's engine.
    pub fn session_for(&self, key: &str) -> Result<&ScopedSession> {
        Ok(&self.bind(key)?.session)
    }

    /// The request's session of the default bind, locked while the guard lives.
    pub async fn lock_session(&self) -> Result<ScopedGuard> {
        self.session().session().await
    }

    /// The bind keys, the default first.
    pub fn bind_keys(&self) -> Vec<&str> {
        self.inner.binds.iter().map(|b| b.key.as_str()).collect()
    }

    /// Whether each request records its statements.
    pub fn records_queries(&self) -> bool {
        self.inner.record_queries
    }

    fn bind(&self, key: &str) -> Result<&Bind> {
        self.inner
            .binds
            .iter()
            .find(|b| b.key == key)
            .ok_or_else(|| Error::Config(format!("no bind named {key:?}")))
    }

    /// `db.create_all()`: every registered base's and metadata's tables, each on its bind.
    pub async fn create_all(&self) -> Result<()> {
        for (i, md) in &self.inner.metadata {
            md.create_all(&self.inner.binds[*i].engine).await?;
        }
        Ok(())
    }

    /// `db.drop_all()`: the tables of [`create_all`](Self::create_all), each on its bind.
    pub async fn drop_all(&self) -> Result<()> {
        for (i, md) in self.inner.metadata.iter().rev() {
            md.drop_all(&self.inner.binds[*i].engine).await?;
        }
        Ok(())
    }

    /// Removes the current scope's session of every bind (rolling back what was not
    /// committed). The layer calls it at the end of each request; the first error is
    /// returned after every bind was tried.
    pub async fn remove(&self) -> Result<()> {
        let mut first = None;
        for b in &self.inner.binds {
            if let Err(e) = b.session.remove().await {
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), Err)
    }

    /// Closes every engine's idle connections.
    pub fn dispose(&self) {
        for b in &self.inner.binds {
            b.engine.dispose();
        }
    }

    /// The key of the default bind.
    pub const DEFAULT_BIND: &'static str = DEFAULT_BIND;
}
