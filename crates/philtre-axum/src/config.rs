//! [`DbBuilder`]: Flask-SQLAlchemy's configuration keys as a builder: the URL
//! (`SQLALCHEMY_DATABASE_URI`), engine options (`SQLALCHEMY_ENGINE_OPTIONS`), `echo`,
//! binds (`SQLALCHEMY_BINDS`), session options and query recording.

use std::path::{Path, PathBuf};
use std::time::Duration;

use philtre::{Engine, EngineBuilder, Error, MetaData, Result};
use philtre_orm::declarative::{DeclarativeBase, Registry};
use philtre_orm::{ScopedSession, SessionConfig};

use crate::db::{Bind, Db, DbInner};

/// The name of the default bind, the engine of [`Db::engine`].
pub const DEFAULT_BIND: &str = "default";

/// Engine options, each left to philtre's default when unset
/// (`Engine::builder(url).pool_size(..)...`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EngineOptions {
    pub pool_size: Option<usize>,
    pub max_overflow: Option<usize>,
    pub acquire_timeout: Option<Duration>,
    pub pre_ping: Option<bool>,
    pub recycle: Option<Duration>,
    pub echo: Option<bool>,
}

impl EngineOptions {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn pool_size(mut self, n: usize) -> Self {
        self.pool_size = Some(n);
        self
    }

    pub fn max_overflow(mut self, n: usize) -> Self {
        self.max_overflow = Some(n);
        self
    }

    pub fn acquire_timeout(mut self, d: Duration) -> Self {
        self.acquire_timeout = Some(d);
        self
    }

    pub fn pre_ping(mut self, on: bool) -> Self {
        self.pre_ping = Some(on);
        self
    }

    pub fn recycle(mut self, d: Duration) -> Self {
        self.recycle = Some(d);
        self
    }

    pub fn echo(mut self, on: bool) -> Self {
        self.echo = Some(on);
        self
    }

    /// Options set here win over `base`'s.
    fn over(&self, base: &EngineOptions) -> EngineOptions {
        EngineOptions {
            pool_size: self.pool_size.or(base.pool_size),
            max_overflow: self.max_overflow.or(base.max_overflow),
            acquire_timeout: self.acquire_timeout.or(base.acquire_timeout),
            pre_ping: self.pre_ping.or(base.pre_ping),
            recycle: self.recycle.or(base.recycle),
            echo: self.echo.or(base.echo),
        }
    }

    /// Applies the options that are set to an engine builder.
    pub fn apply(&self, mut b: EngineBuilder) -> EngineBuilder {
        if let Some(n) = self.pool_size {
            b = b.pool_size(n);
        }
        if let Some(n) = self.max_overflow {
            b = b.max_overflow(n);
        }
        if let Some(d) = self.acquire_timeout {
            b = b.acquire_timeout(d);
        }
        if let Some(on) = self.pre_ping {
            b = b.pre_ping(on);
        }
        if let Some(d) = self.recycle {
            b = b.recycle(d);
        }
        if let Some(on) = self.echo {
            b = b.echo(on);
        }
        b
    }
}

/// Configures a [`Db`]: `Db::builder("app")` or [`Db::from_env`]`("app")`, then `build()`.
///
/// ```
/// use philtre_axum::{Db, EngineOptions};
/// # fn main() -> philtre::Result<()> {
/// let db = Db::builder("myapp")
///     .database_url("sqlite://")                       // else DATABASE_URL (from_env), else instance/myapp.db
///     .pool_size(4)
///     .echo(false)
///     .bind("audit", "sqlite://")                      // a named extra database
///     .bind_with("reports", "sqlite://", EngineOptions::new().pool_size(1))
///     .record_queries(true)
///     .build()?;
/// assert_eq!(db.bind_keys(), ["default", "audit", "reports"]);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct DbBuilder {
    name: String,
    url: Option<String>,
    instance_path: PathBuf,
    engine: EngineOptions,
    binds: Vec<(String, String, EngineOptions)>,
    session: SessionConfig,
    scoped: Option<ScopedSession>,
    bases: Vec<(String, &'static Registry)>,
    metadata: Vec<(String, MetaData)>,
    record_queries: bool,
}

impl DbBuilder {
    pub(crate) fn new(name: &str) -> Self {
        DbBuilder {
            name: name.to_owned(),
            url: None,
            instance_path: PathBuf::from("instance"),
            engine: EngineOptions::default(),
            binds: Vec::new(),
            session: SessionConfig::default(),
            scoped: None,
            bases: Vec::new(),
            metadata: Vec::new(),
            record_queries: false,
        }
    }

