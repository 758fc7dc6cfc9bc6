//! The MySQL and MariaDB backend of philtre: [`MysqlDialect`] and a [`MysqlDriver`] on mysql_async.
//!
//! Most programs reach it through the `philtre` facade (`create_engine("mysql://...")`).
//! Used directly, it compiles statements and runs them on one connection:
//!
//! ```
//! use philtre_core::{Column, Connection, Driver, Executable, MetaData, Table, Value, types::*};
//! use philtre_mysql::{MysqlDriver, MYSQL_DIALECT};
//!
//! let metadata = MetaData::new();
//! let users = Table::new("users", &metadata, [
//!     Column::new("id", Integer).primary_key(),
//!     Column::new("name", String(50)),
//! ]);
//! let query = users.select().where_(users.c("id").eq(1)).limit(10);
//! let compiled = query.compile(&MYSQL_DIALECT)?;
//! assert_eq!(
//!     compiled.sql,
//!     "SELECT `users`.`id`, `users`.`name` FROM `users` WHERE `users`.`id` = ? LIMIT 10"
//! );
//!
//! # async fn run(compiled: philtre_core::Compiled) -> philtre_core::Result<()> {
//! let driver = MysqlDriver::from_url("mysql://root@127.0.0.1:3306/test?charset=utf8mb4")?;
//! let mut conn = driver.connect().await?;
//! let rows = conn.query(&compiled.sql, compiled.params).await?;
//! for row in rows.rows {
//!     let name: String = row.get("name")?;
//!     println!("{name}");
//! }
//! # Ok(()) }
//! # Ok::<(), philtre_core::Error>(())
//! ```
//!
//! # Features
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `tls` | off | TLS through rustls with the ring provider (`?ssl_mode=REQUIRED`, `VERIFY_CA`, `VERIFY_IDENTITY`, `?ssl_ca=/path.pem`). Without it, asking for TLS is an [`Error::Config`](philtre_core::Error::Config) that names this feature. |
//!
//! mysql_async is built with `minimal-rust` (pure-Rust zlib) and `client_ed25519` (MariaDB
//! accounts using the ed25519 plugin would otherwise make it panic).
//!
//! # URL
//!
//! `mysql://user:password@host:3306/database?option=value` (also `mysql+pymysql://`,
//! `mariadb://`). Host defaults to `127.0.0.1`, port to 3306. Options: `charset` (`utf8mb4`,
//! or `utf8` taken as utf8mb4; sent as `SET NAMES utf8mb4`), `connect_timeout` (seconds,
//! default 10), `ssl` (`true`/`false`), `ssl_mode` (`DISABLED`, `PREFERRED` = no TLS,
//! `REQUIRED`, `VERIFY_CA`, `VERIFY_IDENTITY`), `ssl_ca`, `unix_socket`, `prefer_socket`
//! (default true: a connection to a local server moves to its unix socket, as mysql_async
//! does; not with TLS). Any other option is an `Error::Config`. UPDATE reports the rows it *matched* (`CLIENT_FOUND_ROWS`), as PostgreSQL
//! and SQLite do.
//!
//! # Transactions
//!
//! A transaction begins implicitly, as with Python's DB-API drivers: the connection's first
//! `START TRANSACTION` turns `autocommit` off instead, and from then on a transaction costs
//! no round trip to begin (the server begins it with its first statement; isolation and
//! snapshot rules are those of `START TRANSACTION`). A statement run outside a transaction
//! turns `autocommit` back on first, so a connection that alternates between the two pays
//! one round trip per switch. A rollback nobody waits for
//! (`Transaction::rollback_in_background`, a session closed after only reading) runs in a
//! task of its own that holds the connection; its next operation waits for it.
//!
//! # Values and column types
//!
//! Parameters are bound, never spliced, through server-side prepared statements cached per
//! connection (256 statements, LRU; kept by philtre, since mysql_async re-parses the SQL
//! text on every lookup in its own cache). Results decode by the column type the server
//! reports:
//!
//! | philtre `Value` | bound as | DDL ([`MysqlDialect`]) | read back from |
//! |---|---|---|---|
//! | `Null` | NULL | | any column |
//! | `Bool` | integer 0 / 1 | `BOOL` | `TINYINT(1)`: 0 and 1 read as `Bool`, other numbers as `Int` |
//! | `Int` | BIGINT | `SMALLINT` / `INTEGER` / `BIGINT` | any integer type; an unsigned `BIGINT` above `i64::MAX` is [`Error::Decode`](philtre_core::Error::Decode) |
//! | `Float` | DOUBLE | `DOUBLE` | `FLOAT`, `DOUBLE` |
//! | `Text` | string | `VARCHAR(n)`, `LONGTEXT` | `CHAR`, `VARCHAR`, `*TEXT`, `ENUM`, `SET` with a text character set |
//! | `Bytes` | string | `LONGBLOB` | `BINARY`, `VARBINARY`, `*BLOB`, `BIT`, `GEOMETRY` |
//! | `Decimal` | its decimal text | `NUMERIC(p, s)` (`NUMERIC(65, 30)` without precision) | `DECIMAL`; past 28 fractional digits trailing zeros are dropped, then rounded |
//! | `Date` | DATE | `DATE` | `DATE` |
//! | `Time` | TIME | `TIME(6)` | `TIME` between 00:00 and 24:00 (others are `Error::Decode`) |
//! | `DateTime` | DATETIME | `DATETIME(6)` | `DATETIME`, `TIMESTAMP` (zero dates are `Error::Decode`) |
//! | `Uuid` | its hyphenated text | `CHAR(36) CHARACTER SET ascii COLLATE ascii_bin` | a `CHAR(36)` with a binary collation, or MariaDB's `UUID`, holding a valid UUID (otherwise `Text`) |
//! | `Json` | its text | `JSON` | MySQL's `JSON`; on MariaDB (where `JSON` is `LONGTEXT COLLATE utf8mb4_bin`) a `LONGTEXT` with a binary collation holding valid JSON (otherwise `Text`) |
//!
//! MariaDB sends a JSON column as a plain `LONGTEXT` and has no UUID type in MySQL, so the
//! binary collation the DDL above gives them is what tells them apart from text. A `LONGTEXT
//! COLLATE utf8mb4_bin` or `CHAR(36) COLLATE ..._bin` column created by hand reads the same
//! way when its content is JSON / a UUID.
//!
//! # Errors
//!
//! Server errors become [`Error::Database`](philtre_core::Error::Database) with `backend`
//! `"mysql"`, `code` the MySQL error number (as text) and the SQLSTATE in the message:
//!
//! | MySQL / MariaDB error number | `DbErrorKind` |
//! |---|---|
//! | 1062, 1586 (duplicate entry) | `UniqueViolation` |
//! | 1451, 1452, 1216, 1217 (row referenced / no parent row) | `ForeignKeyViolation` |
//! | 1048 (column cannot be null), 1364 (no default value) | `NotNullViolation` |
//! | 3819 (MySQL), 4025 (MariaDB) (check constraint violated) | `CheckViolation` |
//! | 1213 (deadlock) | `Deadlock` |
//! | 1205 (lock wait timeout) | `Busy` |
//! | 1146 (no such table), 1051 (unknown table) | `UndefinedTable` |
//! | 1054 (unknown column) | `UndefinedColumn` |
//! | 1064 (syntax error) | `Syntax` |
//! | 1290 (`--read-only`), 1792 (read-only transaction) | `ReadOnly` |
//! | anything else | `Other` |
//!
//! Server gone or session killed (2006, 2013, 1927, 1053, 4031), I/O errors and protocol
//! errors are [`Error::ConnectionLost`](philtre_core::Error::ConnectionLost), after which
//! [`is_usable`](philtre_core::Connection::is_usable) is false. So is a connection whose
//! operation was cancelled midway (its future dropped): the pool discards it.
//!
//! # Reflection
//!
//! `table_names` lists the base tables of the current database, sorted. `reflect_table` reads
//! `information_schema` (`Ok(None)` when the table does not exist):
//!
//! | catalog type | `SqlType` |
//! |---|---|
//! | `smallint`, `int`, `bigint` (signed) | `SmallInteger`, `Integer`, `BigInteger` |
//! | `tinyint(1)` | `Boolean` |
//! | `varchar(n)` | `String(Some(n))` |
//! | `tinytext` ... `longtext` | `Text` (MariaDB: `Json` when a `json_valid` check guards it) |
//! | `json` | `Json` |
//! | `char(36)` in `ascii` / `ascii_bin`, MariaDB's `uuid` | `Uuid` |
//! | `float`, `double` | `Float` |
//! | `decimal(p, s)` | `Numeric(Some((p, s)))` |
//! | `date`, `time`, `datetime`, `timestamp` | `Date`, `Time`, `DateTime` |
//! | `tinyblob` ... `longblob` | `LargeBinary` |
//! | anything else (unsigned integers, `char(n)`, `enum(...)`, ...) | `Other(column type)` |
//!
//! Also: nullability (always explicit), `AUTO_INCREMENT` (explicit `true`/`false`),
//! defaults as `ServerDefault::Sql` in MariaDB's form (`'x'`, `0`, `current_timestamp()`;
//! MySQL's bare constants are quoted to match), the primary key in key order, unique keys
//! (unique constraints and unique indexes are one thing in MySQL: both reflect as table-level
//! unique constraints, without their names), foreign keys with their names and actions
//! (`RESTRICT` / `NO ACTION`, the implicit default, reflect as `None`), plain indexes (except
//! those InnoDB made for a foreign key: named after the constraint, or after its column when
//! the constraint has no name), and named check constraints (except MariaDB's `json_valid`
//! of JSON columns).

mod cache;
mod config;
mod connection;
mod dialect;
mod driver;
mod error;
mod raw_row;
mod reflect;
mod value;

pub use connection::MysqlConnection;
pub use dialect::{MysqlDialect, MYSQL_DIALECT};
pub use driver::MysqlDriver;
