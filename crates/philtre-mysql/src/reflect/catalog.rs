//! Reading `information_schema.COLUMNS` rows: catalog types to [`SqlType`], defaults to SQL.

use philtre_core::{Result, Row, ServerDefault, SqlType, Value};

/// One row of `information_schema.COLUMNS`, in the order `COLUMNS_SQL` selects.
#[derive(Debug)]
pub(super) struct CatalogColumn {
    pub(super) name: String,
    pub(super) data_type: String,
    column_type: String,
    char_length: Option<i64>,
    precision: Option<i64>,
    scale: Option<i64>,
    pub(super) nullable: bool,
    default: Option<String>,
    pub(super) extra: String,
    charset: Option<String>,
    pub(super) collation: Option<String>,
}

impl CatalogColumn {
    pub(super) fn from_row(row: &Row) -> Result<Self> {
        let int = |i: usize| row.get::<Option<i64>>(i).ok().flatten();
        Ok(CatalogColumn {
            name: text_at(row, 0)?.unwrap_or_default(),
            data_type: text_at(row, 1)?.unwrap_or_default().to_ascii_lowercase(),
            column_type: text_at(row, 2)?.unwrap_or_default().to_ascii_lowercase(),
            char_length: int(3),
            precision: int(4),
            scale: int(5),
            nullable: text_at(row, 6)?.is_some_and(|n| n.eq_ignore_ascii_case("YES")),
            default: text_at(row, 7)?,
            extra: text_at(row, 8)?.unwrap_or_default(),
            charset: text_at(row, 9)?.map(|s| s.to_ascii_lowercase()),
            collation: text_at(row, 10)?.map(|s| s.to_ascii_lowercase()),
        })
    }
}

/// A catalog value as text, whatever variant the server's column types made of it
/// (MySQL 8 reports some `information_schema` columns as binary strings).
pub(crate) fn text_at(row: &Row, index: usize) -> Result<Option<String>> {
    Ok(match row.try_get_value(index)? {
        Value::Null => None,
        Value::Text(s) => Some(s.clone()),
        Value::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::Json(j) => Some(j.to_string()),
        Value::Uuid(u) => Some(u.hyphenated().to_string()),
        other => Some(other.to_string()),
    })
}

/// The portable type of a catalog column; `json` says MariaDB's `json_valid` check guards it.
pub(super) fn column_type(c: &CatalogColumn, json: bool) -> SqlType {
    let full = || SqlType::Other(c.column_type.clone());
    let unsigned = c.column_type.contains("unsigned");
    match c.data_type.as_str() {
        "smallint" if !unsigned => SqlType::SmallInteger,
        "int" | "integer" if !unsigned => SqlType::Integer,
        "bigint" if !unsigned => SqlType::BigInteger,
        "tinyint" if c.column_type.starts_with("tinyint(1)") && !unsigned => SqlType::Boolean,
        "varchar" => match c.char_length.and_then(|n| u32::try_from(n).ok()) {
            Some(n) => SqlType::String(Some(n)),
            None => full(),
        },
        "char"
            if c.char_length == Some(36)
                && c.charset.as_deref() == Some("ascii")
                && c.collation.as_deref() == Some("ascii_bin") =>
        {
            SqlType::Uuid
        }
        "uuid" => SqlType::Uuid,
        "json" => SqlType::Json,
        "tinytext" | "text" | "mediumtext" | "longtext" if json => SqlType::Json,
        "tinytext" | "text" | "mediumtext" | "longtext" => SqlType::Text,
        "double" | "float" | "real" | "double precision" => SqlType::Float,
        "decimal" | "numeric" => {
            let p = c.precision.and_then(|p| u8::try_from(p).ok());
            let s = c.scale.and_then(|s| u8::try_from(s).ok());
            match (p, s) {
                (Some(p), Some(s)) => SqlType::Numeric(Some((p, s))),
                _ => full(),
            }
        }
        "date" => SqlType::Date,
        "time" => SqlType::Time,
        "datetime" | "timestamp" => SqlType::DateTime,
        "tinyblob" | "blob" | "mediumblob" | "longblob" => SqlType::LargeBinary,
        _ => full(),
    }
}

