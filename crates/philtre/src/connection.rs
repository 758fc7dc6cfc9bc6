//! [`Connection`]: a pooled connection that runs statements and opens transactions.

use std::fmt;

use philtre_core::{Compiled, Dialect, Error, Executable, InsertedKey, Result, Table, Value};

use crate::engine::Engine;
use crate::pool::{Object, PooledConn};
use crate::result::CursorResult;
use crate::transaction::Transaction;
use crate::typed_rows::{FirstColumn, TypedRows};

/// A connection checked out of an [`Engine`]'s pool; returned to the pool when dropped.
///
/// Outside a transaction every statement is committed as it runs ("SQLAlchemy will
/// automatically commit for us"); [`begin`](Self::begin) opens an explicit transaction.
pub struct Connection {
    obj: Option<Object>,
    engine: Engine,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("engine", &self.engine)
            .field("in_transaction", &self.in_transaction())
            .finish()
    }
}

impl Connection {
    pub(crate) fn new(obj: Object, engine: Engine) -> Self {
        Connection {
            obj: Some(obj),
            engine,
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn dialect(&self) -> &'static dyn Dialect {
        self.engine.dialect()
    }

    /// Whether a transaction begun on this connection is open.
    pub fn in_transaction(&self) -> bool {
        self.obj.as_ref().is_some_and(|o| o.depth > 0)
    }

    pub(crate) fn state(&mut self) -> Result<&mut PooledConn> {
        self.obj
            .as_deref_mut()
            .ok_or_else(|| Error::ConnectionLost("connection was already returned".into()))
    }

    /// The driver connection, after any pending cleanup; an error if it is broken.
    pub(crate) async fn ready(&mut self) -> Result<&mut PooledConn> {
        let state = self.state()?;
        if !state.raw.is_usable() {
            return Err(Error::ConnectionLost(
                "the connection broke or an operation on it was cancelled; check out a new one"
                    .into(),
            ));
        }
        if !state.cleanup.is_empty() {
            state.run_cleanup().await?;
        }
        Ok(state)
    }

    /// Compiles and runs a statement: a select, insert, update, delete, DDL, or raw SQL.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> philtre::Result<()> {
    /// use philtre::prelude::*;
    /// let engine = create_engine("sqlite://")?;
    /// let metadata = MetaData::new();
    /// let users = Table::new("users", &metadata, [
    ///     Column::new("id", Integer).primary_key(),
    ///     Column::new("name", String(50)),
    /// ]);
    /// metadata.create_all(&engine).await?;
    /// let mut conn = engine.connect().await?;
    /// let res = conn.execute(users.insert().value("name", "admin")).await?;
    /// assert_eq!(res.inserted_primary_key(), Some(&[Value::Int(1)][..]));
    /// let row = conn.execute(users.select().where_(users.c("id").eq(1))).await?.one()?;
    /// assert_eq!(format!("{row:?}"), "(1, 'admin')");
    /// # Ok(()) }
    /// ```
    pub async fn execute(&mut self, stmt: impl Executable) -> Result<CursorResult> {
        let compiled = stmt.into_compiled(self.dialect())?;
        self.run(compiled).await
    }

    /// Runs a query and decodes every row straight into `T`: a tuple of
    /// [`FromValue`](philtre_core::FromValue) types, or any
    /// [`FromValues`](philtre_core::FromValues) type.
    ///
    /// The typed fast path: no [`Row`](philtre_core::Row) is built. Each row reaches `T`
    /// as the driver holds it ([`RawRow`](philtre_core::RawRow)): integer and text
    /// columns go straight into `i64` and `String` fields with no
    /// [`Value`](philtre_core::Value) in between, other columns are decoded as `query`
    /// decodes them. `execute(stmt).await?.all_as::<T>()` gives the same result.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> philtre::Result<()> {
    /// use philtre::prelude::*;
    /// let engine = create_engine("sqlite://")?;
    /// let metadata = MetaData::new();
    /// let users = Table::new("users", &metadata, [
    ///     Column::new("id", Integer).primary_key(),
    ///     Column::new("name", String(50)),
    /// ]);
    /// metadata.create_all(&engine).await?;
    /// let mut conn = engine.connect().await?;
    /// conn.execute(users.insert().value("name", "admin")).await?;
    /// let rows: Vec<(i64, String)> = conn.query_as(users.select()).await?;
    /// assert_eq!(rows, [(1, "admin".to_owned())]);
    /// # Ok(()) }
    /// ```
    pub async fn query_as<T: philtre_core::FromValues + Send>(
        &mut self,
        stmt: impl Executable,
    ) -> Result<Vec<T>> {
        let mut sink = TypedRows::<T>::new();
        self.query_each(stmt, &mut sink).await?;
        Ok(sink.out)
    }

    /// Runs a query and decodes the first column of every row into `T`: SQLAlchemy's
    /// `connection.scalars(stmt).all()`. Like [`query_as`](Self::query_as), the values are
    /// read straight from the driver's rows, and the other columns are not decoded.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> philtre::Result<()> {
    /// use philtre::prelude::*;
    ///
    /// let engine = create_engine("sqlite://")?;
    /// let metadata = MetaData::new();
    /// let users = Table::new("users", &metadata, [
    ///     Column::new("id", Integer).primary_key(),
    ///     Column::new("name", String(50)),
    /// ]);
    /// metadata.create_all(&engine).await?;
    /// let mut conn = engine.connect().await?;
    /// let insert = users
    ///     .insert()
    ///     .rows([[("name", "admin")], [("name", "guest")]])
    ///     .returning([users.c("id")]);
    /// let ids: Vec<i64> = conn.scalars(insert).await?;
    /// assert_eq!(ids, [1, 2]);
    /// let names: Vec<String> = conn.scalars(select([users.c("name")]).order_by(users.c("id"))).await?;
    /// assert_eq!(names, ["admin", "guest"]);
    /// # Ok(()) }
    /// ```
    pub async fn scalars<T: philtre_core::FromValue + Send>(
        &mut self,
        stmt: impl Executable,
    ) -> Result<Vec<T>> {
        let mut sink = FirstColumn::<T>::new();
        self.query_each(stmt, &mut sink).await?;
        Ok(sink.out)
    }

    /// Runs a query and hands each row to `sink` as the driver decodes it: the column
    /// names first, then every row's values in one buffer the sink may move them out of.
    /// What [`query_as`](Self::query_as) and the ORM's loads are built on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> philtre::Result<()> {
    /// use std::sync::Arc;
    /// use philtre::prelude::*;
    /// use philtre::RowSink;
    ///
    /// /// Sums the first column without keeping any row.
    /// struct Total(i64);
    /// impl RowSink for Total {
    ///     fn columns(&mut self, _: &Arc<[String]>) -> philtre::Result<()> { Ok(()) }
    ///     fn row(&mut self, values: &mut [Value]) -> philtre::Result<()> {
    ///         if let Value::Int(x) = values[0] {
    ///             self.0 += x;
    ///         }
    ///         Ok(())
    ///     }
    ///     fn reset(&mut self) { self.0 = 0; }   // the driver is starting over
    /// }
    ///
    /// let engine = create_engine("sqlite://")?;
    /// let mut conn = engine.connect().await?;
    /// conn.execute("create table t (x integer)").await?;
    /// conn.execute("insert into t (x) values (1), (2), (39)").await?;
    /// let mut total = Total(0);
    /// conn.query_each(text("select x from t"), &mut total).await?;
    /// assert_eq!(total.0, 42);
    /// # Ok(()) }
    /// ```
    pub async fn query_each(
        &mut self,
        stmt: impl Executable,
        sink: &mut dyn philtre_core::RowSink,
    ) -> Result<()> {
        let compiled = stmt.into_compiled(self.dialect())?;
        if !compiled.returns_rows {
            return Err(Error::InvalidStatement(format!(
                "this needs a statement that returns rows; use execute for: {}",
                compiled.sql
            )));
        }
        let echo = self.engine.echo();
        let state = self.ready().await?;
        if echo {
            tracing::info!(target: "philtre::engine", sql = %compiled.sql, params = ?compiled.params, "query");
        }
        let _recording = crate::record::start(&compiled.sql, &compiled.params);
        state
            .raw
            .query_each(&compiled.sql, compiled.params, sink)
            .await
    }

    /// Runs an already compiled statement.
    pub async fn run(&mut self, compiled: Compiled) -> Result<CursorResult> {
        let echo = self.engine.echo();
        let state = self.ready().await?;
        if echo {
            tracing::info!(target: "philtre::engine", sql = %compiled.sql, params = ?compiled.params, "execute");
        }
        let _recording = crate::record::start(&compiled.sql, &compiled.params);
        match compiled.primary_key {
            Some(InsertedKey::Returning) => {
                let rows = state.raw.query(&compiled.sql, compiled.params).await?;
                let pk = rows
                    .rows
                    .into_iter()
                    .next()
                    .map(philtre_core::Row::into_values);
                Ok(CursorResult::affected(u64::from(pk.is_some()), pk, None))
            }
            _ if compiled.returns_rows => {
                let rows = state.raw.query(&compiled.sql, compiled.params).await?;
                Ok(CursorResult::from_rows(rows))
            }
            key => {
                let r = state.raw.execute(&compiled.sql, compiled.params).await?;
                let pk = match key {
                    Some(InsertedKey::Given(values)) => Some(values),
                    Some(InsertedKey::LastInsertId) => {
                        r.last_insert_id.map(|id| vec![Value::Int(id)])
                    }
                    _ => None,
                };
                Ok(CursorResult::affected(
                    r.rows_affected,
                    pk,
                    r.last_insert_id,
                ))
            }
        }
    }

    /// Begins a transaction: commit it, or it rolls back when dropped.
    pub async fn begin(&mut self) -> Result<Transaction<'_>> {
        Transaction::begin(self).await
    }

