//! [`MysqlConnection`]: one mysql_async connection behind philtre's `Connection` contract.

use std::sync::Arc;

use async_trait::async_trait;
use mysql_async::prelude::{Protocol, Queryable};
use mysql_async::{Conn, Params, QueryResult, Statement};
use philtre_core::{Connection, Error, ExecResult, Result, RowSink, Rows, Table, Value};
use tokio::task::JoinHandle;

use crate::cache::{Caches, LastColumns, StatementCache};
use crate::config::STATEMENT_CACHE_SIZE;
use crate::error::map_error;
use crate::raw_row::MyRawRow;
use crate::value::to_mysql;

/// "This command is not supported in the prepared statement protocol yet": such SQL is
/// sent as plain text when it has no parameters.
const ER_UNSUPPORTED_PS: u16 = 1295;

/// One open connection to MySQL or MariaDB.
///
/// Statements run as server-side prepared statements, cached per connection by SQL text
/// (philtre's own LRU cache, see `cache.rs`), so results arrive in the binary protocol with exact types.
///
/// Transactions begin implicitly, as Python's DB-API drivers do: the first `START
/// TRANSACTION` sets `autocommit=0` instead, and from then on a transaction costs no
/// round trip of its own to begin; the server begins it with its first statement (same
/// isolation, same snapshot rules). A statement run outside a transaction sets
/// `autocommit=1` back first, so a connection that alternates pays one round trip per
/// switch. A `ROLLBACK` nobody waits for runs in a task of its own, holding the
/// connection; the next operation waits for it.
///
/// Cancellation: an operation marks the connection busy until it completes. If its future
/// is dropped midway (a timeout, a cancelled request), the mark stays, [`is_usable`]
/// turns false and the pool discards the connection rather than reuse a session that may
/// be mid-result or mid-transaction.
///
/// [`is_usable`]: Connection::is_usable
#[derive(Debug)]
pub struct MysqlConnection {
    /// `None` while a background rollback holds it.
    conn: Option<Conn>,
    background: Option<JoinHandle<(Conn, Result<()>)>>,
    cache: Caches,
    in_flight: bool,
    lost: bool,
    /// Whether the server is MariaDB, learnt on first need (reflection).
    mariadb: Option<bool>,
    /// The session's `autocommit` as philtre last set it (servers start with it on).
    autocommit: bool,
    /// A transaction philtre began is open (so statements must not switch autocommit on).
    in_transaction: bool,
}

/// What a `batch` statement does to the transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Control {
    Begin,
    End,
    Other,
}

fn control(sql: &str) -> Control {
    match sql {
        "START TRANSACTION" | "BEGIN" => Control::Begin,
        "COMMIT" | "ROLLBACK" => Control::End,
        _ => Control::Other,
    }
}

fn lost(why: &str) -> Error {
    Error::ConnectionLost(format!("this MySQL connection {why}"))
}

impl MysqlConnection {
    pub(crate) fn new(conn: Conn) -> Self {
        MysqlConnection {
            conn: Some(conn),
            background: None,
            cache: Caches {
                statements: StatementCache::new(STATEMENT_CACHE_SIZE),
                columns: LastColumns::default(),
            },
            in_flight: false,
            lost: false,
            mariadb: None,
            autocommit: true,
            in_transaction: false,
        }
    }

    /// How many prepared statements this connection keeps.
    pub fn cached_statements(&self) -> usize {
        self.cache.statements.len()
    }

    /// The server's id of this session (what `CONNECTION_ID()` returns and `KILL` takes),
    /// once a background rollback has given the connection back.
    pub fn connection_id(&self) -> Option<u32> {
        self.conn.as_ref().map(Conn::id)
    }

