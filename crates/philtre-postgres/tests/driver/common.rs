//! Shared helpers: the server URL, connections, unique names and cleanup.

use std::sync::atomic::{AtomicUsize, Ordering};

use philtre_core::{Connection, Driver, Error, Row, Value};
use philtre_postgres::{PgConnection, PostgresDriver};

/// The test server: `PHILTRE_TEST_POSTGRES_URL`, else the project machine's PostgreSQL.
pub fn url() -> String {
    std::env::var("PHILTRE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/test".to_owned())
}

pub fn driver() -> PostgresDriver {
    PostgresDriver::from_url(&url()).expect("test URL parses")
}

pub async fn connect() -> PgConnection {
    match driver().connect_pg().await {
        Ok(c) => c,
        Err(e) => panic!(
            "cannot reach PostgreSQL at {} ({e}); start it or set PHILTRE_TEST_POSTGRES_URL",
            url()
        ),
    }
}

/// A name no other test (or test run) uses: `pt_<tag>_<pid>_<n>`.
pub fn unique(tag: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "pt_{tag}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Runs the DROP statements when it goes out of scope, even when the test panicked.
pub struct Cleanup(pub Vec<String>);

impl Cleanup {
    pub fn tables(names: &[&str]) -> Self {
        Cleanup(
            names
                .iter()
                .map(|n| format!("DROP TABLE IF EXISTS \"{n}\" CASCADE"))
                .collect(),
        )
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let statements = std::mem::take(&mut self.0);
        // A fresh thread and runtime: Drop cannot await, and may run inside a runtime.
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async move {
                let mut conn = driver().connect().await?;
                for s in statements {
                    conn.batch(&s).await?;
                }
                Ok::<(), Error>(())
            })
            .map_err(std::io::Error::other)
        })
        .join();
        if let Ok(Err(e)) = done {
            eprintln!("cleanup failed: {e}");
        }
    }
}

/// Runs a query and returns its rows.
pub async fn rows(conn: &mut dyn Connection, sql: &str, params: Vec<Value>) -> Vec<Row> {
    match conn.query(sql, params).await {
        Ok(r) => r.rows,
        Err(e) => panic!("{sql}: {e}"),
    }
}

/// The single value of a one-row, one-column query.
pub async fn scalar(conn: &mut dyn Connection, sql: &str, params: Vec<Value>) -> Value {
    let rows = rows(conn, sql, params).await;
    assert_eq!(rows.len(), 1, "{sql}");
    rows[0][0].clone()
}

/// The test URL with one more query option (`k=v`).
pub fn url_with(option: &str) -> String {
    let base = url();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{option}")
}

/// The test URL pointing at another database name.
pub fn url_with_database(db: &str) -> String {
    let base = url();
    let (path, query) = base
        .split_once('?')
        .map_or((base.as_str(), None), |(p, q)| (p, Some(q)));
    let (server, _) = path.rsplit_once('/').unwrap_or((path, ""));
    match query {
        Some(q) => format!("{server}/{db}?{q}"),
        None => format!("{server}/{db}"),
    }
}
