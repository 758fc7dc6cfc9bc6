//! [`PgConnection`]: one tokio-postgres client with its statement cache.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use async_trait::async_trait;
use futures_util::future::{join, join_all};
use futures_util::{FutureExt, TryStreamExt};
use philtre_core::{Connection, Error, ExecResult, PeekedInt, Result, RowSink, Rows, Table, Value};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Statement};

use crate::bind::{bind_all, Bound};
use crate::cache::{Prepared, StatementCache};
use crate::cancel::Canceller;
use crate::decode::{decode_row, PgRawRow};
use crate::error::{is_fatal, map};

type PgError = tokio_postgres::Error;

/// An open PostgreSQL connection.
///
/// Made by [`PostgresDriver`](crate::PostgresDriver); the engine uses it as a
/// `Box<dyn Connection>`. Its tokio-postgres connection task runs on `tokio::spawn`.
pub struct PgConnection {
    /// Shared with requests left to finish in the background ([`Connection::batch_unawaited`]).
    client: Arc<Client>,
    cache: StatementCache,
    state: State,
    canceller: Canceller,
}

/// What `is_usable` reports from, and the replies not yet read.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Set before each await on the server and cleared after: still set means a caller
    /// dropped the future mid-operation.
    in_flight: bool,
    /// A connection-level error was seen.
    broken: bool,
    /// Requests sent without waiting ([`Connection::batch_unawaited`]), oldest first; the
    /// next operation reads their replies together with its own.
    unread: Unread,
}

/// The replies to requests already sent, still to be read: awaited alongside the next
/// operation instead of on a task of their own, so a `BEGIN` costs neither a round trip
/// nor a spawn (and the wake-ups between threads a spawned task brings).
#[derive(Default)]
struct Unread(Vec<Reply>);

/// The reply to one request sent without waiting.
type Reply = Pin<Box<dyn Future<Output = Result<(), PgError>> + Send>>;

impl std::fmt::Debug for Unread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Unread({})", self.0.len())
    }
}

impl Unread {
    /// At most this many are kept: transactions begun and rolled back with nothing run in
    /// between would otherwise pile up replies until the connection's next operation.
    const MAX: usize = 16;

    fn take(&mut self) -> Unread {
        Unread(std::mem::take(&mut self.0))
    }

    /// Reads every reply; the first error is the result.
    async fn read(self) -> Result<(), PgError> {
        for reply in self.0 {
            reply.await?;
        }
        Ok(())
    }
}

/// Awaits `fut` (whose first poll sends its request) together with the unread replies
/// sent before it. Their error, if any, is the operation's: it came first.
async fn after_unread<T>(
    unread: Unread,
    fut: impl Future<Output = Result<T, PgError>>,
) -> Result<T, PgError> {
    if unread.0.is_empty() {
        return fut.await;
    }
    let (earlier, result) = join(unread.read(), fut).await;
    earlier.and(result)
}

impl std::fmt::Debug for PgConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConnection")
            .field("cached_statements", &self.cache.len())
            .field("usable", &self.is_usable())
            .finish_non_exhaustive()
    }
}

/// Awaits `fut` with the in-flight flag up, and maps a failure (marking the connection
/// broken when the failure is connection-level).
async fn track<T>(state: &mut State, fut: impl Future<Output = Result<T, PgError>>) -> Result<T> {
    state.in_flight = true;
    let result = after_unread(state.unread.take(), fut).await;
    state.in_flight = false;
    result.map_err(|e| fail(state, &e))
}

fn fail(state: &mut State, e: &PgError) -> Error {
    let err = map(e);
    if is_fatal(&err) {
        state.broken = true;
    }
    err
}

/// A cached statement the server no longer accepts (its result type changed after DDL, or
/// it was deallocated): evict it and prepare again.
fn is_stale(e: &PgError) -> bool {
    e.as_db_error().is_some_and(|db| {
        (db.code() == &SqlState::FEATURE_NOT_SUPPORTED && db.message().contains("cached plan"))
            || db.code() == &SqlState::INVALID_SQL_STATEMENT_NAME
    })
}