/// Whether a check clause is MariaDB's `json_valid(`column`)` for `column`.
pub(super) fn is_json_check(clause: &str, column: &str) -> bool {
    let compact: String = clause
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '`')
        .collect::<String>()
        .to_ascii_lowercase();
    compact == format!("json_valid({})", column.to_ascii_lowercase())
}

const NUMERIC_TYPES: &[&str] = &[
    "tinyint",
    "smallint",
    "mediumint",
    "int",
    "integer",
    "bigint",
    "decimal",
    "numeric",
    "float",
    "double",
    "real",
    "bit",
    "year",
];

/// The column's default as SQL, the way `CREATE TABLE` would write it.
///
/// MariaDB reports SQL already (`'text'`, `0`, `current_timestamp()`, and `NULL` for none).
/// MySQL 8 reports the bare value for constants (quoted here unless numeric) and the
/// expression text for expression defaults (`EXTRA` says `DEFAULT_GENERATED`).
pub(super) fn default_of(c: &CatalogColumn, mariadb: bool) -> Option<ServerDefault> {
    let raw = c.default.as_deref()?;
    if c.extra.to_ascii_lowercase().contains("auto_increment") {
        return None;
    }
    if mariadb {
        return (!raw.eq_ignore_ascii_case("NULL")).then(|| ServerDefault::Sql(raw.to_owned()));
    }
    let expression = c.extra.to_ascii_uppercase().contains("DEFAULT_GENERATED");
    if expression || NUMERIC_TYPES.contains(&c.data_type.as_str()) {
        return Some(ServerDefault::Sql(raw.to_owned()));
    }
    let mut quoted = String::with_capacity(raw.len() + 2);
    quoted.push('\'');
    for ch in raw.chars() {
        match ch {
            '\'' => quoted.push_str("''"),
            '\\' => quoted.push_str("\\\\"),
            ch => quoted.push(ch),
        }
    }
    quoted.push('\'');
    Some(ServerDefault::Sql(quoted))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(data_type: &str, column_type: &str) -> CatalogColumn {
        CatalogColumn {
            name: "c".into(),
            data_type: data_type.into(),
            column_type: column_type.into(),
            char_length: None,
            precision: None,
            scale: None,
            nullable: true,
            default: None,
            extra: String::new(),
            charset: None,
            collation: None,
        }
    }

    #[test]
    fn types_from_the_catalog() {
        assert_eq!(
            column_type(&col("tinyint", "tinyint(1)"), false),
            SqlType::Boolean
        );
        assert_eq!(
            column_type(&col("tinyint", "tinyint(4)"), false),
            SqlType::Other("tinyint(4)".into())
        );
        assert_eq!(
            column_type(&col("int", "int(10) unsigned"), false),
            SqlType::Other("int(10) unsigned".into())
        );
        let mut v = col("varchar", "varchar(50)");
        v.char_length = Some(50);
        assert_eq!(column_type(&v, false), SqlType::String(Some(50)));
        let mut d = col("decimal", "decimal(10,2)");
        (d.precision, d.scale) = (Some(10), Some(2));
        assert_eq!(column_type(&d, false), SqlType::Numeric(Some((10, 2))));
        let mut u = col("char", "char(36)");
        (u.char_length, u.charset, u.collation) =
            (Some(36), Some("ascii".into()), Some("ascii_bin".into()));
        assert_eq!(column_type(&u, false), SqlType::Uuid);
        assert_eq!(
            column_type(&col("longtext", "longtext"), true),
            SqlType::Json
        );
        assert_eq!(
            column_type(&col("longtext", "longtext"), false),
            SqlType::Text
        );
    }

    #[test]
    fn json_checks_and_defaults() {
        assert!(is_json_check("json_valid(`payload`)", "payload"));
        assert!(!is_json_check("json_valid(`other`)", "payload"));
        let mut m = col("varchar", "varchar(5)");
        m.default = Some("it's".into());
        assert_eq!(
            default_of(&m, false),
            Some(ServerDefault::Sql("'it''s'".into()))
        );
        m.default = Some("'it''s'".into());
        assert_eq!(
            default_of(&m, true),
            Some(ServerDefault::Sql("'it''s'".into()))
        );
        m.default = Some("NULL".into());
        assert_eq!(default_of(&m, true), None);
        let mut n = col("int", "int(11)");
        n.default = Some("0".into());
        assert_eq!(default_of(&n, false), Some(ServerDefault::Sql("0".into())));
    }
}
