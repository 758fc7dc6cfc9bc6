//! Reflection from the catalog: `sqlite_master` and the table-valued `pragma_*` functions
//! (which take the table name as a bound value, never spliced into SQL).

use std::collections::BTreeMap;

use philtre_core::{Column, ForeignKey, ReferentialAction, Result, SqlType, Table};
use rusqlite::types::Value as SqlValue;
use rusqlite::Connection;

use crate::convert::split_type;
use crate::errors::map_error;

/// Names of the user tables, sorted (SQLite's own `sqlite_*` tables are left out).
pub(crate) fn table_names(conn: &Connection) -> Result<Vec<String>> {
    let rows = select(
        conn,
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND substr(name, 1, 7) <> 'sqlite_' ORDER BY name",
        "",
    )?;
    Ok(rows.into_iter().filter_map(|r| text(&r[0])).collect())
}

/// The definition of `name`, or `None` when there is no such table.
pub(crate) fn reflect_table(conn: &Connection, name: &str) -> Result<Option<Table>> {
    let master = select(
        conn,
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
        name,
    )?;
    let Some(row) = master.first() else {
        return Ok(None);
    };
    let name = text(&row[0]).unwrap_or_else(|| name.to_owned());
    let without_rowid =
        text(&row[1]).is_some_and(|sql| sql.to_ascii_uppercase().contains("WITHOUT ROWID"));

    // cid, name, type, notnull, dflt_value, pk
    let info = select(
        conn,
        "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid",
        &name,
    )?;
    let mut pk: Vec<(i64, String)> = info
        .iter()
        .filter(|r| int(&r[4]) > 0)
        .filter_map(|r| Some((int(&r[4]), text(&r[0])?)))
        .collect();
    pk.sort();
    let pk: Vec<String> = pk.into_iter().map(|(_, c)| c).collect();

    let mut builder = Table::builder(name.clone());
    for r in &info {
        let Some(col_name) = text(&r[0]) else {
            continue;
        };
        let decl = text(&r[1]).unwrap_or_default();
        let in_pk = int(&r[4]) > 0;
        let mut column =
            Column::new(col_name, sql_type(&decl)).nullable(!(in_pk || int(&r[2]) != 0));
        if let Some(default) = text(&r[3]) {
            column = column.server_default_sql(default);
        }
        if in_pk && pk.len() == 1 {
            // Only `INTEGER PRIMARY KEY` is the rowid alias that SQLite fills in itself.
            let rowid = decl.trim().eq_ignore_ascii_case("INTEGER") && !without_rowid;
            column = column.autoincrement(rowid);
        }
        builder = builder.column(column);
    }
    if !pk.is_empty() {
        builder = builder.primary_key(pk);
    }

    // seq, name, unique, origin ('c' CREATE INDEX, 'u' UNIQUE, 'pk' PRIMARY KEY)
    let indexes = select(
        conn,
        "SELECT name, \"unique\", origin FROM pragma_index_list(?1) ORDER BY seq DESC",
        &name,
    )?;
    for r in &indexes {
        let (Some(index_name), Some(origin)) = (text(&r[0]), text(&r[2])) else {
            continue;
        };
        let cols = select(
            conn,
            "SELECT name FROM pragma_index_info(?1) ORDER BY seqno",
            &index_name,
        )?;
        // An expression index has NULL column names: it has no portable shape, skip it.
        let Some(cols) = cols.iter().map(|c| text(&c[0])).collect::<Option<Vec<_>>>() else {
            continue;
        };
        match origin.as_str() {
            "u" => builder = builder.unique(cols),
            "c" if !index_name.starts_with("sqlite_autoindex_") => {
                builder = builder.index(index_name, cols, int(&r[1]) != 0);
            }
            _ => {}
        }
    }

    for fk in foreign_keys(conn, &name)? {
        builder = builder.foreign_key(fk);
    }
    Ok(Some(builder.build()))
}

fn foreign_keys(conn: &Connection, table: &str) -> Result<Vec<ForeignKey>> {
    // id, seq, table, from, to, on_update, on_delete
    let rows = select(
        conn,
        "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete \
         FROM pragma_foreign_key_list(?1) ORDER BY id DESC, seq",
        table,
    )?;
    let mut order = Vec::new();
    let mut groups: BTreeMap<i64, Vec<&Vec<SqlValue>>> = BTreeMap::new();
    for r in &rows {
        let id = int(&r[0]);
        if !groups.contains_key(&id) {
            order.push(id);
        }
        groups.entry(id).or_default().push(r);
    }
    let mut out = Vec::new();
    for id in order {
        let Some(parts) = groups.get(&id) else {
            continue;
        };
        let first = parts[0];
        let ref_table = text(&first[1]).unwrap_or_default();
        let from: Vec<String> = parts.iter().filter_map(|r| text(&r[2])).collect();
        let mut to: Vec<String> = parts.iter().filter_map(|r| text(&r[3])).collect();
        if to.len() != from.len() {
            // `REFERENCES parent` without columns means the parent's primary key.
            to = parent_primary_key(conn, &ref_table)?;
        }
        let mut fk = ForeignKey::new(from, ref_table, to);
        fk.on_update = action(&first[4]);
        fk.on_delete = action(&first[5]);
        out.push(fk);
    }
    Ok(out)
}