    /// Reads the environment: `DATABASE_URL` (the default bind's URL), `DATABASE_ECHO`
    /// (`1`/`true` turns echo on) and `DATABASE_RECORD_QUERIES` (`1`/`true`). Variables
    /// that are not set change nothing; later builder calls win over what was read.
    pub fn from_env(mut self) -> Self {
        if let Ok(url) = std::env::var("DATABASE_URL") {
            if !url.trim().is_empty() {
                self.url = Some(url);
            }
        }
        if let Some(on) = env_flag("DATABASE_ECHO") {
            self.engine.echo = Some(on);
        }
        if let Some(on) = env_flag("DATABASE_RECORD_QUERIES") {
            self.record_queries = on;
        }
        self
    }

    /// The default bind's URL. Without one: `sqlite:///<instance_path>/<name>.db`.
    pub fn database_url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The folder of the default SQLite file (default `instance`, relative to the working
    /// directory); created by `build()` when the default URL is used.
    pub fn instance_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.instance_path = path.into();
        self
    }

    /// Engine options of every bind (a bind's own options win).
    pub fn engine_options(mut self, options: EngineOptions) -> Self {
        self.engine = options.over(&self.engine);
        self
    }

    pub fn pool_size(mut self, n: usize) -> Self {
        self.engine.pool_size = Some(n);
        self
    }

    pub fn max_overflow(mut self, n: usize) -> Self {
        self.engine.max_overflow = Some(n);
        self
    }

    /// Log every statement through `tracing` (`SQLALCHEMY_ECHO`).
    pub fn echo(mut self, on: bool) -> Self {
        self.engine.echo = Some(on);
        self
    }

    /// A named extra database (`SQLALCHEMY_BINDS`), with the shared engine options.
    pub fn bind(self, key: &str, url: impl Into<String>) -> Self {
        self.bind_with(key, url, EngineOptions::default())
    }

    /// A named extra database with engine options of its own.
    pub fn bind_with(mut self, key: &str, url: impl Into<String>, options: EngineOptions) -> Self {
        self.binds.retain(|(k, _, _)| k != key);
        self.binds.push((key.to_owned(), url.into(), options));
        self
    }

    /// Session options (`SQLALCHEMY_SESSION_OPTIONS`): autoflush, expire_on_commit, autocommit.
    pub fn session_options(mut self, config: SessionConfig) -> Self {
        self.session = config;
        self
    }

    /// Use this scoped session (e.g. the `static DB_SESSION` of a `database` module) as the
    /// default bind's; `build()` configures it with the engine and the session options.
    pub fn scoped_session(mut self, session: &ScopedSession) -> Self {
        self.scoped = Some(session.clone());
        self
    }

    /// Ties a declarative base to the default bind: its models' `query()` runs on the
    /// request's session, and [`Db::create_all`] creates its tables there.
    pub fn base<B: DeclarativeBase>(self) -> Self {
        self.base_on::<B>(DEFAULT_BIND)
    }

    /// Ties a declarative base (and so every model of it) to a bind: `Model::query()` runs
    /// on the request's session of that bind, and [`Db::create_all`] creates the base's
    /// tables on the bind's engine.
    pub fn base_on<B: DeclarativeBase>(mut self, key: &str) -> Self {
        self.bases.push((key.to_owned(), B::registry()));
        self
    }

    /// Core or manually mapped tables of the default bind, for `create_all` / `drop_all`.
    pub fn metadata(self, metadata: &MetaData) -> Self {
        self.metadata_on(DEFAULT_BIND, metadata)
    }

    /// Core or manually mapped tables of a bind, for `create_all` / `drop_all`.
    pub fn metadata_on(mut self, key: &str, metadata: &MetaData) -> Self {
        self.metadata.push((key.to_owned(), metadata.clone()));
        self
    }

    /// Record each request's statements (`SQLALCHEMY_RECORD_QUERIES`): see
    /// [`RecordedQueries`](crate::RecordedQueries).
    pub fn record_queries(mut self, on: bool) -> Self {
        self.record_queries = on;
        self
    }

    /// The default bind's URL as `build()` will use it.
    pub fn url(&self) -> String {
        self.url
            .clone()
            .unwrap_or_else(|| sqlite_url(&self.instance_path.join(format!("{}.db", self.name))))
    }

