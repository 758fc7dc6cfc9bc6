//! [`MysqlDriver`]: opens connections to one MySQL or MariaDB database.

use async_trait::async_trait;
use mysql_async::Conn;
use philtre_core::{Connection, DatabaseUrl, Dialect, Driver, Error, Result};

use crate::config::Config;
use crate::connection::MysqlConnection;
use crate::dialect::MYSQL_DIALECT;

/// Opens [`MysqlConnection`]s from a `mysql://`, `mysql+driver://` or `mariadb://` URL.
///
/// Each connection is one mysql_async `Conn` (not its pool: the engine pools connections
/// of every backend the same way).
#[derive(Debug, Clone)]
pub struct MysqlDriver {
    config: Config,
}

impl MysqlDriver {
    /// A driver for `url`; unknown or unsupported URL options are an [`Error::Config`].
    pub fn new(url: &DatabaseUrl) -> Result<Self> {
        Ok(MysqlDriver {
            config: Config::from_url(url)?,
        })
    }

    /// Parses `url` and builds a driver for it.
    pub fn from_url(url: &str) -> Result<Self> {
        MysqlDriver::new(&url.parse()?)
    }

    /// Opens a connection, typed (the [`Driver`] impl boxes it).
    pub async fn connect_mysql(&self) -> Result<MysqlConnection> {
        let fail = |message: String| Error::Connect {
            url: self.config.display.clone(),
            message,
        };
        let opening = Conn::new(self.config.opts.clone());
        match tokio::time::timeout(self.config.connect_timeout, opening).await {
            Ok(Ok(conn)) => {
                tracing::debug!(id = conn.id(), url = %self.config.display, "MySQL connection opened");
                Ok(MysqlConnection::new(conn))
            }
            Ok(Err(e)) => Err(fail(e.to_string())),
            Err(_) => Err(fail(format!(
                "no answer within the connect timeout of {:?}",
                self.config.connect_timeout
            ))),
        }
    }
}

#[async_trait]
impl Driver for MysqlDriver {
    fn dialect(&self) -> &'static dyn Dialect {
        &MYSQL_DIALECT
    }

    async fn connect(&self) -> Result<Box<dyn Connection>> {
        Ok(Box::new(self.connect_mysql().await?))
    }
}
