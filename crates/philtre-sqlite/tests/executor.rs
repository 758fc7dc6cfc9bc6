//! Statements run inline only while that cannot stall the executor: a lock wait or a long
//! statement moves to the blocking pool. On a single-threaded runtime, anything that
//! blocked the executor would stop the other task below from running at all.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use philtre_core::{Result, Value};

use common::TempDb;

#[tokio::test(flavor = "current_thread")]
async fn waiting_for_a_lock_leaves_the_executor_free() -> Result<()> {
    let db = TempDb::new("lock-wait");
    let mut holder = db.connect().await?;
    holder.batch("CREATE TABLE t (x INTEGER)").await?;
    holder.batch("BEGIN IMMEDIATE").await?;
    holder.execute("INSERT INTO t VALUES (1)", vec![]).await?;
    // The holder commits from another task; it can only run if the waiter does not block.
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        holder.batch("COMMIT").await
    });
    let mut waiter = db.connect().await?;
    let started = Instant::now();
    waiter.execute("INSERT INTO t VALUES (2)", vec![]).await?;
    assert!(started.elapsed() >= Duration::from_millis(90));
    release.await.expect("the release task ran")?;
    let n = waiter.query("SELECT count(*) FROM t", vec![]).await?;
    assert_eq!(n.rows[0].values(), [Value::Int(2)]);
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn a_long_statement_moves_off_the_executor() -> Result<()> {
    let db = TempDb::new("long");
    let mut conn = db.connect().await?;
    // A ticker records the longest gap between its ticks while the statement runs.
    let longest_gap = Arc::new(AtomicU64::new(0));
    let gap = longest_gap.clone();
    let ticker = tokio::spawn(async move {
        let mut last = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(1)).await;
            let micros = u64::try_from(last.elapsed().as_micros()).unwrap_or(u64::MAX);
            gap.fetch_max(micros, Ordering::Relaxed);
            last = Instant::now();
        }
    });
    tokio::task::yield_now().await;
    let started = Instant::now();
    let rows = conn
        .query(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) \
             SELECT count(*) FROM c",
            vec![],
        )
        .await?;
    let took = started.elapsed();
    ticker.abort();
    assert_eq!(rows.rows[0].values(), [Value::Int(3_000_000)]);
    let gap = Duration::from_micros(longest_gap.load(Ordering::Relaxed));
    assert!(
        took > Duration::from_millis(100),
        "the statement took only {took:?}; make it longer"
    );
    // The inline budget is 5 ms; allow for a slow, shared machine.
    assert!(
        gap < took / 4,
        "the executor stalled for {gap:?} of the statement's {took:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn rows_of_an_interrupted_attempt_are_not_given_twice() -> Result<()> {
    // Rows stream to the sink inline until the budget runs out; the statement then runs
    // again on the blocking pool, and the sink must see each row exactly once.
    #[derive(Default)]
    struct Seen {
        rows: Vec<Value>,
        resets: usize,
    }
    impl philtre_core::RowSink for Seen {
        fn columns(&mut self, _: &Arc<[String]>) -> Result<()> {
            Ok(())
        }
        fn row(&mut self, values: &mut [Value]) -> Result<()> {
            self.rows.push(std::mem::take(&mut values[0]));
            Ok(())
        }
        fn reset(&mut self) {
            self.rows.clear();
            self.resets += 1;
        }
    }
    // Runs past the inline budget, and gives 30 rows.
    const LONG: &str = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c \
         WHERE x < 3000000) SELECT x FROM c WHERE x % 100000 = 0";
    let db = TempDb::new("reset");
    let mut conn = db.connect().await?;
    let mut seen = Seen::default();
    conn.query_each(LONG, vec![], &mut seen).await?;
    assert_eq!(
        seen.resets, 1,
        "the statement should outlast the inline budget"
    );
    let expected: Vec<Value> = (1..=30).map(|k| Value::Int(k * 100_000)).collect();
    assert_eq!(seen.rows, expected);

    // The connection remembers that this query runs long: the next run goes to the
    // blocking pool at once instead of starting inline and being interrupted again.
    let mut again = Seen::default();
    conn.query_each(LONG, vec![], &mut again).await?;
    assert_eq!(again.resets, 0, "started inline and was interrupted again");
    assert_eq!(again.rows, expected);
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn a_transaction_that_has_read_waits_for_a_writer_before_writing() -> Result<()> {
    // SQLite returns BUSY at once (no busy handler) when a transaction that has read wants
    // to write while another connection writes; the driver waits for it instead.
    let db = TempDb::new("upgrade");
    let mut writer = db.connect().await?;
    writer.batch("CREATE TABLE t (x INTEGER)").await?;
    let mut reader = db.connect().await?;
    reader.batch("BEGIN").await?;
    reader.query("SELECT count(*) FROM t", vec![]).await?;
    writer.batch("BEGIN IMMEDIATE").await?;
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        // Rolled back: the reader's snapshot stays current, so it may write after.
        writer.batch("ROLLBACK").await
    });
    let started = Instant::now();
    reader.execute("INSERT INTO t VALUES (1)", vec![]).await?;
    assert!(started.elapsed() >= Duration::from_millis(90));
    reader.batch("COMMIT").await?;
    release.await.expect("the release task ran")?;
    let n = reader.query("SELECT count(*) FROM t", vec![]).await?;
    assert_eq!(n.rows[0].values(), [Value::Int(1)]);
    Ok(())
}

