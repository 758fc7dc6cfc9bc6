//! [`create_engine`] and [`Engine`]: a database URL, its driver, and a connection pool.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use deadpool::managed::{PoolError, TimeoutType, Timeouts};
use deadpool::Runtime;
use philtre_core::{Backend, DatabaseUrl, Dialect, Driver, Error, Executable, Result};

use crate::connection::Connection;
use crate::pool::{pool_error, Manager, Pool};
use crate::result::CursorResult;
use crate::transaction::Transaction;

/// A checkout that takes a free connection or fails at once (deadpool's zero wait).
const NO_WAIT: Timeouts = Timeouts {
    wait: Some(Duration::ZERO),
    create: None,
    recycle: None,
};

/// Creates an engine for a database URL, with default pool settings. Connects lazily.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> philtre::Result<()> {
/// let engine = philtre::create_engine("sqlite://")?; // in memory
/// let row = engine.execute(philtre::text("select 1 + :n").bind("n", 41)).await?.one()?;
/// assert_eq!(row.get::<i64>(0)?, 42);
/// # Ok(()) }
/// ```
///
/// A URL whose backend is compiled out gives [`Error::BackendNotEnabled`]:
///
/// ```
/// # #[cfg(not(feature = "postgres"))]
/// assert!(matches!(
///     philtre::create_engine("postgresql://localhost/test"),
///     Err(philtre::Error::BackendNotEnabled { feature: "postgres", .. })
/// ));
/// ```
pub fn create_engine(url: &str) -> Result<Engine> {
    Engine::builder(url).build()
}

/// A pool of connections to one database. Cheap to clone; clones share the pool.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

struct EngineInner {
    url: DatabaseUrl,
    driver: Arc<dyn Driver>,
    pool: Pool,
    pool_size: usize,
    echo: bool,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Engine({})", self.inner.url)
    }
}

impl Engine {
    /// Starts configuring an engine; see [`EngineBuilder`].
    pub fn builder(url: &str) -> EngineBuilder {
        EngineBuilder {
            url: url.to_owned(),
            pool_size: 5,
            max_overflow: 10,
            acquire_timeout: Duration::from_secs(30),
            pre_ping: false,
            recycle: None,
            echo: false,
        }
    }

    /// The URL, whose `Display` hides the password.
    pub fn url(&self) -> &DatabaseUrl {
        &self.inner.url
    }

    pub fn dialect(&self) -> &'static dyn Dialect {
        self.inner.driver.dialect()
    }

    /// Checks a connection out of the pool (opening one if needed).
    pub async fn connect(&self) -> Result<Connection> {
        let started = Instant::now();
        let pool = &self.inner.pool;
        // A free connection is taken without arming the wait timeout's timer, which costs
        // more than the checkout itself; only a caller that must wait gets one. (The
        // semaphore hands released permits to waiters first, so this cannot jump a queue.)
        let obj = match pool.timeout_get(&NO_WAIT).await {
            Err(PoolError::Timeout(TimeoutType::Wait)) => pool.get().await,
            taken => taken,
        }
        .map_err(|e| pool_error(e, started, pool.status().max_size))?;
        Ok(Connection::new(obj, self.clone()))
    }

    /// Runs one statement on a pooled connection, committed at once (autocommit).
    pub async fn execute(&self, stmt: impl Executable) -> Result<CursorResult> {
        self.connect().await?.execute(stmt).await
    }

    /// Runs a query on a pooled connection and decodes every row into `T` (a tuple, or any
    /// [`FromValues`](philtre_core::FromValues) type): see [`Connection::query_as`].
    pub async fn query_as<T: philtre_core::FromValues + Send>(
        &self,
        stmt: impl Executable,
    ) -> Result<Vec<T>> {
        self.connect().await?.query_as(stmt).await
    }

    /// Runs a query on a pooled connection and decodes the first column of every row into
    /// `T`: see [`Connection::scalars`].
    pub async fn scalars<T: philtre_core::FromValue + Send>(
        &self,
        stmt: impl Executable,
    ) -> Result<Vec<T>> {
        self.connect().await?.scalars(stmt).await
    }

    /// Checks out a connection and begins a transaction on it; commit or it rolls back.
    pub async fn begin(&self) -> Result<Transaction<'static>> {
        Transaction::begin_owned(self.connect().await?).await
    }

    /// Pool statistics: connections open, idle, and callers waiting.
    pub fn pool_status(&self) -> PoolStatus {
        let s = self.inner.pool.status();
        PoolStatus {
            max_size: s.max_size,
            pool_size: self.inner.pool_size,
            open: s.size,
            idle: s.available,
            waiting: s.waiting,
        }
    }

    /// Whether more connections are open than the pool keeps idle (overflow ones): only
    /// then can a returned connection find the idle pool full. No lock taken.
    pub(crate) fn has_overflow(&self) -> bool {
        self.inner.pool.manager().open.load(Ordering::Relaxed) > self.inner.pool_size
    }

    /// Closes every idle connection and refuses new checkouts.
    pub fn dispose(&self) {
        self.inner.pool.close();
    }

    pub(crate) fn echo(&self) -> bool {
        self.inner.echo
    }

    /// Whether every checkout shares one database connection (in-memory SQLite).
    pub(crate) fn shares_one_connection(&self) -> bool {
        self.inner.driver.shares_one_connection()
    }

    pub(crate) fn pool_size(&self) -> usize {
        self.inner.pool_size
    }
}

