//! Loading: rows become objects through the identity map; `get`, `refresh`, `merge`,
//! and the runners behind [`Query`](crate::Query).

use std::any::TypeId;
use std::sync::Arc;

use philtre::{
    func, select, CursorResult, Error, Expr, OrmError, RawRow, Result, Row, RowSink, Select,
};

use super::attached::IdentityMap;
use super::identity_map::{MapKey, Slot};
use super::{invalid_state, Session};
use crate::identity::{IntoKey, Key, KeyKinds, KeyValues};
use crate::mapping::{key_values, mapping, Mapped, Mapping};
use crate::object::{typed, AnyObj, Membership, Obj, ObjectState};
use crate::query::MappedSelect;

impl Session {
    /// The object with this primary key: from the identity map without SQL when it is
    /// there (and not expired), else by a SELECT (after an autoflush). `None` when no row
    /// has that key, or the object is marked for deletion.
    ///
    /// A composite key is a tuple: `session.get::<Membership>((user_id, group_id))`.
    pub async fn get<T: Mapped>(&mut self, key: impl IntoKey) -> Result<Option<Obj<T>>> {
        self.check_usable()?;
        let m = mapping::<T>()?;
        let values = key.into_key();
        if values.len() != m.pk.len() {
            return Err(Error::InvalidStatement(format!(
                "{} has a primary key of {} columns, get() was given {}",
                m.type_name,
                m.pk.len(),
                values.len()
            )));
        }
        if values.iter().any(philtre::Value::is_null) {
            // `key = NULL` matches no row (SQLAlchemy warns and returns None too).
            return Ok(None);
        }
        let key = Key::new(TypeId::of::<T>(), values);
        if let Some(found) = self.identity_hit::<T>(&key) {
            return Ok(found);
        }
        self.autoflush().await?;
        if let Some(found) = self.identity_hit::<T>(&key) {
            return Ok(found);
        }
        let stmt = m.get_statement(self.engine.dialect(), &key.values)?;
        Ok(self.load_rows::<T>(&m, stmt).await?.into_iter().next())
    }

    /// `Some(answer)` when the identity map settles a `get` without SQL.
    fn identity_hit<T: Mapped>(&self, key: &Key) -> Option<Option<Obj<T>>> {
        let any = self.objects.by_key(key)?;
        let meta = any.meta().lock();
        if meta.marked_deleted {
            return Some(None);
        }
        if meta.expired {
            return None;
        }
        drop(meta);
        typed::<T>(any).map(Some)
    }

    /// Reloads a persistent object from its row, discarding its unflushed changes.
    pub async fn refresh<T: Mapped>(&mut self, obj: &Obj<T>) -> Result<()> {
        self.check_usable()?;
        let (session, state, key) = {
            let meta = obj.cell.meta.lock();
            (meta.in_session(self.id), meta.state, meta.key.clone())
        };
        let state = state.unwrap_or(ObjectState::Transient);
        let (true, ObjectState::Persistent, Some(key)) = (session, state, key) else {
            return Err(invalid_state::<T>(
                state,
                "only a persistent object of this session can be refreshed",
            ));
        };
        let m = mapping::<T>()?;
        let stmt = m.get_statement(self.engine.dialect(), &key.values)?;
        let row = self
            .read(stmt)
            .await?
            .first()
            .ok_or_else(|| invalid_state::<T>(state, "its row is no longer in the database"))?;
        let any: Arc<dyn AnyObj> = obj.cell.clone();
        overwrite(&any, row)
    }

    /// Copies `value` onto the session's object with the same primary key, loading that
    /// object first if needed, and returns it; with no such row (or no key) the value is
    /// added as a new object. SQLAlchemy's `merge`.
    pub async fn merge<T: Mapped>(&mut self, value: T) -> Result<Obj<T>> {
        self.check_usable()?;
        let m = mapping::<T>()?;
        let key = m.key_of(&value.to_values());
        if key.iter().any(philtre::Value::is_null) {
            return self.add(value);
        }
        match self.get::<T>(key).await? {
            Some(obj) => {
                AnyObj::set_touched(&*obj.cell, true);
                *obj.cell.value.try_write().ok_or(OrmError::ObjectLocked {
                    type_name: m.type_name,
                })? = value;
                Ok(obj)
            }
            None => self.add(value),
        }
    }

