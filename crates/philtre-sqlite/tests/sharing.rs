//! In-memory sharing and cancellation: one database per in-memory driver, and a dropped
//! future never leaves a connection out of step.

mod common;

use std::time::{Duration, Instant};

use philtre_core::{Driver, Result, Value};
use philtre_sqlite::SqliteDriver;

use common::TempDb;

/// Counts to `n` in a recursive CTE: a statement that keeps SQLite busy for a while.
fn slow_count(n: u64) -> String {
    format!(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {n}) \
         SELECT count(*) FROM c"
    )
}

#[tokio::test]
async fn memory_connections_share_one_database() -> Result<()> {
    for url in ["sqlite://", "sqlite:///:memory:"] {
        let driver = SqliteDriver::from_url(url)?;
        assert!(driver.is_memory());
        let mut first = driver.connect().await?;
        first.batch("CREATE TABLE shared (x INTEGER)").await?;
        let mut second = driver.connect().await?;
        second
            .execute("INSERT INTO shared VALUES (?)", vec![7.into()])
            .await?;
        let rows = first.query("SELECT x FROM shared", vec![]).await?;
        assert_eq!(rows.rows[0].values(), [Value::Int(7)], "{url}");
        assert_eq!(second.table_names().await?, ["shared"]);
        // One connection underneath: handles share its transaction state (StaticPool).
        first.batch("BEGIN").await?;
        second
            .execute("INSERT INTO shared VALUES (8)", vec![])
            .await?;
        first.batch("ROLLBACK").await?;
        let rows = second.query("SELECT x FROM shared", vec![]).await?;
        assert_eq!(rows.rows.len(), 1, "{url}");

        // The database outlives every handle: the driver keeps its connection.
        drop((first, second));
        let mut third = driver.connect().await?;
        let rows = third.query("SELECT count(*) FROM shared", vec![]).await?;
        assert_eq!(rows.rows[0].values(), [Value::Int(1)], "{url}");
        assert!(third.is_usable());
    }
    Ok(())
}

#[tokio::test]
async fn each_memory_driver_has_its_own_database() -> Result<()> {
    let a = SqliteDriver::from_url("sqlite://")?;
    let b = SqliteDriver::from_url("sqlite://")?;
    a.connect()
        .await?
        .batch("CREATE TABLE only_in_a (x INTEGER)")
        .await?;
    assert_eq!(a.connect().await?.table_names().await?, ["only_in_a"]);
    assert!(b.connect().await?.table_names().await?.is_empty());
    // Memory databases are not files: no WAL, and foreign keys are still enforced.
    let mut conn = a.connect().await?;
    let fk = conn.query("PRAGMA foreign_keys", vec![]).await?;
    assert_eq!(fk.rows[0].values(), [Value::Int(1)]);
    let mode = conn.query("PRAGMA journal_mode", vec![]).await?;
    assert_eq!(mode.rows[0].values(), [Value::from("memory")]);
    Ok(())
}

#[tokio::test]
async fn a_dropped_query_leaves_the_connection_in_step() -> Result<()> {
    let db = TempDb::new("cancel");
    let mut conn = db.connect().await?;
    let n = 2_000_000;
    let slow = slow_count(n);
    // Give up on the query almost at once: its future is dropped mid-flight.
    let started = Instant::now();
    let gave_up = tokio::time::timeout(Duration::from_millis(5), conn.query(&slow, vec![])).await;
    assert!(
        gave_up.is_err(),
        "the query finished in {:?}; make it slower",
        started.elapsed()
    );
    assert!(conn.is_usable());
    // The next statement gets its own answer, not the abandoned one.
    let rows = conn.query("SELECT 42 AS answer", vec![]).await?;
    assert_eq!(rows.columns.as_ref(), ["answer".to_owned()]);
    assert_eq!(rows.rows[0].values(), [Value::Int(42)]);
    // And the abandoned query's rows were not left behind for anyone.
    let rows = conn.query(&slow, vec![]).await?;
    assert_eq!(
        rows.rows[0].values(),
        [Value::Int(i64::try_from(n).unwrap_or(i64::MAX))]
    );
    Ok(())
}

#[tokio::test]
async fn a_dropped_write_still_completes() -> Result<()> {
    let db = TempDb::new("cancel-write");
    let mut conn = db.connect().await?;
    conn.batch("CREATE TABLE t (x INTEGER)").await?;
    let insert = "INSERT INTO t WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c \
                  WHERE x < 500000) SELECT x FROM c";
    let gave_up =
        tokio::time::timeout(Duration::from_millis(5), conn.execute(insert, vec![])).await;
    assert!(
        gave_up.is_err(),
        "the insert finished too quickly to test cancellation"
    );
    // The worker finished the insert (autocommit): all rows or none, never half.
    let rows = conn.query("SELECT count(*) FROM t", vec![]).await?;
    assert_eq!(rows.rows[0].values(), [Value::Int(500_000)]);
    // A second connection sees the committed rows: nothing is left open.
    let mut other = db.connect().await?;
    let rows = other.query("SELECT count(*) FROM t", vec![]).await?;
    assert_eq!(rows.rows[0].values(), [Value::Int(500_000)]);
    Ok(())
}

#[tokio::test]
async fn dropping_the_connection_mid_query_is_harmless() -> Result<()> {
    let db = TempDb::new("drop-conn");
    let driver = db.driver("");
    let mut conn = driver.connect().await?;
    let fut = async move { conn.query(&slow_count(1_000_000), vec![]).await };
    let _ = tokio::time::timeout(Duration::from_millis(5), fut).await;
    // The abandoned worker finishes and exits; a new connection works normally.
    let mut next = driver.connect().await?;
    next.ping().await?;
    assert!(next.is_usable());
    Ok(())
}