/// A snapshot of an engine's pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// `pool_size + max_overflow`: the most connections that can be open at once.
    pub max_size: usize,
    /// How many connections are kept open when idle.
    pub pool_size: usize,
    /// Connections open now (checked out or idle).
    pub open: usize,
    /// Connections idle in the pool.
    pub idle: usize,
    /// Callers waiting for a connection.
    pub waiting: usize,
}

impl PoolStatus {
    /// Connections checked out right now.
    pub fn checked_out(&self) -> usize {
        self.open.saturating_sub(self.idle)
    }
}

/// Engine options, named as in SQLAlchemy's `create_engine`.
///
/// ```
/// use std::time::Duration;
/// let engine = philtre::Engine::builder("sqlite:///app.db")
///     .pool_size(4)
///     .max_overflow(2)
///     .acquire_timeout(Duration::from_secs(5))
///     .pre_ping(true)
///     .recycle(Duration::from_secs(3600))
///     .echo(true)
///     .build()?;
/// assert_eq!(engine.pool_status().max_size, 6);
/// # Ok::<(), philtre::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct EngineBuilder {
    url: String,
    pool_size: usize,
    max_overflow: usize,
    acquire_timeout: Duration,
    pre_ping: bool,
    recycle: Option<Duration>,
    echo: bool,
}

impl EngineBuilder {
    /// Connections kept open when idle (default 5).
    pub fn pool_size(mut self, n: usize) -> Self {
        self.pool_size = n;
        self
    }

    /// Extra connections opened under load and closed when returned (default 10).
    pub fn max_overflow(mut self, n: usize) -> Self {
        self.max_overflow = n;
        self
    }

    /// Sets the most connections open at once, keeping `pool_size` (or lowering it to fit).
    pub fn max_size(mut self, n: usize) -> Self {
        self.pool_size = self.pool_size.min(n);
        self.max_overflow = n - self.pool_size;
        self
    }

    /// How long `connect()` waits for a free connection before [`Error::PoolTimeout`] (default 30 s).
    pub fn acquire_timeout(mut self, d: Duration) -> Self {
        self.acquire_timeout = d;
        self
    }

    /// Test each connection with a round trip when it is checked out (default off).
    pub fn pre_ping(mut self, on: bool) -> Self {
        self.pre_ping = on;
        self
    }

    /// Replace connections older than this at checkout.
    pub fn recycle(mut self, d: Duration) -> Self {
        self.recycle = Some(d);
        self
    }

    /// Log every statement and its parameters through `tracing` (target `philtre::engine`, level INFO).
    pub fn echo(mut self, on: bool) -> Self {
        self.echo = on;
        self
    }

    /// Parses the URL and sets up the pool; no connection is opened yet.
    pub fn build(self) -> Result<Engine> {
        let url = DatabaseUrl::parse(&self.url)?;
        if self.pool_size + self.max_overflow == 0 {
            return Err(Error::Config(
                "pool_size + max_overflow must be at least 1".into(),
            ));
        }
        let driver = driver_for(&url)?;
        let mut max_size = self.pool_size + self.max_overflow;
        let mut pool_size = self.pool_size;
        if let Some(cap) = driver.max_connections() {
            max_size = max_size.min(cap);
            pool_size = pool_size.min(cap).max(1);
        }
        let manager = Manager {
            driver: driver.clone(),
            pre_ping: self.pre_ping,
            recycle: self.recycle,
            open: Arc::new(AtomicUsize::new(0)),
        };
        let pool = Pool::builder(manager)
            .max_size(max_size)
            .timeouts(Timeouts {
                wait: Some(self.acquire_timeout),
                create: None,
                recycle: None,
            })
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| Error::Config(format!("connection pool: {e}")))?;
        Ok(Engine {
            inner: Arc::new(EngineInner {
                url,
                driver,
                pool,
                pool_size,
                echo: self.echo,
            }),
        })
    }
}

/// The driver compiled in for the URL's backend, or [`Error::BackendNotEnabled`].
fn driver_for(url: &DatabaseUrl) -> Result<Arc<dyn Driver>> {
    let not_enabled = |b: Backend| Error::BackendNotEnabled {
        backend: b.name(),
        feature: b.feature(),
    };
    match url.backend() {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => Ok(Arc::new(philtre_sqlite::SqliteDriver::new(url)?)),
        #[cfg(feature = "postgres")]
        Backend::Postgres => Ok(Arc::new(philtre_postgres::PostgresDriver::new(url)?)),
        #[cfg(feature = "mysql")]
        Backend::Mysql => Ok(Arc::new(philtre_mysql::MysqlDriver::new(url)?)),
        #[allow(unreachable_patterns)]
        other => Err(not_enabled(other)),
    }
}
