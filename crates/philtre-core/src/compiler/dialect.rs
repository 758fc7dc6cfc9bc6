use std::fmt::{Debug, Write as _};

use crate::compiler::SqlWriter;
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::schema::{Column, Index, ServerDefault};
use crate::value::Value;
use crate::SqlType;
use crate::Table;

/// What differs between databases. Every hook with a shared behaviour has a default that
/// calls a public `*_common` function, so an override can add to it and still reuse it.
pub trait Dialect: Debug + Send + Sync + 'static {
    /// `"sqlite"`, `"postgresql"` or `"mysql"`.
    fn name(&self) -> &'static str;

    /// Appends the placeholder of the `index`-th (1-based) bound value: `?` or `$1`.
    fn write_placeholder(&self, sql: &mut String, index: usize) {
        let _ = index;
        sql.push('?');
    }

    /// Whether placeholders are numbered (`$1`), so one value can be referred to twice.
    fn numbered_placeholders(&self) -> bool {
        false
    }

    /// The character identifiers are quoted with, when [`write_identifier`] quotes as
    /// [`write_identifier_common`] does: `"` (the default), or MySQL's backtick.
    ///
    /// The compiler then copies a table's names as they were quoted once, when the table
    /// was built, instead of quoting them in every statement. A dialect that overrides
    /// [`write_identifier`] to quote any other way must return `None` here, so that
    /// every identifier goes through its hook (debug builds check that names copied
    /// this way read as the hook writes them).
    ///
    /// [`write_identifier`]: Self::write_identifier
    fn identifier_quote(&self) -> Option<char> {
        Some('"')
    }

    /// Appends a quoted identifier. To quote with another character, override
    /// [`identifier_quote`](Self::identifier_quote) instead; an override of this hook
    /// must make that return `None`.
    fn write_identifier(&self, sql: &mut String, ident: &str) {
        write_identifier_common(sql, ident, self.identifier_quote().unwrap_or('"'));
    }

    /// Appends the DDL type of a column type.
    fn write_type(&self, w: &mut SqlWriter<'_>, ty: &SqlType) -> Result<()>;

    /// Appends the target type of `CAST(x AS type)`; the DDL type unless the database
    /// spells cast targets differently (MySQL: `SIGNED`, `CHAR`, ...).
    fn write_cast_type(&self, w: &mut SqlWriter<'_>, ty: &SqlType) -> Result<()> {
        self.write_type(w, ty)
    }

    /// Appends the type of an autoincrementing primary key column (`SERIAL`, `INTEGER`, ...).
    fn write_autoincrement_type(&self, w: &mut SqlWriter<'_>, column: &Column) -> Result<()> {
        self.write_type(w, &column.ty)
    }

    /// Text after `NOT NULL` for an autoincrementing column (`AUTO_INCREMENT` on MySQL).
    fn autoincrement_suffix(&self) -> &'static str {
        ""
    }

    /// Appends one column definition of a `CREATE TABLE`.
    fn write_column_ddl(
        &self,
        w: &mut SqlWriter<'_>,
        table: &Table,
        column: &Column,
    ) -> Result<()> {
        write_column_ddl_common(w, table, column)
    }

    /// Appends an SQL literal, for DDL defaults only (statements always bind values).
    fn write_literal(&self, w: &mut SqlWriter<'_>, value: &Value) -> Result<()> {
        write_literal_common(w, value)
    }

    /// Appends `LIMIT` / `OFFSET`.
    fn write_limit_offset(&self, w: &mut SqlWriter<'_>, limit: Option<u64>, offset: Option<u64>) {
        write_limit_offset_common(w, limit, offset, None);
    }

    /// Appends a string concatenation.
    fn write_concat(&self, w: &mut SqlWriter<'_>, left: &Expr, right: &Expr) -> Result<()> {
        w.operand(left, 5)?;
        w.push(" || ");
        w.operand(right, 5)
    }

    /// Appends a case-insensitive LIKE.
    fn write_ilike(
        &self,
        w: &mut SqlWriter<'_>,
        left: &Expr,
        right: &Expr,
        negated: bool,
    ) -> Result<()> {
        w.push("lower(");
        w.expr(left)?;
        w.push(if negated {
            ") NOT LIKE lower("
        } else {
            ") LIKE lower("
        });
        w.expr(right)?;
        w.push(")");
        Ok(())
    }

    /// Appends what an INSERT that gives no columns says: ` DEFAULT VALUES`.
    fn write_empty_insert_values(&self, w: &mut SqlWriter<'_>) {
        w.push(" DEFAULT VALUES");
    }

    /// Appends `DROP INDEX`.
    fn write_drop_index(&self, w: &mut SqlWriter<'_>, table: &Table, index: &Index) {
        write_drop_index_common(w, table, index);
    }

    /// Whether `RETURNING` is supported on INSERT, UPDATE and DELETE.
    fn supports_returning(&self) -> bool {
        true
    }

    /// Whether an INSERT should fetch its generated primary key through `RETURNING`
    /// rather than the driver's last insert id.
    fn implicit_returning(&self) -> bool {
        false
    }

    /// Whether executemany of an INSERT should be sent as multi-row `INSERT ... VALUES
    /// (...), (...)` statements rather than once per row (SQLAlchemy's
    /// "insertmanyvalues"): for servers, where each statement costs a round trip or at
    /// least its own parse, plan and reply. An in-process database (SQLite) need not.
    fn executemany_as_multirow_insert(&self) -> bool {
        false
    }

    /// Whether an implicit transaction (an ORM session's) should begin at its first write,
    /// its reads before that running outside any transaction, as SQLAlchemy's pysqlite
    /// dialect does. For SQLite: a read transaction holds a snapshot, and SQLite refuses
    /// to turn a transaction whose snapshot another connection has since written past
    /// into a write transaction (`SQLITE_BUSY`, which waiting cannot cure), so a session
    /// that reads at the start of a request and writes at its end would fail whenever
    /// another request committed in between. A server's snapshot has no such cost.
    fn defers_begin_to_first_write(&self) -> bool {
        false
    }

    /// The statement that opens a transaction.
    fn begin_sql(&self) -> &'static str {
        "BEGIN"
    }
}

