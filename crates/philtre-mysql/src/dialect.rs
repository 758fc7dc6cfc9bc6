//! [`MysqlDialect`]: what MySQL's and MariaDB's SQL says differently from the shared compiler.

use philtre_core::compiler::{
    write_column_ddl_common, write_drop_index_common, write_limit_offset_common,
    write_literal_common, SqlWriter,
};
use philtre_core::{
    Column, Dialect, Error, Expr, Index, Result, ServerDefault, SqlType, Table, Value,
};

/// The MySQL / MariaDB dialect: `?` placeholders, backtick quoting, `AUTO_INCREMENT` keys,
/// no `RETURNING` (MySQL has none; MariaDB's is left unused so both servers behave alike).
///
/// Column types are rendered so that every [`Value`] reads back as the variant written:
///
/// | `SqlType` | DDL |
/// |---|---|
/// | `SmallInteger`, `Integer`, `BigInteger` | `SMALLINT`, `INTEGER`, `BIGINT` |
/// | `String(Some(n))` | `VARCHAR(n)` (`String(None)` is an error: MySQL needs a length) |
/// | `Text` | `LONGTEXT` (up to 4 GiB; `TEXT` would stop at 64 KiB) |
/// | `Boolean` | `BOOL` (a `TINYINT(1)`) |
/// | `Float` | `DOUBLE` |
/// | `Numeric(Some((p, s)))` | `NUMERIC(p, s)` |
/// | `Numeric(None)` | `NUMERIC(65, 30)` (MySQL's bare `NUMERIC` is `NUMERIC(10, 0)` and would drop fractions) |
/// | `Date`, `Time`, `DateTime` | `DATE`, `TIME(6)`, `DATETIME(6)` (microseconds kept) |
/// | `LargeBinary` | `LONGBLOB` |
/// | `Json` | `JSON` (MariaDB: a `LONGTEXT COLLATE utf8mb4_bin` checked by `json_valid`) |
/// | `Uuid` | `CHAR(36) CHARACTER SET ascii COLLATE ascii_bin` (its binary collation tells the driver to decode a UUID) |
///
/// Constant defaults on `LONGTEXT`, `LONGBLOB` and `JSON` columns are written in parentheses
/// (`DEFAULT ('x')`), the only form MySQL 8 accepts for those types.
#[derive(Debug, Clone, Copy, Default)]
pub struct MysqlDialect;

/// The one shared instance, as [`Driver::dialect`](philtre_core::Driver::dialect) returns it.
pub static MYSQL_DIALECT: MysqlDialect = MysqlDialect;

/// The DDL type of a UUID column (see [`MysqlDialect`]).
pub(crate) const UUID_DDL: &str = "CHAR(36) CHARACTER SET ascii COLLATE ascii_bin";

/// What MySQL's manual recommends as "no limit" when only an offset is given.
const NO_LIMIT: &str = "18446744073709551615";

