//! [`SqliteDriver`] and [`SqliteConnection`]: the `philtre_core` driver contract on rusqlite.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use philtre_core::{
    Connection, DatabaseUrl, Dialect, Driver, Error, ExecResult, Result, RowSink, Table, Value,
};
use tokio::sync::OnceCell;

use crate::dialect::SQLITE;
use crate::handle::{multi_threaded, Attempt, Budget, Guard, Handle, Shape};
use crate::options::Options;
use crate::{exec, reflect};

/// Opens connections to one SQLite database.
///
/// A file database gets a new connection per [`connect`](Driver::connect).
/// An in-memory database is different: every SQLite `:memory:` connection is a database of
/// its own, so the driver opens ONE connection on the first `connect` and keeps it open;
/// every later `connect` returns another handle to that same connection (SQLAlchemy's
/// `StaticPool`). Handles take turns on the one connection, so every checkout sees
/// the same database — and, as with `StaticPool`, the same transaction state. The database
/// lives as long as the driver or any handle; each driver has its own.
#[derive(Debug)]
pub struct SqliteDriver {
    /// The URL as shown in errors (no password can be in an SQLite URL, but keep the habit).
    url: String,
    options: Options,
    /// The single shared connection of an in-memory database, opened on first use.
    memory: OnceCell<Handle>,
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

    async fn open(&self) -> Result<Handle> {
        let options = self.options.clone();
        let url = self.url.clone();
        Handle::open(&self.url, self.options.timeout, move || options.open(&url)).await
    }
}

#[async_trait]
impl Driver for SqliteDriver {
    fn dialect(&self) -> &'static dyn Dialect {
        &SQLITE
    }

    fn shares_one_connection(&self) -> bool {
        self.options.is_memory()
    }

    async fn connect(&self) -> Result<Box<dyn Connection>> {
        let handle = if self.options.is_memory() {
            let handle = self.memory.get_or_try_init(|| self.open()).await?;
            if !handle.is_usable() {
                return Err(Error::Connect {
                    url: self.url.clone(),
                    message: "the in-memory database's connection was abandoned after a panic"
                        .into(),
                });
            }
            handle.clone()
        } else {
            self.open().await?
        };
        Ok(Box::new(SqliteConnection {
            handle,
            long_queries: HashSet::new(),
            last_columns: exec::LastColumns::default(),
            pending_begin: false,
        }))
    }
}

/// One connection. Operations run inline when quick and on tokio's blocking pool when not
/// (see the crate docs); either way an operation runs whole, so a dropped future never
/// leaves the connection half way through a statement.
#[derive(Debug)]
pub struct SqliteConnection {
    handle: Handle,
    /// Queries that ran past the inline budget before, and took that long again on the
    /// blocking pool: they go there at once, rather than run inline, be interrupted and
    /// start over every time. One that then runs short is forgotten.
    long_queries: HashSet<String>,
    last_columns: exec::LastColumns,
    /// A `BEGIN` that waits for the transaction's first operation (see `batch_unawaited`).
    pending_begin: bool,
}

impl SqliteConnection {
    /// Takes the connection; a `BEGIN` deferred by `batch_unawaited` runs first. A
    /// deferred `BEGIN` takes no lock, so it cannot find the database busy.
    async fn acquire(&mut self) -> Result<Guard> {
        let conn = self.handle.acquire().await?;
        if self.pending_begin {
            self.pending_begin = false;
            exec::control(&conn, "BEGIN")?;
        }
        Ok(conn)
    }

    /// Runs `op` on the connection (inline when quick, see [`Handle::run`]), after any
    /// deferred `BEGIN`.
    async fn call<R, F>(&mut self, shape: Shape, op: F) -> Result<R>
    where
        F: Fn(&mut rusqlite::Connection, &Budget<'_>) -> Result<R> + Send + 'static,
        R: Send + 'static,
    {
        let conn = self.acquire().await?;
        self.handle.run(conn, shape, op).await
    }
}

/// A whole run at least this long confirms that a query is long. A quarter of the inline
/// budget: a query near the budget runs faster whole than inline (no clock checks) and
/// must still count, while one that ran out of budget only because its thread was
/// preempted runs far faster than this.
const LONG_ENOUGH: Duration = Duration::from_micros(1_250);

/// How many long queries a connection remembers.
const LONG_QUERIES_KEPT: usize = 64;

#[async_trait]
impl Connection for SqliteConnection {
    async fn execute(&mut self, sql: &str, params: Vec<Value>) -> Result<ExecResult> {
        let sql = sql.to_owned();
        self.call(Shape::Statement, move |c, b| {
            exec::execute(c, b, &sql, &params)
        })
        .await
    }