fn parent_primary_key(conn: &Connection, table: &str) -> Result<Vec<String>> {
    let rows = select(
        conn,
        "SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk",
        table,
    )?;
    Ok(rows.iter().filter_map(|r| text(&r[0])).collect())
}

/// `NO ACTION` is what an FK without a clause does, so it reflects as `None`.
fn action(v: &SqlValue) -> Option<ReferentialAction> {
    text(v)
        .and_then(|s| ReferentialAction::parse(&s))
        .filter(|a| *a != ReferentialAction::NoAction)
}

/// The portable type of a declared column type.
pub(crate) fn sql_type(decl: &str) -> SqlType {
    let upper = decl.trim().to_ascii_uppercase();
    let (base, args) = split_type(&upper);
    let num = |i: usize| args.get(i).and_then(|s| s.parse::<u32>().ok());
    match base {
        "INTEGER" | "INT" => SqlType::Integer,
        "BIGINT" => SqlType::BigInteger,
        "SMALLINT" => SqlType::SmallInteger,
        "CHAR" if num(0) == Some(36) => SqlType::Uuid,
        "VARCHAR" | "CHAR" | "NVARCHAR" | "NCHAR" | "CHARACTER" | "CHARACTER VARYING" => {
            SqlType::String(num(0))
        }
        "TEXT" | "CLOB" => SqlType::Text,
        "BOOLEAN" | "BOOL" => SqlType::Boolean,
        "FLOAT" | "REAL" | "DOUBLE" | "DOUBLE PRECISION" => SqlType::Float,
        "NUMERIC" | "DECIMAL" => {
            let p = num(0).and_then(|p| u8::try_from(p).ok());
            let s = num(1).map_or(Some(0), |s| u8::try_from(s).ok());
            SqlType::Numeric(p.zip(s))
        }
        "DATE" => SqlType::Date,
        "TIME" => SqlType::Time,
        "DATETIME" | "TIMESTAMP" => SqlType::DateTime,
        "BLOB" => SqlType::LargeBinary,
        "JSON" => SqlType::Json,
        "UUID" => SqlType::Uuid,
        _ => SqlType::Other(decl.trim().to_owned()),
    }
}

/// Runs a catalog query with at most one bound text argument; rows of raw values.
fn select(conn: &Connection, sql: &str, arg: &str) -> Result<Vec<Vec<SqlValue>>> {
    let mut stmt = conn.prepare_cached(sql).map_err(map_error)?;
    if stmt.parameter_count() == 1 {
        stmt.raw_bind_parameter(1, arg).map_err(map_error)?;
    }
    let n = stmt.column_count();
    let mut out = Vec::new();
    let mut rows = stmt.raw_query();
    while let Some(row) = rows.next().map_err(map_error)? {
        let mut values = Vec::with_capacity(n);
        for i in 0..n {
            values.push(row.get::<_, SqlValue>(i).map_err(map_error)?);
        }
        out.push(values);
    }
    Ok(out)
}

fn text(v: &SqlValue) -> Option<String> {
    match v {
        SqlValue::Text(s) => Some(s.clone()),
        _ => None,
    }
}

fn int(v: &SqlValue) -> i64 {
    match v {
        SqlValue::Integer(i) => *i,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_types() {
        assert_eq!(sql_type("INTEGER"), SqlType::Integer);
        assert_eq!(sql_type("VARCHAR(50)"), SqlType::String(Some(50)));
        assert_eq!(sql_type("varchar"), SqlType::String(None));
        assert_eq!(sql_type("NUMERIC(10, 2)"), SqlType::Numeric(Some((10, 2))));
        assert_eq!(sql_type("NUMERIC"), SqlType::Numeric(None));
        assert_eq!(sql_type("CHAR(36)"), SqlType::Uuid);
        assert_eq!(sql_type("DATETIME"), SqlType::DateTime);
        assert_eq!(sql_type("geometry"), SqlType::Other("geometry".into()));
    }
}
