//! The unit of work: one flush writes every pending insert, change and delete in one
//! transaction, or nothing.

use std::sync::Arc;

use philtre::{Compiled, Executable, Expr, InsertedKey, OrmError, Result, Transaction, Value};

use super::plan::{key_for, Plan, Step};
use super::Session;
use crate::identity::{Key, KeyDisplay, KeyValues};
use crate::object::{ObjectState, Undo};

impl Session {
    /// Writes pending inserts, changes and deletes, in the session's transaction.
    ///
    /// Inserts and updates go parents first (by the tables' foreign keys), deletes
    /// children first. An UPDATE sets only the columns that differ from the snapshot.
    /// Generated primary keys are set on the new objects. On PostgreSQL, new objects of one
    /// table whose keys the database generates go as multi-row `INSERT ... RETURNING`
    /// statements of up to 1,000 rows (SQLAlchemy's "insertmanyvalues"), one round trip
    /// for them all.
    ///
    /// If a statement fails, the whole transaction is rolled back at once and the session
    /// answers [`OrmError::NeedsRollback`] until [`rollback`](Self::rollback); nothing is
    /// half written. With `autocommit`, the flush runs in a transaction of its own that
    /// commits; when it fails, the objects are left as they were before it.
    pub async fn flush(&mut self) -> Result<()> {
        self.check_usable()?;
        if self.nothing_to_flush() {
            return Ok(());
        }
        let plan = self.plan()?;
        if plan.is_empty() {
            return Ok(());
        }
        let own_tx = self.config.autocommit && self.tx.is_none();
        // Set until the flush ends: if its future is dropped on the way, the session knows
        // that statements may have run, and asks for a rollback before anything else.
        self.busy = Some("flush");
        let result = match self.tx {
            Some(_) => self.write(plan).await,
            None => match self.engine.begin().await {
                Ok(tx) => {
                    self.tx = Some(tx);
                    self.write(plan).await
                }
                Err(e) => {
                    self.busy = None;
                    return Err(e);
                }
            },
        };
        self.busy = None;
        match result {
            Ok(()) if own_tx => {
                let committed = match self.tx.take() {
                    Some(tx) => tx.commit().await,
                    None => Ok(()),
                };
                match committed {
                    Ok(()) => {
                        self.settle_commit();
                        Ok(())
                    }
                    Err(e) => {
                        self.revert(false);
                        Err(e)
                    }
                }
            }
            Ok(()) => Ok(()),
            Err(e) => {
                if let Some(tx) = self.tx.take() {
                    // Errors here mean the connection is gone, which also ends the transaction.
                    let _ = tx.rollback().await;
                }
                if own_tx {
                    self.revert(false);
                } else {
                    self.failed = Some(e.to_string());
                }
                Err(e)
            }
        }
    }

    async fn write(&mut self, plan: Plan) -> Result<()> {
        let Some(tx) = self.tx.as_mut() else {
            return Err(philtre::Error::ConnectionLost(
                "the session's transaction is gone".into(),
            ));
        };
        let Plan {
            mut inserts,
            mut updates,
            mut deletes,
        } = plan;
        self.wrote = true;
        self.changed_rows = true;
        for group in groups(&mut inserts, |a, b| {
            (&a.changed, a.defaulted) == (&b.changed, b.defaulted)
        }) {
            insert_group(tx, group).await?;
            for step in &*group {
                let key = step.obj.meta().lock().key.clone();
                if let Some(key) = key {
                    self.objects.insert_keyed(key, step.obj.clone());
                }
            }
        }
        for group in groups(&mut updates, |a, b| a.changed == b.changed) {
            let keys = update_group(tx, group).await?;
            for (old, new) in keys {
                if old != new {
                    self.objects.rekey(&old, new);
                }
            }
        }
        for group in groups(&mut deletes, |_, _| true) {
            delete_group(tx, group).await?;
            for step in &*group {
                if let Some(key) = &step.key {
                    self.objects.forget_key(key);
                }
            }
        }
        // Every pending object was in the plan (the flush holds the session) and is
        // persistent now.
        self.pending.clear();
        self.deletions.retain(|o| o.meta().lock().marked_deleted);
        Ok(())
    }
}