    /// Marks the start of an operation, after any background rollback has finished;
    /// refuses to start one on a broken connection.
    async fn enter(&mut self) -> Result<()> {
        if self.in_flight {
            self.lost = true;
        }
        if self.lost {
            return Err(lost("was lost or abandoned mid-operation earlier"));
        }
        self.in_flight = true;
        if let Some(task) = self.background.take() {
            match task.await {
                Ok((conn, Ok(()))) => self.conn = Some(conn),
                // A rollback that failed leaves the session in an unknown state.
                Ok((_, Err(e))) => {
                    return self.leave(Err(lost(&format!("failed to roll back: {e}"))))
                }
                Err(_) => return self.leave(Err(lost("was lost in a background rollback"))),
            }
        }
        Ok(())
    }

    /// Marks the end of an operation; a lost connection stays unusable.
    fn leave<T>(&mut self, result: Result<T>) -> Result<T> {
        self.in_flight = false;
        if let Err(e) = &result {
            // mysql_async closes the stream on any failure that is not a server error.
            let disconnected = self.conn.as_ref().is_none_or(Conn::is_disconnected);
            if e.is_connection_lost() || disconnected {
                tracing::debug!(error = %e, id = ?self.connection_id(), "MySQL connection lost");
                self.lost = true;
            }
        }
        result
    }

    /// The connection and its statements, for an operation that has entered.
    fn parts(&mut self) -> Result<(&mut Conn, &mut Caches)> {
        match self.conn.as_mut() {
            Some(conn) => Ok((conn, &mut self.cache)),
            None => Err(lost("is held by a background rollback")),
        }
    }

    /// Enters an operation that runs outside any transaction philtre began: autocommit
    /// goes back on first if a transaction turned it off.
    async fn enter_statement(&mut self) -> Result<()> {
        self.enter().await?;
        if !self.in_transaction && !self.autocommit {
            let (conn, _) = self.parts()?;
            let result = conn.query_drop("SET autocommit=1").await.map_err(map_error);
            self.leave(result)?;
            self.in_flight = true;
            self.autocommit = true;
        }
        Ok(())
    }

    /// Runs `op` under the busy mark, outside any transaction philtre began.
    async fn statement<T>(
        &mut self,
        op: impl AsyncFnOnce(&mut Conn, &mut Caches) -> Result<T>,
    ) -> Result<T> {
        self.enter_statement().await?;
        self.finish(op).await
    }

    /// Runs `op` for an operation that has entered, then leaves.
    async fn finish<T>(
        &mut self,
        op: impl AsyncFnOnce(&mut Conn, &mut Caches) -> Result<T>,
    ) -> Result<T> {
        let result = match self.parts() {
            Ok((conn, cache)) => op(conn, cache).await,
            Err(e) => Err(e),
        };
        self.leave(result)
    }

    /// Runs a query under the busy mark (used by reflection too).
    pub(crate) async fn fetch(&mut self, sql: &str, params: Vec<Value>) -> Result<Rows> {
        self.statement(async |conn, cache| query(conn, cache, sql, params).await)
            .await
    }

    /// Whether the server is MariaDB rather than MySQL (asked once, then remembered).
    pub(crate) async fn is_mariadb(&mut self) -> Result<bool> {
        if let Some(known) = self.mariadb {
            return Ok(known);
        }
        let rows = self.fetch("SELECT VERSION()", Vec::new()).await?;
        let version: String = match rows.rows.first() {
            Some(row) => row.get(0)?,
            None => String::new(),
        };
        let known = version.to_ascii_lowercase().contains("mariadb");
        self.mariadb = Some(known);
        Ok(known)
    }

    /// `START TRANSACTION`, `COMMIT`, `ROLLBACK` and other SQL without parameters.
    async fn run_batch(&mut self, sql: &str) -> Result<()> {
        let kind = control(sql);
        if kind == Control::Other {
            self.enter_statement().await?;
        } else {
            self.enter().await?;
        }
        let begins = kind == Control::Begin && !self.in_transaction;
        if begins && !self.autocommit {
            // Already off: the server begins the transaction with its first statement.
            self.in_transaction = true;
            return self.leave(Ok(()));
        }
        let sql = if begins { "SET autocommit=0" } else { sql };
        let result = self
            .finish(async |conn, _| conn.query_drop(sql).await.map_err(map_error))
            .await;
        match kind {
            Control::Begin if result.is_ok() => {
                if begins {
                    self.autocommit = false;
                }
                self.in_transaction = true;
            }
            Control::End => self.in_transaction = false,
            _ => {}
        }
        result
    }
}

