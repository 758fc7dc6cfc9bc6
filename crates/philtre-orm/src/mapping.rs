//! The mapping trait both styles produce, and the registry behind manual mapping.
//!
//! Manual (classical) mapping keeps the struct and the [`Table`] apart and ties them at run
//! time with [`mapper`], SQLAlchemy's `mapper(User, users)`. A declarative model (the later
//! `#[derive(Model)]`) overrides [`Mapped::table`] with its static table instead.

use std::any::TypeId;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::{Arc, LazyLock, OnceLock};

use crate::changes::Changes;
use crate::dialect_sql::DialectSql;
use parking_lot::RwLock;
use philtre::{
    and_, select, Compiled, Dialect, Error, Executable, Expr, FromValue, OrmError, RawRow, Result,
    Row, Select, Table, Value,
};

/// A struct whose values are the columns of one table row.
///
/// Write it by hand for manual mapping (three short items, one line per field), then
/// register the table with [`mapper`]:
///
/// ```
/// use philtre_orm::prelude::*;
///
/// #[derive(Debug, Clone)]
/// struct User { id: Option<i64>, name: String, email: String }
///
/// impl Mapped for User {
///     const COLUMNS: &'static [&'static str] = &["id", "name", "email"];
///     fn from_row(row: &Row) -> philtre_orm::Result<Self> {
///         Ok(User { id: row.get("id")?, name: row.get("name")?, email: row.get("email")? })
///     }
///     fn to_values(&self) -> Vec<Value> {
///         field_values![self.id, self.name, self.email]
///     }
/// }
///
/// let metadata = MetaData::new();
/// let users = Table::new("users", &metadata, [
///     Column::new("id", Integer).primary_key(),
///     Column::new("name", String(50)).unique(),
///     Column::new("email", String(120)).unique(),
/// ]);
/// assert!(User::table().is_err());   // not mapped yet: a typed error, not a panic
/// mapper::<User>(&users)?;           // mapper(User, users)
/// assert_eq!(User::table()?.name(), "users");
/// # Ok::<(), philtre_orm::Error>(())
/// ```
///
/// # Contract
///
/// - [`COLUMNS`](Self::COLUMNS) names the table columns the struct holds; they must include
///   the primary key. Other columns of the table are left to their defaults on insert.
/// - [`from_row`](Self::from_row) receives a row of exactly those columns, in that order
///   (by name or by position).
/// - [`to_values`](Self::to_values) returns one value per column, in the same order, and
///   gives back the key values [`from_row`](Self::from_row) read (their type may differ,
///   e.g. a uuid read from text): a loaded object's identity is taken from its row.
/// - A primary key that the database generates is `NULL` in `to_values` until the insert
///   (use `Option<i64>`); it is set back with [`set_generated_key`](Self::set_generated_key).
pub trait Mapped: Send + Sync + Sized + 'static {
    /// The mapped columns, in the order of [`to_values`](Self::to_values).
    const COLUMNS: &'static [&'static str];

    /// The table this type maps to. The default reads the [`mapper`] registry and
    /// returns [`OrmError::NotMapped`] when nothing was registered.
    fn table() -> Result<Table> {
        registered::<Self>()
            .map(|m| m.table.clone())
            .ok_or_else(|| not_mapped::<Self>())
    }

    /// Builds the object from a row of [`COLUMNS`](Self::COLUMNS).
    fn from_row(row: &Row) -> Result<Self>;

    /// Builds the object from a row it may take apart, so that every value (every string)
    /// moves into the object instead of being copied. The default calls
    /// [`from_row`](Self::from_row); `#[derive(Model)]` overrides it.
    fn from_owned_row(row: Row) -> Result<Self> {
        Self::from_row(&row)
    }

    /// Builds the object from one row's values, in [`COLUMNS`](Self::COLUMNS) order, as the
    /// driver decoded them: no [`Row`] is built, and every value may be moved out. Queries
    /// and [`Session::get`](crate::Session::get) load through this.
    ///
    /// The default builds a `Row` for [`from_owned_row`](Self::from_owned_row).
    /// `#[derive(Model)]` overrides it, and so can a hand-written mapping, in one line
    /// ([`FromValues`](philtre::FromValues) is implemented for tuples):
    ///
    /// ```
    /// # use philtre_orm::prelude::*;
    /// # use philtre_orm::philtre::FromValues;
    /// # use std::sync::Arc;
    /// # struct User { id: Option<i64>, name: String, email: String }
    /// # impl Mapped for User {
    /// #     const COLUMNS: &'static [&'static str] = &["id", "name", "email"];
    /// #     fn from_row(row: &Row) -> philtre_orm::Result<Self> {
    /// #         Ok(User { id: row.get("id")?, name: row.get("name")?, email: row.get("email")? })
    /// #     }
    /// #     fn to_values(&self) -> Vec<Value> { field_values![self.id, self.name, self.email] }
    /// fn from_values(values: &mut [Value], columns: &Arc<[String]>) -> philtre_orm::Result<Self> {
    ///     let (id, name, email) = FromValues::from_values(values, columns)?;
    ///     Ok(User { id, name, email })
    /// }
    /// # }
    /// ```
    fn from_values(values: &mut [Value], columns: &Arc<[String]>) -> Result<Self> {
        let values = values.iter_mut().map(std::mem::take).collect();
        Self::from_owned_row(Row::new(columns.clone(), values))
    }

    /// Builds the object from a driver's row, column by column, in
    /// [`COLUMNS`](Self::COLUMNS) order ([`RawRow`]): integers and text go straight into
    /// the fields, with no [`Value`] in between. Queries and `get` load through this.
    ///
    /// The default decodes the row into values (in the driver's reused buffer) for
    /// [`from_values`](Self::from_values).
    /// `#[derive(Model)]` overrides it, and so can a hand-written mapping, in one line:
    ///
    /// ```
    /// # use philtre_orm::prelude::*;
    /// # use philtre_orm::philtre::{FromValues, RawRow};
    /// # struct User { id: Option<i64>, name: String, email: String }
    /// # impl Mapped for User {
    /// #     const COLUMNS: &'static [&'static str] = &["id", "name", "email"];
    /// #     fn from_row(row: &Row) -> philtre_orm::Result<Self> {
    /// #         Ok(User { id: row.get("id")?, name: row.get("name")?, email: row.get("email")? })
    /// #     }
    /// #     fn to_values(&self) -> Vec<Value> { field_values![self.id, self.name, self.email] }
    /// fn from_raw(row: &mut dyn RawRow) -> philtre_orm::Result<Self> {
    ///     let (id, name, email) = FromValues::from_raw(row)?;
    ///     Ok(User { id, name, email })
    /// }
    /// # }
    /// ```
    fn from_raw(row: &mut dyn RawRow) -> Result<Self> {
        let (values, columns) = row.values()?;
        Self::from_values(values, columns)
    }

    /// The column values, in [`COLUMNS`](Self::COLUMNS) order.
    fn to_values(&self) -> Vec<Value>;

    /// The columns whose values differ from `snapshot` (values in
    /// [`COLUMNS`](Self::COLUMNS) order, as the database has them; a column past its end
    /// counts as changed), with this object's values for them: what a flush UPDATEs.
    ///
    /// The default compares [`to_values`](Self::to_values) ([`Changes::between`]), a copy
    /// of every field. `#[derive(Model)]` compares field by field and copies only the
    /// changed ones, and so can a hand-written mapping, in one line
    /// ([`field_changes!`](crate::field_changes)):
    ///
    /// ```
    /// # use philtre_orm::prelude::*;
    /// # use philtre_orm::{field_changes, Changes};
    /// # struct User { id: Option<i64>, name: String, email: String }
    /// # impl Mapped for User {
    /// #     const COLUMNS: &'static [&'static str] = &["id", "name", "email"];
    /// #     fn from_row(row: &Row) -> philtre_orm::Result<Self> {
    /// #         Ok(User { id: row.get("id")?, name: row.get("name")?, email: row.get("email")? })
    /// #     }
    /// #     fn to_values(&self) -> Vec<Value> { field_values![self.id, self.name, self.email] }
    /// fn changes(&self, snapshot: &[Value]) -> philtre_orm::Result<Changes> {
    ///     Ok(field_changes!(snapshot; self.id, self.name, self.email))
    /// }
    /// # }
    /// let user = User { id: Some(1), name: "root".into(), email: "admin@x".into() };
    /// let snapshot = [Value::Int(1), Value::from("admin"), Value::from("admin@x")];
    /// let changes = user.changes(&snapshot)?;
    /// assert_eq!(changes.columns(), &[1]);
    /// assert_eq!(changes.values(), &[Value::from("root")]);
    /// # Ok::<(), philtre_orm::Error>(())
    /// ```
    fn changes(&self, snapshot: &[Value]) -> Result<Changes> {
        let values = self.to_values();
        if values.len() != Self::COLUMNS.len() {
            return Err(OrmError::InvalidMapping {
                type_name: short_type_name::<Self>(),
                table: Self::table()
                    .map(|t| t.name().to_owned())
                    .unwrap_or_default(),
                reason: format!(
                    "to_values gave {} values for {} columns",
                    values.len(),
                    Self::COLUMNS.len()
                ),
            }
            .into());
        }
        Ok(Changes::between(values, snapshot))
    }

    /// Stores the primary key the database generated (values in the table's primary-key
    /// order). The default rebuilds the object through [`from_values`](Self::from_values)
    /// with the key put in (a copy of every field); `#[derive(Model)]` sets the key fields,
    /// and so can a hand-written mapping, in one line ([`generated_key`]):
    ///
    /// ```
    /// # use philtre_orm::prelude::*;
    /// # struct User { id: Option<i64>, name: String }
    /// # impl Mapped for User {
    /// #     const COLUMNS: &'static [&'static str] = &["id", "name"];
    /// #     fn from_row(row: &Row) -> philtre_orm::Result<Self> {
    /// #         Ok(User { id: row.get("id")?, name: row.get("name")? })
    /// #     }
    /// #     fn to_values(&self) -> Vec<Value> { field_values![self.id, self.name] }
    /// fn set_generated_key(&mut self, key: &[Value]) -> philtre_orm::Result<()> {
    ///     self.id = philtre_orm::generated_key(key)?;
    ///     Ok(())
    /// }
    /// # }
    /// let mut user = User { id: None, name: "admin".into() };
    /// user.set_generated_key(&[Value::Int(7)])?;
    /// assert_eq!(user.id, Some(7));
    /// assert!(user.set_generated_key(&[Value::from("seven")]).is_err());
    /// assert!(user.set_generated_key(&[Value::Int(1), Value::Int(2)]).is_err());
    /// # Ok::<(), philtre_orm::Error>(())
    /// ```
    fn set_generated_key(&mut self, key: &[Value]) -> Result<()> {
        let m = mapping::<Self>()?;
        let mut values = self.to_values();
        m.put_key(&mut values, key)?;
        *self = Self::from_values(&mut values, &m.columns)?;
        Ok(())
    }

    /// The primary-key values, taken from [`to_values`](Self::to_values).
    fn primary_key(&self) -> Result<Vec<Value>> {
        Ok(mapping::<Self>()?.key_of(&self.to_values()))
    }
}

