//! What a `sqlite://` URL asks for, and opening a connection that way.

use std::path::PathBuf;
use std::time::Duration;

use philtre_core::{Backend, DatabaseUrl, Error, Result};
use rusqlite::{Connection, OpenFlags};

use crate::errors::connect_error;

/// The busy timeout when the URL gives none.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// How to open the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Ro,
    Rw,
    Rwc,
}

/// The parsed options of a `sqlite://` URL.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// `None`: an in-memory database.
    pub(crate) path: Option<PathBuf>,
    pub(crate) mode: Mode,
    pub(crate) timeout: Duration,
}

impl Options {
    pub(crate) fn from_url(url: &DatabaseUrl) -> Result<Options> {
        if url.backend() != Backend::Sqlite {
            return Err(Error::Config(format!(
                "the SQLite driver cannot open a {} URL",
                url.backend().name()
            )));
        }
        let mut memory = url.is_memory();
        let mut mode = Mode::Rwc;
        let mut timeout = DEFAULT_TIMEOUT;
        for (key, value) in url.query_pairs() {
            match key.as_str() {
                "mode" => match value.as_str() {
                    "ro" => mode = Mode::Ro,
                    "rw" => mode = Mode::Rw,
                    "rwc" => mode = Mode::Rwc,
                    "memory" => memory = true,
                    other => {
                        return Err(Error::Config(format!(
                            "SQLite option mode={other:?}: expected ro, rw, rwc or memory"
                        )))
                    }
                },
                "timeout" => {
                    timeout = value
                        .parse::<f64>()
                        .ok()
                        .and_then(|s| Duration::try_from_secs_f64(s).ok())
                        .ok_or_else(|| {
                            Error::Config(format!(
                                "SQLite option timeout={value:?}: expected a number of seconds \
                                 such as 5 or 0.5"
                            ))
                        })?;
                }
                other => {
                    return Err(Error::Config(format!(
                        "unknown SQLite URL option {other:?} (known: mode, timeout)"
                    )))
                }
            }
        }
        if memory && mode == Mode::Ro {
            return Err(Error::Config(
                "a read-only in-memory SQLite database would always be empty".into(),
            ));
        }
        let path = if memory {
            None
        } else {
            url.database().map(PathBuf::from)
        };
        Ok(Options {
            path,
            mode,
            timeout,
        })
    }

    pub(crate) fn is_memory(&self) -> bool {
        self.path.is_none()
    }

    /// Opens and configures a connection: busy timeout, `foreign_keys=ON`, and for a
    /// writable file, WAL. Runs on the worker thread.
    pub(crate) fn open(&self, url: &str) -> Result<Connection> {
        let err = |e: rusqlite::Error| connect_error(url, &e);
        let access = match self.mode {
            Mode::Ro => OpenFlags::SQLITE_OPEN_READ_ONLY,
            Mode::Rw => OpenFlags::SQLITE_OPEN_READ_WRITE,
            Mode::Rwc => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        };
        // The connection is used by one thread only, so SQLite's mutex is not needed.
        let flags = access | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = match &self.path {
            Some(path) => Connection::open_with_flags(path, flags),
            None => Connection::open_in_memory_with_flags(flags),
        }
        .map_err(err)?;
        conn.busy_timeout(self.timeout).map_err(err)?;
        conn.set_prepared_statement_cache_capacity(128);
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(err)?;
        if self.path.is_some() && self.mode != Mode::Ro {
            let journal: String = conn
                .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
                .map_err(err)?;
            if !journal.eq_ignore_ascii_case("wal") {
                tracing::debug!(%url, %journal, "SQLite did not switch to WAL mode");
            }
        }
        Ok(conn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(url: &str) -> Result<Options> {
        Options::from_url(&url.parse()?)
    }

    #[test]
    fn parses_url_options() -> Result<()> {
        assert!(opts("sqlite://")?.is_memory());
        assert!(opts("sqlite:///:memory:")?.is_memory());
        assert!(opts("sqlite:///x.db?mode=memory")?.is_memory());
        let o = opts("sqlite:////tmp/x.db?mode=ro&timeout=0.25")?;
        assert_eq!(o.path, Some(PathBuf::from("/tmp/x.db")));
        assert_eq!(o.mode, Mode::Ro);
        assert_eq!(o.timeout, Duration::from_millis(250));
        assert_eq!(opts("sqlite:///x.db")?.timeout, DEFAULT_TIMEOUT);
        assert_eq!(opts("sqlite:///x.db")?.path, Some(PathBuf::from("x.db")));
        for bad in [
            "sqlite:///x.db?cache=shared",
            "sqlite:///x.db?mode=wat",
            "sqlite:///x.db?timeout=-1",
            "sqlite:///x.db?timeout=soon",
            "sqlite://?mode=ro",
            "postgresql://h/db",
        ] {
            assert!(matches!(opts(bad), Err(Error::Config(_))), "{bad}");
        }
        Ok(())
    }
}
