//! [`DatabaseUrl`]: SQLAlchemy's URL grammar, `dialect[+driver]://user:password@host:port/database?key=value`.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// The database family a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

impl Backend {
    /// The Cargo feature of the `philtre` facade that enables this backend.
    pub fn feature(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
            Backend::Mysql => "MySQL",
        }
    }
}

/// A parsed database URL.
///
/// ```
/// use philtre_core::{Backend, DatabaseUrl};
///
/// let url: DatabaseUrl = "postgresql+psycopg2://scott:p%40ss@db.local:5433/shop?sslmode=require".parse()?;
/// assert_eq!(url.backend(), Backend::Postgres);
/// assert_eq!(url.password(), Some("p@ss"));
/// assert_eq!(url.query("sslmode"), Some("require"));
/// assert_eq!(url.to_string(), "postgresql+psycopg2://scott:***@db.local:5433/shop?sslmode=require");
///
/// // SQLite: three slashes and a relative path, four slashes and an absolute one.
/// assert_eq!("sqlite:///test.db".parse::<DatabaseUrl>()?.database(), Some("test.db"));
/// assert_eq!("sqlite:////tmp/test.db".parse::<DatabaseUrl>()?.database(), Some("/tmp/test.db"));
/// assert!("sqlite://".parse::<DatabaseUrl>()?.is_memory());
/// # Ok::<(), philtre_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    raw_scheme: String,
    backend: Backend,
    driver: Option<String>,
    username: Option<String>,
    password: Option<String>,
    host: Option<String>,
    port: Option<u16>,
    database: Option<String>,
    query: Vec<(String, String)>,
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self> {
        let bad = |reason: &str| Error::InvalidUrl {
            url: redact(url),
            reason: reason.to_owned(),
        };
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("expected `dialect://...`"))?;
        let (dialect, driver) = match scheme.split_once('+') {
            Some((d, drv)) if !drv.is_empty() => (d, Some(drv.to_owned())),
            Some(_) => return Err(bad("empty driver name after `+`")),
            None => (scheme, None),
        };
        let backend = match dialect.to_ascii_lowercase().as_str() {
            "sqlite" => Backend::Sqlite,
            "postgresql" | "postgres" => Backend::Postgres,
            "mysql" | "mariadb" => Backend::Mysql,
            "" => return Err(bad("missing dialect name")),
            _ => {
                return Err(Error::UnknownBackend {
                    scheme: dialect.to_owned(),
                })
            }
        };
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, parse_query(q).map_err(|r| bad(&r))?),
            None => (rest, Vec::new()),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let mut parsed = DatabaseUrl {
            raw_scheme: scheme.to_owned(),
            backend,
            driver,
            username: None,
            password: None,
            host: None,
            port: None,
            database: path
                .filter(|p| !p.is_empty())
                .map(percent_decode)
                .transpose()
                .map_err(|r| bad(&r))?,
            query,
        };
        if !authority.is_empty() {
            let (userinfo, hostport) = match authority.rfind('@') {
                Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
                None => (None, authority),
            };
            if let Some(userinfo) = userinfo {
                let (user, pass) = match userinfo.split_once(':') {
                    Some((u, p)) => (u, Some(p)),
                    None => (userinfo, None),
                };
                parsed.username = Some(percent_decode(user).map_err(|r| bad(&r))?);
                parsed.password = pass.map(percent_decode).transpose().map_err(|r| bad(&r))?;
            }
            let (host, port) = split_host_port(hostport).map_err(|r| bad(&r))?;
            parsed.host = (!host.is_empty()).then(|| host.to_owned());
            parsed.port = port;
        }
        if backend == Backend::Sqlite && (parsed.host.is_some() || parsed.username.is_some()) {
            return Err(bad(
                "an SQLite URL has no host: use sqlite:///relative.db or sqlite:////absolute.db",
            ));
        }
        Ok(parsed)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
    /// The `+driver` part, accepted for compatibility with SQLAlchemy URLs and otherwise ignored.
    pub fn driver(&self) -> Option<&str> {
        self.driver.as_deref()
    }
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }
    pub fn port(&self) -> Option<u16> {
        self.port
    }
    /// The database name, or for SQLite the file path (`None` or `:memory:` for memory).
    pub fn database(&self) -> Option<&str> {
        self.database.as_deref()
    }
    /// The value of a query option, such as `?timeout=5`.
    pub fn query(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    pub fn query_pairs(&self) -> &[(String, String)] {
        &self.query
    }
    /// A SQLite URL that names no file: every connection would be a new empty database.
    pub fn is_memory(&self) -> bool {
        self.backend == Backend::Sqlite
            && matches!(self.database.as_deref(), None | Some(":memory:"))
    }
}