/// Statements after which cached plans may be wrong or gone.
fn changes_schema(sql: &str) -> bool {
    let first = sql
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    matches!(
        first.as_str(),
        "CREATE" | "DROP" | "ALTER" | "DISCARD" | "DEALLOCATE" | "COMMENT"
    )
}

enum Output {
    Rows(Vec<tokio_postgres::Row>),
    Count(u64),
}

/// Runs the prepared statement once with `bound`: its rows, or how many it changed. The
/// first poll sends the request, so calls made together are pipelined.
async fn call(
    client: &Client,
    stmt: &Statement,
    bound: &[Bound<'_>],
    rows: bool,
) -> Result<Output, PgError> {
    if rows {
        let stream = client.query_raw(stmt, bound.iter()).await?;
        stream.try_collect().await.map(Output::Rows)
    } else {
        client
            .execute_raw(stmt, bound.iter())
            .await
            .map(Output::Count)
    }
}

/// What is wanted of one statement's reply.
enum Want<'s> {
    /// Only how many rows it changed.
    Count,
    /// Its rows, each as it arrives.
    Rows(&'s mut dyn RowSink),
}

/// Runs the prepared statement once with `bound`, its rows (if wanted) handed to the sink
/// as they arrive: each row is decoded and freed before the next is read, so a result
/// of 10,000 rows is never held whole, and what a row allocates is reused by the next.
///
/// The outer error is the server's; the inner one is the sink's, which stops the reading
/// (tokio-postgres reads the rest of the reply and drops it, so the connection stays
/// usable). Returns how many rows there were.
async fn run_once(
    client: &Client,
    p: &Prepared,
    bound: &[Bound<'_>],
    want: &mut Want<'_>,
) -> Result<Result<u64>, PgError> {
    let sink = match want {
        Want::Count => return client.execute_raw(&p.stmt, bound.iter()).await.map(Ok),
        Want::Rows(sink) => &mut **sink,
    };
    let rows = client.query_raw(&p.stmt, bound.iter()).await?;
    if let Err(e) = sink.columns(&p.columns) {
        return Ok(Err(e));
    }
    // Filled only for a column the sink does not read straight from the row.
    let mut values = Vec::new();
    let mut rows = std::pin::pin!(rows);
    let mut n = 0;
    while let Some(row) = rows.try_next().await? {
        n += 1;
        let read = sink.raw_row(&mut PgRawRow {
            row: &row,
            kinds: &p.kinds,
            columns: &p.columns,
            buf: &mut values,
            peeked: PeekedInt::default(),
        });
        if let Err(e) = read {
            return Ok(Err(e));
        }
    }
    Ok(Ok(n))
}

impl PgConnection {
    pub(crate) fn new(client: Client, cache_capacity: usize, canceller: Canceller) -> Self {
        PgConnection {
            client: Arc::new(client),
            cache: StatementCache::new(cache_capacity),
            state: State::default(),
            canceller,
        }
    }

    /// How many prepared statements this connection keeps.
    pub fn cached_statements(&self) -> usize {
        self.cache.len()
    }

    /// The underlying tokio-postgres client, for what philtre does not cover (COPY, LISTEN).
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn check_usable(&self) -> Result<()> {
        if self.state.in_flight {
            return Err(Error::ConnectionLost(
                "an earlier operation on this connection was abandoned mid-flight".into(),
            ));
        }
        if self.state.broken || self.client.is_closed() {
            return Err(Error::ConnectionLost(
                "the connection to PostgreSQL is closed".into(),
            ));
        }
        Ok(())
    }

    /// The cached statement for `sql`, preparing it on a miss.
    pub(crate) async fn prepared(&mut self, sql: &str) -> Result<Prepared> {
        if let Some(p) = self.cache.get(sql) {
            return Ok(p);
        }
        // Boxed: inline, tokio-postgres's prepare future made every query's future a
        // quarter larger (3.5 KB, not 2.6 KB), copied and allocated on each call for the
        // sake of a cache miss.
        let stmt = Box::pin(track(&mut self.state, self.client.prepare(sql))).await?;
        Ok(self.cache.insert(sql, stmt))
    }

    /// Prepares (cached), binds and runs, retrying once if the cached plan went stale (the
    /// sink, told to forget what it received, then gets the rows again). Returns how many
    /// rows it changed or read.
    async fn run(&mut self, sql: &str, params: &[Value], mut want: Want<'_>) -> Result<u64> {
        self.check_usable()?;
        let mut first_error: Option<PgError> = None;
        loop {
            let p = self.prepared(sql).await?;
            let bound = bind_all(params, p.stmt.params())?;
            self.state.in_flight = true;
            let result = after_unread(
                self.state.unread.take(),
                run_once(&self.client, &p, &bound, &mut want),
            )
            .await;
            self.state.in_flight = false;
            match result {
                Ok(out) => return out,
                Err(e) if first_error.is_none() && is_stale(&e) => {
                    tracing::debug!(sql, "prepared statement went stale; preparing it again");
                    self.cache.remove(sql);
                    if let Want::Rows(sink) = &mut want {
                        sink.reset();
                    }
                    first_error = Some(e);
                }
                Err(e) => {
                    self.cache.remove_if_stale(sql, &e);
                    // Inside a transaction the retry only meets "transaction aborted":
                    // report the error that aborted it.
                    let aborted = e.code() == Some(&SqlState::IN_FAILED_SQL_TRANSACTION);
                    let e = match first_error {
                        Some(first) if aborted => first,
                        _ => e,
                    };
                    return Err(fail(&mut self.state, &e));
                }
            }
        }
    }

    /// Runs the prepared `sql` once per parameter set, every call sent at once on the one
    /// client (pipelined), and returns each call's output in order.
    async fn pipelined(
        &mut self,
        sql: &str,
        param_sets: &[Vec<Value>],
        rows: bool,
    ) -> Result<(Vec<Output>, Option<Prepared>)> {
        self.check_usable()?;
        if param_sets.is_empty() {
            return Ok((Vec::new(), None));
        }
        let p = self.prepared(sql).await?;
        let bound = param_sets
            .iter()
            .map(|set| bind_all(set, p.stmt.params()))
            .collect::<Result<Vec<_>>>()?;
        let client = &self.client;
        let stmt = &p.stmt;
        // `join_all` polls every call at once, and each call's first poll sends it.
        let all = join_all(bound.iter().map(|set| call(client, stmt, set, rows)));
        self.state.in_flight = true;
        let results = after_unread(self.state.unread.take(), all.map(Ok)).await;
        self.state.in_flight = false;
        let results = results.map_err(|e| fail(&mut self.state, &e))?;
        let mut out = Vec::with_capacity(results.len());
        for r in results {
            match r {
                Ok(v) => out.push(v),
                Err(e) => {
                    self.cache.remove_if_stale(sql, &e);
                    return Err(fail(&mut self.state, &e));
                }
            }
        }
        Ok((out, Some(p)))
    }

    /// Runs a catalog query with typed parameters, returning tokio-postgres rows.
    pub(crate) async fn catalog_rows(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>> {
        self.check_usable()?;
        let p = self.prepared(sql).await?;
        track(&mut self.state, self.client.query(&p.stmt, params)).await
    }
}

impl StatementCache {
    fn remove_if_stale(&mut self, sql: &str, e: &PgError) {
        if is_stale(e) {
            self.remove(sql);
        }
    }
}

impl Drop for PgConnection {
    /// A connection dropped with an operation abandoned mid-flight asks the server to
    /// cancel it, so a long query does not run on for nobody.
    fn drop(&mut self) {
        if self.state.in_flight && !self.client.is_closed() {
            self.canceller.fire();
        }
    }
}

#[async_trait]
impl Connection for PgConnection {
    async fn execute(&mut self, sql: &str, params: Vec<Value>) -> Result<ExecResult> {
        if params.is_empty() && changes_schema(sql) {
            // DDL takes no parameters; run it unprepared and drop plans it may invalidate.
            self.batch(sql).await?;
            return Ok(ExecResult::default());
        }
        let rows_affected = self.run(sql, &params, Want::Count).await?;
        Ok(ExecResult {
            rows_affected,
            last_insert_id: None,
        })
    }

    async fn query_each(
        &mut self,
        sql: &str,
        params: Vec<Value>,
        sink: &mut dyn RowSink,
    ) -> Result<()> {
        self.run(sql, &params, Want::Rows(sink)).await?;
        Ok(())
    }

    /// Sends every execute at once on the one client (pipelined), inside whatever
    /// transaction the caller opened.
    async fn execute_many(&mut self, sql: &str, param_sets: Vec<Vec<Value>>) -> Result<ExecResult> {
        let each = self.execute_each(sql, param_sets).await?;
        Ok(ExecResult {
            rows_affected: each.iter().map(|r| r.rows_affected).sum(),
            last_insert_id: None,
        })
    }

    async fn execute_each(
        &mut self,
        sql: &str,
        param_sets: Vec<Vec<Value>>,
    ) -> Result<Vec<ExecResult>> {
        let (outputs, _) = self.pipelined(sql, &param_sets, false).await?;
        Ok(outputs
            .into_iter()
            .map(|out| ExecResult {
                rows_affected: match out {
                    Output::Count(n) => n,
                    Output::Rows(rows) => rows.len() as u64,
                },
                last_insert_id: None,
            })
            .collect())
    }

    async fn query_many(&mut self, sql: &str, param_sets: Vec<Vec<Value>>) -> Result<Vec<Rows>> {
        let (outputs, p) = self.pipelined(sql, &param_sets, true).await?;
        let Some(p) = p else {
            return Ok(Vec::new());
        };
        let kinds = &p.kinds;
        let mut values = Vec::with_capacity(kinds.len());
        outputs
            .into_iter()
            .map(|out| {
                let mut rows = Rows::default();
                rows.columns(&p.columns)?;
                if let Output::Rows(pg_rows) = out {
                    for r in &pg_rows {
                        decode_row(r, kinds, &mut values)?;
                        rows.row(&mut values)?;
                    }
                }
                Ok(rows)
            })
            .collect()
    }

    async fn batch(&mut self, sql: &str) -> Result<()> {
        self.check_usable()?;
        let result = track(&mut self.state, self.client.batch_execute(sql)).await;
        if changes_schema(sql) {
            self.cache.clear();
        }
        result
    }

    /// Sends the SQL and returns once it is on its way: the client queues requests in
    /// order, so whatever this connection runs next reaches the server after it. The
    /// connection's next operation reads the reply with its own and reports its error.
    async fn batch_unawaited(&mut self, sql: &str) -> Result<()> {
        self.check_usable()?;
        let client = Arc::clone(&self.client);
        let owned = sql.to_owned();
        let mut reply = Box::pin(async move { client.batch_execute(&owned).await });
        // The first poll encodes the request and queues it on the client, in order.
        let first = reply.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        match first {
            Poll::Ready(result) => result.map_err(|e| fail(&mut self.state, &e)),
            Poll::Pending => {
                self.state.unread.0.push(reply);
                if self.state.unread.0.len() >= Unread::MAX {
                    let unread = self.state.unread.take();
                    track(&mut self.state, unread.read()).await?;
                }
                Ok(())
            }
        }
    }

    async fn ping(&mut self) -> Result<()> {
        self.check_usable()?;
        track(&mut self.state, self.client.check_connection()).await
    }

    fn is_usable(&self) -> bool {
        !self.state.in_flight && !self.state.broken && !self.client.is_closed()
    }

    async fn table_names(&mut self) -> Result<Vec<String>> {
        crate::reflect::table_names(self).await
    }

    async fn reflect_table(&mut self, name: &str) -> Result<Option<Table>> {
        crate::reflect::reflect_table(self, name).await
    }
}
