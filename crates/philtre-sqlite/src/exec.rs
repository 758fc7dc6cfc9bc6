//! The whole operations a connection runs: bind, step every row, build the result.

use std::sync::Arc;

use philtre_core::{ExecResult, PeekedInt, Result, RowSink, Rows, Value};
use rusqlite::{CachedStatement, Connection, Statement, StatementStatus};

use crate::convert::{encode, Decl};
use crate::errors::map_error;
use crate::handle::Budget;
use crate::raw_row::SqliteRow;
use crate::sql_text::check_one_statement;

/// Runs a statement and collects its rows, decoding each column by its declared type.
pub(crate) fn query(
    conn: &Connection,
    budget: &Budget<'_>,
    sql: &str,
    params: &[Value],
) -> Result<Rows> {
    let mut rows = Rows::default();
    query_each(
        conn,
        budget,
        sql,
        params,
        &mut LastColumns::default(),
        &mut rows,
    )?;
    Ok(rows)
}

/// Prepares, binds and steps a query, giving `sink` the column names and then each row's
/// values (decoded by declared type) in one reused buffer.
pub(crate) fn query_each(
    conn: &Connection,
    budget: &Budget<'_>,
    sql: &str,
    params: &[Value],
    last_columns: &mut LastColumns,
    sink: &mut dyn RowSink,
) -> Result<()> {
    let mut stmt = prepare(conn, sql)?;
    budget.allow_for_read_only(stmt.readonly());
    let mut hand_off = budget.hand_off();
    bind(&mut stmt, params)?;
    let mut rows = stmt.raw_query();
    // The columns are read after the first step: SQLite prepares a cached statement again
    // there when the schema changed since, and until then it reports the old columns.
    let Some(row) = rows.next().map_err(map_error)? else {
        drop(rows);
        sink.columns(&last_columns.of(sql, &stmt).0)?;
        return Ok(());
    };
    let (names, decls) = last_columns.of(sql, row.as_ref());
    sink.columns(&names)?;
    // Filled only for a column the sink does not read straight from the row.
    let mut values = Vec::new();
    let mut give = |row: &rusqlite::Row<'_>| {
        sink.raw_row(&mut SqliteRow {
            row,
            decls: &decls,
            columns: &names,
            buf: &mut values,
            peeked: PeekedInt::default(),
        })
    };
    let mut row = Some(row);
    while let Some(current) = row {
        give(current)?;
        if let Some(rest) = hand_off.take_if(|h| h.due()) {
            // The budget ran out between two rows: the rest runs here, off the worker.
            return rest.run(|| give_rest(&mut rows, &mut give));
        }
        row = rows.next().map_err(map_error)?;
    }
    Ok(())
}

/// Gives `give` every row left.
fn give_rest(
    rows: &mut rusqlite::Rows<'_>,
    give: &mut impl FnMut(&rusqlite::Row<'_>) -> Result<()>,
) -> Result<()> {
    while let Some(row) = rows.next().map_err(map_error)? {
        give(row)?;
    }
    Ok(())
}

/// The columns of the last query a connection ran (names, declared types, and how each
/// decodes), given again while the next query's are the same: a repeated query allocates
/// and classifies none, and usually reads none of its columns from SQLite either.
#[derive(Debug, Default)]
pub(crate) struct LastColumns(Option<Last>);

#[derive(Debug)]
struct Last {
    names: Arc<[String]>,
    decl_types: Vec<Option<String>>,
    decls: Arc<[Decl]>,
    /// The query's SQL and its statement's run and re-prepare counts after that run.
    sql: String,
    runs: i32,
    reprepares: i32,
}

impl LastColumns {
    /// The columns of `stmt`, which ran `sql` and has stepped at least once (SQLite
    /// prepares a cached statement again at its first step when the schema changed since,
    /// and until then reports the old columns).
    fn of(&mut self, sql: &str, stmt: &Statement<'_>) -> (Arc<[String]>, Arc<[Decl]>) {
        let runs = stmt.get_status(StatementStatus::Run);
        let reprepares = stmt.get_status(StatementStatus::RePrepare);
        if let Some(last) = &mut self.0 {
            // The same cached statement, run by nobody since and not prepared again: SQLite
            // counts a re-prepare (schema changed) on the statement, a statement prepared
            // anew after the cache dropped the old one counts its runs from zero, and a run
            // by any other path shows in the count. (A false match would need the old
            // statement evicted, the schema changed, the same SQL prepared again at the
            // same address and run exactly as often by another path.) Reading the columns
            // from SQLite costs more than anything else a one-row query does in the client.
            if last.runs.wrapping_add(1) == runs && last.reprepares == reprepares && last.sql == sql
            {
                last.runs = runs;
                return (last.names.clone(), last.decls.clone());
            }
        }
        // One pass over the columns gives both names and declared types.
        let columns = stmt.columns();
        if let Some(last) = &mut self.0 {
            let same =
                last.names.len() == columns.len()
                    && last.names.iter().zip(&last.decl_types).zip(&columns).all(
                        |((name, decl), c)| c.name() == name && c.decl_type() == decl.as_deref(),
                    );
            if same {
                last.sql.clear();
                last.sql.push_str(sql);
                (last.runs, last.reprepares) = (runs, reprepares);
                return (last.names.clone(), last.decls.clone());
            }
        }
        let last = Last {
            names: columns.iter().map(|c| c.name().to_owned()).collect(),
            decl_types: columns
                .iter()
                .map(|c| c.decl_type().map(str::to_owned))
                .collect(),
            decls: columns.iter().map(|c| Decl::of(c.decl_type())).collect(),
            sql: sql.to_owned(),
            runs,
            reprepares,
        };
        let given = (last.names.clone(), last.decls.clone());
        self.0 = Some(last);
        given
    }
}

/// Runs a statement that returns no rows (any rows it does return are stepped and dropped).
pub(crate) fn execute(
    conn: &Connection,
    budget: &Budget<'_>,
    sql: &str,
    params: &[Value],
) -> Result<ExecResult> {
    let mut stmt = prepare(conn, sql)?;
    budget.allow_for_read_only(stmt.readonly());
    run(conn, &mut stmt, params, is_insert(sql))
}

/// Runs one prepared statement once per parameter set.
///
/// Outside a transaction the sets run inside one `BEGIN ... COMMIT` of their own: all rows
/// are written or none (and SQLite syncs the file once instead of once per row).
pub(crate) fn execute_many(
    conn: &Connection,
    sql: &str,
    param_sets: &[Vec<Value>],
) -> Result<ExecResult> {
    let own_transaction = conn.is_autocommit() && param_sets.len() > 1;
    if own_transaction {
        control(conn, "BEGIN")?;
    }
    let result = run_many(conn, sql, param_sets);
    if own_transaction {
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        if let Err(e) = control(conn, end) {
            if !conn.is_autocommit() {
                let _ = control(conn, "ROLLBACK");
            }
            // A statement's own error says more than a failed rollback, so keep it.
            if result.is_ok() {
                return Err(e);
            }
        }
    }
    result
}

/// Runs one prepared statement once per parameter set, each set's own result in order;
/// stops at the first error (the caller owns the transaction).
pub(crate) fn execute_each(
    conn: &Connection,
    sql: &str,
    param_sets: &[Vec<Value>],
) -> Result<Vec<ExecResult>> {
    let mut stmt = prepare(conn, sql)?;
    let insert = is_insert(sql);
    param_sets
        .iter()
        .map(|params| run(conn, &mut stmt, params, insert))
        .collect()
}

/// `sql` as the static string of a statement every transaction runs (`BEGIN`, `COMMIT`,
/// `ROLLBACK`), if it is one: those go through [`control`].
pub(crate) fn transaction_control(sql: &str) -> Option<&'static str> {
    ["BEGIN", "COMMIT", "ROLLBACK"]
        .into_iter()
        .find(|known| *known == sql)
}