    async fn query_each(
        &mut self,
        sql: &str,
        params: Vec<Value>,
        sink: &mut dyn RowSink,
    ) -> Result<()> {
        let mut conn = self.acquire().await?;
        let known_long = !self.long_queries.is_empty() && self.long_queries.contains(sql);
        // A long query on a multi-threaded runtime runs here, whole, with the worker's
        // other tasks handed to another thread (block_in_place): rows go straight to the
        // sink, with no copy and no hop.
        let in_place = known_long && multi_threaded();
        let started = in_place.then(Instant::now);
        let inline = |c: &mut rusqlite::Connection, b: &Budget<'_>| {
            exec::query_each(c, b, sql, &params, &mut self.last_columns, &mut *sink)
        };
        let attempt = if in_place {
            // As a script: never interrupted, and tried again if a lock stops it.
            tokio::task::block_in_place(|| self.handle.attempt(&mut conn, Shape::Script, inline))
        } else if known_long {
            Attempt::Retry { ran_long: true }
        } else {
            self.handle.attempt(&mut conn, Shape::Statement, inline)
        };
        match attempt {
            Attempt::Done(result) => {
                if started.is_some_and(|t| t.elapsed() < LONG_ENOUGH) {
                    self.long_queries.remove(sql);
                }
                result
            }
            Attempt::Retry { ran_long } => {
                if !known_long || in_place {
                    // Rows the interrupted attempt gave are given again by the full run.
                    sink.reset();
                }
                let owned = sql.to_owned();
                let started = Instant::now();
                let rows = self
                    .handle
                    .finish_blocking(conn, move |c| {
                        exec::query(c, &Budget::none(), &owned, &params)
                    })
                    .await?;
                // Remembered only when the whole run was long too: an inline attempt can
                // also run out of budget because the thread was preempted.
                let long = started.elapsed() >= LONG_ENOUGH;
                if long && ran_long && !known_long && self.long_queries.len() < LONG_QUERIES_KEPT {
                    self.long_queries.insert(sql.to_owned());
                } else if !long && known_long {
                    self.long_queries.remove(sql);
                }
                sink.columns(&rows.columns)?;
                for row in rows.rows {
                    sink.row(&mut row.into_values())?;
                }
                Ok(())
            }
        }
    }

    async fn execute_many(&mut self, sql: &str, param_sets: Vec<Vec<Value>>) -> Result<ExecResult> {
        let sql = sql.to_owned();
        self.call(Shape::Script, move |c, _| {
            exec::execute_many(c, &sql, &param_sets)
        })
        .await
    }

    /// All sets in one call on the connection (one hop, one cached statement).
    async fn execute_each(
        &mut self,
        sql: &str,
        param_sets: Vec<Vec<Value>>,
    ) -> Result<Vec<ExecResult>> {
        let sql = sql.to_owned();
        self.call(Shape::Script, move |c, _| {
            exec::execute_each(c, &sql, &param_sets)
        })
        .await
    }

    async fn batch(&mut self, sql: &str) -> Result<()> {
        if let Some(control) = exec::transaction_control(sql) {
            if self.pending_begin && control != "BEGIN" {
                // The transaction ran nothing: there is nothing to end.
                self.pending_begin = false;
                return Ok(());
            }
            return self
                .call(Shape::Script, move |c, _| exec::control(c, control))
                .await;
        }
        let sql = sql.to_owned();
        self.call(Shape::Script, move |c, _| {
            c.execute_batch(&sql).map_err(crate::errors::map_error)
        })
        .await
    }

    /// `BEGIN` waits for the transaction's first operation and runs with it, under the
    /// same hold on the connection; a transaction that ends before running anything costs
    /// nothing.
    async fn batch_unawaited(&mut self, sql: &str) -> Result<()> {
        if sql == "BEGIN" && !self.pending_begin {
            self.pending_begin = true;
            return Ok(());
        }
        self.batch(sql).await
    }

    async fn ping(&mut self) -> Result<()> {
        self.call(Shape::Statement, |c, _| {
            c.query_row("SELECT 1", [], |_| Ok(()))
                .map_err(crate::errors::map_error)
        })
        .await
    }

    fn is_usable(&self) -> bool {
        self.handle.is_usable()
    }

    async fn table_names(&mut self) -> Result<Vec<String>> {
        self.call(Shape::Statement, |c, _| reflect::table_names(c))
            .await
    }

    async fn reflect_table(&mut self, name: &str) -> Result<Option<Table>> {
        let name = name.to_owned();
        self.call(Shape::Statement, move |c, _| {
            reflect::reflect_table(c, &name)
        })
        .await
    }
}