/// A generated one-column primary key as the type of the key field, for a hand-written
/// [`Mapped::set_generated_key`]: `self.id = generated_key(key)?;`. A key of another
/// number of columns is [`Error::InvalidStatement`]; a value the type cannot hold is
/// [`Error::Decode`].
pub fn generated_key<T: FromValue>(key: &[Value]) -> Result<T> {
    let [value] = key else {
        return Err(Error::InvalidStatement(format!(
            "a generated key of one column was expected, got {} values",
            key.len()
        )));
    };
    T::from_value(value.clone()).ok_or_else(|| Error::Decode {
        column: "the generated primary key".into(),
        expected: T::EXPECTED,
        found: value.kind().to_owned(),
    })
}

/// The values at the primary key's positions `pk` (`NULL` where a row is short).
pub(crate) fn key_values(pk: &[usize], values: &[Value]) -> crate::identity::KeyValues {
    let at = |i: usize| values.get(i).cloned().unwrap_or(Value::Null);
    match pk {
        &[i] => crate::identity::KeyValues::One(at(i)),
        pk => pk.iter().map(|&i| at(i)).collect(),
    }
}

/// A select compiled earlier, with its parameters.
#[derive(Debug)]
pub(crate) struct Precompiled {
    sql: Arc<str>,
    params: Vec<Value>,
}

