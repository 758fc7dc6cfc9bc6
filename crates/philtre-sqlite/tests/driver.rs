//! The driver against real SQLite files: values, results, errors, locking, memory sharing,
//! cancellation, read-only mode.

mod common;

use std::str::FromStr;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveTime};
use philtre_core::{DbErrorKind, Driver, Error, Result, Value};
use philtre_sqlite::SqliteDriver;
use rust_decimal::Decimal;
use serde_json::json;

use common::{code, kind, TempDb};

const VALUES_TABLE: &str = "CREATE TABLE vals (id INTEGER PRIMARY KEY, b BOOLEAN, i INTEGER, \
     f FLOAT, t TEXT, y BLOB, d NUMERIC(30, 4), dt DATE, tm TIME, ts DATETIME, u CHAR(36), j JSON)";
const INSERT_VALUES: &str = "INSERT INTO vals (b, i, f, t, y, d, dt, tm, ts, u, j) \
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
const SELECT_VALUES: &str = "SELECT b, i, f, t, y, d, dt, tm, ts, u, j FROM vals ORDER BY id";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn sample_rows() -> Vec<Vec<Value>> {
    let time = NaiveTime::from_hms_micro_opt(13, 14, 15, 123_456).expect("valid time");
    let stamp = date(2024, 2, 29)
        .and_hms_micro_opt(23, 59, 58, 999_999)
        .expect("valid datetime");
    let uuid = uuid::Uuid::parse_str("67e55044-10b1-426f-9247-bb680e5fe0c8").expect("uuid");
    let dec = |s: &str| Value::Decimal(Decimal::from_str(s).expect("decimal"));
    vec![
        vec![
            Value::Bool(true),
            Value::Int(42),
            Value::Float(1.5),
            Value::from("héllo wörld ✓ 日本語 🎉"),
            Value::Bytes(vec![0, 1, 2, 255, 0]),
            dec("12345.6789"),
            Value::Date(date(1815, 12, 10)),
            Value::Time(time),
            Value::DateTime(stamp),
            Value::Uuid(uuid),
            Value::Json(json!({"a": [1, 2.5, "x", null], "b": true})),
        ],
        vec![Value::Null; 11],
        vec![
            Value::Bool(false),
            Value::Int(i64::MIN),
            Value::Float(f64::MAX),
            Value::from(""),
            Value::Bytes(Vec::new()),
            // NUMERIC affinity keeps 15 significant digits exactly (stored as REAL).
            dec("12345678901.2345"),
            Value::Date(date(9999, 12, 31)),
            Value::Time(NaiveTime::from_hms_opt(0, 0, 0).expect("midnight")),
            Value::DateTime(date(1970, 1, 1).and_hms_opt(0, 0, 0).expect("epoch")),
            Value::Uuid(uuid::Uuid::nil()),
            Value::Json(json!("just a string")),
        ],
        vec![
            Value::Bool(true),
            Value::Int(i64::MAX),
            Value::Float(-1e-300),
            Value::Text("x".repeat(1 << 20)),
            Value::Bytes((0..(1u32 << 20)).map(|i| (i % 251) as u8).collect()),
            dec("-0.0001"),
            Value::Date(date(2000, 1, 1)),
            Value::Time(NaiveTime::from_hms_opt(23, 59, 59).expect("time")),
            Value::DateTime(date(2000, 1, 1).and_hms_opt(12, 30, 0).expect("dt")),
            Value::Uuid(uuid::Uuid::from_u128(u128::MAX)),
            Value::Json(json!(5)),
        ],
    ]
}

#[tokio::test]
async fn every_value_round_trips() -> Result<()> {
    let db = TempDb::new("values");
    let mut conn = db.connect().await?;
    conn.batch(VALUES_TABLE).await?;
    let rows = sample_rows();
    for row in &rows {
        conn.execute(INSERT_VALUES, row.clone()).await?;
    }
    let got = conn.query(SELECT_VALUES, vec![]).await?;
    assert_eq!(got.columns.len(), 11);
    assert_eq!(got.columns[3], "t");
    assert_eq!(got.rows.len(), rows.len());
    for (want, row) in rows.iter().zip(&got.rows) {
        for (i, (w, g)) in want.iter().zip(row.values()).enumerate() {
            assert!(w == g, "column {} wrote {w:?}, read {g:?}", got.columns[i]);
        }
    }
    // Decimals come back with the declared scale.
    assert_eq!(got.rows[0].values()[5].to_string(), "Decimal('12345.6789')");
    Ok(())
}

