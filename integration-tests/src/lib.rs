//! The shared integration suite's harness: every test runs once per backend.
//!
//! ```text
//! backend_test! {
//!     async fn inserts_a_row(db) {
//!         let users = db.users_table();   // a uniquely named table, dropped after the test
//!         ...
//!         Ok(())
//!     }
//! }
//! ```
//! generates `inserts_a_row::sqlite`, `::sqlite_memory`, `::postgres` and `::mysql`.
//! `backend_test! { [sqlite] async fn ... }` limits a test to the backends listed, for
//! behaviour only some backends have (SQLite's file locking, killing a server session).
//!
//! Servers come from `PHILTRE_TEST_POSTGRES_URL` / `PHILTRE_TEST_MYSQL_URL`, defaulting to
//! [`POSTGRES_DEFAULT`] and [`MYSQL_DEFAULT`], the servers the README's test command uses.
//! An unreachable server fails the test with how to start it. To leave a backend out on
//! purpose, filter: `cargo nextest run -E 'not test(/::mysql$/)'`.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use philtre::{Engine, MetaData};

pub mod fixtures;

/// The backends of the suite. Lower-case so the macro can name tests after them.
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    sqlite,
    sqlite_memory,
    postgres,
    mysql,
}

pub const POSTGRES_DEFAULT: &str = "postgresql://postgres@127.0.0.1:5432/test";
pub const MYSQL_DEFAULT: &str = "mysql://root@127.0.0.1:3306/test";

impl TestBackend {
    pub fn is_sqlite(self) -> bool {
        matches!(self, TestBackend::sqlite | TestBackend::sqlite_memory)
    }
}

/// One test's database: an engine, and the tables it made (dropped afterwards).
#[derive(Debug, Clone)]
pub struct TestDb {
    pub engine: Engine,
    pub backend: TestBackend,
    pub url: String,
    pub metadata: MetaData,
    suffix: String,
    created: Arc<Mutex<Vec<String>>>,
}

impl TestDb {
    /// A table name unique to this test run: `base_<suffix>`, dropped after the test.
    pub fn name(&self, base: &str) -> String {
        let name = format!("{base}_{}", self.suffix);
        let mut created = self.created.lock().unwrap_or_else(PoisonError::into_inner);
        if !created.contains(&name) {
            created.push(name.clone());
        }
        name
    }

    /// Drops the table `name` after the test too, for tables whose names are fixed (a
    /// declarative model's `table = "..."`); the test must give it a name no other test uses.
    pub fn track(&self, name: &str) {
        let mut created = self.created.lock().unwrap_or_else(PoisonError::into_inner);
        if !created.iter().any(|n| n == name) {
            created.push(name.to_owned());
        }
    }

    /// A second engine on the same database, with its own pool (for concurrency tests).
    pub fn engine_builder(&self) -> philtre::EngineBuilder {
        Engine::builder(&self.url)
    }
}

fn server_url(backend: TestBackend) -> (String, &'static str) {
    match backend {
        TestBackend::postgres => (
            std::env::var("PHILTRE_TEST_POSTGRES_URL").unwrap_or_else(|_| POSTGRES_DEFAULT.into()),
            "start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start \
             (or docker compose -f docker/compose.yaml up -d, with PHILTRE_TEST_POSTGRES_URL set)",
        ),
        TestBackend::mysql => (
            std::env::var("PHILTRE_TEST_MYSQL_URL").unwrap_or_else(|_| MYSQL_DEFAULT.into()),
            "start it with: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd \
             (or docker compose -f docker/compose.yaml up -d, with PHILTRE_TEST_MYSQL_URL set)",
        ),
        _ => unreachable!("only server backends have a URL"),
    }
}

fn short_hash(s: &str) -> String {
    // FNV-1a: stable across runs and processes, no dependency.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes().chain(std::process::id().to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    format!("{:08x}", h & 0xffff_ffff)
}

async fn open(backend: TestBackend, test: &str) -> (TestDb, Option<PathBuf>) {
    let suffix = short_hash(test);
    let (url, file) = match backend {
        TestBackend::sqlite => {
            let path = std::env::temp_dir().join(format!("philtre-test-{suffix}.db"));
            remove_sqlite_files(&path);
            (format!("sqlite:///{}", path.display()), Some(path))
        }
        TestBackend::sqlite_memory => ("sqlite://".to_owned(), None),
        server => {
            let (url, how) = server_url(server);
            let engine = Engine::builder(&url)
                .acquire_timeout(std::time::Duration::from_secs(10))
                .build()
                .unwrap_or_else(|e| panic!("bad test URL {url}: {e}"));
            if let Err(e) = engine.connect().await {
                panic!(
                    "{server:?} backend unreachable at {}: {e}\n{how}\n\
                     To run without it on purpose: cargo nextest run -E 'not test(/::{server:?}$/)'",
                    engine.url()
                );
            }
            (url, None)
        }
    };
    let engine = Engine::builder(&url)
        .acquire_timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap_or_else(|e| panic!("bad test URL {url}: {e}"));
    let db = TestDb {
        engine,
        backend,
        url,
        metadata: MetaData::new(),
        suffix,
        created: Arc::default(),
    };
    (db, file)
}

fn remove_sqlite_files(path: &std::path::Path) {
    for ext in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(ext);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// Drops the tables a test made, children first.
async fn cleanup(db: &TestDb) {
    let names: Vec<String> = db
        .created
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let Ok(mut conn) = db.engine.connect().await else {
        return;
    };
    // Dropping in reverse creation order handles foreign keys between test tables;
    // retry a few rounds for tables created in another order.
    let mut left: Vec<String> = names.into_iter().rev().collect();
    for _ in 0..3 {
        let mut failed = Vec::new();
        for name in left {
            let mut sql = String::from("DROP TABLE IF EXISTS ");
            db.engine.dialect().write_identifier(&mut sql, &name);
            if conn.execute(sql.as_str()).await.is_err() {
                failed.push(name);
            }
        }
        if failed.is_empty() {
            break;
        }
        left = failed;
    }
}

/// The boxed future a backend test body returns.
pub type TestFuture = Pin<Box<dyn Future<Output = philtre::Result<()>> + Send>>;

/// Runs one test body against one backend, then drops its tables whatever happened.
pub async fn run(backend: TestBackend, test: &str, body: fn(TestDb) -> TestFuture) {
    let (db, file) = open(backend, test).await;
    let outcome = tokio::spawn(body(db.clone())).await;
    cleanup(&db).await;
    db.engine.dispose();
    drop(db);
    if let Some(path) = file {
        remove_sqlite_files(&path);
    }
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("{test} failed on {backend:?}: {e} ({e:?})"),
        Err(join) => match join.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("{test} on {backend:?}: task failed: {e}"),
        },
    }
}

/// Defines a test once and runs it on every backend (or the ones listed first).
#[macro_export]
macro_rules! backend_test {
    (async fn $name:ident($db:ident) $body:block) => {
        $crate::backend_test!([sqlite, sqlite_memory, postgres, mysql] async fn $name($db) $body);
    };
    ([$($backend:ident),+] async fn $name:ident($db:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            // Test code: a failed unwrap is a failed test.
            #[allow(clippy::unwrap_used)]
            async fn body($db: $crate::TestDb) -> ::philtre::Result<()> $body

            fn boxed(db: $crate::TestDb) -> $crate::TestFuture {
                Box::pin(body(db))
            }

            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $backend() {
                    $crate::run($crate::TestBackend::$backend, module_path!(), boxed).await;
                }
            )+
        }
    };
}