impl Dialect for MysqlDialect {
    fn name(&self) -> &'static str {
        "mysql"
    }

    /// mysql_async sends one statement per round trip; many rows go in one INSERT instead.
    fn executemany_as_multirow_insert(&self) -> bool {
        true
    }

    fn identifier_quote(&self) -> Option<char> {
        Some('`')
    }

    fn write_type(&self, w: &mut SqlWriter<'_>, ty: &SqlType) -> Result<()> {
        let text = match ty {
            SqlType::SmallInteger => "SMALLINT".to_owned(),
            SqlType::Integer => "INTEGER".to_owned(),
            SqlType::BigInteger => "BIGINT".to_owned(),
            SqlType::String(Some(n)) => format!("VARCHAR({n})"),
            SqlType::String(None) => {
                return Err(Error::InvalidStatement(
                    "MySQL needs a length for VARCHAR: use String(n) or Text".into(),
                ))
            }
            SqlType::Text => "LONGTEXT".to_owned(),
            SqlType::Boolean => "BOOL".to_owned(),
            SqlType::Float => "DOUBLE".to_owned(),
            SqlType::Numeric(Some((p, s))) => format!("NUMERIC({p}, {s})"),
            SqlType::Numeric(None) => "NUMERIC(65, 30)".to_owned(),
            SqlType::Date => "DATE".to_owned(),
            SqlType::Time => "TIME(6)".to_owned(),
            SqlType::DateTime => "DATETIME(6)".to_owned(),
            SqlType::LargeBinary => "LONGBLOB".to_owned(),
            SqlType::Json => "JSON".to_owned(),
            SqlType::Uuid => UUID_DDL.to_owned(),
            SqlType::Other(name) => name.clone(),
            other => {
                return Err(Error::InvalidStatement(format!(
                    "the mysql dialect has no DDL type for {other}"
                )))
            }
        };
        w.push(&text);
        Ok(())
    }

    /// MySQL's CAST accepts only its own target names, not column types.
    fn write_cast_type(&self, w: &mut SqlWriter<'_>, ty: &SqlType) -> Result<()> {
        match ty {
            SqlType::SmallInteger | SqlType::Integer | SqlType::BigInteger | SqlType::Boolean => {
                w.push("SIGNED");
            }
            SqlType::String(Some(n)) => w.push(&format!("CHAR({n})")),
            SqlType::String(None) | SqlType::Text | SqlType::Uuid => w.push("CHAR"),
            SqlType::Float => w.push("DOUBLE"),
            SqlType::Numeric(Some((p, s))) => w.push(&format!("DECIMAL({p}, {s})")),
            SqlType::Numeric(None) => w.push("DECIMAL(65, 30)"),
            SqlType::LargeBinary => w.push("BINARY"),
            other => self.write_type(w, other)?,
        }
        Ok(())
    }

    fn autoincrement_suffix(&self) -> &'static str {
        " AUTO_INCREMENT"
    }

    /// The shared column definition, with two MySQL rules: a `VARCHAR` needs a length (the
    /// error names the column), and a constant default on a `LONGTEXT`/`LONGBLOB`/`JSON`
    /// column is written as an expression in parentheses.
    fn write_column_ddl(
        &self,
        w: &mut SqlWriter<'_>,
        table: &Table,
        column: &Column,
    ) -> Result<()> {
        if column.ty == SqlType::String(None) {
            return Err(Error::InvalidStatement(format!(
                "column {:?} of table {:?} is a String without a length: MySQL needs one \
                 (use String(n), or Text for unbounded text)",
                column.name,
                table.name()
            )));
        }
        let blob_like = matches!(
            column.ty,
            SqlType::Text | SqlType::LargeBinary | SqlType::Json
        );
        match &column.server_default {
            Some(ServerDefault::Value(v)) if blob_like && !v.is_null() => {
                let mut literal = SqlWriter::new(w.dialect());
                self.write_literal(&mut literal, v)?;
                let mut column = column.clone();
                column.server_default = Some(ServerDefault::Sql(literal.sql().to_owned()));
                write_column_ddl_common(w, table, &column)
            }
            _ => write_column_ddl_common(w, table, column),
        }
    }

    /// The shared literal, with backslashes doubled in text: MySQL reads `\` in a string
    /// literal as an escape (this assumes the server's default `sql_mode`, without
    /// `NO_BACKSLASH_ESCAPES`).
    fn write_literal(&self, w: &mut SqlWriter<'_>, value: &Value) -> Result<()> {
        let text = match value {
            Value::Text(t) => t.clone(),
            Value::Json(j) => j.to_string(),
            other => return write_literal_common(w, other),
        };
        let mut s = String::with_capacity(text.len() + 2);
        s.push('\'');
        for c in text.chars() {
            match c {
                '\'' => s.push_str("''"),
                '\\' => s.push_str("\\\\"),
                c => s.push(c),
            }
        }
        s.push('\'');
        w.push(&s);
        Ok(())
    }

    fn write_limit_offset(&self, w: &mut SqlWriter<'_>, limit: Option<u64>, offset: Option<u64>) {
        write_limit_offset_common(w, limit, offset, Some(NO_LIMIT));
    }

    fn write_concat(&self, w: &mut SqlWriter<'_>, left: &Expr, right: &Expr) -> Result<()> {
        w.push("CONCAT(");
        w.expr(left)?;
        w.push(", ");
        w.expr(right)?;
        w.push(")");
        Ok(())
    }

    fn write_empty_insert_values(&self, w: &mut SqlWriter<'_>) {
        w.push(" () VALUES ()");
    }

    fn write_drop_index(&self, w: &mut SqlWriter<'_>, table: &Table, index: &Index) {
        write_drop_index_common(w, table, index);
        w.push(" ON ");
        w.ident(table.name());
    }

    fn supports_returning(&self) -> bool {
        false
    }

    fn begin_sql(&self) -> &'static str {
        "START TRANSACTION"
    }
}

#[cfg(test)]
#[path = "dialect_tests.rs"]
mod tests;