#[tokio::test]
async fn expressions_decode_by_storage_class() -> Result<()> {
    let db = TempDb::new("expr");
    let mut conn = db.connect().await?;
    let rows = conn
        .query(
            "SELECT 1 + 1, 'a' || 'b', NULL, 2.5, x'00ff', ? AS echoed",
            vec![Value::Bool(true)],
        )
        .await?;
    assert_eq!(
        rows.rows[0].values(),
        [
            Value::Int(2),
            Value::from("ab"),
            Value::Null,
            Value::Float(2.5),
            Value::Bytes(vec![0, 255]),
            Value::Int(1),
        ]
    );
    assert_eq!(rows.columns[5], "echoed");
    // A query with no rows still names its columns.
    let empty = conn.query("SELECT 1 AS one WHERE 0", vec![]).await?;
    let blank = conn.query("  ", vec![]).await;
    assert!(
        matches!(blank, Err(Error::InvalidStatement(_))),
        "{blank:?}"
    );
    assert_eq!(
        (empty.columns.as_ref(), empty.rows.len()),
        (&["one".to_owned()][..], 0)
    );
    Ok(())
}

/// A cached statement whose table was recreated meanwhile is prepared again by SQLite at
/// its first step; the names and declared types must be the new table's, not the old.
#[tokio::test]
async fn a_query_after_its_table_changed_reads_the_new_columns() -> Result<()> {
    let db = TempDb::new("reprepare");
    let mut conn = db.connect().await?;
    conn.execute("CREATE TABLE t (a INTEGER, b TEXT)", vec![])
        .await?;
    conn.execute("INSERT INTO t VALUES (1, 'x')", vec![])
        .await?;
    let before = conn.query("SELECT * FROM t", vec![]).await?;
    assert_eq!(before.columns.as_ref(), ["a", "b"]);
    conn.execute("DROP TABLE t", vec![]).await?;
    conn.execute("CREATE TABLE t (b TEXT, flag BOOLEAN, a INTEGER)", vec![])
        .await?;
    conn.execute("INSERT INTO t VALUES ('y', 1, 2)", vec![])
        .await?;
    let after = conn.query("SELECT * FROM t", vec![]).await?;
    assert_eq!(after.columns.as_ref(), ["b", "flag", "a"]);
    // Decoded by the new declared types: the BOOLEAN column is a bool.
    assert_eq!(
        after.rows[0].values(),
        [Value::from("y"), Value::Bool(true), Value::Int(2)]
    );
    // With no rows, the names are still the new ones.
    conn.execute("DROP TABLE t", vec![]).await?;
    conn.execute("CREATE TABLE t (z INTEGER)", vec![]).await?;
    let empty = conn.query("SELECT * FROM t", vec![]).await?;
    assert_eq!(
        (empty.columns.as_ref(), empty.rows.len()),
        (&["z".to_owned()][..], 0)
    );
    Ok(())
}

/// The same, with the table recreated by another connection: the first connection's
/// statement stays in its cache, and SQLite prepares it again at its next step. The
/// columns remembered from its earlier runs must not be given for it.
#[tokio::test]
async fn a_cached_query_whose_table_another_connection_changed_reads_the_new_columns() -> Result<()>
{
    let db = TempDb::new("reprepare_other");
    let mut conn = db.connect().await?;
    let mut other = db.connect().await?;
    conn.execute("CREATE TABLE t (a INTEGER, flag INTEGER)", vec![])
        .await?;
    conn.execute("INSERT INTO t VALUES (1, 1)", vec![]).await?;
    for _ in 0..3 {
        let before = conn.query("SELECT * FROM t", vec![]).await?;
        assert_eq!(before.rows[0].values(), [Value::Int(1), Value::Int(1)]);
    }
    other.execute("DROP TABLE t", vec![]).await?;
    other
        .execute("CREATE TABLE t (a INTEGER, flag BOOLEAN)", vec![])
        .await?;
    other.execute("INSERT INTO t VALUES (2, 1)", vec![]).await?;
    let after = conn.query("SELECT * FROM t", vec![]).await?;
    assert_eq!(after.columns.as_ref(), ["a", "flag"]);
    assert_eq!(after.rows[0].values(), [Value::Int(2), Value::Bool(true)]);
    Ok(())
}

