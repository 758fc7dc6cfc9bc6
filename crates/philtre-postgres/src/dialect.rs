//! [`PostgresDialect`]: what PostgreSQL's SQL says differently from the shared compiler.

use std::fmt::Write as _;

use philtre_core::compiler::{push_decimal, write_literal_common, SqlWriter};
use philtre_core::{Column, Dialect, Error, Expr, Result, SqlType, Value};

/// The PostgreSQL dialect: `$1` placeholders, `"` quoting, `SERIAL` keys, `RETURNING`.
///
/// Use it through [`POSTGRES_DIALECT`] (a `&'static dyn Dialect`) or directly.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgresDialect;

/// The one shared instance, as [`Driver::dialect`](philtre_core::Driver::dialect) returns it.
pub static POSTGRES_DIALECT: PostgresDialect = PostgresDialect;

impl Dialect for PostgresDialect {
    fn name(&self) -> &'static str {
        "postgresql"
    }

    fn write_placeholder(&self, sql: &mut String, index: usize) {
        sql.push('$');
        push_decimal(sql, index);
    }

    fn numbered_placeholders(&self) -> bool {
        true
    }

    fn write_type(&self, w: &mut SqlWriter<'_>, ty: &SqlType) -> Result<()> {
        let text = match ty {
            SqlType::SmallInteger => "SMALLINT".to_owned(),
            SqlType::Integer => "INTEGER".to_owned(),
            SqlType::BigInteger => "BIGINT".to_owned(),
            SqlType::String(Some(n)) => format!("VARCHAR({n})"),
            SqlType::String(None) => "VARCHAR".to_owned(),
            SqlType::Text => "TEXT".to_owned(),
            SqlType::Boolean => "BOOLEAN".to_owned(),
            SqlType::Float => "DOUBLE PRECISION".to_owned(),
            SqlType::Numeric(Some((p, s))) => format!("NUMERIC({p}, {s})"),
            SqlType::Numeric(None) => "NUMERIC".to_owned(),
            SqlType::Date => "DATE".to_owned(),
            SqlType::Time => "TIME".to_owned(),
            SqlType::DateTime => "TIMESTAMP".to_owned(),
            SqlType::LargeBinary => "BYTEA".to_owned(),
            SqlType::Json => "JSONB".to_owned(),
            SqlType::Uuid => "UUID".to_owned(),
            SqlType::Other(name) => name.clone(),
            other => {
                return Err(Error::InvalidStatement(format!(
                    "the postgresql dialect has no DDL type for {other}"
                )))
            }
        };
        w.push(&text);
        Ok(())
    }

    fn write_autoincrement_type(&self, w: &mut SqlWriter<'_>, column: &Column) -> Result<()> {
        match column.ty {
            SqlType::SmallInteger => w.push("SMALLSERIAL"),
            SqlType::Integer => w.push("SERIAL"),
            SqlType::BigInteger => w.push("BIGSERIAL"),
            ref other => return self.write_type(w, other),
        }
        Ok(())
    }

    /// Like the shared literal writer, but bytes become `decode('..', 'hex')` (PostgreSQL reads
    /// `X'..'` as a bit string, not bytea).
    fn write_literal(&self, w: &mut SqlWriter<'_>, value: &Value) -> Result<()> {
        match value {
            Value::Bytes(bytes) => {
                let mut s = String::with_capacity(bytes.len() * 2 + 20);
                s.push_str("decode('");
                for b in bytes {
                    let _ = write!(s, "{b:02x}");
                }
                s.push_str("', 'hex')");
                w.push(&s);
                Ok(())
            }
            other => write_literal_common(w, other),
        }
    }

    fn write_ilike(
        &self,
        w: &mut SqlWriter<'_>,
        left: &Expr,
        right: &Expr,
        negated: bool,
    ) -> Result<()> {
        w.operand(left, 4)?;
        w.push(if negated { " NOT ILIKE " } else { " ILIKE " });
        w.operand(right, 4)
    }

    fn supports_returning(&self) -> bool {
        true
    }

    fn implicit_returning(&self) -> bool {
        true
    }

    /// As SQLAlchemy's psycopg2 dialect does ("insertmanyvalues"): the server parses,
    /// plans and acknowledges one statement per 1,000 rows instead of one per row, which
    /// beats even pipelining the single-row inserts.
    fn executemany_as_multirow_insert(&self) -> bool {
        true
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "dialect_tests.rs"]
mod tests;
