//! [`PostgresDriver`]: opens [`PgConnection`]s from a `postgresql://` URL.

use std::error::Error as _;

use async_trait::async_trait;
use philtre_core::{Connection, DatabaseUrl, Dialect, Driver, Error, Result};
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::Socket;

use crate::cache::DEFAULT_STATEMENT_CACHE_CAPACITY;
use crate::cancel::Canceller;
use crate::config::{settings, Settings, TlsMode};
use crate::connection::PgConnection;
use crate::POSTGRES_DIALECT;

/// The PostgreSQL driver: one per engine, shared by the pool.
///
/// ```no_run
/// use philtre_core::{Connection, Driver};
/// use philtre_postgres::PostgresDriver;
/// # async fn run() -> philtre_core::Result<()> {
/// let driver = PostgresDriver::from_url("postgresql://postgres@127.0.0.1:5432/test")?;
/// let mut conn = driver.connect().await?;
/// let rows = conn.query("SELECT $1::int + 1 AS n", vec![41.into()]).await?;
/// assert_eq!(rows.rows[0].get::<i64>("n")?, 42);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PostgresDriver {
    settings: Settings,
    cache_capacity: usize,
    #[cfg(feature = "tls")]
    tls: Option<crate::tls::MakeRustls>,
}

impl PostgresDriver {
    /// A driver for `url`; fails on options it does not know or cannot honour.
    pub fn new(url: &DatabaseUrl) -> Result<Self> {
        let settings = settings(url)?;
        #[cfg(feature = "tls")]
        let tls = match settings.tls {
            TlsMode::Disable => None,
            TlsMode::Prefer | TlsMode::Require => Some(crate::tls::MakeRustls::new(false)?),
            TlsMode::VerifyFull => Some(crate::tls::MakeRustls::new(true)?),
        };
        Ok(PostgresDriver {
            settings,
            cache_capacity: DEFAULT_STATEMENT_CACHE_CAPACITY,
            #[cfg(feature = "tls")]
            tls,
        })
    }

    /// Parses `url` and makes a driver for it.
    pub fn from_url(url: &str) -> Result<Self> {
        Self::new(&url.parse()?)
    }

    /// How many prepared statements each connection keeps (default 256; 0 turns caching off).
    #[must_use]
    pub fn statement_cache_capacity(mut self, capacity: usize) -> Self {
        self.cache_capacity = capacity;
        self
    }

    /// What the URL's `sslmode` asked for.
    pub fn tls_mode(&self) -> TlsMode {
        self.settings.tls
    }

    /// Opens a connection, as the concrete type.
    pub async fn connect_pg(&self) -> Result<PgConnection> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::Config(
                "philtre-postgres must run inside a Tokio runtime".into(),
            ));
        }
        match self.settings.connect_timeout {
            Some(limit) => tokio::time::timeout(limit, self.open())
                .await
                .map_err(|_| Error::Connect {
                    url: self.settings.shown_url.clone(),
                    message: format!("timed out after {}s (connect_timeout)", limit.as_secs()),
                })?,
            None => self.open().await,
        }
    }

    async fn open(&self) -> Result<PgConnection> {
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.tls {
            let client = self.open_with(tls.clone()).await?;
            let canceller = Canceller {
                token: client.cancel_token(),
                tls: Some(tls.clone()),
            };
            return Ok(PgConnection::new(client, self.cache_capacity, canceller));
        }
        let client = self.open_with(tokio_postgres::NoTls).await?;
        let canceller = Canceller {
            token: client.cancel_token(),
            #[cfg(feature = "tls")]
            tls: None,
        };
        Ok(PgConnection::new(client, self.cache_capacity, canceller))
    }

    /// Connects and spawns the task that drives the connection.
    async fn open_with<T>(&self, tls: T) -> Result<tokio_postgres::Client>
    where
        T: MakeTlsConnect<Socket>,
        T::Stream: Send + 'static,
    {
        let (client, connection) = self
            .settings
            .config
            .connect(tls)
            .await
            .map_err(|e| self.connect_error(&e))?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "PostgreSQL connection ended with an error");
            }
        });
        Ok(client)
    }

    fn connect_error(&self, e: &tokio_postgres::Error) -> Error {
        let message = match (e.as_db_error(), e.source()) {
            (Some(db), _) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
            (None, Some(src)) => format!("{e}: {src}"),
            (None, None) => e.to_string(),
        };
        Error::Connect {
            url: self.settings.shown_url.clone(),
            message,
        }
    }
}

#[async_trait]
impl Driver for PostgresDriver {
    fn dialect(&self) -> &'static dyn Dialect {
        &POSTGRES_DIALECT
    }

    async fn connect(&self) -> Result<Box<dyn Connection>> {
        Ok(Box::new(self.connect_pg().await?))
    }
}