#[tokio::test]
async fn columns_of_the_same_name_decode_by_their_own_declared_types() -> Result<()> {
    let db = TempDb::new("same_names");
    let mut conn = db.connect().await?;
    conn.execute("CREATE TABLE flags (v BOOLEAN)", vec![])
        .await?;
    conn.execute("CREATE TABLE counts (v INTEGER)", vec![])
        .await?;
    conn.execute("INSERT INTO flags VALUES (1)", vec![]).await?;
    conn.execute("INSERT INTO counts VALUES (1)", vec![])
        .await?;
    // One connection remembers the last query's columns; the next query's, named alike
    // but declared otherwise, must not decode by them.
    for _ in 0..2 {
        let flags = conn.query("SELECT v FROM flags", vec![]).await?;
        assert_eq!(flags.rows[0].values(), [Value::Bool(true)]);
        let counts = conn.query("SELECT v FROM counts", vec![]).await?;
        assert_eq!(counts.rows[0].values(), [Value::Int(1)]);
    }
    Ok(())
}

#[tokio::test]
async fn execute_reports_changes_and_insert_ids() -> Result<()> {
    let db = TempDb::new("exec");
    let mut conn = db.connect().await?;
    let r = conn
        .execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", vec![])
        .await?;
    assert_eq!((r.rows_affected, r.last_insert_id), (0, None));
    let r = conn
        .execute("INSERT INTO t (v) VALUES (?)", vec!["a".into()])
        .await?;
    assert_eq!((r.rows_affected, r.last_insert_id), (1, Some(1)));
    let r = conn
        .execute_many(
            "INSERT INTO t (v) VALUES (?)",
            vec![vec!["b".into()], vec!["c".into()], vec!["d".into()]],
        )
        .await?;
    assert_eq!((r.rows_affected, r.last_insert_id), (3, Some(4)));
    let r = conn
        .execute("UPDATE t SET v = v || '!' WHERE id > ?", vec![2.into()])
        .await?;
    assert_eq!((r.rows_affected, r.last_insert_id), (2, None));
    // A statement that changes nothing does not repeat the previous count.
    let r = conn.execute("CREATE INDEX ix_t_v ON t (v)", vec![]).await?;
    assert_eq!(r.rows_affected, 0);
    let r = conn.execute("SELECT * FROM t", vec![]).await?;
    assert_eq!(r.rows_affected, 0);
    let r = conn
        .execute("DELETE FROM t WHERE v LIKE '%!'", vec![])
        .await?;
    assert_eq!(r.rows_affected, 2);
    // INSERT ... RETURNING through query.
    let rows = conn
        .query("INSERT INTO t (v) VALUES ('e') RETURNING id, v", vec![])
        .await?;
    assert_eq!(rows.rows[0].values(), [Value::Int(3), Value::from("e")]);
    Ok(())
}

#[tokio::test]
async fn execute_many_is_atomic_outside_a_transaction() -> Result<()> {
    let db = TempDb::new("many");
    let mut conn = db.connect().await?;
    conn.batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        .await?;
    let err = conn
        .execute_many(
            "INSERT INTO t (v) VALUES (?)",
            vec![vec!["a".into()], vec![Value::Null], vec!["c".into()]],
        )
        .await;
    assert_eq!(kind(err), Ok(DbErrorKind::NotNullViolation));
    let n = conn.query("SELECT count(*) FROM t", vec![]).await?;
    assert_eq!(n.rows[0].values(), [Value::Int(0)]);
    // Inside the caller's transaction it neither commits nor rolls back by itself.
    conn.batch("BEGIN").await?;
    conn.execute_many(
        "INSERT INTO t (v) VALUES (?)",
        vec![vec!["x".into()], vec!["y".into()]],
    )
    .await?;
    conn.batch("ROLLBACK").await?;
    let n = conn.query("SELECT count(*) FROM t", vec![]).await?;
    assert_eq!(n.rows[0].values(), [Value::Int(0)]);
    Ok(())
}

