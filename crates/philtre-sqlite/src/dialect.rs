//! [`SqliteDialect`]: what SQLite's SQL spells differently.

use philtre_core::compiler::{write_limit_offset_common, write_literal_common, SqlWriter};
use philtre_core::{Column, Dialect, Result, SqlType, Value};

use crate::convert::{format_datetime, format_time};

/// SQLite's dialect: `?` placeholders, `"` quoting, `LIMIT -1 OFFSET n`, `RETURNING`.
///
/// Types are written so that [`crate`]'s driver can decode by the declared type:
///
/// | `SqlType` | DDL |
/// |---|---|
/// | `SmallInteger` / `Integer` / `BigInteger` | `SMALLINT` / `INTEGER` / `BIGINT` |
/// | autoincrementing primary key (any integer) | `INTEGER` (the rowid alias) |
/// | `String(Some(n))` / `String(None)` / `Text` | `VARCHAR(n)` / `VARCHAR` / `TEXT` |
/// | `Boolean` / `Float` | `BOOLEAN` / `FLOAT` |
/// | `Numeric(Some((p, s)))` / `Numeric(None)` | `NUMERIC(p, s)` / `NUMERIC` |
/// | `Date` / `Time` / `DateTime` | `DATE` / `TIME` / `DATETIME` |
/// | `LargeBinary` / `Json` / `Uuid` | `BLOB` / `JSON` / `CHAR(36)` |
/// | `Other(name)` | `name` as written |
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SqliteDialect;

/// The SQLite dialect, as `&'static dyn Dialect` wants it.
pub static SQLITE: SqliteDialect = SqliteDialect;

impl Dialect for SqliteDialect {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn write_type(&self, w: &mut SqlWriter<'_>, ty: &SqlType) -> Result<()> {
        match ty {
            SqlType::SmallInteger => w.push("SMALLINT"),
            SqlType::Integer => w.push("INTEGER"),
            SqlType::BigInteger => w.push("BIGINT"),
            SqlType::String(Some(n)) => w.push(&format!("VARCHAR({n})")),
            SqlType::String(None) => w.push("VARCHAR"),
            SqlType::Text => w.push("TEXT"),
            SqlType::Boolean => w.push("BOOLEAN"),
            SqlType::Float => w.push("FLOAT"),
            SqlType::Numeric(Some((p, s))) => w.push(&format!("NUMERIC({p}, {s})")),
            SqlType::Numeric(None) => w.push("NUMERIC"),
            SqlType::Date => w.push("DATE"),
            SqlType::Time => w.push("TIME"),
            SqlType::DateTime => w.push("DATETIME"),
            SqlType::LargeBinary => w.push("BLOB"),
            SqlType::Json => w.push("JSON"),
            SqlType::Uuid => w.push("CHAR(36)"),
            SqlType::Other(name) => w.push(name),
            other => w.push(&other.to_string()),
        }
        Ok(())
    }

    /// `INTEGER`, whatever the integer width: only `INTEGER PRIMARY KEY` is the rowid alias
    /// that SQLite fills in, so a `BigInteger` key still autoincrements.
    fn write_autoincrement_type(&self, w: &mut SqlWriter<'_>, _column: &Column) -> Result<()> {
        w.push("INTEGER");
        Ok(())
    }

    /// Booleans as `1` / `0` (how SQLite stores them), times in the exact text the driver
    /// binds, the rest as the common literals.
    fn write_literal(&self, w: &mut SqlWriter<'_>, value: &Value) -> Result<()> {
        match value {
            Value::Bool(b) => w.push(if *b { "1" } else { "0" }),
            Value::Time(t) => w.push(&format!("'{}'", format_time(*t))),
            Value::DateTime(dt) => w.push(&format!("'{}'", format_datetime(*dt))),
            other => return write_literal_common(w, other),
        }
        Ok(())
    }

    /// A session's read transaction would make its later write fail if another
    /// connection wrote in between (see the trait's docs).
    fn defers_begin_to_first_write(&self) -> bool {
        true
    }

    /// SQLite needs a `LIMIT` before `OFFSET`: `LIMIT -1` means no limit.
    fn write_limit_offset(&self, w: &mut SqlWriter<'_>, limit: Option<u64>, offset: Option<u64>) {
        write_limit_offset_common(w, limit, offset, Some("-1"));
    }
}