/// Runs of consecutive steps on one table that `same` says can share one compiled
/// statement. The plan orders steps by table, so each table's steps are together.
fn groups<'a>(
    steps: &'a mut [Step],
    same: impl Fn(&Step, &Step) -> bool + 'a,
) -> impl Iterator<Item = &'a mut [Step]> + 'a {
    steps.chunk_by_mut(move |a, b| Arc::ptr_eq(&a.mapping, &b.mapping) && same(a, b))
}

/// The statement text of a group and each step's parameters, the first step's compiled
/// with the statement (so the compiler checks its values) and the others' put in the
/// same places: `values(k)` gives step `k`'s bound values in statement order (step 0's
/// unchanged, the others' may be taken), and
/// values the compiler added after them (column defaults) are the same for every step.
/// `None` when the compiled parameters do not start with the first step's values (the
/// statement is then compiled for every step).
fn param_sets(
    compiled: &mut Compiled,
    count: usize,
    mut values: impl FnMut(usize) -> Result<Vec<Value>>,
) -> Result<Option<Vec<Vec<Value>>>> {
    let mut sets = Vec::with_capacity(count);
    let first = values(0)?;
    let n = first.len();
    if compiled.params.len() < n || compiled.params[..n] != first[..] {
        return Ok(None);
    }
    let tail = &compiled.params[n..];
    for k in 1..count {
        let mut set = values(k)?;
        set.extend(tail.iter().cloned());
        sets.push(set);
    }
    sets.insert(0, std::mem::take(&mut compiled.params));
    Ok(Some(sets))
}

/// INSERTs a group of pending objects of one table and column set, with one compiled
/// statement (pipelined on PostgreSQL; a multi-row INSERT there when the database
/// generates the keys), and makes them persistent.
async fn insert_group(tx: &mut Transaction<'static>, steps: &mut [Step]) -> Result<()> {
    let m = steps[0].mapping.clone();
    let table = &m.table;
    let (cols, defaulted) = (steps[0].changed.clone(), steps[0].defaulted);
    let row = cols
        .iter()
        .map(|&i| (m.columns[i].clone(), Expr::Bind(steps[0].values[i].clone())));
    let mut compiled = table.insert().values(row).into_compiled(tx.dialect())?;
    let pre_keys: Vec<KeyValues> = steps.iter().map(|s| m.key_values(&s.values)).collect();
    // A row that names no column (all defaults) has no multi-row form.
    if compiled.primary_key == Some(InsertedKey::Returning) && steps.len() > 1 && !cols.is_empty() {
        return insert_rows_returning(tx, steps, &cols, defaulted, pre_keys).await;
    }
    let all_columns = cols.len() == m.columns.len();
    let count = steps.len();
    let checked = |k: usize| -> Result<Vec<Value>> {
        let step = &mut steps[k];
        let values: Vec<Value> = if k == 0 {
            cols.iter().map(|&i| step.values[i].clone()).collect()
        } else if all_columns {
            // Not needed any more: the parameters take them over.
            std::mem::take(&mut step.values)
        } else {
            take_columns(step, &cols)
        };
        for (&i, v) in cols.iter().zip(&values) {
            m.check_value(i, v)?;
        }
        Ok(values)
    };
    let sets = match param_sets(&mut compiled, count, checked)? {
        Some(sets) => sets,
        None => {
            // Only step 0 was looked at: every step still has its values.
            for (step, pre_key) in steps.iter().zip(pre_keys) {
                insert_one(tx, step, pre_key).await?;
            }
            return Ok(());
        }
    };
    // The key each insert reports, when the database generates it.
    let generated: Vec<Option<KeyValues>> = match compiled.primary_key {
        Some(InsertedKey::Returning) => tx
            .query_many(&compiled.sql, sets)
            .await?
            .into_iter()
            .map(|rows| {
                let row = rows.rows.into_iter().next();
                row.map(|r| KeyValues::from(r.into_values()))
            })
            .collect(),
        // No RETURNING (SQLite, MySQL): each insert's own id.
        Some(InsertedKey::LastInsertId) => tx
            .execute_each(&compiled.sql, sets)
            .await?
            .into_iter()
            .map(|r| r.last_insert_id.map(|id| KeyValues::One(Value::Int(id))))
            .collect(),
        _ => {
            tx.execute_each(&compiled.sql, sets).await?;
            vec![None; steps.len()]
        }
    };
    inserted(tx, steps.iter().zip(pre_keys).zip(generated), defaulted).await
}