#[tokio::test]
async fn an_unawaited_begin_runs_with_the_first_operation() -> Result<()> {
    let db = TempDb::new("lazy_begin");
    let mut conn = db.connect().await?;
    let mut other = db.connect().await?;
    conn.batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        .await?;
    // The transaction holds what its first statement wrote until it ends.
    conn.batch_unawaited("BEGIN").await?;
    conn.execute("INSERT INTO t (v) VALUES ('a')", vec![])
        .await?;
    let seen = other.query("SELECT count(*) FROM t", vec![]).await?;
    assert_eq!(
        seen.rows[0].values(),
        [Value::Int(0)],
        "uncommitted row seen"
    );
    conn.batch("ROLLBACK").await?;
    // A transaction that ran nothing ends without touching the database, and the
    // connection is back in autocommit: a plain insert is seen at once.
    conn.batch_unawaited("BEGIN").await?;
    conn.batch("COMMIT").await?;
    conn.execute("INSERT INTO t (v) VALUES ('b')", vec![])
        .await?;
    let seen = other.query("SELECT v FROM t", vec![]).await?;
    assert_eq!(seen.rows.len(), 1);
    assert_eq!(seen.rows[0].values(), [Value::from("b")]);
    // A savepoint inside a lazily begun transaction begins it first.
    conn.batch_unawaited("BEGIN").await?;
    conn.batch("SAVEPOINT s").await?;
    conn.execute("INSERT INTO t (v) VALUES ('c')", vec![])
        .await?;
    conn.batch("ROLLBACK TO SAVEPOINT s").await?;
    conn.batch("COMMIT").await?;
    let n = other.query("SELECT count(*) FROM t", vec![]).await?;
    assert_eq!(n.rows[0].values(), [Value::Int(1)]);
    Ok(())
}

#[tokio::test]
async fn errors_map_to_kinds() -> Result<()> {
    let db = TempDb::new("errors");
    let mut conn = db.connect().await?;
    conn.batch(
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);
         CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id),
                             qty INTEGER CHECK (qty > 0));
         INSERT INTO parent (id, name) VALUES (1, 'a');",
    )
    .await?;
    let insert_parent = "INSERT INTO parent (id, name) VALUES (?, ?)";
    let dup_name = conn
        .execute(insert_parent, vec![2.into(), "a".into()])
        .await;
    assert_eq!(code(dup_name), "2067");
    let dup_id = conn
        .execute(insert_parent, vec![1.into(), "b".into()])
        .await;
    assert_eq!(kind(dup_id), Ok(DbErrorKind::UniqueViolation));
    let null = conn
        .execute(insert_parent, vec![3.into(), Value::Null])
        .await;
    assert_eq!(kind(null), Ok(DbErrorKind::NotNullViolation));
    let fk = conn
        .execute("INSERT INTO child (parent_id) VALUES (?)", vec![99.into()])
        .await;
    assert_eq!(kind(fk), Ok(DbErrorKind::ForeignKeyViolation));
    let check = conn
        .execute("INSERT INTO child (qty) VALUES (?)", vec![0.into()])
        .await;
    assert_eq!(kind(check), Ok(DbErrorKind::CheckViolation));
    let table = conn.query("SELECT * FROM nope", vec![]).await;
    assert_eq!(kind(table), Ok(DbErrorKind::UndefinedTable));
    let column = conn.query("SELECT nope FROM parent", vec![]).await;
    assert_eq!(kind(column), Ok(DbErrorKind::UndefinedColumn));
    let column = conn.query("SELECT nope FROM parent", vec![]).await;
    assert_eq!(code(column), "1");
    let column = conn
        .execute("INSERT INTO parent (nope) VALUES (1)", vec![])
        .await;
    assert_eq!(kind(column), Ok(DbErrorKind::UndefinedColumn));
    let syntax = conn.query("SELEC 1", vec![]).await;
    assert_eq!(kind(syntax), Ok(DbErrorKind::Syntax));
    let incomplete = conn.query("SELECT * FROM", vec![]).await;
    assert_eq!(kind(incomplete), Ok(DbErrorKind::Syntax));
    let count = conn.query("SELECT ?", vec![1.into(), 2.into()]).await;
    assert!(
        matches!(count, Err(Error::InvalidStatement(_))),
        "{count:?}"
    );
    let two = conn.execute("SELECT 1; SELECT 2", vec![]).await;
    assert!(matches!(two, Err(Error::InvalidStatement(_))), "{two:?}");
    // Errors leave the connection as it was.
    assert!(conn.is_usable());
    conn.ping().await?;
    Ok(())
}

