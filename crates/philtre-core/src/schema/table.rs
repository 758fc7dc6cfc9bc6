use std::fmt;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::expr::{ColumnRef, Expr};
use crate::schema::quoted::QuotedNames;
use crate::schema::{CheckConstraint, Column, ForeignKey, Index, MetaData, UniqueConstraint};
use crate::value::Value;

/// A table: its columns and constraints. Cheap to clone (shared).
///
/// ```
/// use philtre_core::{Column, MetaData, Table, types::*};
/// let metadata = MetaData::new();
/// let users = Table::new("users", &metadata, [
///     Column::new("id", Integer).primary_key(),
///     Column::new("name", String(50)).unique(),
///     Column::new("email", String(120)).unique(),
/// ]);
/// assert_eq!(users.primary_key(), ["id"]);
/// assert!(metadata.table("users").is_some());
/// ```
#[derive(Clone)]
pub struct Table {
    data: Arc<TableData>,
    alias: Option<Arc<str>>,
}

#[derive(Debug, PartialEq)]
struct TableData {
    name: String,
    /// Never changed once built: a [`ColumnRef`] holds a column's position in it.
    columns: Vec<Column>,
    primary_key: Vec<String>,
    uniques: Vec<UniqueConstraint>,
    foreign_keys: Vec<ForeignKey>,
    indexes: Vec<Index>,
    checks: Vec<CheckConstraint>,
    /// The name and columns quoted in advance, for the compiler.
    quoted: QuotedNames,
}

impl Table {
    /// Defines a table and registers it with `metadata` (replacing one of the same name).
    pub fn new(
        name: impl Into<String>,
        metadata: &MetaData,
        columns: impl IntoIterator<Item = Column>,
    ) -> Table {
        let mut builder = Table::builder(name);
        for c in columns {
            builder = builder.column(c);
        }
        let table = builder.build();
        metadata.add(table.clone());
        table
    }

    pub fn builder(name: impl Into<String>) -> TableBuilder {
        TableBuilder {
            name: name.into(),
            columns: Vec::new(),
            primary_key: Vec::new(),
            uniques: Vec::new(),
            foreign_keys: Vec::new(),
            indexes: Vec::new(),
            checks: Vec::new(),
        }
    }

    pub fn name(&self) -> &str {
        &self.data.name
    }