impl Executable for Precompiled {
    // `String::from(&*sql)`, not `sql.to_string()`: for an `Arc<str>` the latter goes
    // through `Display` and the formatter, ~200 instructions a `get` more.
    fn compile(&self, _: &dyn Dialect) -> Result<Compiled> {
        Ok(Compiled {
            sql: String::from(&*self.sql),
            params: self.params.clone(),
            returns_rows: true,
            primary_key: None,
        })
    }

    /// The key values move into the parameters (a `get` runs its statement once).
    fn into_compiled(self, _: &dyn Dialect) -> Result<Compiled> {
        Ok(Compiled {
            sql: String::from(&*self.sql),
            params: self.params,
            returns_rows: true,
            primary_key: None,
        })
    }

    fn only_reads(&self) -> bool {
        true
    }
}

/// `vec![Value::from(a.clone()), ...]`: the body of a one-line-per-field
/// [`Mapped::to_values`].
#[macro_export]
macro_rules! field_values {
    ($($field:expr),* $(,)?) => {
        ::std::vec![$($crate::Value::from(::std::clone::Clone::clone(&$field))),*]
    };
}

/// Maps `T` to `table` (SQLAlchemy's `mapper(User, users)`), replacing an earlier mapping.
///
/// Checks that every column of [`Mapped::COLUMNS`] exists in the table, once, and that the
/// table has a primary key whose columns are all mapped: [`OrmError::InvalidMapping`]
/// otherwise.
pub fn mapper<T: Mapped>(table: &Table) -> Result<()> {
    let m = Arc::new(Mapping::build::<T>(table.clone())?);
    REGISTRY.write().insert(TypeId::of::<T>(), m);
    Ok(())
}

