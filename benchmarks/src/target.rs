//! Where a subject connects: one database per backend, named in each library's own form.

use crate::model::Backend;

/// The database a run uses on one backend.
#[derive(Debug, Clone)]
pub struct Target {
    pub backend: Backend,
    /// The SQLite file (for the SQLite backend).
    pub sqlite_path: String,
    /// `postgres://user@host:port/db`.
    pub postgres_url: String,
    /// `mysql://user@host:port/db`.
    pub mysql_url: String,
}

impl Target {
    /// The URL in SQLAlchemy's form, which philtre takes.
    pub fn philtre_url(&self) -> String {
        match self.backend {
            Backend::Sqlite => format!("sqlite:///{}", self.sqlite_path),
            Backend::Postgres => self
                .postgres_url
                .replacen("postgres://", "postgresql://", 1),
            Backend::Mysql => self.mysql_url.clone(),
        }
    }

    /// The URL in the form sqlx and SeaORM take.
    #[cfg_attr(not(feature = "peers"), allow(dead_code))]
    pub fn sqlx_url(&self) -> String {
        match self.backend {
            Backend::Sqlite => format!("sqlite://{}", self.sqlite_path),
            Backend::Postgres => self.postgres_url.clone(),
            Backend::Mysql => self.mysql_url.clone(),
        }
    }
}
