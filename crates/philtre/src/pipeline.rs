//! One compiled statement, many parameter sets, each set's own result: what the ORM's
//! flush needs to send a whole group of INSERTs or UPDATEs at once.

use philtre_core::{ExecResult, Result, Rows, Value};

use crate::connection::Connection;

impl Connection {
    /// Runs the compiled statement `sql` once per parameter set and returns each set's
    /// result (rows affected, and the insert id where the driver reports one), in order.
    /// PostgreSQL sends them all at once (pipelined); SQLite runs them in one call on the
    /// connection; MySQL one after another. Stops at the first error.
    ///
    /// All sets or none: outside a transaction, they run in one of their own.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> philtre::Result<()> {
    /// use philtre::prelude::*;
    /// let engine = create_engine("sqlite://")?;
    /// let mut conn = engine.connect().await?;
    /// conn.execute("create table t (id integer primary key, x integer)").await?;
    /// conn.execute("insert into t (id, x) values (1, 0), (2, 0)").await?;
    /// let found = conn
    ///     .execute_each("update t set x = ? where id = ?", vec![
    ///         vec![Value::from(10), Value::from(1)],
    ///         vec![Value::from(30), Value::from(3)],
    ///     ])
    ///     .await?;
    /// let found: Vec<u64> = found.iter().map(|r| r.rows_affected).collect();
    /// assert_eq!(found, [1, 0]);   // the second UPDATE found no row
    /// # Ok(()) }
    /// ```
    pub async fn execute_each(
        &mut self,
        sql: &str,
        param_sets: Vec<Vec<Value>>,
    ) -> Result<Vec<ExecResult>> {
        let many = param_sets.len() > 1;
        self.all_or_nothing(many, async |c: &mut Connection| {
            c.execute_each_here(sql, param_sets).await
        })
        .await
    }

    /// [`execute_each`](Self::execute_each) in the current transaction, if any.
    async fn execute_each_here(
        &mut self,
        sql: &str,
        param_sets: Vec<Vec<Value>>,
    ) -> Result<Vec<ExecResult>> {
        let echo = self.engine().echo();
        let state = self.ready().await?;
        if echo {
            tracing::info!(target: "philtre::engine", sql, sets = param_sets.len(), "execute_each");
        }
        let _recording =
            crate::record::start_many(sql, param_sets.iter().flatten(), param_sets.len());
        state.raw.execute_each(sql, param_sets).await
    }

    /// Runs the compiled query `sql` once per parameter set and returns each set's rows,
    /// in order: many `INSERT ... RETURNING` in one go. PostgreSQL sends them all at once
    /// (pipelined); the other backends run them one after another. Stops at the first
    /// error.
    ///
    /// All sets or none: outside a transaction, they run in one of their own.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> philtre::Result<()> {
    /// use philtre::prelude::*;
    /// let engine = create_engine("sqlite://")?;
    /// let mut conn = engine.connect().await?;
    /// conn.execute("create table t (id integer primary key, name text)").await?;
    /// let ids = conn
    ///     .query_many("insert into t (name) values (?) returning id", vec![
    ///         vec![Value::from("ann")],
    ///         vec![Value::from("bob")],
    ///     ])
    ///     .await?;
    /// let ids: Vec<i64> = ids.iter().map(|rows| rows.rows[0].get(0)).collect::<philtre::Result<_>>()?;
    /// assert_eq!(ids, [1, 2]);
    /// # Ok(()) }
    /// ```
    pub async fn query_many(
        &mut self,
        sql: &str,
        param_sets: Vec<Vec<Value>>,
    ) -> Result<Vec<Rows>> {
        let many = param_sets.len() > 1;
        self.all_or_nothing(many, async |c: &mut Connection| {
            c.query_many_here(sql, param_sets).await
        })
        .await
    }

    /// [`query_many`](Self::query_many) in the current transaction, if any.
    async fn query_many_here(
        &mut self,
        sql: &str,
        param_sets: Vec<Vec<Value>>,
    ) -> Result<Vec<Rows>> {
        let echo = self.engine().echo();
        let state = self.ready().await?;
        if echo {
            tracing::info!(target: "philtre::engine", sql, sets = param_sets.len(), "query_many");
        }
        let _recording =
            crate::record::start_many(sql, param_sets.iter().flatten(), param_sets.len());
        state.raw.query_many(sql, param_sets).await
    }

    /// Runs `work` all or nothing: when it runs `many` statements outside a transaction,
    /// in a transaction of its own that commits when `work` succeeds.
    pub(crate) async fn all_or_nothing<T>(
        &mut self,
        many: bool,
        work: impl AsyncFnOnce(&mut Connection) -> Result<T>,
    ) -> Result<T> {
        if !many || self.in_transaction() {
            return work(self).await;
        }
        let mut tx = self.begin().await?;
        let out = work(&mut tx).await?;
        tx.commit().await?;
        Ok(out)
    }
}
