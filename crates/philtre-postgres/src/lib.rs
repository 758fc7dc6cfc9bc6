//! PostgreSQL for philtre: a [`Driver`](philtre_core::Driver) on tokio-postgres with a per-connection statement cache, and the [`PostgresDialect`].
//!
//! ```no_run
//! use philtre_core::{Driver, Value};
//! use philtre_postgres::PostgresDriver;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> philtre_core::Result<()> {
//! let driver = PostgresDriver::from_url("postgresql://postgres@127.0.0.1:5432/test")?;
//! let mut conn = driver.connect().await?;
//! conn.batch("CREATE TEMP TABLE people (id SERIAL PRIMARY KEY, name TEXT, born DATE)").await?;
//! let rows = conn
//!     .query(
//!         "INSERT INTO people (name, born) VALUES ($1, $2) RETURNING id",
//!         vec!["Ada".into(), Value::Text("1815-12-10".into())],
//!     )
//!     .await?;
//! assert_eq!(rows.rows[0].get::<i64>("id")?, 1);
//! let rows = conn.query("SELECT name, born FROM people", vec![]).await?;
//! assert!(matches!(rows.rows[0].values()[1], Value::Date(_)));
//! # Ok(())
//! # }
//! ```
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `tls` | no | TLS on rustls with the `ring` provider (`sslmode=require`, `verify-full`) |
//!
//! # URLs
//!
//! `postgresql://user:password@host:port/dbname?options` (also `postgres://` and
//! `postgresql+anything://`). Host defaults to `localhost`, port to 5432, user to the
//! operating-system user (`$USER`, else `postgres`), database to the user's name.
//!
//! | option | values |
//! |---|---|
//! | `sslmode` | `disable`; `prefer` (default: TLS when the server offers it and the `tls` feature is on); `require` (TLS or fail; like libpq, the certificate is not verified); `verify-full` (certificate checked against the Mozilla roots and the host name). `require` and `verify-full` without the `tls` feature are an [`Error::Config`](philtre_core::Error::Config) naming the feature. |
//! | `connect_timeout` | whole seconds for the whole connect (0: no limit) |
//! | `application_name` | shown in `pg_stat_activity` |
//! | `host` | overrides the URL's host (a directory path means a Unix socket) |
//!
//! Any other option is an [`Error::Config`](philtre_core::Error::Config).
//!
//! # Connections, statements and cancellation
//!
//! Each connection's tokio-postgres task runs on `tokio::spawn`. Statements are prepared
//! once per connection and kept in an LRU cache keyed by SQL text (256 by default, see
//! [`PostgresDriver::statement_cache_capacity`]); a cached plan the server rejects after
//! DDL (`cached plan must not change result type`) is prepared again once. DDL run through
//! `batch` or `execute` clears the cache. `execute_many`, `execute_each` and `query_many`
//! send every call at once on the one connection (pipelined), inside whatever transaction
//! the caller has open.
//!
//! A flag is raised before every await on the server and lowered after. If the caller drops
//! the future mid-operation the flag stays up: `is_usable()` turns false (the pool discards
//! the connection), further operations fail with `ConnectionLost`, and dropping the
//! connection sends the server a cancel request for the abandoned query. A closed client
//! or an I/O error also makes `is_usable()` false.
//!
//! # Errors
//!
//! Server errors map by SQLSTATE to [`DbErrorKind`](philtre_core::DbErrorKind); the SQLSTATE
//! is kept as [`DatabaseError::code`](philtre_core::DatabaseError::code) and the message
//! (with its detail) as `message`.
//!
//! | SQLSTATE | kind |
//! |---|---|
//! | 23505 unique_violation | `UniqueViolation` |
//! | 23503 foreign_key_violation | `ForeignKeyViolation` |
//! | 23502 not_null_violation | `NotNullViolation` |
//! | 23514 check_violation | `CheckViolation` |
//! | 40001 serialization_failure | `SerializationFailure` |
//! | 40P01 deadlock_detected | `Deadlock` |
//! | 55P03 lock_not_available | `Busy` |
//! | 42P01 undefined_table | `UndefinedTable` |
//! | 42703 undefined_column | `UndefinedColumn` |
//! | 42601 syntax_error | `Syntax` |
//! | 25006 read_only_sql_transaction | `ReadOnly` |
//! | 57P01, 57P02, 57P03 (admin / crash shutdown, cannot connect now), class 08 (connection exception) | [`Error::ConnectionLost`](philtre_core::Error::ConnectionLost) |
//! | anything else | `Other` |
//!
//! A closed connection or an I/O error is `ConnectionLost` too. A value that does not fit
//! its parameter's type is [`Error::TypeMismatch`](philtre_core::Error::TypeMismatch) naming
//! the parameter (`$2`), found before anything is sent.
//!
//! # Values
//!
//! Results decode by the column's type:
//!
//! | PostgreSQL type | [`Value`](philtre_core::Value) |
//! |---|---|
//! | `smallint`, `integer`, `bigint`, `oid` | `Int` |
//! | `real`, `double precision` | `Float` |
//! | `numeric` | `Decimal` (NaN, infinities and more than 28 digits are a decode error) |
//! | `boolean` | `Bool` |
//! | `text`, `varchar`, `char(n)`, `name`, `"char"`, `citext`, enums | `Text` |
//! | `bytea` | `Bytes` |
//! | `date`, `time` | `Date`, `Time` |
//! | `timestamp` | `DateTime` |
//! | `timestamptz` | `DateTime`, in UTC |
//! | `uuid` | `Uuid` |
//! | `json`, `jsonb` | `Json` |
//! | domains | as their base type |
//! | anything else (arrays, intervals, ranges, ...) | [`Error::Decode`](philtre_core::Error::Decode) naming the column and type |
//!
//! Parameters are bound by the type the server inferred for each `$n`: `Int` to `int2`/`int4`
//! with a range check, and to `float`, `numeric` or `oid`; `Float` to `float4` (range checked)
//! or `numeric`; `Decimal` to floats, or to integers when whole; `Date` to `timestamp`;
//! `DateTime` to `timestamptz` as UTC; `Text` to `uuid`, `date`, `time`, `timestamp[tz]`,
//! numbers and `boolean` when it parses, to `json`/`jsonb` as JSON text, and to enums; any
//! value to a text parameter as its text form; `Null` to anything.
//!
//! # Reflection
//!
//! [`table_names`](philtre_core::Connection::table_names) lists the ordinary and partitioned
//! tables of `current_schema()`. [`reflect_table`](philtre_core::Connection::reflect_table)
//! reads `pg_catalog`: types (`int4` → `Integer`, `varchar(n)` → `String(Some(n))`,
//! `numeric(p,s)`, `timestamp` → `DateTime`; others as `Other` with PostgreSQL's spelling),
//! nullability, defaults (a `nextval(...)` default or an identity column is
//! `autoincrement: Some(true)` with no server default; every other column says
//! `Some(false)`), the primary key in order, unique constraints, foreign keys (named, with
//! ON DELETE / ON UPDATE; NO ACTION reads as `None`), check constraints, and the plain-column
//! indexes no constraint owns (expression and partial indexes are left out).

mod bind;
mod cache;
mod cancel;
mod config;
mod connection;
mod decode;
mod dialect;
mod driver;
mod error;
mod reflect;
#[cfg(feature = "tls")]
mod tls;

pub use cache::DEFAULT_STATEMENT_CACHE_CAPACITY;
pub use config::{TlsMode, URL_OPTIONS};
pub use connection::PgConnection;
pub use dialect::{PostgresDialect, POSTGRES_DIALECT};
pub use driver::PostgresDriver;
