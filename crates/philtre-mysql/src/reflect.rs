//! Reflection from `information_schema`: table names and live table definitions.

mod catalog;

use philtre_core::{Column, ForeignKey, ReferentialAction, Result, Table, Value};

use crate::connection::MysqlConnection;
use catalog::{column_type, default_of, is_json_check, text_at, CatalogColumn};

/// Base tables of the current database (MariaDB's system-versioned tables included, views
/// not), sorted by name.
pub(crate) async fn table_names(conn: &mut MysqlConnection) -> Result<Vec<String>> {
    let rows = conn
        .fetch(
            "SELECT TABLE_NAME FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')",
            Vec::new(),
        )
        .await?;
    let mut names = rows
        .rows
        .iter()
        .map(|r| text_at(r, 0))
        .collect::<Result<Option<Vec<String>>>>()?
        .unwrap_or_default();
    names.sort();
    Ok(names)
}

const COLUMNS_SQL: &str = "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, CHARACTER_MAXIMUM_LENGTH, \
     NUMERIC_PRECISION, NUMERIC_SCALE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, CHARACTER_SET_NAME, \
     COLLATION_NAME FROM information_schema.COLUMNS \
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION";

const INDEXES_SQL: &str = "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME \
     FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? \
     ORDER BY INDEX_NAME, SEQ_IN_INDEX";

const FOREIGN_KEYS_SQL: &str = "SELECT k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, \
     k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE \
     FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
     ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
     AND r.TABLE_NAME = k.TABLE_NAME \
     WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL \
     ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION";

/// MariaDB names the table in CHECK_CONSTRAINTS (check names are per table there).
const CHECKS_SQL_MARIADB: &str = "SELECT CONSTRAINT_NAME, CHECK_CLAUSE \
     FROM information_schema.CHECK_CONSTRAINTS \
     WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY CONSTRAINT_NAME";

/// MySQL 8.0.16+ finds a table's checks through TABLE_CONSTRAINTS.
const CHECKS_SQL_MYSQL: &str = "SELECT cc.CONSTRAINT_NAME, cc.CHECK_CLAUSE \
     FROM information_schema.TABLE_CONSTRAINTS tc JOIN information_schema.CHECK_CONSTRAINTS cc \
     ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
     WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.TABLE_NAME = ? AND tc.CONSTRAINT_TYPE = 'CHECK' \
     ORDER BY cc.CONSTRAINT_NAME";

/// The live definition of `name` in the current database, or `None` when there is none.
pub(crate) async fn reflect_table(conn: &mut MysqlConnection, name: &str) -> Result<Option<Table>> {
    let param = || vec![Value::Text(name.to_owned())];
    let columns = conn.fetch(COLUMNS_SQL, param()).await?;
    if columns.rows.is_empty() {
        return Ok(None);
    }
    let mariadb = conn.is_mariadb().await?;
    let checks_sql = if mariadb {
        CHECKS_SQL_MARIADB
    } else {
        CHECKS_SQL_MYSQL
    };
    let check_rows = conn.fetch(checks_sql, param()).await?;
    let index_rows = conn.fetch(INDEXES_SQL, param()).await?;
    let fk_rows = conn.fetch(FOREIGN_KEYS_SQL, param()).await?;

    let mut checks = Vec::new();
    for row in &check_rows.rows {
        if let (Some(n), Some(clause)) = (text_at(row, 0)?, text_at(row, 1)?) {
            checks.push((n, clause));
        }
    }
    let catalog = columns
        .rows
        .iter()
        .map(CatalogColumn::from_row)
        .collect::<Result<Vec<_>>>()?;
    // MariaDB's JSON is a LONGTEXT whose column-level check is json_valid(`column`).
    let json_columns: Vec<&str> = catalog
        .iter()
        .filter(|c| c.collation.as_deref() == Some("utf8mb4_bin") && c.data_type.ends_with("text"))
        .filter(|c| {
            checks
                .iter()
                .any(|(_, clause)| is_json_check(clause, &c.name))
        })
        .map(|c| c.name.as_str())
        .collect();

    let mut builder = Table::builder(name);
    for c in &catalog {
        let json = json_columns.contains(&c.name.as_str());
        let mut column = Column::new(c.name.clone(), column_type(c, json))
            .nullable(c.nullable)
            .autoincrement(c.extra.to_ascii_lowercase().contains("auto_increment"));
        column.server_default = default_of(c, mariadb);
        builder = builder.column(column);
    }

    let fks = foreign_keys(&fk_rows.rows)?;
    let (primary_key, uniques, indexes) = indexes(&index_rows.rows)?;
    builder = builder.primary_key(primary_key);
    for (_, cols) in uniques {
        builder = builder.unique(cols);
    }
    for (index_name, cols) in indexes {
        if !backs_foreign_key(&index_name, &cols, &fks) {
            builder = builder.index(index_name, cols, false);
        }
    }
    for fk in fks {
        builder = builder.foreign_key(fk);
    }
    for (check_name, clause) in checks {
        let json_check = json_columns.iter().any(|c| is_json_check(&clause, c));
        if !json_check {
            builder = builder.check(Some(&check_name), clause);
        }
    }
    Ok(Some(builder.build()))
}

