//! The one deadpool manager that serves every backend.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use deadpool::managed::{self, Metrics, RecycleError, RecycleResult};
use philtre_core::{Driver, Error, Result};

/// A driver connection as the pool holds it, with the state the engine tracks.
#[derive(Debug)]
pub(crate) struct PooledConn {
    pub(crate) raw: Box<dyn philtre_core::Connection>,
    /// Statements to run before the connection is used again: the rollback of a
    /// transaction or savepoint whose guard was dropped without commit.
    pub(crate) cleanup: Vec<String>,
    /// Open transaction depth (0: autocommit, 1: transaction, 2+: savepoints).
    pub(crate) depth: usize,
    /// Counts this connection among the engine's open ones while it lives.
    _open: OpenCount,
}

/// One open connection in [`Manager::open`]'s count, taken back when dropped.
#[derive(Debug)]
struct OpenCount(Arc<AtomicUsize>);

impl OpenCount {
    fn new(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        OpenCount(count.clone())
    }
}

impl Drop for OpenCount {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl PooledConn {
    /// Runs pending cleanup. A failing `ROLLBACK` on a connection that still works means
    /// there was no transaction left to roll back, which is the state wanted.
    pub(crate) async fn run_cleanup(&mut self) -> Result<()> {
        for sql in std::mem::take(&mut self.cleanup) {
            if let Err(e) = self.raw.batch(&sql).await {
                if !self.raw.is_usable() {
                    return Err(e);
                }
                tracing::debug!(target: "philtre::pool", %sql, error = %e, "cleanup statement failed; ignored");
            }
        }
        Ok(())
    }
}

#[derive(Debug)]
pub(crate) struct Manager {
    pub(crate) driver: Arc<dyn Driver>,
    pub(crate) pre_ping: bool,
    pub(crate) recycle: Option<Duration>,
    /// How many connections are open (idle, checked out, or on their way out): returning
    /// one only needs the pool's status (a lock the pool shares) when there are more than
    /// the pool size, that is, overflow connections.
    pub(crate) open: Arc<AtomicUsize>,
}

impl managed::Manager for Manager {
    type Type = PooledConn;
    type Error = Error;

    async fn create(&self) -> Result<PooledConn> {
        Ok(PooledConn {
            raw: self.driver.connect().await?,
            cleanup: Vec::new(),
            depth: 0,
            _open: OpenCount::new(&self.open),
        })
    }

    async fn recycle(&self, conn: &mut PooledConn, metrics: &Metrics) -> RecycleResult<Error> {
        if !conn.raw.is_usable() {
            return Err(RecycleError::message(
                "connection is broken or was abandoned mid-operation",
            ));
        }
        if let Some(max_age) = self.recycle {
            if metrics.created.elapsed() > max_age {
                return Err(RecycleError::message(
                    "connection is older than the recycle age",
                ));
            }
        }
        if conn.depth > 0 && conn.cleanup.is_empty() {
            // A guard that was leaked (mem::forget) still must not leak its transaction.
            conn.cleanup.push("ROLLBACK".into());
        }
        conn.depth = 0;
        conn.run_cleanup().await.map_err(RecycleError::Backend)?;
        if self.pre_ping {
            conn.raw.ping().await.map_err(RecycleError::Backend)?;
        }
        Ok(())
    }
}

pub(crate) type Pool = managed::Pool<Manager>;
pub(crate) type Object = managed::Object<Manager>;

/// Maps deadpool's errors onto philtre's.
pub(crate) fn pool_error(e: managed::PoolError<Error>, waited: Instant, size: usize) -> Error {
    match e {
        managed::PoolError::Backend(e) => e,
        managed::PoolError::Timeout(_) => Error::PoolTimeout {
            waited: waited.elapsed(),
            size,
        },
        managed::PoolError::Closed => Error::ConnectionLost("the engine was disposed".into()),
        other => Error::Config(format!("connection pool: {other}")),
    }
}