fn params(values: Vec<Value>) -> Result<Params> {
    if values.is_empty() {
        return Ok(Params::Empty);
    }
    values
        .into_iter()
        .map(to_mysql)
        .collect::<Result<Vec<_>>>()
        .map(Params::Positional)
}

fn unsupported_as_prepared(e: &mysql_async::Error) -> bool {
    matches!(e, mysql_async::Error::Server(s) if s.code == ER_UNSUPPORTED_PS)
}

/// How a statement will run: prepared (the usual case), or as text when MySQL cannot
/// prepare it and it has no parameters.
enum Prepared {
    Statement(Statement),
    Text,
}

/// Prepares `sql` (or takes it from the cache) and checks the parameter count here: a
/// mismatch found inside mysql_async would close the connection.
async fn prepare(
    conn: &mut Conn,
    cache: &mut Caches,
    sql: &str,
    supplied: usize,
) -> Result<Prepared> {
    let statement = match cache.statements.get(sql) {
        Some(statement) => statement,
        None => match conn.prep(sql).await {
            Ok(statement) => {
                if let Some(evicted) = cache.statements.insert(sql, statement.clone()) {
                    conn.close(evicted).await.map_err(map_error)?;
                }
                statement
            }
            Err(e) if supplied == 0 && unsupported_as_prepared(&e) => return Ok(Prepared::Text),
            Err(e) => return Err(map_error(e)),
        },
    };
    if usize::from(statement.num_params()) != supplied {
        return Err(Error::InvalidStatement(format!(
            "the statement takes {} parameters but {supplied} were given",
            statement.num_params()
        )));
    }
    Ok(Prepared::Statement(statement))
}

async fn query(conn: &mut Conn, cache: &mut Caches, sql: &str, values: Vec<Value>) -> Result<Rows> {
    let mut rows = Rows::default();
    query_each(conn, cache, sql, values, &mut rows).await?;
    Ok(rows)
}

/// Runs a query and hands each row's values to `sink`, in one reused buffer.
async fn query_each(
    conn: &mut Conn,
    cache: &mut Caches,
    sql: &str,
    values: Vec<Value>,
    sink: &mut dyn RowSink,
) -> Result<()> {
    let supplied = values.len();
    let params = params(values)?;
    match prepare(conn, cache, sql, supplied).await? {
        Prepared::Statement(s) => {
            let result = conn.exec_iter(&s, params).await.map_err(map_error)?;
            feed(result, &mut cache.columns, sink).await
        }
        Prepared::Text => {
            let result = conn.query_iter(sql).await.map_err(map_error)?;
            feed(result, &mut cache.columns, sink).await
        }
    }
}

/// Reads the first result set row by row, decoding each by column type into `sink`, and
/// drains any others. After a decode error the remaining rows are read and dropped, so the
/// connection stays in step.
async fn feed<P: Protocol>(
    mut result: QueryResult<'_, 'static, P>,
    last: &mut LastColumns,
    sink: &mut dyn RowSink,
) -> Result<()> {
    let columns = result.columns().unwrap_or_else(|| Arc::from([]));
    let (names, fast) = last.of(&columns);
    sink.columns(&names)?;
    // Filled only for a column the sink does not read straight from the row.
    let mut values = Vec::new();
    let mut failed: Option<Error> = None;
    result
        .for_each(|row| {
            if failed.is_some() {
                return;
            }
            let fed = sink.raw_row(&mut MyRawRow {
                values: row.unwrap_raw(),
                columns: &columns,
                fast: &fast,
                names: &names,
                buf: &mut values,
            });
            failed = fed.err();
        })
        .await
        .map_err(map_error)?;
    result.drop_result().await.map_err(map_error)?;
    failed.map_or(Ok(()), Err)
}