/// Quotes `ident` with `quote`, doubling any quote inside it.
///
/// Every column reference of every statement passes here, so the usual case (an ASCII
/// quote the name does not contain) is one short byte scan and one reserved copy.
pub fn write_identifier_common(sql: &mut String, ident: &str, quote: char) {
    if quote.is_ascii() && !ident.bytes().any(|b| b == quote as u8) {
        sql.reserve(ident.len() + 2);
        sql.push(quote);
        sql.push_str(ident);
        sql.push(quote);
        return;
    }
    sql.push(quote);
    for c in ident.chars() {
        if c == quote {
            sql.push(quote);
        }
        sql.push(c);
    }
    sql.push(quote);
}

/// Appends `n` in decimal, for placeholders such as `$3` (`write!` goes through the
/// formatting machinery, several times the cost for a number this small).
pub fn push_decimal(sql: &mut String, n: usize) {
    push_u64(sql, n as u64);
}

/// [`push_decimal`] for a `u64`, such as a `LIMIT`.
pub(crate) fn push_u64(sql: &mut String, mut n: u64) {
    if n < 1000 {
        // A placeholder's number, nearly always: a 100-row insert writes 300 of them.
        // Up to three digits without the loop and its per-digit division.
        let digit = |d: u64| char::from(b'0' + (d % 10) as u8);
        if n >= 100 {
            sql.push(digit(n / 100));
        }
        if n >= 10 {
            sql.push(digit(n / 10));
        }
        sql.push(digit(n));
        return;
    }
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        sql.push(char::from(d));
    }
}

/// `name TYPE [NOT NULL] [DEFAULT x] [suffix]`.
pub fn write_column_ddl_common(
    w: &mut SqlWriter<'_>,
    table: &Table,
    column: &Column,
) -> Result<()> {
    let d = w.dialect();
    w.ident(&column.name);
    w.push(" ");
    let autoinc = table
        .autoincrement_column()
        .is_some_and(|c| c.name == column.name);
    if autoinc {
        d.write_autoincrement_type(w, column)?;
    } else {
        d.write_type(w, &column.ty)?;
    }
    if let Some(default) = &column.server_default {
        w.push(" DEFAULT ");
        match default {
            ServerDefault::Value(v) => d.write_literal(w, v)?,
            ServerDefault::Sql(sql) => {
                w.push("(");
                w.push(sql);
                w.push(")");
            }
        }
    }
    if !column.is_nullable() {
        w.push(" NOT NULL");
    }
    if autoinc {
        w.push(d.autoincrement_suffix());
    }
    Ok(())
}