/// INSERTs a group whose keys the database generates and returns (PostgreSQL) as
/// multi-row `INSERT ... RETURNING` statements of up to 1,000 rows: one statement for the
/// group instead of one per object, as SQLAlchemy's "insertmanyvalues" does.
///
/// Each returned key goes to the object of the same position: PostgreSQL returns the rows
/// of an `INSERT ... VALUES` in the order of its rows (Django's `bulk_create` relies on the
/// same). A statement that returns another number of rows than it was given (a trigger
/// that skipped one) fails the flush, since no key could be matched to its object.
async fn insert_rows_returning(
    tx: &mut Transaction<'static>,
    steps: &mut [Step],
    cols: &[usize],
    defaulted: bool,
    pre_keys: Vec<KeyValues>,
) -> Result<()> {
    let m = steps[0].mapping.clone();
    let returning: Vec<Expr> = m.table.primary_key().iter().map(|c| m.table.c(c)).collect();
    let chunk = m.table.rows_per_insert(cols.len());
    let mut generated = Vec::with_capacity(steps.len());
    for part in steps.chunks_mut(chunk) {
        let rows: Vec<Vec<(&str, Value)>> = part
            .iter_mut()
            .map(|step| {
                let names = cols.iter().map(|&i| m.columns[i].as_str());
                names.zip(take_columns(step, cols)).collect()
            })
            .collect();
        let stmt = m.table.insert().rows(rows).returning(returning.clone());
        let keys = tx.execute(stmt).await?.all();
        if keys.len() != part.len() {
            return Err(OrmError::InvalidState {
                type_name: part[0].obj.type_name(),
                state: "pending",
                reason: format!(
                    "an INSERT of {} rows into {:?} returned {} keys",
                    part.len(),
                    m.table.name(),
                    keys.len()
                ),
            }
            .into());
        }
        generated.extend(keys.into_iter().map(|r| KeyValues::from(r.into_values())));
    }
    let generated = generated.into_iter().map(Some);
    inserted(tx, steps.iter().zip(pre_keys).zip(generated), defaulted).await
}

/// Moves the values of the columns `cols` (in increasing order) out of the step, in its
/// own buffer, for a statement to take over. What is left is no snapshot, so none is
/// kept: `inserted` sees the values gone, and the object's next flush writes every column.
fn take_columns(step: &mut Step, cols: &[usize]) -> Vec<Value> {
    columns_of(std::mem::take(&mut step.values), cols)
}

/// The values at positions `cols` (in increasing order), in `values`' buffer.
fn columns_of(mut values: Vec<Value>, cols: &[usize]) -> Vec<Value> {
    if let (Some(&first), Some(&last)) = (cols.first(), cols.last()) {
        if last - first + 1 == cols.len() && last < values.len() {
            // A run of columns (every column but a generated key, say): cut both ends.
            values.truncate(last + 1);
            values.drain(..first);
            return values;
        }
    }
    let mut wanted = cols.iter().copied().peekable();
    let mut i = 0;
    values.retain(|_| {
        let keep = wanted.next_if_eq(&i).is_some();
        i += 1;
        keep
    });
    values
}

/// INSERTs one pending object with a statement of its own.
async fn insert_one(tx: &mut Transaction<'static>, step: &Step, pre_key: KeyValues) -> Result<()> {
    let m = &step.mapping;
    let (cols, defaulted) = (&step.changed, step.defaulted);
    let row = cols
        .iter()
        .map(|&i| (m.columns[i].clone(), Expr::Bind(step.values[i].clone())));
    let result = tx.execute(m.table.insert().values(row)).await?;
    let key = result
        .inserted_primary_key()
        .map(|k| k.iter().cloned().collect::<KeyValues>());
    inserted(tx, std::iter::once(((step, pre_key), key)), defaulted).await
}