    /// The name statements use to refer to this table: its alias if it has one.
    pub fn ref_name(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.data.name)
    }

    /// The table's name quoted with `quote`, if quoted in advance (the alias is not).
    pub(crate) fn quoted_name(&self, quote: char) -> Option<&str> {
        self.data.quoted.table(quote)
    }

    /// `"table"."column"` for the column at `index` quoted with `quote`, if quoted in
    /// advance: not under an alias, which statements qualify columns with instead.
    pub(crate) fn quoted_column(&self, quote: char, index: usize) -> Option<&str> {
        match self.alias {
            None => self.data.quoted.qualified(quote, index),
            Some(_) => None,
        }
    }

    pub fn alias_name(&self) -> Option<&str> {
        self.alias.as_deref()
    }

    /// The same table under another name, for self-joins: `FROM users AS u2`.
    #[must_use]
    pub fn alias(&self, alias: &str) -> Table {
        Table {
            data: self.data.clone(),
            alias: Some(alias.into()),
        }
    }

    pub fn columns(&self) -> &[Column] {
        &self.data.columns
    }

    /// The position of the column named `name` among [`columns`](Self::columns).
    pub(crate) fn column_position(&self, name: &str) -> Option<usize> {
        self.data.columns.iter().position(|c| c.name == name)
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.data.columns.iter().find(|c| c.name == name)
    }

    pub fn primary_key(&self) -> &[String] {
        &self.data.primary_key
    }

    pub fn uniques(&self) -> &[UniqueConstraint] {
        &self.data.uniques
    }

    pub fn foreign_keys(&self) -> &[ForeignKey] {
        &self.data.foreign_keys
    }

    pub fn indexes(&self) -> &[Index] {
        &self.data.indexes
    }

    pub fn checks(&self) -> &[CheckConstraint] {
        &self.data.checks
    }

    /// The column as an expression: `users.c("id").eq(1)`.
    ///
    /// An unknown name is reported when the statement is compiled
    /// ([`Error::NoSuchColumn`](crate::Error::NoSuchColumn)), so building stays infallible.
    pub fn c(&self, name: &str) -> Expr {
        Expr::Column(ColumnRef::new(self.clone(), name))
    }

    /// Checks that `value` may be bound to `column`: [`Error::TypeMismatch`] naming the
    /// column and both types if not. Unknown columns pass (they are reported elsewhere).
    pub fn check_value(&self, column: &str, value: &Value) -> Result<()> {
        match self.column(column) {
            Some(col) => self.check_column_value(col, value),
            None => Ok(()),
        }
    }

    /// [`check_value`](Self::check_value) for a column already looked up (a many-row
    /// insert, or a flush of many objects, checks each value without finding its column
    /// by name each time).
    pub fn check_column_value(&self, col: &Column, value: &Value) -> Result<()> {
        if col.ty.accepts(value) {
            return Ok(());
        }
        Err(Error::TypeMismatch {
            column: format!("{}.{}", self.name(), col.name),
            expected: col.ty.to_string(),
            found: value.kind(),
        })
    }

    /// The column that autoincrements, if any: a lone integer primary key unless turned off.
    pub fn autoincrement_column(&self) -> Option<&Column> {
        let [pk] = self.data.primary_key.as_slice() else {
            return None;
        };
        let col = self.column(pk)?;
        (col.ty.is_integer() && col.autoincrement != Some(false)).then_some(col)
    }

    /// How many rows one multi-row INSERT into this table may carry when each row names
    /// `named_columns` columns: PostgreSQL and MySQL allow 65,535 placeholders in one
    /// statement (column defaults take some too), and at most 1,000 rows keep one
    /// statement's text and parameters a reasonable size. executemany and the ORM's flush
    /// split their rows by it.
    pub fn rows_per_insert(&self, named_columns: usize) -> usize {
        let per_row = named_columns.max(1) + self.data.columns.len();
        (65_535 / per_row).clamp(1, 1_000)
    }

    /// Whether two handles point at the same table under the same name.
    pub fn same_as(&self, other: &Table) -> bool {
        Arc::ptr_eq(&self.data, &other.data) && self.alias == other.alias
    }

    /// Structural equality of the definitions (ignores aliases and identity).
    pub fn same_definition(&self, other: &Table) -> bool {
        self.data == other.data
    }
}

impl fmt::Debug for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Table");
        s.field("name", &self.data.name);
        if let Some(a) = &self.alias {
            s.field("alias", a);
        }
        s.field("columns", &self.data.columns)
            .field("primary_key", &self.data.primary_key)
            .field("uniques", &self.data.uniques)
            .field("foreign_keys", &self.data.foreign_keys)
            .field("indexes", &self.data.indexes)
            .field("checks", &self.data.checks)
            .finish()
    }
}

/// Builds a [`Table`] with table-level constraints.
///
/// Column-level `unique`, `index` and `foreign_key` become table-level constraints here, so a
/// declared table and one reflected from the database have the same shape.
#[derive(Debug)]
#[must_use]
pub struct TableBuilder {
    name: String,
    columns: Vec<Column>,
    primary_key: Vec<String>,
    uniques: Vec<UniqueConstraint>,
    foreign_keys: Vec<ForeignKey>,
    indexes: Vec<Index>,
    checks: Vec<CheckConstraint>,
}

impl TableBuilder {
    pub fn column(mut self, column: Column) -> Self {
        if column.primary_key && !self.primary_key.contains(&column.name) {
            self.primary_key.push(column.name.clone());
        }
        if column.unique {
            self.uniques.push(UniqueConstraint {
                name: None,
                columns: vec![column.name.clone()],
            });
        }
        if column.index {
            self.indexes.push(Index {
                name: format!("ix_{}_{}", self.name, column.name),
                columns: vec![column.name.clone()],
                unique: false,
            });
        }
        if let Some(fk) = &column.foreign_key {
            self.foreign_keys.push(fk.clone());
        }
        self.columns.push(column);
        self
    }

