//! [`SqliteDriver`] and [`SqliteConnection`]: the `philtre_core` driver contract on rusqlite.

use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use philtre_core::{
    Connection, DatabaseUrl, Dialect, Driver, Error, ExecResult, Result, Rows, Table, Value,
};
use tokio::sync::OnceCell;

use crate::dialect::SQLITE;
use crate::options::Options;
use crate::worker::Worker;
use crate::{exec, reflect};

/// Numbers worker threads, for their names (`philtre-sqlite-3`).
static THREADS: AtomicU64 = AtomicU64::new(0);

/// Opens connections to one SQLite database.
///
/// A file database gets a new connection (and worker thread) per [`connect`](Driver::connect).
/// An in-memory database is different: every SQLite `:memory:` connection is a database of
/// its own, so the driver opens ONE connection on the first `connect` and keeps its worker
/// alive; every later `connect` returns another handle to that same worker (SQLAlchemy's
/// `StaticPool`). Handles queue their statements on the one thread, so every checkout sees
/// the same database — and, as with `StaticPool`, the same transaction state. The database
/// lives as long as the driver or any handle; each driver has its own.
#[derive(Debug)]
pub struct SqliteDriver {
    /// The URL as shown in errors (no password can be in an SQLite URL, but keep the habit).
    url: String,
    options: Options,
    /// The single shared connection of an in-memory database, opened on first use.
    memory: OnceCell<Worker>,
}

impl SqliteDriver {
    /// A driver for `url`: `sqlite://`, `sqlite:///:memory:`, `sqlite:///relative.db` or
    /// `sqlite:////absolute.db`, with options `mode=ro|rw|rwc|memory` and
    /// `timeout=<seconds>` (busy timeout, default 5). Other options are an
    /// [`Error::Config`]. Nothing is opened until [`connect`](Driver::connect).
    pub fn new(url: &DatabaseUrl) -> Result<SqliteDriver> {
        Ok(SqliteDriver {
            url: url.to_string(),
            options: Options::from_url(url)?,
            memory: OnceCell::new(),
        })
    }

    /// Parses `url` and calls [`new`](Self::new).
    pub fn from_url(url: &str) -> Result<SqliteDriver> {
        SqliteDriver::new(&url.parse()?)
    }

    /// Whether this driver's database is in memory (one shared connection).
    pub fn is_memory(&self) -> bool {
        self.options.is_memory()
    }

    async fn open_worker(&self) -> Result<Worker> {
        let options = self.options.clone();
        let url = self.url.clone();
        let n = THREADS.fetch_add(1, Ordering::Relaxed);
        Worker::spawn(format!("philtre-sqlite-{n}"), &self.url, move || {
            options.open(&url)
        })
        .await
    }
}

#[async_trait]
impl Driver for SqliteDriver {
    fn dialect(&self) -> &'static dyn Dialect {
        &SQLITE
    }

    async fn connect(&self) -> Result<Box<dyn Connection>> {
        let worker = if self.options.is_memory() {
            let worker = self.memory.get_or_try_init(|| self.open_worker()).await?;
            if !worker.is_alive() {
                return Err(Error::Connect {
                    url: self.url.clone(),
                    message: "the in-memory database's connection thread has stopped".into(),
                });
            }
            worker.clone()
        } else {
            self.open_worker().await?
        };
        Ok(Box::new(SqliteConnection { worker }))
    }
}

/// One connection: a handle to the worker thread that owns the `rusqlite::Connection`.
///
/// Every operation is sent to the worker whole and awaited once. Dropping an operation's
/// future does not stop it: the worker finishes it and the connection stays usable and in
/// step. Dropping the handle ends the worker (for a file database).
#[derive(Debug)]
pub struct SqliteConnection {
    worker: Worker,
}

#[async_trait]
impl Connection for SqliteConnection {
    async fn execute(&mut self, sql: &str, params: Vec<Value>) -> Result<ExecResult> {
        let sql = sql.to_owned();
        self.worker
            .call(move |c| exec::execute(c, &sql, params))
            .await
    }

    async fn query(&mut self, sql: &str, params: Vec<Value>) -> Result<Rows> {
        let sql = sql.to_owned();
        self.worker
            .call(move |c| exec::query(c, &sql, params))
            .await
    }

    async fn execute_many(&mut self, sql: &str, param_sets: Vec<Vec<Value>>) -> Result<ExecResult> {
        let sql = sql.to_owned();
        self.worker
            .call(move |c| exec::execute_many(c, &sql, param_sets))
            .await
    }

    async fn batch(&mut self, sql: &str) -> Result<()> {
        let sql = sql.to_owned();
        self.worker
            .call(move |c| c.execute_batch(&sql).map_err(crate::errors::map_error))
            .await
    }

    async fn ping(&mut self) -> Result<()> {
        self.worker
            .call(|c| {
                c.query_row("SELECT 1", [], |_| Ok(()))
                    .map_err(crate::errors::map_error)
            })
            .await
    }

    fn is_usable(&self) -> bool {
        self.worker.is_alive()
    }

    async fn table_names(&mut self) -> Result<Vec<String>> {
        self.worker.call(|c| reflect::table_names(c)).await
    }

    async fn reflect_table(&mut self, name: &str) -> Result<Option<Table>> {
        let name = name.to_owned();
        self.worker
            .call(move |c| reflect::reflect_table(c, &name))
            .await
    }
}