fn exec_result(conn: &Conn) -> ExecResult {
    ExecResult {
        rows_affected: conn.affected_rows(),
        last_insert_id: conn.last_insert_id().and_then(|id| i64::try_from(id).ok()),
    }
}

async fn execute(
    conn: &mut Conn,
    cache: &mut Caches,
    sql: &str,
    values: Vec<Value>,
) -> Result<ExecResult> {
    let supplied = values.len();
    let params = params(values)?;
    match prepare(conn, cache, sql, supplied).await? {
        Prepared::Statement(s) => conn.exec_drop(&s, params).await,
        Prepared::Text => conn.query_drop(sql).await,
    }
    .map_err(map_error)?;
    Ok(exec_result(conn))
}

/// One prepared statement run once per parameter set, summing the affected rows.
async fn execute_many(
    conn: &mut Conn,
    cache: &mut Caches,
    sql: &str,
    sets: Vec<Vec<Value>>,
) -> Result<ExecResult> {
    let mut total = ExecResult::default();
    for values in sets {
        let Prepared::Statement(statement) = prepare(conn, cache, sql, values.len()).await? else {
            return Err(Error::InvalidStatement(format!(
                "MySQL cannot prepare this statement, so it cannot run once per parameter set: {sql}"
            )));
        };
        conn.exec_drop(&statement, params(values)?)
            .await
            .map_err(map_error)?;
        let one = exec_result(conn);
        total.rows_affected += one.rows_affected;
        total.last_insert_id = one.last_insert_id.or(total.last_insert_id);
    }
    Ok(total)
}

#[async_trait]
impl Connection for MysqlConnection {
    async fn execute(&mut self, sql: &str, params: Vec<Value>) -> Result<ExecResult> {
        self.statement(async |conn, cache| execute(conn, cache, sql, params).await)
            .await
    }

    async fn query_each(
        &mut self,
        sql: &str,
        params: Vec<Value>,
        sink: &mut dyn RowSink,
    ) -> Result<()> {
        self.statement(async |conn, cache| query_each(conn, cache, sql, params, sink).await)
            .await
    }

    async fn execute_many(&mut self, sql: &str, param_sets: Vec<Vec<Value>>) -> Result<ExecResult> {
        self.statement(async |conn, cache| execute_many(conn, cache, sql, param_sets).await)
            .await
    }

    async fn batch(&mut self, sql: &str) -> Result<()> {
        self.run_batch(sql).await
    }

    /// `START TRANSACTION` costs nothing once autocommit is off (see the type's docs); a
    /// `ROLLBACK` runs in a task of its own, which the next operation waits for.
    async fn batch_unawaited(&mut self, sql: &str) -> Result<()> {
        if sql != "ROLLBACK" || self.background.is_some() || self.in_flight || self.lost {
            return self.run_batch(sql).await;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return self.run_batch(sql).await;
        };
        let Some(mut conn) = self.conn.take() else {
            return self.run_batch(sql).await;
        };
        self.in_transaction = false;
        self.background = Some(runtime.spawn(async move {
            let result = conn.query_drop("ROLLBACK").await.map_err(map_error);
            (conn, result)
        }));
        Ok(())
    }

    async fn ping(&mut self) -> Result<()> {
        self.enter().await?;
        self.finish(async |conn, _| conn.ping().await.map_err(map_error))
            .await
    }

    fn is_usable(&self) -> bool {
        // A connection a background rollback holds is usable: the next operation waits.
        let connected = self
            .conn
            .as_ref()
            .map_or(self.background.is_some(), |c| !c.is_disconnected());
        !self.lost && !self.in_flight && connected
    }

    async fn table_names(&mut self) -> Result<Vec<String>> {
        crate::reflect::table_names(self).await
    }

    async fn reflect_table(&mut self, name: &str) -> Result<Option<Table>> {
        crate::reflect::reflect_table(self, name).await
    }
}