/// What the session knows about a mapped type: its table and where its key sits.
#[derive(Debug)]
pub struct Mapping {
    pub(crate) type_name: &'static str,
    pub(crate) type_id: TypeId,
    pub(crate) table: Table,
    /// [`Mapped::COLUMNS`], shared by every row the session builds.
    pub(crate) columns: Arc<[String]>,
    /// For each primary-key column of the table (in its order): its position in `columns`.
    pub(crate) pk: Vec<usize>,
    /// For each of `columns`: its position in the table's columns, so that a flush finds
    /// a column's type and default without a search by name.
    table_columns: Vec<usize>,
    /// The kinds of raw row keys a load found equal to the keys `to_values` gives: rows
    /// with keys of these kinds skip the check (see `KeyCheck`).
    pub(crate) trusted_key_kinds: OnceLock<crate::identity::KeyKinds>,
    /// `SELECT <columns> FROM table WHERE <key> = ?`, for `get`.
    pub(crate) get_sql: DialectSql,
    /// `SELECT <columns> FROM table`, the head of every query of the type.
    pub(crate) select_sql: DialectSql,
}

/// `TypeId`s are hashes already: Fx is plenty, and much cheaper than SipHash.
type Registry = HashMap<TypeId, Arc<Mapping>, BuildHasherDefault<rustc_hash::FxHasher>>;

static REGISTRY: LazyLock<RwLock<Registry>> = LazyLock::new(Default::default);

fn registered<T: 'static>() -> Option<Arc<Mapping>> {
    REGISTRY.read().get(&TypeId::of::<T>()).cloned()
}

