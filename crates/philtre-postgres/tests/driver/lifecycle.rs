//! Connection life: killed connections, abandoned futures, the statement cache, pipelining.

use std::time::{Duration, Instant};

use philtre_core::{params, Connection, DbErrorKind, Error, Value};
use philtre_postgres::PgConnection;

use crate::common::{connect, driver, rows, scalar, unique, Cleanup};

async fn backend_pid(conn: &mut dyn Connection) -> i64 {
    scalar(conn, "SELECT pg_backend_pid()", vec![])
        .await
        .decode("pid")
        .unwrap()
}

#[tokio::test]
async fn terminated_backend_is_connection_lost() {
    let mut victim = connect().await;
    let mut killer = connect().await;
    assert!(victim.is_usable());
    victim.ping().await.unwrap();
    let pid = backend_pid(&mut victim).await;
    let killed = scalar(&mut killer, "SELECT pg_terminate_backend($1)", params![pid]).await;
    assert_eq!(killed, Value::Bool(true));
    // The server closes the socket; the next operation finds out.
    let mut err = None;
    for _ in 0..50 {
        match victim.query("SELECT 1", vec![]).await {
            Err(e) => {
                err = Some(e);
                break;
            }
            Ok(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    let err = err.expect("the terminated connection must fail");
    assert!(matches!(err, Error::ConnectionLost(_)), "{err}");
    assert!(!victim.is_usable());
    assert!(matches!(victim.ping().await, Err(Error::ConnectionLost(_))));
    assert!(killer.is_usable());
}

#[tokio::test]
async fn future_dropped_mid_query_makes_the_connection_unusable_and_cancels() {
    let mut conn = connect().await;
    let mut watcher = connect().await;
    let pid = backend_pid(&mut conn).await;
    let started = Instant::now();
    let outcome = tokio::time::timeout(
        Duration::from_millis(100),
        conn.query("SELECT pg_sleep(5)", vec![]),
    )
    .await;
    assert!(outcome.is_err(), "the query should have been cut off");
    assert!(
        !conn.is_usable(),
        "an abandoned connection must not be reused"
    );
    let err = conn.query("SELECT 1", vec![]).await.unwrap_err();
    assert!(matches!(err, Error::ConnectionLost(_)), "{err}");

    // Dropping it asks the server to cancel the abandoned sleep.
    drop(conn);
    let still_running = "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND query LIKE '%pg_sleep(5)%' AND state = 'active'";
    loop {
        let n: i64 = scalar(&mut watcher, still_running, params![pid])
            .await
            .decode("n")
            .unwrap();
        if n == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "the abandoned query kept running"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn statements_are_prepared_once_per_connection() {
    let mut conn = connect().await;
    let sql = "SELECT $1::int * 2 AS doubled";
    for i in 0..3 {
        let v = scalar(&mut conn, sql, params![i]).await;
        assert_eq!(v, Value::Int(i * 2));
    }
    assert_eq!(conn.cached_statements(), 1);
    // The server agrees: one prepared statement for that text.
    let n = scalar(
        &mut conn,
        "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1",
        params![sql],
    )
    .await;
    assert_eq!(n, Value::Int(1));
    assert_eq!(conn.cached_statements(), 2);

    // A bounded cache evicts, and closes what it evicts on the server.
    let mut small = driver()
        .statement_cache_capacity(2)
        .connect_pg()
        .await
        .unwrap();
    for q in ["SELECT 1", "SELECT 2", "SELECT 3"] {
        small.query(q, vec![]).await.unwrap();
    }
    assert_eq!(small.cached_statements(), 2);
    let n = scalar(
        &mut small,
        "SELECT count(*) FROM pg_prepared_statements",
        vec![],
    )
    .await;
    assert_eq!(n, Value::Int(2));

    // No cache at all still works.
    let mut none = driver()
        .statement_cache_capacity(0)
        .connect_pg()
        .await
        .unwrap();
    assert_eq!(scalar(&mut none, "SELECT 5", vec![]).await, Value::Int(5));
    assert_eq!(none.cached_statements(), 0);
}

#[tokio::test]
async fn stale_cached_plan_is_prepared_again() {
    let table = unique("stale");
    let _cleanup = Cleanup::tables(&[&table]);
    let mut conn = connect().await;
    let mut other = connect().await;
    conn.batch(&format!(
        "CREATE TABLE \"{table}\" (a INTEGER); INSERT INTO \"{table}\" VALUES (1)"
    ))
    .await
    .unwrap();
    let select = format!("SELECT * FROM \"{table}\"");
    assert_eq!(rows(&mut conn, &select, vec![]).await[0].len(), 1);
    // Another connection changes the result type behind the cached plan.
    other
        .batch(&format!(
            "ALTER TABLE \"{table}\" ADD COLUMN b TEXT DEFAULT 'x'"
        ))
        .await
        .unwrap();
    let got = rows(&mut conn, &select, vec![]).await;
    assert_eq!(got[0].values(), [Value::Int(1), Value::from("x")]);
    assert_eq!(got[0].columns(), ["a", "b"]);
}

#[tokio::test]
async fn execute_many_pipelines_inside_the_callers_transaction() {
    let table = unique("many");
    let _cleanup = Cleanup::tables(&[&table]);
    let mut conn = connect().await;
    conn.batch(&format!(
        "CREATE TABLE \"{table}\" (id INTEGER PRIMARY KEY, name TEXT)"
    ))
    .await
    .unwrap();
    let insert = format!("INSERT INTO \"{table}\" (id, name) VALUES ($1, $2)");
    let count = format!("SELECT count(*) FROM \"{table}\"");

    let sets: Vec<Vec<Value>> = (0..200).map(|i| params![i, format!("n{i}")]).collect();
    let done = conn.execute_many(&insert, sets).await.unwrap();
    assert_eq!(done.rows_affected, 200);
    assert_eq!(scalar(&mut conn, &count, vec![]).await, Value::Int(200));

    // In a transaction, a failure in the middle is reported and the caller rolls back.
    conn.batch("BEGIN").await.unwrap();
    let sets: Vec<Vec<Value>> = (200..260)
        .map(|i| params![if i == 230 { 5 } else { i }, "x"])
        .collect();
    let err = conn.execute_many(&insert, sets).await.unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation), "{err}");
    conn.batch("ROLLBACK").await.unwrap();
    assert!(conn.is_usable());
    assert_eq!(scalar(&mut conn, &count, vec![]).await, Value::Int(200));

    // A bad value in any set is found before anything is sent.
    let err = conn
        .execute_many(&insert, vec![params![1000, "ok"], params!["x", "y"]])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TypeMismatch { .. }), "{err}");
    assert_eq!(scalar(&mut conn, &count, vec![]).await, Value::Int(200));
    assert_eq!(
        conn.execute_many(&insert, vec![])
            .await
            .unwrap()
            .rows_affected,
        0
    );
}

/// A table of one integer column, a connection that writes it and another that watches.
struct IdTable {
    table: String,
    conn: PgConnection,
    other: PgConnection,
    insert: String,
    count: String,
    _cleanup: Cleanup,
}

impl IdTable {
    async fn new(tag: &str) -> IdTable {
        let table = unique(tag);
        let _cleanup = Cleanup::tables(&[&table]);
        let mut conn = connect().await;
        let other = connect().await;
        conn.execute(&format!("CREATE TABLE \"{table}\" (id INTEGER)"), vec![])
            .await
            .unwrap();
        IdTable {
            insert: format!("INSERT INTO \"{table}\" VALUES ($1)"),
            count: format!("SELECT count(*) FROM \"{table}\""),
            table,
            conn,
            other,
            _cleanup,
        }
    }
}

#[tokio::test]
async fn autocommit_and_transactions_seen_from_another_connection() {
    let IdTable {
        table,
        mut conn,
        mut other,
        insert,
        count,
        _cleanup,
    } = IdTable::new("tx").await;
    conn.execute(&insert, params![1]).await.unwrap();
    assert_eq!(
        scalar(&mut other, &count, vec![]).await,
        Value::Int(1),
        "autocommit"
    );
    conn.batch("BEGIN").await.unwrap();
    conn.execute(&insert, params![2]).await.unwrap();
    assert_eq!(
        scalar(&mut other, &count, vec![]).await,
        Value::Int(1),
        "not yet committed"
    );
    conn.batch("COMMIT").await.unwrap();
    assert_eq!(scalar(&mut other, &count, vec![]).await, Value::Int(2));
    let updated = conn
        .execute(&format!("UPDATE \"{table}\" SET id = id + 10"), vec![])
        .await
        .unwrap();
    assert_eq!(updated.rows_affected, 2);
}

#[tokio::test]
async fn unawaited_statements_are_read_with_the_next_operation() {
    let IdTable {
        mut conn,
        mut other,
        insert,
        count,
        _cleanup,
        ..
    } = IdTable::new("unread").await;

    // BEGIN travels with the first statement, which then runs inside the transaction.
    conn.batch_unawaited("BEGIN").await.unwrap();
    conn.execute(&insert, params![1]).await.unwrap();
    assert_eq!(scalar(&mut other, &count, vec![]).await, Value::Int(0));
    // Two in a row (ROLLBACK, then BEGIN) are both read by the pipelined inserts after them.
    conn.batch_unawaited("ROLLBACK").await.unwrap();
    conn.batch_unawaited("BEGIN").await.unwrap();
    let sets: Vec<Vec<Value>> = (2..5).map(|i| params![i]).collect();
    conn.execute_many(&insert, sets).await.unwrap();
    assert_eq!(scalar(&mut conn, &count, vec![]).await, Value::Int(3));
    assert_eq!(
        scalar(&mut other, &count, vec![]).await,
        Value::Int(0),
        "the first insert was rolled back and the rest are not committed"
    );
    conn.batch("COMMIT").await.unwrap();
    assert_eq!(scalar(&mut other, &count, vec![]).await, Value::Int(3));

    // Transactions begun and rolled back with nothing in between leave no pile of replies
    // behind (a few are read early); the next operation still sees every one.
    for _ in 0..40 {
        conn.batch_unawaited("BEGIN").await.unwrap();
        conn.batch_unawaited("ROLLBACK").await.unwrap();
    }
    conn.batch_unawaited("BEGIN").await.unwrap();
    conn.execute(&insert, params![9]).await.unwrap();
    conn.batch_unawaited("ROLLBACK").await.unwrap();
    assert_eq!(scalar(&mut conn, &count, vec![]).await, Value::Int(3));

    // An unawaited statement that fails is reported by the next operation, not lost; the
    // connection stays usable.
    conn.batch_unawaited("SELECT 1/0").await.unwrap();
    let err = conn.query("SELECT 1", vec![]).await.unwrap_err();
    assert!(err.to_string().contains("division by zero"), "{err}");
    assert!(conn.is_usable());
    assert_eq!(scalar(&mut conn, "SELECT 2", vec![]).await, Value::Int(2));
}
