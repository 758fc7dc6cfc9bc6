//! executemany: one INSERT template, many rows, all or nothing.

use philtre_core::stmt::{in_column_order, RowMismatch};
use philtre_core::{Compiled, Dialect, Error, Executable, Insert, Result, Value};

use crate::connection::Connection;
use crate::result::CursorResult;

/// The rows of one executemany: the first row's column names, and every row's values in
/// that order.
struct RowBatch {
    names: Vec<String>,
    rows: Vec<Vec<Value>>,
}

impl RowBatch {
    /// Takes the rows apart. Each later row must name the same columns (in any order).
    fn collect<C, V, R>(rows: impl IntoIterator<Item = R>) -> Result<RowBatch>
    where
        C: AsRef<str>,
        V: Into<Value>,
        R: IntoIterator<Item = (C, V)>,
    {
        let mut it = rows.into_iter();
        let Some(first) = it.next() else {
            return Ok(RowBatch {
                names: Vec::new(),
                rows: Vec::new(),
            });
        };
        let (names, values): (Vec<String>, Vec<Value>) = first
            .into_iter()
            .map(|(c, v)| (c.as_ref().to_owned(), v.into()))
            .unzip();
        let mut rows = Vec::with_capacity(it.size_hint().0 + 1);
        rows.push(values);
        for row in it {
            let row = row.into_iter().map(|(c, v)| (c, v.into()));
            let values = in_column_order(&names, row).map_err(|why| {
                Error::InvalidStatement(match why {
                    RowMismatch::Missing => {
                        "every row of execute_many must name the same columns".into()
                    }
                    other => format!("a row of execute_many {other}"),
                })
            })?;
            rows.push(values);
        }
        Ok(RowBatch { names, rows })
    }
}

impl Connection {
    /// Runs one statement once per row of values (executemany), e.g. an insert template
    /// with many rows: `execute_many(&users.insert(), rows)`.
    ///
    /// All rows or none: outside a transaction, the rows are written in one of their own.
    /// On PostgreSQL and MySQL they are sent as multi-row `INSERT`s of up to 1,000 rows
    /// each, as SQLAlchemy's "insertmanyvalues" does: the server handles one statement
    /// per 1,000 rows instead of one per row. SQLite, in process, runs the one-row
    /// statement for every row in one call on the connection. `last_insert_id` is the id
    /// of the last row where the driver reports one (SQLite, MySQL); PostgreSQL reports
    /// none, as it would need a `RETURNING` row from every insert.
    pub async fn execute_many<C, V, R>(
        &mut self,
        insert: &Insert,
        rows: impl IntoIterator<Item = R>,
    ) -> Result<CursorResult>
    where
        C: AsRef<str>,
        V: Into<Value>,
        R: IntoIterator<Item = (C, V)>,
    {
        let batch = RowBatch::collect(rows)?;
        if batch.rows.is_empty() {
            return Ok(CursorResult::affected(0, None, None));
        }
        let many = batch.rows.len() > 1;
        if many && self.dialect().executemany_as_multirow_insert() {
            // Compiling checks every value, before anything is sent.
            let statements = multirow_statements(insert, batch, self.dialect())?;
            return self
                .all_or_nothing(many, async |c: &mut Connection| {
                    c.insert_multirow(statements).await
                })
                .await;
        }
        // The compiler checks the first row; check the others the same way.
        for row in &batch.rows[1..] {
            for (name, v) in batch.names.iter().zip(row) {
                insert.table.check_value(name, v)?;
            }
        }
        self.all_or_nothing(many, async |c: &mut Connection| {
            c.execute_batch(insert, batch).await
        })
        .await
    }

    /// executemany of checked rows, in the current transaction (if any).
    async fn execute_batch(&mut self, insert: &Insert, batch: RowBatch) -> Result<CursorResult> {
        let first = batch
            .names
            .iter()
            .cloned()
            .zip(batch.rows[0].iter().cloned());
        // Keys are not reported for executemany, so no RETURNING row per insert.
        let compiled = insert
            .clone()
            .implicit_returning(false)
            .values(first)
            .compile(self.dialect())?;
        // Columns filled from defaults come after the named ones, as compiled.
        let defaults = &compiled.params[batch.names.len()..];
        let param_sets: Vec<Vec<Value>> = batch
            .rows
            .into_iter()
            .map(|mut row| {
                row.extend(defaults.iter().cloned());
                row
            })
            .collect();
        let echo = self.engine().echo();
        let state = self.ready().await?;
        if echo {
            tracing::info!(target: "philtre::engine", sql = %compiled.sql, rows = param_sets.len(), "executemany");
        }
        let _recording =
            crate::record::start_many(&compiled.sql, param_sets.iter().flatten(), param_sets.len());
        let r = state.raw.execute_many(&compiled.sql, param_sets).await?;
        Ok(CursorResult::affected(
            r.rows_affected,
            None,
            r.last_insert_id,
        ))
    }

    /// Runs executemany's multi-row INSERTs, each with how many rows it carries, in the
    /// current transaction (if any).
    async fn insert_multirow(
        &mut self,
        statements: Vec<(Compiled, usize)>,
    ) -> Result<CursorResult> {
        let mut affected = 0;
        let mut last_id = None;
        for (compiled, rows) in statements {
            let r = self.run(compiled).await?;
            affected += r.rows_affected();
            // On MySQL a multi-row INSERT reports its first id, and InnoDB gives such an
            // insert consecutive ids, so the last row's is known. PostgreSQL reports none.
            last_id = r
                .last_insert_id()
                .map(|first| first + i64::try_from(rows).unwrap_or(i64::MAX) - 1);
        }
        Ok(CursorResult::affected(affected, None, last_id))
    }
}

/// executemany's rows as multi-row INSERTs of up to 1,000 rows, each with its row count.
/// All are compiled (every value type-checked) before any is sent, so one that cannot
/// compile fails the call with nothing written. The values move into the statements.
fn multirow_statements(
    insert: &Insert,
    batch: RowBatch,
    dialect: &dyn Dialect,
) -> Result<Vec<(Compiled, usize)>> {
    let chunk = insert.table.rows_per_insert(batch.names.len());
    let RowBatch { names, rows } = batch;
    let mut statements = Vec::with_capacity(rows.len().div_ceil(chunk));
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let part: Vec<Vec<Value>> = rows.by_ref().take(chunk).collect();
        let count = part.len();
        let part = part
            .into_iter()
            .map(|r| names.iter().map(String::as_str).zip(r));
        statements.push((insert.clone().rows(part).into_compiled(dialect)?, count));
    }
    Ok(statements)
}