#[tokio::test]
async fn file_connections_use_wal_and_foreign_keys() -> Result<()> {
    let db = TempDb::new("pragmas");
    let mut conn = db.connect().await?;
    let mode = conn.query("PRAGMA journal_mode", vec![]).await?;
    assert_eq!(mode.rows[0].values(), [Value::from("wal")]);
    let fk = conn.query("PRAGMA foreign_keys", vec![]).await?;
    assert_eq!(fk.rows[0].values(), [Value::Int(1)]);
    // Inline the busy timeout is 0: a locked database moves the statement to the blocking
    // pool, which waits the configured time (a_locked_database_reports_busy measures it).
    let timeout = conn.query("PRAGMA busy_timeout", vec![]).await?;
    assert_eq!(timeout.rows[0].values(), [Value::Int(0)]);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_database_reports_busy() -> Result<()> {
    let db = TempDb::new("busy");
    let mut holder = db.connect().await?;
    holder.batch("CREATE TABLE t (x INTEGER)").await?;
    holder.batch("BEGIN IMMEDIATE").await?;
    holder.execute("INSERT INTO t VALUES (1)", vec![]).await?;
    let mut waiter = db.driver("?timeout=0.2").connect().await?;
    let started = Instant::now();
    let err = waiter.execute("INSERT INTO t VALUES (2)", vec![]).await;
    let waited = started.elapsed();
    assert_eq!(kind(err), Ok(DbErrorKind::Busy));
    assert!(
        waited >= Duration::from_millis(150),
        "gave up after {waited:?}"
    );
    assert!(waited < Duration::from_secs(1), "waited {waited:?}");
    // Once the lock is released the same connection writes.
    holder.batch("COMMIT").await?;
    waiter.execute("INSERT INTO t VALUES (2)", vec![]).await?;
    let n = waiter.query("SELECT count(*) FROM t", vec![]).await?;
    assert_eq!(n.rows[0].values(), [Value::Int(2)]);
    Ok(())
}

#[tokio::test]
async fn read_only_mode_rejects_writes() -> Result<()> {
    let db = TempDb::new("ro");
    {
        let mut conn = db.connect().await?;
        conn.batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (7);")
            .await?;
    }
    let mut ro = db.driver("?mode=ro").connect().await?;
    let rows = ro.query("SELECT x FROM t", vec![]).await?;
    assert_eq!(rows.rows[0].values(), [Value::Int(7)]);
    let write = ro.execute("INSERT INTO t VALUES (8)", vec![]).await;
    assert_eq!(kind(write), Ok(DbErrorKind::ReadOnly));
    let ddl = ro.batch("CREATE TABLE u (y INTEGER)").await;
    assert_eq!(kind(ddl), Ok(DbErrorKind::ReadOnly));
    // rw and ro never create a missing file.
    let missing = TempDb::new("missing");
    for query in ["?mode=ro", "?mode=rw"] {
        let r = missing.driver(query).connect().await;
        assert!(matches!(r, Err(Error::Connect { .. })), "{query}: {r:?}");
    }
    assert!(!missing.path.exists());
    Ok(())
}

#[tokio::test]
async fn urls_are_checked_and_paths_resolved() -> Result<()> {
    for bad in ["sqlite:///x.db?cache=shared", "sqlite:///x.db?timeout=abc"] {
        assert!(
            matches!(SqliteDriver::from_url(bad), Err(Error::Config(_))),
            "{bad}"
        );
    }
    let r = SqliteDriver::from_url("sqlite:////nonexistent-dir-philtre/x.db")?
        .connect()
        .await;
    assert!(matches!(r, Err(Error::Connect { .. })), "{r:?}");

    // A relative path is relative to the working directory.
    let db = TempDb::new("relative");
    let cwd = std::env::current_dir().map_err(|e| Error::Config(e.to_string()))?;
    let ups = "../".repeat(cwd.components().count().saturating_sub(1));
    let abs = db.path.display().to_string();
    let url = format!("sqlite:///{ups}{}", abs.trim_start_matches('/'));
    let mut conn = SqliteDriver::from_url(&url)?.connect().await?;
    conn.batch("CREATE TABLE rel (x INTEGER)").await?;
    assert!(
        db.path.exists(),
        "{url} did not create {}",
        db.path.display()
    );
    Ok(())
}
