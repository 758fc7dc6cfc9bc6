//! The MySQL driver against a real server: `PHILTRE_TEST_MYSQL_URL`, by default the project
//! machine's MariaDB (`mysql://root@127.0.0.1:3306/test`).
//!
//! Every test works on tables whose names are unique to it and drops them at the end, so the
//! tests run in parallel and leave the database as they found it.

#[path = "driver/errors.rs"]
mod errors;
#[path = "driver/lifecycle.rs"]
mod lifecycle;
#[path = "driver/reflection.rs"]
mod reflection;
#[path = "driver/values.rs"]
mod values;

use std::sync::atomic::{AtomicU32, Ordering};

use philtre_core::{Connection, Driver, Error, Executable, Result, Rows, Value};
use philtre_mysql::{MysqlDriver, MYSQL_DIALECT};

const DEFAULT_URL: &str = "mysql://root@127.0.0.1:3306/test";

pub fn url() -> String {
    std::env::var("PHILTRE_TEST_MYSQL_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

pub fn driver() -> Result<MysqlDriver> {
    MysqlDriver::from_url(&url())
}

/// A connection to the test server, or an error that says which server and how to start it.
pub async fn connect() -> Result<Box<dyn Connection>> {
    driver()?.connect().await.map_err(|e| {
        Error::Config(format!(
            "cannot reach the MySQL test server at {} ({e}); start MariaDB/MySQL there \
             (`sudo service mariadb start`, or `docker compose -f docker/compose.yml up mysql`) \
             or point PHILTRE_TEST_MYSQL_URL at one",
            url().split('@').next_back().unwrap_or_default()
        ))
    })
}

/// A table name no other test (nor another run of this one) uses.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "ph_{prefix}_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Drops `tables` (children first), ignoring tables that are not there.
pub async fn drop_tables(conn: &mut dyn Connection, tables: &[&str]) {
    for t in tables {
        let mut sql = String::from("DROP TABLE IF EXISTS ");
        philtre_core::Dialect::write_identifier(&MYSQL_DIALECT, &mut sql, t);
        if let Err(e) = conn.batch(&sql).await {
            eprintln!("could not drop test table {t}: {e}");
        }
    }
}

/// Drops its tables when it goes out of scope, also when the test panics: on a fresh
/// connection, from a thread of its own (a destructor cannot await).
#[derive(Debug)]
pub struct Cleanup(Vec<String>);

impl Cleanup {
    /// Tables to drop, children before parents.
    pub fn new(tables: &[&str]) -> Self {
        Cleanup(tables.iter().map(|t| (*t).to_owned()).collect())
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let tables = std::mem::take(&mut self.0);
        let dropper = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            let Ok(runtime) = runtime else { return };
            runtime.block_on(async {
                if let Ok(mut conn) = connect().await {
                    // A test that failed mid-transaction may still hold a lock on a table
                    // until its own connection closes: wait for it a few seconds, not a day.
                    let _ = conn.batch("SET SESSION lock_wait_timeout = 10").await;
                    let names: Vec<&str> = tables.iter().map(String::as_str).collect();
                    drop_tables(&mut *conn, &names).await;
                }
            });
        });
        let _ = dropper.join();
    }
}

/// Compiles `statement` for MySQL and runs it for its rows.
pub async fn run(conn: &mut dyn Connection, statement: impl Executable) -> Result<Rows> {
    let compiled = statement.compile(&MYSQL_DIALECT)?;
    conn.query(&compiled.sql, compiled.params).await
}

/// The one value of a one-row, one-column query.
pub async fn scalar(conn: &mut dyn Connection, sql: &str, params: Vec<Value>) -> Result<Value> {
    let rows = conn.query(sql, params).await?;
    rows.rows
        .into_iter()
        .next()
        .and_then(|r| r.into_values().into_iter().next())
        .ok_or(Error::NoResultFound)
}