    /// Names of the tables in the database.
    pub async fn table_names(&mut self) -> Result<Vec<String>> {
        self.ready().await?.raw.table_names().await
    }

    pub async fn has_table(&mut self, name: &str) -> Result<bool> {
        Ok(self.ready().await?.raw.reflect_table(name).await?.is_some())
    }

    /// Loads a table's definition from the database ([`Error::NoSuchTable`] if missing).
    pub async fn reflect_table(&mut self, name: &str) -> Result<Table> {
        self.ready()
            .await?
            .raw
            .reflect_table(name)
            .await?
            .ok_or_else(|| Error::NoSuchTable(name.to_owned()))
    }

    /// A round trip to the server.
    pub async fn ping(&mut self) -> Result<()> {
        self.ready().await?.raw.ping().await
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let Some(mut obj) = self.obj.take() else {
            return;
        };
        // A broken connection, or an overflow one beyond the idle pool size, is closed
        // now instead of going back to the pool (SQLAlchemy's QueuePool overflow); closing
        // also ends any transaction left open on it. The pool's status takes the lock
        // every checkout and return shares, so it is asked only when there is overflow.
        let overflow = || {
            self.engine.has_overflow() && self.engine.pool_status().idle >= self.engine.pool_size()
        };
        if !obj.raw.is_usable() || overflow() {
            drop(Object::take(obj));
            return;
        }
        // Reset on return: a transaction left open (a dropped guard) is rolled back now,
        // so its locks do not wait for the connection's next checkout. Without a runtime
        // to do it on, or when every checkout shares one connection (in-memory SQLite,
        // where a rollback run in the background could end another checkout's
        // transaction), the pool's recycle does it at the next checkout instead.
        if (obj.depth == 0 && obj.cleanup.is_empty()) || self.engine.shares_one_connection() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            if obj.depth > 0 && obj.cleanup.is_empty() {
                obj.cleanup.push("ROLLBACK".into());
            }
            obj.depth = 0;
            if obj.run_cleanup().await.is_err() || !obj.raw.is_usable() {
                drop(Object::take(obj));
            }
        });
    }
}