    /// Runs a select of `T`'s mapped columns; each row becomes the session's object for
    /// it as the driver decodes it (no list of values in between). No autoflush here.
    ///
    /// A query that fails part way leaves the objects of the rows before the failure in
    /// the session, as SQLAlchemy does: they are what the database had.
    async fn load_rows<T: Mapped>(
        &mut self,
        m: &Mapping,
        stmt: impl philtre::Executable,
    ) -> Result<Vec<Obj<T>>> {
        self.load_rows_checking(m, stmt, false).await
    }

    /// [`load_rows`](Self::load_rows), first checking, when `check_columns`, that the
    /// statement's columns are `T`'s mapped ones: a statement not built from the mapping
    /// could select others, which the positional decoding would misread.
    async fn load_rows_checking<T: Mapped>(
        &mut self,
        m: &Mapping,
        stmt: impl philtre::Executable,
        check_columns: bool,
    ) -> Result<Vec<Obj<T>>> {
        let mut own = self.own_reader().await?;
        let conn: &mut philtre::Connection = match own.as_mut() {
            Some(conn) => conn,
            None => match self.tx.as_mut() {
                Some(tx) => tx,
                None => {
                    return Err(Error::ConnectionLost(
                        "the session's transaction is gone".into(),
                    ))
                }
            },
        };
        let mut sink = Loading {
            m,
            adopter: Adopter {
                // Apart from the identity map: the two are borrowed together.
                membership: Membership::of(&mut self.membership, self.id),
                identity: self.objects.of_type(TypeId::of::<T>()),
            },
            check: KeyCheck::default(),
            check_columns,
            columns: None,
            out: Vec::new(),
        };
        conn.query_each(stmt, &mut sink).await?;
        Ok(sink.out)
    }

    /// Runs a statement of the caller's and loads its rows (after an autoflush): its
    /// columns are checked against `T`'s mapped ones before the first row.
    pub(crate) async fn load_statement<T: Mapped>(
        &mut self,
        m: &Mapping,
        stmt: impl philtre::Executable,
    ) -> Result<Vec<Obj<T>>> {
        self.check_usable()?;
        self.autoflush().await?;
        self.load_rows_checking(m, stmt, true).await
    }

    /// Runs a select of `T`'s mapped columns and loads the rows (after an autoflush).
    ///
    /// Rows become values as the driver decodes them ([`Mapped::from_values`]), with no
    /// `Row` in between, and objects at once.
    pub(crate) async fn load_all<T: Mapped>(
        &mut self,
        stmt: MappedSelect<'_>,
    ) -> Result<Vec<Obj<T>>> {
        self.check_usable()?;
        self.autoflush().await?;
        self.load_rows(stmt.mapping(), &stmt).await
    }

    /// Runs a select that yields values, not objects (after an autoflush).
    pub(crate) async fn query_raw(&mut self, stmt: Select) -> Result<CursorResult> {
        self.check_usable()?;
        self.autoflush().await?;
        self.read(stmt).await
    }

    /// `UPDATE table SET ... WHERE filter`; objects of the session whose rows it matched
    /// are expired, so the next load shows the new values.
    pub(crate) async fn bulk_update(
        &mut self,
        m: &Mapping,
        filter: Option<Expr>,
        values: Vec<(String, Expr)>,
    ) -> Result<u64> {
        let keys = self.matching_keys(m, filter.clone()).await?;
        let mut stmt = m.table.update().values(values);
        if let Some(f) = filter {
            stmt = stmt.where_(f);
        }
        self.changed_rows = true;
        let n = self.run(stmt).await?.rows_affected();
        for key in keys {
            if let Some(any) = self.objects.by_key(&key) {
                any.meta().lock().expired = true;
            }
        }
        Ok(n)
    }