impl FromStr for DatabaseUrl {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        DatabaseUrl::parse(s)
    }
}

/// Writes the URL back with the password replaced by `***`.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.raw_scheme)?;
        if let Some(user) = &self.username {
            f.write_str(&percent_encode(user))?;
            if self.password.is_some() {
                f.write_str(":***")?;
            }
            f.write_str("@")?;
        }
        if let Some(host) = &self.host {
            if host.contains(':') {
                write!(f, "[{host}]")?;
            } else {
                f.write_str(host)?;
            }
        }
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        if let Some(db) = &self.database {
            write!(f, "/{db}")?;
        }
        for (i, (k, v)) in self.query.iter().enumerate() {
            let sep = if i == 0 { '?' } else { '&' };
            write!(f, "{sep}{}={}", percent_encode(k), percent_encode(v))?;
        }
        Ok(())
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

fn split_host_port(hostport: &str) -> std::result::Result<(&str, Option<u16>), String> {
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        let end = rest.find(']').ok_or("unclosed `[` in IPv6 host")?;
        let after = &rest[end + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err("unexpected text after IPv6 host".into()),
        };
        (&rest[..end], port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let port = match port {
        Some(p) => Some(
            p.parse::<u16>()
                .map_err(|_| format!("invalid port {p:?}"))?,
        ),
        None => None,
    };
    Ok((host, port))
}

fn parse_query(q: &str) -> std::result::Result<Vec<(String, String)>, String> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((percent_decode(k)?, percent_decode(v)?))
        })
        .collect()
}

/// Decodes `%XX` escapes (and `+` is left as is, as in URL paths).
pub(crate) fn percent_decode(s: &str) -> std::result::Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad percent escape in {s:?}"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("percent escapes in {s:?} are not UTF-8"))
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Hides whatever sits between `user:` and `@` in a URL that failed to parse.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].find(':') {
            Some(c) => format!("{}:***{}", &url[..s + 3 + c], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> DatabaseUrl {
        s.parse().unwrap()
    }

    #[test]
    fn sqlite_forms() {
        assert!(p("sqlite://").is_memory());
        assert!(p("sqlite:///:memory:").is_memory());
        assert_eq!(p("sqlite:///relative.db").database(), Some("relative.db"));
        assert_eq!(p("sqlite:////tmp/test.db").database(), Some("/tmp/test.db"));
        let u = p("sqlite:///data/x.db?mode=ro&timeout=2.5");
        assert_eq!(u.query("mode"), Some("ro"));
        assert_eq!(u.query("timeout"), Some("2.5"));
        assert!(!u.is_memory());
    }

    #[test]
    fn server_forms() {
        let u = p("mysql+pymysql://root:s%3Acret%40x@127.0.0.1:3306/test?charset=utf8mb4");
        assert_eq!(u.backend(), Backend::Mysql);
        assert_eq!(u.driver(), Some("pymysql"));
        assert_eq!(u.username(), Some("root"));
        assert_eq!(u.password(), Some("s:cret@x"));
        assert_eq!(u.host(), Some("127.0.0.1"));
        assert_eq!(u.port(), Some(3306));
        assert_eq!(u.database(), Some("test"));
        assert!(!u.to_string().contains("cret"));
        assert_eq!(p("mariadb://h/db").backend(), Backend::Mysql);
        assert_eq!(p("postgres://h").backend(), Backend::Postgres);
        assert_eq!(p("postgresql://[::1]:5432/db").host(), Some("::1"));
        assert_eq!(p("postgresql://u@h/db").password(), None);
    }

    #[test]
    fn malformed() {
        assert!(matches!(
            "nonsense".parse::<DatabaseUrl>(),
            Err(Error::InvalidUrl { .. })
        ));
        assert!(matches!(
            "oracle://h/db".parse::<DatabaseUrl>(),
            Err(Error::UnknownBackend { .. })
        ));
        assert!(matches!(
            "postgresql://h:99999/db".parse::<DatabaseUrl>(),
            Err(Error::InvalidUrl { .. })
        ));
        assert!(matches!(
            "postgresql://h/%zz".parse::<DatabaseUrl>(),
            Err(Error::InvalidUrl { .. })
        ));
        assert!(matches!(
            "sqlite://host/x.db".parse::<DatabaseUrl>(),
            Err(Error::InvalidUrl { .. })
        ));
        let err = "postgresql://u:secret@h:xx/db"
            .parse::<DatabaseUrl>()
            .unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
    }
}
