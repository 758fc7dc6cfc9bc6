//! SQLite for philtre: a [`Driver`](philtre_core::Driver) on rusqlite, one worker thread per connection, and the [`SqliteDialect`].
//!
//! ```
//! use chrono::NaiveDate;
//! use philtre_core::{Driver, Value};
//! use philtre_sqlite::SqliteDriver;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> philtre_core::Result<()> {
//! let driver = SqliteDriver::from_url("sqlite://")?; // in memory
//! let mut conn = driver.connect().await?;
//! conn.batch("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, born DATE)").await?;
//! let born = NaiveDate::from_ymd_opt(1815, 12, 10).unwrap_or_default();
//! let done = conn
//!     .execute("INSERT INTO people (name, born) VALUES (?, ?)", vec!["Ada".into(), born.into()])
//!     .await?;
//! assert_eq!(done.last_insert_id, Some(1));
//! let rows = conn.query("SELECT name, born FROM people", vec![]).await?;
//! // A DATE column reads back as a date, not as text.
//! assert_eq!(rows.rows[0].values(), [Value::from("Ada"), Value::Date(born)]);
//! # Ok(())
//! # }
//! ```
//!
//! # URLs
//!
//! | URL | database |
//! |---|---|
//! | `sqlite://`, `sqlite:///:memory:`, `?mode=memory` | in memory, one per driver, shared by every checkout |
//! | `sqlite:///relative/path.db` | a file relative to the working directory |
//! | `sqlite:////absolute/path.db` | an absolute path |
//!
//! Options: `mode=ro` (read-only), `rw` (must exist), `rwc` (created if missing, the default),
//! `memory`; `timeout=<seconds>` is the busy timeout (default 5, fractions allowed). Any
//! other option is an [`Error::Config`](philtre_core::Error::Config). Every connection runs
//! `PRAGMA foreign_keys=ON`; a writable file database is switched to WAL journal mode.
//!
//! # Connections and cancellation
//!
//! SQLite answers most statements in microseconds, less than a hop to another thread and
//! back would cost. So an operation (prepare from the per-connection statement cache, bind,
//! step every row, decode) first runs inline, on the task that awaits it, and moves to
//! tokio's blocking pool only when it would block the executor:
//!
//! - when the database is locked: inline, the busy timeout is 0; a statement that found a
//!   lock before changing anything runs again on the blocking pool, which waits up to
//!   `timeout` (also where SQLite itself would not wait: a transaction that has read and
//!   now wants to write while another connection writes);
//! - when it runs long: a single statement outside a transaction that takes more than 5 ms
//!   inline is interrupted (SQLite undoes it) and runs again, to the end, on the blocking
//!   pool. Inside a transaction only a read-only statement is (SQLite would roll the whole
//!   transaction back for a write), so a long write there runs inline to its end. On a
//!   multi-threaded runtime a query that is past its 5 ms between two rows is not
//!   interrupted either: the rest of it runs where it is, with the worker's other tasks
//!   handed to another thread (`tokio::task::block_in_place`), so no row is read twice.
//!   A query the connection has seen run long before runs that way from its start.
//!
//! An operation on the blocking pool always runs whole: if the caller's future is dropped,
//! it still finishes, so the connection is never out of step and stays usable; the next
//! operation waits for it. A query finishing in place holds its task until it ends: a
//! timeout around it, or anything else its task awaits beside it, fires only then. An in-memory database is ONE connection kept open by the driver;
//! `connect()` hands out handles to it, which take turns on it and share its database and,
//! as with SQLAlchemy's `StaticPool`, its transaction state.
//!
//! `execute_many` prepares the statement once and runs it per parameter set. Outside a
//! transaction it wraps the sets in a `BEGIN ... COMMIT` of its own, so they are written
//! all or none (and the file is synced once); inside the caller's transaction it adds none.
//!
//! # A transaction that reads, then writes
//!
//! A transaction takes its snapshot at its first read. Once another connection has
//! committed a write after that, the transaction can no longer write: the statement fails
//! at once with [`DbErrorKind::Busy`](philtre_core::DbErrorKind::Busy) (`SQLITE_BUSY_SNAPSHOT`;
//! waiting cannot cure it, so the busy timeout is not spent), and the transaction must be
//! rolled back and run again. Where other connections write concurrently, write first, or
//! read outside the transaction; philtre-orm's sessions begin their transaction at their
//! first write for this reason.
//!
//! # Values
//!
//! Results decode by the column's declared type (`column_decltype`), so what was written
//! reads back as the same [`Value`](philtre_core::Value) variant:
//!
//! | `Value` | bound as | declared type that decodes it |
//! |---|---|---|
//! | `Null` | NULL | any |
//! | `Bool` | INTEGER 0 / 1 | `BOOLEAN`, `BOOL` |
//! | `Int` | INTEGER | anything else holding an INTEGER |
//! | `Float` | REAL | anything else holding a REAL |
//! | `Text` | TEXT | anything else holding TEXT |
//! | `Bytes` | BLOB | `BLOB`, or anything holding a BLOB |
//! | `Decimal` | TEXT `'12.50'` | `NUMERIC`, `DECIMAL` (padded to the declared scale) |
//! | `Date` | TEXT `'YYYY-MM-DD'` | `DATE` |
//! | `Time` | TEXT `'HH:MM:SS[.ffffff]'` | `TIME` |
//! | `DateTime` | TEXT `'YYYY-MM-DD HH:MM:SS[.ffffff]'` | `DATETIME`, `TIMESTAMP` |
//! | `Uuid` | TEXT, hyphenated | `UUID`, `CHAR(36)` |
//! | `Json` | TEXT, serialised | `JSON` |
//!
//! Precision of decimals: a `NUMERIC(p, s)` column has SQLite's NUMERIC affinity, which
//! turns the bound text into an INTEGER or REAL when it looks like a number. Up to 15
//! significant digits that is exact (`12345678901.2345` reads back unchanged); beyond that
//! SQLite itself rounds, as it does for SQLAlchemy. In an untyped or TEXT context (a bound
//! value, an expression) the text is kept whole.
//!
//! An expression column (no declared type) decodes by storage class. A value that does not
//! parse as its declared type (say `'soon'` in a DATE column) comes back by its storage
//! class instead of failing the query; asking for it as the declared Rust type is then a
//! [`Error::Decode`](philtre_core::Error::Decode).
//!
//! # Errors
//!
//! Database errors are [`Error::Database`](philtre_core::Error::Database) with backend
//! `"sqlite"` and `code` the extended result code as a decimal string:
//!
//! | SQLite | [`DbErrorKind`](philtre_core::DbErrorKind) |
//! |---|---|
//! | 2067 `SQLITE_CONSTRAINT_UNIQUE`, 1555 `SQLITE_CONSTRAINT_PRIMARYKEY` | `UniqueViolation` |
//! | 1299 `SQLITE_CONSTRAINT_NOTNULL` | `NotNullViolation` |
//! | 787 `SQLITE_CONSTRAINT_FOREIGNKEY` | `ForeignKeyViolation` |
//! | 275 `SQLITE_CONSTRAINT_CHECK` | `CheckViolation` |
//! | 5 `SQLITE_BUSY`, 6 `SQLITE_LOCKED` and their extended codes | `Busy` |
//! | 8 `SQLITE_READONLY` and its extended codes | `ReadOnly` |
//! | message "no such table" | `UndefinedTable` |
//! | message "no such column" / "has no column named" | `UndefinedColumn` |
//! | message "syntax error" / "incomplete input" / "unrecognized token" | `Syntax` |
//! | anything else | `Other` |
//!
//! Failing to open or configure a connection is [`Error::Connect`](philtre_core::Error::Connect);
//! a worker thread that stopped is [`Error::ConnectionLost`](philtre_core::Error::ConnectionLost).
//! Several statements given to `execute`/`query`, or a parameter count that does not match
//! the statement, is [`Error::InvalidStatement`](philtre_core::Error::InvalidStatement).
//!
//! # Reflection
//!
//! `reflect_table` reads `PRAGMA table_info / index_list / index_info / foreign_key_list`
//! (through their table-valued functions, with the name bound): column types, nullability,
//! defaults as `ServerDefault::Sql`, the primary key in key order, `UNIQUE` constraints,
//! `CREATE INDEX` indexes (expression indexes are skipped), and foreign keys with their
//! `ON DELETE` / `ON UPDATE` actions (`NO ACTION` reads as none). A single
//! `INTEGER PRIMARY KEY` column is reported as autoincrementing. CHECK constraints are not
//! reflected.

mod convert;
mod dialect;
mod driver;
mod errors;
mod exec;
mod handle;
mod options;
mod raw_row;
mod reflect;
mod sql_text;

pub use dialect::{SqliteDialect, SQLITE};
pub use driver::{SqliteConnection, SqliteDriver};
