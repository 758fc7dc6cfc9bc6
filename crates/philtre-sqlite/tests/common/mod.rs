//! Helpers shared by the driver tests: a uniquely named temp database file, removed after.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use philtre_core::{Connection, DbErrorKind, Driver, Error, Result};
use philtre_sqlite::SqliteDriver;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A database file under `std::env::temp_dir()`, deleted (with its WAL files) on drop.
pub struct TempDb {
    pub path: PathBuf,
}

impl TempDb {
    pub fn new(tag: &str) -> TempDb {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("philtre-sqlite-{tag}-{}-{nanos}-{n}.db", std::process::id());
        TempDb {
            path: std::env::temp_dir().join(name),
        }
    }

    /// `sqlite:////abs/path.db` plus `query` (such as `"?timeout=0.2"`).
    pub fn url(&self, query: &str) -> String {
        format!("sqlite:///{}{query}", self.path.display())
    }

    pub fn driver(&self, query: &str) -> SqliteDriver {
        SqliteDriver::from_url(&self.url(query)).expect("valid test URL")
    }

    pub async fn connect(&self) -> Result<Box<dyn Connection>> {
        self.driver("").connect().await
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(Path::new(&p));
        }
    }
}

/// The kind of a database error, or a description of what came instead.
pub fn kind<T: std::fmt::Debug>(r: Result<T>) -> std::result::Result<DbErrorKind, String> {
    match r {
        Err(Error::Database(e)) => Ok(e.kind),
        other => Err(format!("expected a database error, got {other:?}")),
    }
}

/// The SQLite extended code of a database error.
pub fn code<T: std::fmt::Debug>(r: Result<T>) -> String {
    match r {
        Err(Error::Database(e)) => e.code,
        other => format!("not a database error: {other:?}"),
    }
}
