//! [`MysqlConnection`]: one mysql_async connection behind philtre's `Connection` contract.

use std::sync::Arc;

use async_trait::async_trait;
use mysql_async::prelude::{Protocol, Queryable};
use mysql_async::{Conn, Params, QueryResult, Statement};
use philtre_core::{Connection, Error, ExecResult, Result, RowSink, Rows, Table, Value};

use crate::cache::StatementCache;
use crate::config::STATEMENT_CACHE_SIZE;
use crate::error::map_error;
use crate::value::{from_mysql, to_mysql};

/// "This command is not supported in the prepared statement protocol yet": such SQL is
/// sent as plain text when it has no parameters.
const ER_UNSUPPORTED_PS: u16 = 1295;

/// One open connection to MySQL or MariaDB, in autocommit mode until a `START TRANSACTION`.
///
/// Statements run as server-side prepared statements, cached per connection by SQL text
/// (philtre's own LRU cache, see `cache.rs`), so results arrive in the binary protocol with exact types.
///
/// Cancellation: an operation marks the connection busy until it completes. If its future
/// is dropped midway (a timeout, a cancelled request), the mark stays, [`is_usable`]
/// turns false and the pool discards the connection rather than reuse a session that may
/// be mid-result or mid-transaction.
///
/// [`is_usable`]: Connection::is_usable
#[derive(Debug)]
pub struct MysqlConnection {
    conn: Conn,
    cache: StatementCache,
    in_flight: bool,
    lost: bool,
    /// Whether the server is MariaDB, learnt on first need (reflection).
    mariadb: Option<bool>,
}

impl MysqlConnection {
    pub(crate) fn new(conn: Conn) -> Self {
        MysqlConnection {
            conn,
            cache: StatementCache::new(STATEMENT_CACHE_SIZE),
            in_flight: false,
            lost: false,
            mariadb: None,
        }
    }

    /// How many prepared statements this connection keeps.
    pub fn cached_statements(&self) -> usize {
        self.cache.len()
    }

    /// The server's id of this session (what `CONNECTION_ID()` returns and `KILL` takes).
    pub fn connection_id(&self) -> u32 {
        self.conn.id()
    }

    /// Marks the start of an operation; refuses to start one on a broken connection.
    fn enter(&mut self) -> Result<()> {
        if self.in_flight {
            self.lost = true;
        }
        if self.lost {
            return Err(Error::ConnectionLost(
                "this MySQL connection was lost or abandoned mid-operation earlier".into(),
            ));
        }
        self.in_flight = true;
        Ok(())
    }

    /// Marks the end of an operation; a lost connection stays unusable.
    fn leave<T>(&mut self, result: Result<T>) -> Result<T> {
        self.in_flight = false;
        if let Err(e) = &result {
            // mysql_async closes the stream on any failure that is not a server error.
            if e.is_connection_lost() || self.conn.is_disconnected() {
                tracing::debug!(error = %e, id = self.conn.id(), "MySQL connection lost");
                self.lost = true;
            }
        }
        result
    }

    /// Runs a query under the busy mark (used by reflection too).
    pub(crate) async fn fetch(&mut self, sql: &str, params: Vec<Value>) -> Result<Rows> {
        self.enter()?;
        let result = query(&mut self.conn, &mut self.cache, sql, params).await;
        self.leave(result)
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
    cache: &mut StatementCache,
    sql: &str,
    supplied: usize,
) -> Result<Prepared> {
    let statement = match cache.get(sql) {
        Some(statement) => statement,
        None => match conn.prep(sql).await {
            Ok(statement) => {
                if let Some(evicted) = cache.insert(sql, statement.clone()) {
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

async fn query(
    conn: &mut Conn,
    cache: &mut StatementCache,
    sql: &str,
    values: Vec<Value>,
) -> Result<Rows> {
    let mut rows = Rows::default();
    query_each(conn, cache, sql, values, &mut rows).await?;
    Ok(rows)
}

/// Runs a query and hands each row's values to `sink`, in one reused buffer.
async fn query_each(
    conn: &mut Conn,
    cache: &mut StatementCache,
    sql: &str,
    values: Vec<Value>,
    sink: &mut dyn RowSink,
) -> Result<()> {
    let supplied = values.len();
    let params = params(values)?;
    match prepare(conn, cache, sql, supplied).await? {
        Prepared::Statement(s) => {
            feed(conn.exec_iter(&s, params).await.map_err(map_error)?, sink).await
        }
        Prepared::Text => feed(conn.query_iter(sql).await.map_err(map_error)?, sink).await,
    }
}

/// Reads the first result set row by row, decoding each by column type into `sink`, and
/// drains any others. After a decode error the remaining rows are read and dropped, so the
/// connection stays in step.
async fn feed<P: Protocol>(
    mut result: QueryResult<'_, 'static, P>,
    sink: &mut dyn RowSink,
) -> Result<()> {
    let columns = result.columns().unwrap_or_else(|| Arc::from([]));
    let names: Arc<[String]> = columns.iter().map(|c| c.name_str().into_owned()).collect();
    sink.columns(&names)?;
    let mut values = Vec::with_capacity(columns.len());
    let mut failed: Option<Error> = None;
    result
        .for_each(|row| {
            if failed.is_some() {
                return;
            }
            values.clear();
            let decoded = row
                .unwrap_raw()
                .into_iter()
                .zip(columns.iter())
                .try_for_each(|(v, c)| {
                    values.push(from_mysql(c, v.unwrap_or(mysql_async::Value::NULL))?);
                    Ok(())
                })
                .and_then(|()| sink.row(&mut values));
            failed = decoded.err();
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
    cache: &mut StatementCache,
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
    cache: &mut StatementCache,
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
        self.enter()?;
        let result = execute(&mut self.conn, &mut self.cache, sql, params).await;
        self.leave(result)
    }

    async fn query_each(
        &mut self,
        sql: &str,
        params: Vec<Value>,
        sink: &mut dyn RowSink,
    ) -> Result<()> {
        self.enter()?;
        let result = query_each(&mut self.conn, &mut self.cache, sql, params, sink).await;
        self.leave(result)
    }

    async fn execute_many(&mut self, sql: &str, param_sets: Vec<Vec<Value>>) -> Result<ExecResult> {
        self.enter()?;
        let result = execute_many(&mut self.conn, &mut self.cache, sql, param_sets).await;
        self.leave(result)
    }

    async fn batch(&mut self, sql: &str) -> Result<()> {
        self.enter()?;
        let result = self.conn.query_drop(sql).await.map_err(map_error);
        self.leave(result)
    }

    async fn ping(&mut self) -> Result<()> {
        self.enter()?;
        let result = self.conn.ping().await.map_err(map_error);
        self.leave(result)
    }

    fn is_usable(&self) -> bool {
        !self.lost && !self.in_flight && !self.conn.is_disconnected()
    }

    async fn table_names(&mut self) -> Result<Vec<String>> {
        crate::reflect::table_names(self).await
    }

    async fn reflect_table(&mut self, name: &str) -> Result<Option<Table>> {
        crate::reflect::reflect_table(self, name).await
    }
}