/// After their INSERTs, each object with the key it had (`pre_key`) and the one the
/// database generated, if any: sets the generated key on the object, reads back what
/// defaults wrote, and makes it persistent. One call for a group, not one per object: a
/// future per object cost a copy of its state each time, though only the read-back
/// awaits anything.
async fn inserted<'a>(
    tx: &mut Transaction<'static>,
    objects: impl Iterator<Item = ((&'a Step, KeyValues), Option<KeyValues>)>,
    defaulted: bool,
) -> Result<()> {
    for ((step, pre_key), generated) in objects {
        let key_values = generated_key(step, &pre_key, generated)?;
        if defaulted {
            read_back_defaults(tx, step).await?;
        }
        make_persistent(step, pre_key, key_values)?;
    }
    Ok(())
}

/// The object's key after its INSERT: the one it had, or the one the database generated
/// for it (set on the object).
fn generated_key(
    step: &Step,
    pre_key: &KeyValues,
    generated: Option<KeyValues>,
) -> Result<KeyValues> {
    if !pre_key.iter().any(Value::is_null) {
        return Ok(pre_key.clone());
    }
    let generated = generated
        .filter(|k| k.len() == pre_key.len() && !k.iter().any(Value::is_null))
        .ok_or_else(|| {
            philtre::Error::from(OrmError::InvalidState {
                type_name: step.obj.type_name(),
                state: "pending",
                reason: format!(
                    "the database reported no generated primary key for table {:?}",
                    step.mapping.table.name()
                ),
            })
        })?;
    step.obj.set_key(&generated)?;
    Ok(generated)
}

/// Reads back what the defaults wrote, so the object and its snapshot agree.
async fn read_back_defaults(tx: &mut Transaction<'static>, step: &Step) -> Result<()> {
    let m = &step.mapping;
    let key = m.key_of(&step.obj.values()?);
    let fetched = tx
        .execute(m.select().where_(m.key_filter(&key)))
        .await?
        .one()?;
    step.obj.load(fetched)
}

/// Makes an inserted object persistent under the key `key_values`, recording what a
/// rollback must undo.
fn make_persistent(step: &Step, pre_key: KeyValues, key_values: KeyValues) -> Result<()> {
    let m = &step.mapping;
    // Its identity: the key it was given or the database generated, once a to_values
    // call has shown that keys of these kinds come back unchanged (as for loads).
    let key = Key::new(m.type_id, key_values);
    let key = if m
        .trusted_key_kinds
        .get()
        .is_some_and(|k| key.values.has_kinds(k))
    {
        key
    } else {
        let canonical = key_for(m, &step.obj.values()?);
        if canonical == key {
            let _ = m.trusted_key_kinds.set(key.values.kinds());
        }
        canonical
    };
    let mut meta = step.obj.meta().lock();
    meta.record_insert(pre_key);
    // The database has what the object held when its values were read: no snapshot
    // until its next write, unless it was written since, when those values (with its
    // key) are the snapshot that write changed. Values handed over to the statement
    // leave none: a next flush then writes every column.
    meta.snapshot = if step.obj.settle(step.writes) || step.values.is_empty() {
        None
    } else {
        let mut inserted = step.values.clone();
        m.put_key(&mut inserted, &key.values)
            .ok()
            .map(|()| inserted)
    };
    meta.key = Some(key);
    meta.state = Some(ObjectState::Persistent);
    meta.expired = false;
    Ok(())
}

/// UPDATEs the changed columns of a group of objects of one table that changed the same
/// columns, with one compiled statement (pipelined on PostgreSQL); every UPDATE must find
/// its row. Returns each object's identity before and after.
async fn update_group(
    tx: &mut Transaction<'static>,
    steps: &mut [Step],
) -> Result<Vec<(Key, Key)>> {
    let m = &steps[0].mapping.clone();
    let old_keys: Vec<Key> = steps
        .iter()
        .map(|s| match &s.key {
            Some(key) => Ok(key.clone()),
            None => Ok(key_for(m, &s.obj.values()?)),
        })
        .collect::<Result<_>>()?;
    // Worked out before the values move into the statement.
    let new_keys: Vec<Option<Key>> = steps
        .iter()
        .zip(&old_keys)
        .map(|(s, old)| m.key_after(old, &s.changed, &s.values))
        .collect();
    let set = |step: &Step| {
        let names = step.changed.iter().map(|&i| m.columns[i].clone());
        let values = step.values.iter().map(|v| Expr::Bind(v.clone()));
        names.zip(values).collect::<Vec<_>>()
    };
    let mut compiled = m
        .table
        .update()
        .values(set(&steps[0]))
        .where_(m.key_filter(&old_keys[0].values))
        .compile(tx.dialect())?;
    let count = steps.len();
    // Step 0's values are compared with the compiled parameters, so they are copied;
    // the others' move into their parameter sets (their buffers have room for the key).
    let checked = |k: usize| -> Result<Vec<Value>> {
        let step = &mut steps[k];
        for (&i, v) in step.changed.iter().zip(&step.values) {
            m.check_value(i, v)?;
        }
        let mut params = if k == 0 {
            step.values.clone()
        } else {
            std::mem::take(&mut step.values)
        };
        params.extend(old_keys[k].values.iter().cloned());
        Ok(params)
    };
    let found: Vec<u64> = match param_sets(&mut compiled, count, checked)? {
        Some(sets) => tx
            .execute_each(&compiled.sql, sets)
            .await?
            .into_iter()
            .map(|r| r.rows_affected)
            .collect(),
        None => {
            // Only step 0 was looked at: every step still has its values.
            let mut found = Vec::with_capacity(steps.len());
            for (step, old) in steps.iter().zip(&old_keys) {
                let stmt = m
                    .table
                    .update()
                    .values(set(step))
                    .where_(m.key_filter(&old.values));
                found.push(tx.execute(stmt).await?.rows_affected());
            }
            found
        }
    };
    let mut keys = Vec::with_capacity(steps.len());
    let outcomes = steps.iter().zip(old_keys).zip(new_keys).zip(found);
    for (((step, old), new), found) in outcomes {
        if found != 1 {
            return Err(OrmError::StaleData {
                table: m.table.name().to_owned(),
                key: KeyDisplay(&old.values).to_string(),
                found,
            }
            .into());
        }
        let new = new.unwrap_or_else(|| old.clone());
        let mut meta = step.obj.meta().lock();
        // The database has the flushed values now. Not written since they were read, the
        // object is in step and needs no snapshot (so closing or committing the session
        // does not compare it again). Written since, it needs one of what the database
        // has; the flushed values have moved into the statement, so it keeps none, and
        // its next flush writes every column.
        step.obj.settle(step.writes);
        let before = meta.snapshot.take();
        meta.record_undo(|| Undo {
            inserted: None,
            snapshot: before,
            key: Some(old.clone()),
            marked_deleted: false,
        });
        meta.key = Some(new.clone());
        keys.push((old, new));
    }
    Ok(keys)
}

/// DELETEs a group of objects of one table; they stay `Deleted` until the transaction
/// commits.
async fn delete_group(tx: &mut Transaction<'static>, steps: &mut [Step]) -> Result<()> {
    let m = &steps[0].mapping;
    let keys: Vec<Key> = steps
        .iter()
        .map(|s| s.key.clone().unwrap_or_else(|| key_for(m, &s.values)))
        .collect();
    let mut compiled = m
        .table
        .delete()
        .where_(m.key_filter(&keys[0].values))
        .compile(tx.dialect())?;
    let key_values = |k: usize| Ok(keys[k].values.to_vec());
    // Like SQLAlchemy, a row already gone (e.g. by ON DELETE CASCADE) is not an error.
    match param_sets(&mut compiled, steps.len(), key_values)? {
        Some(sets) => {
            tx.execute_each(&compiled.sql, sets).await?;
        }
        None => {
            for key in &keys {
                tx.execute(m.table.delete().where_(m.key_filter(&key.values)))
                    .await?;
            }
        }
    }
    for step in &*steps {
        // Marked by `session.delete()`: a rollback marks it again.
        step.obj.meta().lock().record_delete(true);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> Vec<Value> {
        (0..5).map(Value::Int).collect()
    }

    fn ints(values: &[Value]) -> Vec<i64> {
        values
            .iter()
            .map(|v| match v {
                Value::Int(n) => *n,
                other => panic!("not an int: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn columns_of_takes_a_run_a_scattered_set_or_none() {
        assert_eq!(ints(&columns_of(row(), &[1, 2, 3, 4])), [1, 2, 3, 4]);
        assert_eq!(ints(&columns_of(row(), &[0, 1])), [0, 1]);
        assert_eq!(ints(&columns_of(row(), &[2])), [2]);
        assert_eq!(ints(&columns_of(row(), &[0, 2, 4])), [0, 2, 4]);
        assert_eq!(ints(&columns_of(row(), &[0, 1, 2, 3, 4])), [0, 1, 2, 3, 4]);
        assert!(columns_of(row(), &[]).is_empty());
    }

    #[test]
    fn columns_of_skips_positions_past_the_row() {
        assert_eq!(ints(&columns_of(row(), &[3, 4, 5])), [3, 4]);
        assert_eq!(ints(&columns_of(row(), &[1, 7])), [1]);
    }
}