/// Runs a transaction-control statement from the statement cache: parsing `BEGIN` afresh
/// (`execute_batch`) costs more than the rest of a primary-key lookup.
pub(crate) fn control(conn: &Connection, sql: &'static str) -> Result<()> {
    let mut stmt = conn.prepare_cached(sql).map_err(map_error)?;
    stmt.raw_execute().map(drop).map_err(map_error)
}

fn run_many(conn: &Connection, sql: &str, param_sets: &[Vec<Value>]) -> Result<ExecResult> {
    let mut stmt = prepare(conn, sql)?;
    let insert = is_insert(sql);
    let mut total = ExecResult::default();
    for params in param_sets {
        let r = run(conn, &mut stmt, params, insert)?;
        total.rows_affected += r.rows_affected;
        total.last_insert_id = r.last_insert_id.or(total.last_insert_id);
    }
    Ok(total)
}

/// Binds, steps to the end, and reads the change counters.
fn run(
    conn: &Connection,
    stmt: &mut Statement<'_>,
    params: &[Value],
    insert: bool,
) -> Result<ExecResult> {
    bind(stmt, params)?;
    let total_before = conn.total_changes();
    let rowid_before = conn.last_insert_rowid();
    let mut rows = stmt.raw_query();
    while rows.next().map_err(map_error)?.is_some() {}
    drop(rows);
    // `changes()` keeps the count of the last INSERT/UPDATE/DELETE, so a statement that
    // changed nothing (DDL, a SELECT) must not report it: the running total tells.
    let rows_affected = if conn.total_changes() == total_before {
        0
    } else {
        conn.changes()
    };
    let rowid = conn.last_insert_rowid();
    let last_insert_id = (rows_affected > 0 && (insert || rowid != rowid_before)).then_some(rowid);
    Ok(ExecResult {
        rows_affected,
        last_insert_id,
    })
}

/// The cached prepared statement for `sql`, which must hold exactly one statement.
fn prepare<'c>(conn: &'c Connection, sql: &str) -> Result<CachedStatement<'c>> {
    check_one_statement(sql)?;
    conn.prepare_cached(sql).map_err(map_error)
}

/// Binds every value, after checking the statement has exactly that many parameters.
fn bind(stmt: &mut Statement<'_>, params: &[Value]) -> Result<()> {
    let expected = stmt.parameter_count();
    if expected != params.len() {
        return Err(philtre_core::Error::InvalidStatement(format!(
            "the statement has {expected} parameter(s) but {} value(s) were given",
            params.len()
        )));
    }
    for (i, value) in params.iter().enumerate() {
        stmt.raw_bind_parameter(i + 1, encode(value)?)
            .map_err(map_error)?;
    }
    Ok(())
}

/// Whether the statement's first keyword is INSERT or REPLACE (comments skipped).
fn is_insert(sql: &str) -> bool {
    matches!(
        philtre_core::stmt::first_keyword(sql).as_str(),
        "INSERT" | "REPLACE"
    )
}

#[cfg(test)]
mod tests {
    use super::is_insert;

    #[test]
    fn insert_keyword() {
        assert!(is_insert("INSERT INTO t VALUES (1)"));
        assert!(is_insert("  -- note\n/* c */ replace into t values (1)"));
        assert!(!is_insert("UPDATE t SET x = 1"));
        assert!(!is_insert("SELECT 'INSERT'"));
    }
}
