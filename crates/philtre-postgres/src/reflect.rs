//! Reflection from `pg_catalog`: table names and live table definitions in the current schema.

use philtre_core::{
    Column, Error, ForeignKey, ReferentialAction, Result, ServerDefault, SqlType, Table,
};
use tokio_postgres::types::FromSql;
use tokio_postgres::Row as PgRow;

use crate::connection::PgConnection;

const TABLES: &str = "SELECT c.relname::text FROM pg_catalog.pg_class c \
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')";

const TABLE_OID: &str = "SELECT c.oid FROM pg_catalog.pg_class c \
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = current_schema() AND c.relname = $1 \
    AND c.relkind IN ('r', 'p', 'v', 'm', 'f')";

const COLUMNS: &str = "SELECT a.attname::text, t.typname::text, a.atttypmod, a.attnotnull, \
    pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity <> '', a.attgenerated <> '', \
    pg_catalog.format_type(a.atttypid, a.atttypmod) \
    FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
    LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
    WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

/// Primary key, unique, foreign key and check constraints, columns in declared order.
const CONSTRAINTS: &str = "SELECT con.conname::text, con.contype::text, \
    ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, o) \
          JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o), \
    fc.relname::text, \
    ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, o) \
          JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o), \
    con.confdeltype::text, con.confupdtype::text, pg_catalog.pg_get_constraintdef(con.oid) \
    FROM pg_catalog.pg_constraint con LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid \
    WHERE con.conrelid = $1 AND con.contype IN ('p', 'u', 'f', 'c') ORDER BY con.conname";

/// Plain-column indexes that no primary key / unique / exclusion constraint owns.
const INDEXES: &str = "SELECT ic.relname::text, i.indisunique, \
    ARRAY(SELECT a.attname::text FROM unnest((i.indkey::int2[])[0:i.indnkeyatts - 1]) WITH ORDINALITY k(n, o) \
          JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o) \
    FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid \
    WHERE i.indrelid = $1 AND NOT i.indisprimary AND i.indexprs IS NULL AND i.indpred IS NULL \
    AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conindid = i.indexrelid \
                    AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')) \
    ORDER BY ic.relname";

fn get<'a, T: FromSql<'a>>(row: &'a PgRow, idx: usize) -> Result<T> {
    row.try_get(idx).map_err(|e| Error::Decode {
        column: row
            .columns()
            .get(idx)
            .map_or_else(|| idx.to_string(), |c| c.name().to_owned()),
        expected: std::any::type_name::<T>(),
        found: format!("catalog value that does not convert ({e})"),
    })
}

pub(crate) async fn table_names(conn: &mut PgConnection) -> Result<Vec<String>> {
    let rows = conn.catalog_rows(TABLES, &[]).await?;
    let mut names = rows
        .iter()
        .map(|r| get::<String>(r, 0))
        .collect::<Result<Vec<_>>>()?;
    names.sort();
    Ok(names)
}

pub(crate) async fn reflect_table(conn: &mut PgConnection, name: &str) -> Result<Option<Table>> {
    let Some(row) = conn
        .catalog_rows(TABLE_OID, &[&name])
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let oid: u32 = get(&row, 0)?;
    let mut builder = Table::builder(name);
    for r in conn.catalog_rows(COLUMNS, &[&oid]).await? {
        builder = builder.column(column(&r)?);
    }
    let mut primary_key = Vec::new();
    for r in conn.catalog_rows(CONSTRAINTS, &[&oid]).await? {
        let con_name: String = get(&r, 0)?;
        let kind: String = get(&r, 1)?;
        let columns: Vec<String> = get(&r, 2)?;
        match kind.as_str() {
            "p" => primary_key = columns,
            "u" => builder = builder.unique(columns),
            "f" => {
                let ref_table: Option<String> = get(&r, 3)?;
                let ref_columns: Vec<String> = get(&r, 4)?;
                let mut fk = ForeignKey::new(columns, ref_table.unwrap_or_default(), ref_columns)
                    .named(con_name);
                fk.on_delete = action(&get::<String>(&r, 5)?);
                fk.on_update = action(&get::<String>(&r, 6)?);
                builder = builder.foreign_key(fk);
            }
            "c" => {
                let def: String = get(&r, 7)?;
                builder = builder.check(Some(&con_name), check_expression(&def));
            }
            _ => {}
        }
    }
    if !primary_key.is_empty() {
        builder = builder.primary_key(primary_key);
    }
    for r in conn.catalog_rows(INDEXES, &[&oid]).await? {
        let index_name: String = get(&r, 0)?;
        let unique: bool = get(&r, 1)?;
        let columns: Vec<String> = get(&r, 2)?;
        builder = builder.index(index_name, columns, unique);
    }
    Ok(Some(builder.build()))
}

