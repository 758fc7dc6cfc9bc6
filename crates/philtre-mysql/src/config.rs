//! Turning a [`DatabaseUrl`] into mysql_async's connection options.

use std::time::Duration;

use mysql_async::{Opts, OptsBuilder};
use philtre_core::{Backend, DatabaseUrl, Error, Result};

/// Statements kept prepared per connection (philtre's LRU cache keyed by SQL text;
/// mysql_async's own cache is off, see `cache.rs`).
pub(crate) const STATEMENT_CACHE_SIZE: usize = 256;

/// How long `connect` waits for the server unless `?connect_timeout=` says otherwise.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything [`MysqlDriver`](crate::MysqlDriver) needs to open a connection.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) opts: Opts,
    pub(crate) connect_timeout: Duration,
    /// The URL with its password hidden, for error messages.
    pub(crate) display: String,
}

/// What `ssl` / `ssl_mode` ask for, with MySQL's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SslMode {
    Disabled,
    Preferred,
    Required,
    VerifyCa,
    VerifyIdentity,
}

impl Config {
    pub(crate) fn from_url(url: &DatabaseUrl) -> Result<Config> {
        if url.backend() != Backend::Mysql {
            return Err(Error::Config(format!(
                "{url} is not a MySQL URL (expected mysql://, mysql+driver:// or mariadb://)"
            )));
        }
        let mut builder = OptsBuilder::default()
            .ip_or_hostname(url.host().unwrap_or("127.0.0.1"))
            .tcp_port(url.port().unwrap_or(3306))
            .user(url.username())
            .pass(url.password())
            .db_name(url.database())
            .stmt_cache_size(0)
            // UPDATE reports the rows it matched, as PostgreSQL and SQLite do, not only
            // the rows whose values changed.
            .client_found_rows(true);
        // On a local server, mysql_async reopens a TCP connection on the server's unix
        // socket: one more handshake per new connection (the pool keeps them), then every
        // round trip is faster than loopback TCP. Off with TLS, which a socket does not carry,
        // or with `prefer_socket=false`.
        let mut prefer_socket = true;
        let mut connect_timeout = DEFAULT_CONNECT_TIMEOUT;
        let mut ssl = SslMode::Disabled;
        let mut ssl_ca: Option<String> = None;
        for (key, value) in url.query_pairs() {
            match key.as_str() {
                "charset" => match value.to_ascii_lowercase().as_str() {
                    // Rust strings are full UTF-8: `utf8` (utf8mb3 on the server) would reject
                    // 4-byte characters, so it is taken as utf8mb4 too.
                    "utf8mb4" | "utf8" => builder = builder.init(vec!["SET NAMES utf8mb4"]),
                    other => {
                        return Err(Error::Config(format!(
                            "charset={other} is not supported: philtre-mysql speaks utf8mb4 only"
                        )))
                    }
                },
                "connect_timeout" => connect_timeout = parse_seconds(key, value)?,
                "ssl" => {
                    ssl = match value.to_ascii_lowercase().as_str() {
                        "true" | "1" | "yes" | "on" => SslMode::Required,
                        "false" | "0" | "no" | "off" => SslMode::Disabled,
                        _ => return Err(bad_option(key, value, "true or false")),
                    }
                }
                "ssl_mode" | "ssl-mode" | "sslmode" => ssl = parse_ssl_mode(key, value)?,
                "ssl_ca" => ssl_ca = Some(value.clone()),
                "unix_socket" => builder = builder.socket(Some(value.clone())),
                "prefer_socket" => {
                    prefer_socket = match value.to_ascii_lowercase().as_str() {
                        "true" | "1" | "yes" | "on" => true,
                        "false" | "0" | "no" | "off" => false,
                        _ => return Err(bad_option(key, value, "true or false")),
                    }
                }
                _ => {
                    return Err(Error::Config(format!(
                        "unknown MySQL URL option {key:?} (known: charset, connect_timeout, \
                         ssl, ssl_mode, ssl_ca, unix_socket, prefer_socket)"
                    )))
                }
            }
        }
        builder = builder.prefer_socket(prefer_socket && ssl == SslMode::Disabled);
        builder = apply_ssl(builder, ssl, ssl_ca)?;
        Ok(Config {
            opts: builder.into(),
            connect_timeout,
            display: url.to_string(),
        })
    }
}

fn bad_option(key: &str, value: &str, expected: &str) -> Error {
    Error::Config(format!(
        "invalid {key}={value:?} in the MySQL URL: expected {expected}"
    ))
}

fn parse_seconds(key: &str, value: &str) -> Result<Duration> {
    value
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0 && *s < 1e9)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| bad_option(key, value, "a positive number of seconds"))
}