/// Whether an index is the one InnoDB created for a foreign key: named after the constraint
/// when it has a name, otherwise after its first column.
fn backs_foreign_key(index: &str, columns: &[String], fks: &[ForeignKey]) -> bool {
    fks.iter().any(|fk| {
        fk.name.as_deref() == Some(index)
            || (fk.columns == columns && fk.columns.first().is_some_and(|c| c == index))
    })
}

type Named = (String, Vec<String>);

/// Groups STATISTICS rows into the primary key, unique keys and plain indexes (in name order).
fn indexes(rows: &[philtre_core::Row]) -> Result<(Vec<String>, Vec<Named>, Vec<Named>)> {
    let mut primary = Vec::new();
    let mut uniques: Vec<Named> = Vec::new();
    let mut plain: Vec<Named> = Vec::new();
    let mut skip: Vec<String> = Vec::new();
    for row in rows {
        let Some(index) = text_at(row, 0)? else {
            continue;
        };
        let unique = row.get::<Option<i64>>(1)? == Some(0);
        let Some(column) = text_at(row, 2)? else {
            // A functional index (MySQL 8) has no column: philtre cannot describe it.
            skip.push(index);
            continue;
        };
        let group = match (index.as_str(), unique) {
            ("PRIMARY", _) => {
                primary.push(column);
                continue;
            }
            (_, true) => &mut uniques,
            (_, false) => &mut plain,
        };
        match group.iter_mut().find(|(n, _)| *n == index) {
            Some((_, cols)) => cols.push(column),
            None => group.push((index, vec![column])),
        }
    }
    uniques.retain(|(n, _)| !skip.contains(n));
    plain.retain(|(n, _)| !skip.contains(n));
    Ok((primary, uniques, plain))
}

/// Groups KEY_COLUMN_USAGE rows into foreign keys. `RESTRICT` and `NO ACTION` (the same thing
/// in InnoDB, and what the server reports when no action was given) reflect as `None`.
fn foreign_keys(rows: &[philtre_core::Row]) -> Result<Vec<ForeignKey>> {
    let mut fks: Vec<ForeignKey> = Vec::new();
    for row in rows {
        let (Some(name), Some(column), Some(ref_table), Some(ref_column)) = (
            text_at(row, 0)?,
            text_at(row, 1)?,
            text_at(row, 2)?,
            text_at(row, 3)?,
        ) else {
            continue;
        };
        if let Some(fk) = fks
            .iter_mut()
            .find(|fk| fk.name.as_deref() == Some(name.as_str()))
        {
            fk.columns.push(column);
            fk.ref_columns.push(ref_column);
            continue;
        }
        let action = |i: usize| -> Result<Option<ReferentialAction>> {
            Ok(text_at(row, i)?
                .and_then(|a| ReferentialAction::parse(&a))
                .filter(|a| {
                    !matches!(a, ReferentialAction::Restrict | ReferentialAction::NoAction)
                }))
        };
        let mut fk = ForeignKey::new([column], ref_table, [ref_column]).named(name);
        fk.on_update = action(4)?;
        fk.on_delete = action(5)?;
        fks.push(fk);
    }
    Ok(fks)
}