/// One row of [`COLUMNS`] as a column.
fn column(r: &PgRow) -> Result<Column> {
    let name: String = get(r, 0)?;
    let type_name: String = get(r, 1)?;
    let typmod: i32 = get(r, 2)?;
    let not_null: bool = get(r, 3)?;
    let default: Option<String> = get(r, 4)?;
    let identity: bool = get(r, 5)?;
    let generated: bool = get(r, 6)?;
    let formatted: String = get(r, 7)?;

    let serial = default
        .as_deref()
        .is_some_and(|d| d.starts_with("nextval("));
    let mut col = Column::new(name, sql_type(&type_name, typmod, &formatted))
        .nullable(!not_null)
        .autoincrement(serial || identity);
    if !serial && !generated {
        col.server_default = default.map(ServerDefault::Sql);
    }
    Ok(col)
}

/// The portable type of a catalog type name and modifier.
pub(crate) fn sql_type(type_name: &str, typmod: i32, formatted: &str) -> SqlType {
    match type_name {
        "int2" => SqlType::SmallInteger,
        "int4" => SqlType::Integer,
        "int8" => SqlType::BigInteger,
        "varchar" => SqlType::String(u32::try_from(typmod - 4).ok()),
        "text" => SqlType::Text,
        "bool" => SqlType::Boolean,
        "float4" | "float8" => SqlType::Float,
        "numeric" if typmod < 4 => SqlType::Numeric(None),
        "numeric" => {
            let m = typmod - 4;
            match (u8::try_from((m >> 16) & 0xffff), u8::try_from(m & 0xffff)) {
                (Ok(p), Ok(s)) => SqlType::Numeric(Some((p, s))),
                _ => SqlType::Other(formatted.to_owned()),
            }
        }
        "date" => SqlType::Date,
        "time" => SqlType::Time,
        "timestamp" => SqlType::DateTime,
        "bytea" => SqlType::LargeBinary,
        "json" | "jsonb" => SqlType::Json,
        "uuid" => SqlType::Uuid,
        _ => SqlType::Other(formatted.to_owned()),
    }
}

/// `confdeltype` / `confupdtype`; NO ACTION (the default) reads as `None`.
fn action(code: &str) -> Option<ReferentialAction> {
    match code {
        "c" => Some(ReferentialAction::Cascade),
        "n" => Some(ReferentialAction::SetNull),
        "d" => Some(ReferentialAction::SetDefault),
        "r" => Some(ReferentialAction::Restrict),
        _ => None,
    }
}

/// `CHECK ((qty > 0)) [NOT VALID]` → `(qty > 0)`.
fn check_expression(def: &str) -> String {
    let def = def.trim().trim_end_matches(" NOT VALID");
    def.strip_prefix("CHECK (")
        .and_then(|d| d.strip_suffix(')'))
        .unwrap_or(def)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_types() {
        assert_eq!(sql_type("int4", -1, "integer"), SqlType::Integer);
        assert_eq!(
            sql_type("varchar", 54, "character varying(50)"),
            SqlType::String(Some(50))
        );
        assert_eq!(
            sql_type("varchar", -1, "character varying"),
            SqlType::String(None)
        );
        assert_eq!(
            sql_type("numeric", (10 << 16 | 2) + 4, "numeric(10,2)"),
            SqlType::Numeric(Some((10, 2)))
        );
        assert_eq!(sql_type("numeric", -1, "numeric"), SqlType::Numeric(None));
        assert_eq!(
            sql_type("numeric", (300 << 16) + 4, "numeric(300,0)"),
            SqlType::Other("numeric(300,0)".into())
        );
        assert_eq!(
            sql_type("timestamptz", -1, "timestamp with time zone"),
            SqlType::Other("timestamp with time zone".into())
        );
        assert_eq!(check_expression("CHECK ((qty > 0))"), "(qty > 0)");
        assert_eq!(check_expression("CHECK ((qty > 0)) NOT VALID"), "(qty > 0)");
        assert_eq!(action("a"), None);
        assert_eq!(action("c"), Some(ReferentialAction::Cascade));
    }
}