/// Writes a value as an SQL literal with quotes escaped; for DDL defaults.
pub fn write_literal_common(w: &mut SqlWriter<'_>, value: &Value) -> Result<()> {
    let mut s = String::new();
    let quoted = |s: &mut String, text: &str| {
        s.push('\'');
        s.push_str(&text.replace('\'', "''"));
        s.push('\'');
    };
    match value {
        Value::Null => s.push_str("NULL"),
        Value::Bool(b) => s.push_str(if *b { "TRUE" } else { "FALSE" }),
        Value::Int(i) => {
            let _ = write!(s, "{i}");
        }
        Value::Float(f) if f.is_finite() => {
            let _ = write!(s, "{f:?}");
        }
        Value::Float(f) => {
            return Err(Error::InvalidStatement(format!(
                "{f} cannot be written as an SQL literal"
            )))
        }
        Value::Decimal(d) => {
            let _ = write!(s, "{d}");
        }
        Value::Text(t) => quoted(&mut s, t),
        Value::Bytes(b) => {
            s.push_str("X'");
            for byte in b {
                let _ = write!(s, "{byte:02X}");
            }
            s.push('\'');
        }
        Value::Date(d) => quoted(&mut s, &d.to_string()),
        Value::Time(t) => quoted(&mut s, &t.to_string()),
        Value::DateTime(t) => quoted(&mut s, &t.format("%Y-%m-%d %H:%M:%S%.f").to_string()),
        Value::Uuid(u) => quoted(&mut s, &u.to_string()),
        Value::Json(j) => quoted(&mut s, &j.to_string()),
    }
    w.push(&s);
    Ok(())
}

/// ` LIMIT n OFFSET m`; `no_limit` is what to write as the limit when only an offset is
/// given and the dialect needs one (`-1` on SQLite), or `None` to write no `LIMIT`.
pub fn write_limit_offset_common(
    w: &mut SqlWriter<'_>,
    limit: Option<u64>,
    offset: Option<u64>,
    no_limit: Option<&str>,
) {
    match (limit, no_limit) {
        (Some(n), _) => {
            w.push(" LIMIT ");
            w.push_u64(n);
        }
        (None, Some(all)) if offset.is_some() => {
            w.push(" LIMIT ");
            w.push(all);
        }
        _ => {}
    }
    if let Some(m) = offset {
        w.push(" OFFSET ");
        w.push_u64(m);
    }
}

/// `DROP INDEX "name"`.
pub fn write_drop_index_common(w: &mut SqlWriter<'_>, _table: &Table, index: &Index) {
    w.push("DROP INDEX ");
    w.ident(&index.name);
}

#[cfg(test)]
mod tests {
    use super::{push_decimal, push_u64, write_identifier_common};

    #[test]
    fn identifiers_are_quoted_and_inner_quotes_doubled() {
        let mut sql = String::new();
        write_identifier_common(&mut sql, "users", '"');
        write_identifier_common(&mut sql, "a\"b", '"');
        write_identifier_common(&mut sql, "ünï`x", '`');
        write_identifier_common(&mut sql, "", '"');
        assert_eq!(sql, "\"users\"\"a\"\"b\"`ünï``x`\"\"");
    }

    #[test]
    fn decimals_match_display() {
        for n in [
            0,
            1,
            9,
            10,
            42,
            99,
            100,
            101,
            300,
            999,
            1000,
            65_535,
            usize::MAX,
        ] {
            let mut sql = String::from("$");
            push_decimal(&mut sql, n);
            assert_eq!(sql, format!("${n}"));
        }
        let mut sql = String::new();
        push_u64(&mut sql, u64::MAX);
        assert_eq!(sql, u64::MAX.to_string());
    }
}