    /// Makes the engines (no connection is opened yet) and the scoped sessions, and ties
    /// the bases to them.
    pub fn build(self) -> Result<Db> {
        let url = self.url();
        if self.url.is_none() {
            std::fs::create_dir_all(&self.instance_path).map_err(|e| {
                Error::Config(format!(
                    "cannot create the instance folder {}: {e}",
                    self.instance_path.display()
                ))
            })?;
        }
        let default_session = self.scoped.clone().unwrap_or_else(ScopedSession::unbound);
        let mut binds = vec![make_bind(
            DEFAULT_BIND,
            &url,
            &self.engine,
            self.session,
            default_session,
        )?];
        for (key, bind_url, options) in &self.binds {
            if key == DEFAULT_BIND {
                return Err(Error::Config(format!(
                    "bind key {DEFAULT_BIND:?} is the default database: set it with database_url()"
                )));
            }
            let options = options.over(&self.engine);
            binds.push(make_bind(
                key,
                bind_url,
                &options,
                self.session,
                ScopedSession::unbound(),
            )?);
        }
        let find = |key: &str| -> Result<usize> {
            binds
                .iter()
                .position(|b| b.key == key)
                .ok_or_else(|| Error::Config(format!("no bind named {key:?}")))
        };
        let mut metadata = Vec::new();
        for (key, registry) in &self.bases {
            let i = find(key)?;
            registry.set_session(&binds[i].session);
            metadata.push((i, registry.metadata().clone()));
        }
        for (key, md) in &self.metadata {
            metadata.push((find(key)?, md.clone()));
        }
        Ok(Db::from_inner(DbInner {
            name: self.name,
            binds,
            metadata,
            record_queries: self.record_queries,
        }))
    }
}

fn make_bind(
    key: &str,
    url: &str,
    options: &EngineOptions,
    config: SessionConfig,
    session: ScopedSession,
) -> Result<Bind> {
    let engine: Engine = options.apply(Engine::builder(url)).build()?;
    session.configure(
        philtre_orm::sessionmaker(&engine)
            .autocommit(config.autocommit)
            .autoflush(config.autoflush)
            .expire_on_commit(config.expire_on_commit),
    );
    Ok(Bind {
        key: key.to_owned(),
        engine,
        session,
    })
}

/// `sqlite:///relative/path` or `sqlite:////absolute/path`, as SQLAlchemy spells them.
fn sqlite_url(path: &Path) -> String {
    format!("sqlite:///{}", path.display())
}

fn env_flag(name: &str) -> Option<bool> {
    let v = std::env::var(name).ok()?;
    Some(matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_url_is_a_file_in_the_instance_folder() {
        let b = DbBuilder::new("app");
        assert_eq!(b.url(), "sqlite:///instance/app.db");
        let b = DbBuilder::new("app").instance_path("/srv/app/instance");
        assert_eq!(b.url(), "sqlite:////srv/app/instance/app.db");
        let b = DbBuilder::new("app").database_url("sqlite://");
        assert_eq!(b.url(), "sqlite://");
    }

    #[test]
    fn build_makes_the_instance_folder_for_the_default_url() {
        let root =
            std::env::temp_dir().join(format!("philtre-axum-instance-{}", std::process::id()));
        let instance = root.join("instance");
        let _ = std::fs::remove_dir_all(&root);
        let db = DbBuilder::new("app")
            .instance_path(&instance)
            .build()
            .unwrap();
        assert!(instance.is_dir());
        assert_eq!(
            db.engine().url().to_string(),
            format!("sqlite:///{}", instance.join("app.db").display())
        );
        // an explicit URL makes no folder
        let other = root.join("other");
        DbBuilder::new("app")
            .instance_path(&other)
            .database_url("sqlite://")
            .build()
            .unwrap();
        assert!(!other.exists());
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn bind_options_win_over_shared_ones() {
        let shared = EngineOptions::new().pool_size(5).echo(true);
        let own = EngineOptions::new().pool_size(1).over(&shared);
        assert_eq!(own.pool_size, Some(1));
        assert_eq!(own.echo, Some(true));
    }

    #[test]
    fn an_unknown_bind_is_a_config_error() {
        let err = DbBuilder::new("app")
            .database_url("sqlite://")
            .metadata_on("nope", &MetaData::new())
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(m) if m.contains("\"nope\"")));
    }
}