    /// `DELETE FROM table WHERE filter`; objects of the session whose rows it removed
    /// become `Deleted`, as if deleted through the session.
    pub(crate) async fn bulk_delete(&mut self, m: &Mapping, filter: Option<Expr>) -> Result<u64> {
        let keys = self.matching_keys(m, filter.clone()).await?;
        let mut stmt = m.table.delete();
        if let Some(f) = filter {
            stmt = stmt.where_(f);
        }
        self.changed_rows = true;
        let n = self.run(stmt).await?.rows_affected();
        self.wrote |= !keys.is_empty();
        for key in keys {
            if let Some(any) = self.objects.forget_key(&key) {
                any.meta().lock().record_delete(false);
                self.deletions.retain(|d| d.id() != any.id());
            }
        }
        Ok(n)
    }

    /// The identities a bulk statement will touch that this session holds
    /// (SQLAlchemy's `synchronize_session="fetch"`), after an autoflush.
    async fn matching_keys(&mut self, m: &Mapping, filter: Option<Expr>) -> Result<Vec<Key>> {
        self.check_usable()?;
        self.autoflush().await?;
        let held = self.objects.has_type(m.type_id);
        if !held {
            return Ok(Vec::new());
        }
        let pk_cols = m.pk.iter().map(|&i| m.table.c(&m.columns[i]));
        let mut stmt = select(pk_cols).select_from(&m.table);
        if let Some(f) = filter {
            stmt = stmt.where_(f);
        }
        let rows = self.run(stmt).await?.all();
        Ok(rows
            .into_iter()
            .map(|r| Key::new(m.type_id, r.into_values()))
            .collect())
    }

    /// `SELECT count(*) FROM (query)`.
    pub(crate) async fn count(&mut self, stmt: Select) -> Result<i64> {
        let mut inner = stmt;
        inner.order_by.clear();
        let q = select([func::count_star()]).select_from(inner.subquery("anon_1"));
        self.query_raw(q).await?.scalar_one::<i64>()
    }
}

/// Overwrites an object from a fresh row: it is in step with the database again.
fn overwrite(any: &Arc<dyn AnyObj>, row: Row) -> Result<()> {
    any.load(row)?;
    in_step(any);
    Ok(())
}

/// The object's value is what the database has: no snapshot needed until the next write.
fn in_step(any: &Arc<dyn AnyObj>) {
    let mut meta = any.meta().lock();
    meta.snapshot = None;
    meta.expired = false;
    any.set_touched(false);
}

/// A loaded row met an object of the session: the object, overwritten by the row's value
/// when it is expired, as it is otherwise.
fn refreshed<T: Mapped>(any: &Arc<dyn AnyObj>, fresh: T) -> Result<Obj<T>> {
    let obj = typed::<T>(any).ok_or_else(|| {
        philtre::Error::from(OrmError::InvalidState {
            type_name: any.type_name(),
            state: "persistent",
            reason: "its identity belongs to an object of another type".into(),
        })
    })?;
    if any.meta().lock().expired {
        *obj.cell.value.try_write().ok_or(OrmError::ObjectLocked {
            type_name: any.type_name(),
        })? = fresh;
        in_step(any);
    }
    Ok(obj)
}

/// What loading a row writes of its session: borrowed apart from the session's
/// connection, so that rows become objects while the query runs.
struct Adopter<'s> {
    membership: &'s Arc<Membership>,
    /// The identity map of the type loaded.
    identity: &'s mut IdentityMap,
}

impl Adopter<'_> {
    /// A value just built from a row whose primary-key values were `raw` → the session's
    /// object for it.
    ///
    /// An object already in the identity map is returned as it is, unless it is expired,
    /// in which case the value overwrites it. Otherwise the value becomes a new persistent
    /// object; no snapshot is taken (the first `write()` takes it).
    fn adopt<T: Mapped>(
        &mut self,
        m: &Mapping,
        raw: KeyValues,
        value: T,
        check: &mut KeyCheck,
    ) -> Result<Obj<T>> {
        let key = if check.trusts(m, &raw) {
            raw
        } else {
            // The decoded key can differ in kind from the raw one (e.g. text → uuid).
            let key = m.key_values(&value.to_values());
            if key == raw {
                check.learn(m, &raw);
            } else if let Some(any) = self.identity.get(&raw) {
                return refreshed::<T>(any, value);
            }
            key
        };
        // One probe finds the object with this identity or the slot for a new one (a load
        // of 10,000 rows does this 10,000 times; in key order, with no hashing).
        match self.identity.slot(MapKey::of(&key)) {
            Slot::Held(held) => refreshed::<T>(held, value),
            Slot::Vacant(slot) => {
                let key = Key::new(TypeId::of::<T>(), key);
                let obj = Obj::persistent(value, self.membership, key);
                slot.insert(obj.cell.clone());
                Ok(obj)
            }
        }
    }
}

