//! Reading a `postgresql://` [`DatabaseUrl`] into tokio-postgres settings.

use std::time::Duration;

use philtre_core::{Backend, DatabaseUrl, Error, Result};
use tokio_postgres::config::SslMode;

/// What the URL's `sslmode` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// `disable`: plain TCP.
    Disable,
    /// `prefer` (the default): TLS when the server offers it and the `tls` feature is on,
    /// without certificate verification (as libpq).
    Prefer,
    /// `require`: TLS or fail; the certificate is not verified (as libpq).
    Require,
    /// `verify-full`: TLS with the certificate checked against the Mozilla roots
    /// (webpki-roots) and the host name.
    VerifyFull,
}

/// The query options a `postgresql://` URL may carry.
pub const URL_OPTIONS: &[&str] = &["sslmode", "connect_timeout", "application_name", "host"];

/// Connection settings read from a URL.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub config: tokio_postgres::Config,
    pub tls: TlsMode,
    pub connect_timeout: Option<Duration>,
    /// The URL with its password hidden, for error messages.
    pub shown_url: String,
}

pub(crate) fn settings(url: &DatabaseUrl) -> Result<Settings> {
    if url.backend() != Backend::Postgres {
        return Err(Error::Config(format!(
            "philtre-postgres cannot open a {} URL ({url})",
            url.backend().name()
        )));
    }
    let mut config = tokio_postgres::Config::new();
    config.host(url.host().unwrap_or("localhost"));
    config.port(url.port().unwrap_or(5432));
    config.user(url.username().map_or_else(default_user, str::to_owned));
    if let Some(password) = url.password() {
        config.password(password);
    }
    if let Some(db) = url.database() {
        config.dbname(db);
    }
    let mut tls = TlsMode::Prefer;
    let mut connect_timeout = None;
    for (key, value) in url.query_pairs() {
        match key.as_str() {
            "sslmode" => tls = parse_sslmode(value)?,
            "connect_timeout" => {
                let secs: u64 = value.trim().parse().map_err(|_| {
                    Error::Config(format!(
                        "connect_timeout must be a whole number of seconds, got {value:?}"
                    ))
                })?;
                // libpq: zero means wait forever.
                connect_timeout = (secs > 0).then(|| Duration::from_secs(secs));
            }
            "application_name" => {
                config.application_name(value);
            }
            "host" => {
                config.host(value);
            }
            other => {
                return Err(Error::Config(format!(
                    "unknown PostgreSQL URL option {other:?} (supported: {})",
                    URL_OPTIONS.join(", ")
                )))
            }
        }
    }
    if let Some(t) = connect_timeout {
        config.connect_timeout(t);
    }
    config.ssl_mode(match tls {
        TlsMode::Disable => SslMode::Disable,
        TlsMode::Prefer => SslMode::Prefer,
        TlsMode::Require | TlsMode::VerifyFull => SslMode::Require,
    });
    Ok(Settings {
        config,
        tls,
        connect_timeout,
        shown_url: url.to_string(),
    })
}

fn parse_sslmode(value: &str) -> Result<TlsMode> {
    let mode = match value {
        "disable" => TlsMode::Disable,
        "prefer" | "allow" => TlsMode::Prefer,
        "require" => TlsMode::Require,
        "verify-full" => TlsMode::VerifyFull,
        other => {
            return Err(Error::Config(format!(
                "unsupported sslmode {other:?} (expected disable, prefer, require or verify-full)"
            )))
        }
    };
    if matches!(mode, TlsMode::Require | TlsMode::VerifyFull) && !cfg!(feature = "tls") {
        return Err(Error::Config(format!(
            "sslmode={value} needs TLS: turn on the `tls` Cargo feature (of philtre or philtre-postgres)"
        )));
    }
    Ok(mode)
}

/// libpq's default user: the operating-system user, else `postgres`.
fn default_user() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "postgres".to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<Settings> {
        settings(&url.parse::<DatabaseUrl>()?)
    }

    #[test]
    fn url_parts_and_defaults() {
        let s = parse("postgresql+asyncpg://scott:p%40ss@db.example:6543/shop?application_name=philtre&connect_timeout=7")
            .unwrap();
        assert_eq!(s.config.get_user(), Some("scott"));
        assert_eq!(s.config.get_password(), Some(&b"p@ss"[..]));
        assert_eq!(s.config.get_dbname(), Some("shop"));
        assert_eq!(s.config.get_ports(), [6543]);
        assert_eq!(s.config.get_application_name(), Some("philtre"));
        assert_eq!(s.connect_timeout, Some(Duration::from_secs(7)));
        assert_eq!(s.tls, TlsMode::Prefer);
        assert!(!s.shown_url.contains("p@ss") && !s.shown_url.contains("p%40ss"));

        let s = parse("postgres://u@/").unwrap();
        assert_eq!(s.config.get_ports(), [5432]);
        assert!(matches!(
            s.config.get_hosts(),
            [tokio_postgres::config::Host::Tcp(h)] if h == "localhost"
        ));
        assert_eq!(s.config.get_dbname(), None);
    }

    #[test]
    fn sslmode_and_unknown_options() {
        assert_eq!(
            parse("postgresql://h/db?sslmode=disable").unwrap().tls,
            TlsMode::Disable
        );
        let err = parse("postgresql://h/db?sslmode=require");
        if cfg!(feature = "tls") {
            assert_eq!(err.unwrap().tls, TlsMode::Require);
        } else {
            let msg = err.unwrap_err().to_string();
            assert!(msg.contains("`tls` Cargo feature"), "{msg}");
        }
        assert!(matches!(
            parse("postgresql://h/db?sslmode=bogus"),
            Err(Error::Config(_))
        ));
        let msg = parse("postgresql://h/db?pool_size=3")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("pool_size"), "{msg}");
        assert!(matches!(
            parse("postgresql://h/db?connect_timeout=soon"),
            Err(Error::Config(_))
        ));
        assert!(matches!(parse("mysql://h/db"), Err(Error::Config(_))));
    }
}