/// Counts the rows a query gives, and the times it started over.
#[derive(Default)]
struct Counted {
    rows: usize,
    resets: usize,
}

impl philtre_core::RowSink for Counted {
    fn columns(&mut self, _: &Arc<[String]>) -> Result<()> {
        Ok(())
    }
    fn row(&mut self, _: &mut [Value]) -> Result<()> {
        self.rows += 1;
        Ok(())
    }
    fn reset(&mut self) {
        self.rows = 0;
        self.resets += 1;
    }
}

/// Runs `sql` in a task of its own while another task ticks every millisecond, and fails
/// if the ticks stalled (a tenth of the expected number is enough). On a runtime of one
/// worker the ticker can only run while the query does if the query moved off that
/// worker. Returns the connection, what the query gave and how long it took.
async fn query_while_ticking(
    mut conn: Box<dyn philtre_core::Connection>,
    sql: &'static str,
) -> Result<(Box<dyn philtre_core::Connection>, Counted, Duration)> {
    let ticks = Arc::new(AtomicU64::new(0));
    let counter = ticks.clone();
    let ticker = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(1)).await;
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    let query = tokio::spawn(async move {
        let started = Instant::now();
        let mut seen = Counted::default();
        conn.query_each(sql, vec![], &mut seen).await?;
        Ok::<_, philtre_core::Error>((conn, seen, started.elapsed()))
    });
    let (conn, seen, took) = query.await.expect("the query task ran")?;
    ticker.abort();
    let n = ticks.load(Ordering::Relaxed);
    assert!(
        n as u128 >= took.as_millis() / 10,
        "{n} ticks in {took:?}: the executor stalled"
    );
    Ok((conn, seen, took))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_known_long_query_runs_in_place_without_stalling_other_tasks() -> Result<()> {
    // On a multi-threaded runtime a query known to run long runs whole on the awaiting
    // task's thread (its other tasks move to another), rows straight to the sink. A query
    // is known long once a single step of it ran past the budget and was interrupted: here
    // the one step that counts the rows.
    const LONG: &str = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c \
                        WHERE x < 3000000) SELECT count(*) FROM c";
    let db = TempDb::new("in-place");
    let mut conn = db.connect().await?;
    let mut first = Counted::default();
    conn.query_each(LONG, vec![], &mut first).await?;
    assert_eq!(
        (first.rows, first.resets),
        (1, 1),
        "the first run is interrupted once"
    );

    // The other task keeps running while the query does.
    let (_, second, _) = query_while_ticking(conn, LONG).await?;
    assert_eq!(
        (second.rows, second.resets),
        (1, 0),
        "the second run starts over"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_query_past_its_budget_between_rows_finishes_in_place() -> Result<()> {
    // Its rows come quickly, but there are many: the budget runs out between two rows,
    // and the rest runs where it is, off the worker, instead of starting over.
    const MANY: &str = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c \
                        WHERE x < 1000000) SELECT x FROM c WHERE x % 10 = 0";
    let db = TempDb::new("hand-off");
    let conn = db.connect().await?;
    let (_, seen, took) = query_while_ticking(conn, MANY).await?;
    assert!(
        took > Duration::from_millis(20),
        "the query took only {took:?}; make it longer"
    );
    assert_eq!((seen.rows, seen.resets), (100_000, 0), "started over");
    Ok(())
}