fn not_mapped<T>() -> Error {
    OrmError::NotMapped {
        type_name: short_type_name::<T>(),
    }
    .into()
}

/// The mapping of `T`: registered by [`mapper`], or built once from `T::table()`.
pub(crate) fn mapping<T: Mapped>() -> Result<Arc<Mapping>> {
    if let Some(m) = registered::<T>() {
        return Ok(m);
    }
    let m = Arc::new(Mapping::build::<T>(T::table()?)?);
    REGISTRY.write().insert(TypeId::of::<T>(), m.clone());
    Ok(m)
}

/// `my_app::models::User` → `User`.
pub(crate) fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    let head = full.split('<').next().unwrap_or(full);
    head.rsplit("::").next().unwrap_or(head)
}

impl Mapping {
    fn build<T: Mapped>(table: Table) -> Result<Mapping> {
        let type_name = short_type_name::<T>();
        let invalid = |reason: String| -> Error {
            OrmError::InvalidMapping {
                type_name,
                table: table.name().to_owned(),
                reason,
            }
            .into()
        };
        let mut table_columns = Vec::with_capacity(T::COLUMNS.len());
        for (i, c) in T::COLUMNS.iter().enumerate() {
            let Some(at) = table.columns().iter().position(|t| t.name == *c) else {
                return Err(invalid(format!("the table has no column {c:?}")));
            };
            if T::COLUMNS[..i].contains(c) {
                return Err(invalid(format!("column {c:?} is listed twice")));
            }
            table_columns.push(at);
        }
        if table.primary_key().is_empty() {
            return Err(invalid("the table has no primary key".into()));
        }
        let pk = table
            .primary_key()
            .iter()
            .map(|k| {
                T::COLUMNS.iter().position(|c| c == k).ok_or_else(|| {
                    invalid(format!(
                        "primary key column {k:?} is not in {type_name}::COLUMNS"
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Mapping {
            type_name,
            type_id: TypeId::of::<T>(),
            columns: T::COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
            pk,
            table_columns,
            table,
            trusted_key_kinds: OnceLock::new(),
            get_sql: DialectSql::default(),
            select_sql: DialectSql::default(),
        })
    }

    /// The mapped table.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// The table's column for mapped column `i` (a position in `columns`).
    pub(crate) fn table_column(&self, i: usize) -> Option<&philtre::Column> {
        self.table.columns().get(*self.table_columns.get(i)?)
    }

    /// Checks that `value` may be bound to mapped column `i` ([`Table::check_value`]).
    pub(crate) fn check_value(&self, i: usize, value: &Value) -> Result<()> {
        match self.table_column(i) {
            Some(col) => self.table.check_column_value(col, value),
            None => Ok(()),
        }
    }

    /// `SELECT <mapped columns> FROM table`, compiled for `dialect` (once).
    pub(crate) fn select_sql(&self, dialect: &dyn Dialect) -> Result<Arc<str>> {
        self.select_sql
            .get_or_compile(dialect, || self.select().compile(dialect))
    }

    /// `SELECT <mapped columns> FROM table`.
    pub(crate) fn select(&self) -> Select {
        select(self.columns.iter().map(|c| self.table.c(c))).select_from(&self.table)
    }

    /// The primary-key values within a full list of column values.
    pub(crate) fn key_of(&self, values: &[Value]) -> Vec<Value> {
        self.pk
            .iter()
            .map(|&i| values.get(i).cloned().unwrap_or(Value::Null))
            .collect()
    }

    /// The primary-key values within a full list of column values, without allocating
    /// for a single-column key.
    pub(crate) fn key_values(&self, values: &[Value]) -> crate::identity::KeyValues {
        key_values(&self.pk, values)
    }

    /// The identity after an UPDATE set the columns `changed` to `values`: `None` when it
    /// set no key column, and the identity is `old` still.
    pub(crate) fn key_after(
        &self,
        old: &crate::identity::Key,
        changed: &[usize],
        values: &[Value],
    ) -> Option<crate::identity::Key> {
        if !self.pk.iter().any(|i| changed.contains(i)) {
            return None;
        }
        let mut key = old.values.to_vec();
        for (part, i) in key.iter_mut().zip(&self.pk) {
            if let Some(value) = changed
                .iter()
                .position(|c| c == i)
                .and_then(|j| values.get(j))
            {
                *part = value.clone();
            }
        }
        Some(crate::identity::Key::new(self.type_id, key))
    }

    /// Writes key values into a full list of column values.
    pub(crate) fn put_key(&self, values: &mut [Value], key: &[Value]) -> Result<()> {
        if key.len() != self.pk.len() {
            return Err(Error::InvalidStatement(format!(
                "{} has a primary key of {} columns, got {} values",
                self.type_name,
                self.pk.len(),
                key.len()
            )));
        }
        for (&i, v) in self.pk.iter().zip(key) {
            if let Some(slot) = values.get_mut(i) {
                *slot = v.clone();
            }
        }
        Ok(())
    }

    /// `SELECT <columns> FROM table WHERE <key> = <values>` (`get` and `refresh`), compiled
    /// once per dialect; the values are checked against the key columns as the compiler
    /// would.
    pub(crate) fn get_statement(
        &self,
        dialect: &dyn Dialect,
        key: &[Value],
    ) -> Result<Precompiled> {
        for (&i, v) in self.pk.iter().zip(key) {
            self.check_value(i, v)?;
        }
        let compile = || self.select().where_(self.key_filter(key)).compile(dialect);
        if key.iter().any(Value::is_null) {
            // `= NULL` is written `IS NULL`, which binds nothing: text for this key alone,
            // not to be kept for others.
            let compiled = compile()?;
            return Ok(Precompiled {
                sql: compiled.sql.into(),
                params: compiled.params,
            });
        }
        // Otherwise the text does not depend on the values: they are bound.
        let sql = self.get_sql.get_or_compile(dialect, compile)?;
        Ok(Precompiled {
            sql,
            params: key.to_vec(),
        })
    }

    /// `pk1 = :v1 AND pk2 = :v2`.
    pub(crate) fn key_filter(&self, key: &[Value]) -> Expr {
        let mut conds: Vec<Expr> = self
            .pk
            .iter()
            .zip(key)
            .map(|(&i, v)| self.table.c(&self.columns[i]).eq(v.clone()))
            .collect();
        if conds.len() == 1 {
            conds.remove(0)
        } else {
            and_(conds)
        }
    }

    /// A row of the mapped columns.
    pub(crate) fn row(&self, values: Vec<Value>) -> Row {
        Row::new(self.columns.clone(), values)
    }
}

#[cfg(test)]
mod tests {
    use philtre::{create_engine, Column, Executable, MetaData, Table, Value};

    use super::Mapping;

    #[derive(Debug)]
    struct Tag {
        name: Option<String>,
    }

    impl super::Mapped for Tag {
        const COLUMNS: &'static [&'static str] = &["name"];
        fn from_row(row: &philtre::Row) -> crate::Result<Self> {
            Ok(Tag { name: row.get(0)? })
        }
        fn to_values(&self) -> Vec<Value> {
            crate::field_values![self.name]
        }
    }

    #[test]
    fn a_null_key_does_not_become_the_kept_get_statement() {
        let engine = create_engine("sqlite://").unwrap();
        let d = engine.dialect();
        let tags = Table::new(
            "tags",
            &MetaData::new(),
            [Column::new("name", philtre::types::Text).primary_key()],
        );
        let m = Mapping::build::<Tag>(tags).unwrap();
        let null = m
            .get_statement(d, &[Value::Null])
            .unwrap()
            .compile(d)
            .unwrap();
        assert!(null.sql.ends_with("IS NULL"), "{}", null.sql);
        assert!(null.params.is_empty());
        let named = m
            .get_statement(d, &[Value::from("a")])
            .unwrap()
            .compile(d)
            .unwrap();
        assert!(named.sql.ends_with("= ?"), "{}", named.sql);
        assert_eq!(named.params, [Value::from("a")]);
    }
}