fn parse_ssl_mode(key: &str, value: &str) -> Result<SslMode> {
    match value.to_ascii_uppercase().replace('-', "_").as_str() {
        "DISABLED" | "DISABLE" => Ok(SslMode::Disabled),
        "PREFERRED" | "PREFER" => Ok(SslMode::Preferred),
        "REQUIRED" | "REQUIRE" => Ok(SslMode::Required),
        "VERIFY_CA" => Ok(SslMode::VerifyCa),
        "VERIFY_IDENTITY" | "VERIFY_FULL" => Ok(SslMode::VerifyIdentity),
        _ => Err(bad_option(
            key,
            value,
            "DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY",
        )),
    }
}

/// `PREFERRED` connects without TLS (mysql_async cannot fall back from a failed TLS
/// handshake); `REQUIRED` encrypts without checking the certificate, `VERIFY_CA` checks the
/// chain, `VERIFY_IDENTITY` the chain and the host name.
#[cfg(feature = "tls")]
fn apply_ssl(builder: OptsBuilder, mode: SslMode, ca: Option<String>) -> Result<OptsBuilder> {
    use mysql_async::SslOpts;
    let mut opts = match mode {
        SslMode::Disabled | SslMode::Preferred => return Ok(builder),
        SslMode::Required => SslOpts::default()
            .with_danger_accept_invalid_certs(true)
            .with_danger_skip_domain_validation(true),
        SslMode::VerifyCa => SslOpts::default().with_danger_skip_domain_validation(true),
        SslMode::VerifyIdentity => SslOpts::default(),
    };
    if let Some(path) = ca {
        opts = opts.with_root_certs(vec![std::path::PathBuf::from(path).into()]);
    }
    Ok(builder.ssl_opts(opts))
}

#[cfg(not(feature = "tls"))]
fn apply_ssl(builder: OptsBuilder, mode: SslMode, ca: Option<String>) -> Result<OptsBuilder> {
    match mode {
        SslMode::Disabled | SslMode::Preferred if ca.is_none() => Ok(builder),
        _ => Err(Error::Config(
            "TLS connections (ssl=true, ssl_mode=REQUIRED/VERIFY_CA/VERIFY_IDENTITY, ssl_ca) need \
             philtre-mysql's `tls` Cargo feature"
                .into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> Result<Config> {
        Config::from_url(&url.parse::<DatabaseUrl>()?)
    }

    #[test]
    fn reads_host_port_user_database() -> Result<()> {
        let c = config("mysql+pymysql://scott:ti%40ger@db.local:3307/shop?charset=utf8mb4")?;
        assert_eq!(c.opts.ip_or_hostname(), "db.local");
        assert_eq!(c.opts.tcp_port(), 3307);
        assert_eq!(c.opts.user(), Some("scott"));
        assert_eq!(c.opts.pass(), Some("ti@ger"));
        assert_eq!(c.opts.db_name(), Some("shop"));
        assert_eq!(c.opts.init(), ["SET NAMES utf8mb4"]);
        assert_eq!(
            c.opts.stmt_cache_size(),
            0,
            "philtre caches statements itself"
        );
        assert!(!c.display.contains("ti@ger") && !c.display.contains("ti%40ger"));
        let d = config("mariadb://h")?;
        assert_eq!((d.opts.tcp_port(), d.opts.db_name()), (3306, None));
        assert_eq!(d.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
        Ok(())
    }

    #[test]
    fn options_are_checked() -> Result<()> {
        assert_eq!(
            config("mysql://h/db?connect_timeout=2.5")?.connect_timeout,
            Duration::from_millis(2500)
        );
        for bad in [
            "mysql://h/db?charset=latin1",
            "mysql://h/db?connect_timeout=0",
            "mysql://h/db?connect_timeout=soon",
            "mysql://h/db?ssl=maybe",
            "mysql://h/db?ssl_mode=sometimes",
            "mysql://h/db?pool_size=3",
        ] {
            assert!(matches!(config(bad), Err(Error::Config(_))), "{bad}");
        }
        assert!(matches!(config("postgresql://h/db"), Err(Error::Config(_))));
        assert!(config("mysql://h/db?ssl_mode=disabled&ssl=false").is_ok());
        Ok(())
    }

    #[cfg(not(feature = "tls"))]
    #[test]
    fn tls_without_the_feature_names_it() {
        for url in [
            "mysql://h/db?ssl=true",
            "mysql://h/db?ssl_mode=VERIFY_IDENTITY",
        ] {
            match config(url) {
                Err(Error::Config(msg)) => assert!(msg.contains("`tls` Cargo feature"), "{msg}"),
                other => panic!("{url}: {other:?}"),
            }
        }
    }

    #[cfg(feature = "tls")]
    #[test]
    fn tls_modes_set_ssl_options() -> Result<()> {
        let c = config("mysql://h/db?ssl_mode=REQUIRED")?;
        assert!(c.opts.ssl_opts().is_some_and(|s| s.accept_invalid_certs()));
        let v = config("mysql://h/db?ssl_mode=verify_identity")?;
        assert!(v.opts.ssl_opts().is_some_and(|s| !s.accept_invalid_certs()));
        assert!(config("mysql://h/db?ssl_mode=PREFERRED")?
            .opts
            .ssl_opts()
            .is_none());
        Ok(())
    }
}