    /// A composite primary key; marks those columns as primary key columns.
    pub fn primary_key<S: Into<String>>(mut self, columns: impl IntoIterator<Item = S>) -> Self {
        self.primary_key = columns.into_iter().map(Into::into).collect();
        for c in &mut self.columns {
            c.primary_key = self.primary_key.contains(&c.name);
        }
        self
    }

    pub fn unique<S: Into<String>>(mut self, columns: impl IntoIterator<Item = S>) -> Self {
        self.uniques.push(UniqueConstraint {
            name: None,
            columns: columns.into_iter().map(Into::into).collect(),
        });
        self
    }

    pub fn foreign_key(mut self, fk: ForeignKey) -> Self {
        self.foreign_keys.push(fk);
        self
    }

    pub fn index<S: Into<String>>(
        mut self,
        name: impl Into<String>,
        columns: impl IntoIterator<Item = S>,
        unique: bool,
    ) -> Self {
        self.indexes.push(Index {
            name: name.into(),
            columns: columns.into_iter().map(Into::into).collect(),
            unique,
        });
        self
    }

    /// `CHECK (sql)`, optionally named.
    pub fn check(mut self, name: Option<&str>, sql: impl Into<String>) -> Self {
        self.checks.push(CheckConstraint {
            name: name.map(str::to_owned),
            sql: sql.into(),
        });
        self
    }

    pub fn build(self) -> Table {
        Table {
            data: Arc::new(TableData {
                quoted: QuotedNames::new(&self.name, &self.columns),
                name: self.name,
                columns: self.columns,
                primary_key: self.primary_key,
                uniques: self.uniques,
                foreign_keys: self.foreign_keys,
                indexes: self.indexes,
                checks: self.checks,
            }),
            alias: None,
        }
    }

    /// Builds the table and registers it with `metadata`.
    pub fn register(self, metadata: &MetaData) -> Table {
        let table = self.build();
        metadata.add(table.clone());
        table
    }
}

#[cfg(test)]
mod tests {

    use crate::expr::Expr;
    use crate::types::{Integer, Text};
    use crate::{Column, MetaData, Table};

    fn column_of(e: &Expr) -> &crate::expr::ColumnRef {
        match e {
            Expr::Column(c) => c,
            other => panic!("not a column: {other:?}"),
        }
    }

    #[test]
    fn column_references_point_at_the_tables_columns() {
        let t = Table::new(
            "t",
            &MetaData::new(),
            [Column::new("id", Integer), Column::new("name", Text)],
        );
        let name = t.c("name");
        let c = column_of(&name);
        assert_eq!(c.name(), "name");
        assert!(std::ptr::eq(c.column().expect("known"), &t.columns()[1]));
        assert!(c.table().same_as(&t));
        // an unknown name still makes a reference (compiling reports it)
        let nope = t.c("nope");
        assert_eq!(column_of(&nope).name(), "nope");
        assert!(column_of(&nope).column().is_none());
    }

    #[test]
    fn a_multirow_insert_stays_within_the_placeholder_limit() {
        let narrow = Table::new("n", &MetaData::new(), [Column::new("id", Integer)]);
        assert_eq!(narrow.rows_per_insert(1), 1_000);
        assert_eq!(narrow.rows_per_insert(0), 1_000);
        let wide = Table::new(
            "w",
            &MetaData::new(),
            (0..200).map(|i| Column::new(format!("c{i}"), Integer)),
        );
        // 200 named columns and 200 that defaults may fill: 400 placeholders a row
        assert_eq!(wide.rows_per_insert(200), 65_535 / 400);
        assert!(wide.rows_per_insert(200) * 400 <= 65_535);
    }
}