/// Turns a load's rows into the session's objects while the driver decodes them.
struct Loading<'s, T> {
    m: &'s Mapping,
    adopter: Adopter<'s>,
    check: KeyCheck,
    /// Whether the result's columns must be checked against the mapping's (a statement
    /// the caller wrote).
    check_columns: bool,
    /// Given before the first row (an empty `Arc` would be an allocation per load).
    columns: Option<Arc<[String]>>,
    out: Vec<Obj<T>>,
}

impl<T: Mapped> RowSink for Loading<'_, T> {
    fn columns(&mut self, names: &Arc<[String]>) -> Result<()> {
        if self.check_columns && **names != *self.m.columns {
            return Err(Error::InvalidStatement(format!(
                "{} is loaded from columns {:?}, in that order; the statement gives {:?}",
                self.m.type_name, self.m.columns, names
            )));
        }
        self.columns = Some(names.clone());
        Ok(())
    }

    fn row(&mut self, values: &mut [philtre::Value]) -> Result<()> {
        let key = key_values(&self.m.pk, values);
        let Some(columns) = &self.columns else {
            return Err(Error::InvalidStatement(
                "the driver gave a row before its columns".into(),
            ));
        };
        let value = T::from_values(values, columns)?;
        let obj = self.adopter.adopt(self.m, key, value, &mut self.check)?;
        self.out.push(obj);
        Ok(())
    }

    /// The query starts over: its rows come again. Objects already made stay in the
    /// session; the rows meet them in the identity map.
    fn reset(&mut self) {
        self.out.clear();
    }

    /// The key's values are peeked (identities are made of values), then the object reads
    /// the row.
    fn raw_row(&mut self, row: &mut dyn RawRow) -> Result<()> {
        let key: KeyValues = match self.m.pk.as_slice() {
            &[i] => KeyValues::One(row.peek(i)?),
            pk => pk.iter().map(|&i| row.peek(i)).collect::<Result<_>>()?,
        };
        let value = T::from_raw(row)?;
        let obj = self.adopter.adopt(self.m, key, value, &mut self.check)?;
        self.out.push(obj);
        Ok(())
    }
}

/// Whether a load's raw row keys are already the keys its objects' `to_values` give.
///
/// Checked on the first row whose key values are of kinds not seen before (by this load,
/// or by the mapping's first load); after that, rows with keys of the same kinds skip the
/// check, and so the `to_values` call.
#[derive(Default)]
pub(crate) struct KeyCheck {
    trusted: Option<KeyKinds>,
    /// The kind of a one-value key this load already trusted: the usual key, answered
    /// with one comparison instead of a walk of the kinds lists, row after row.
    one: Option<std::mem::Discriminant<philtre::Value>>,
}

impl KeyCheck {
    fn trusts(&mut self, m: &Mapping, key: &KeyValues) -> bool {
        let one = match key {
            KeyValues::One(v) => Some(std::mem::discriminant(v)),
            KeyValues::Many(_) => None,
        };
        if one.is_some() && one == self.one {
            return true;
        }
        let trusted = m.trusted_key_kinds.get().is_some_and(|k| key.has_kinds(k))
            || self.trusted.as_ref().is_some_and(|k| key.has_kinds(k));
        if trusted && one.is_some() {
            self.one = one;
        }
        trusted
    }

    fn learn(&mut self, m: &Mapping, key: &KeyValues) {
        let kinds = key.kinds();
        let _ = m.trusted_key_kinds.set(kinds.clone());
        self.trusted = Some(kinds);
    }
}
