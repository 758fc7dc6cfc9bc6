//! The unit of work: one flush writes every pending insert, change and delete in one
//! transaction, or nothing.

use std::sync::Arc;

use philtre::{Expr, OrmError, Result, Transaction, Value};

use super::plan::{key_for, Plan, Step};
use super::Session;
use crate::identity::KeyDisplay;
use crate::object::{AnyObj, ObjectState, Undo};

impl Session {
    /// Writes pending inserts, changes and deletes, in the session's transaction.
    ///
    /// Inserts and updates go parents first (by the tables' foreign keys), deletes
    /// children first. An UPDATE sets only the columns that differ from the snapshot.
    /// Generated primary keys are set on the new objects.
    ///
    /// If a statement fails, the whole transaction is rolled back at once and the session
    /// answers [`OrmError::NeedsRollback`] until [`rollback`](Self::rollback); nothing is
    /// half written. With `autocommit`, the flush runs in a transaction of its own that
    /// commits; when it fails, the objects are left as they were before it.
    pub async fn flush(&mut self) -> Result<()> {
        self.check_usable()?;
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
            inserts,
            updates,
            deletes,
        } = plan;
        self.wrote = true;
        for step in &inserts {
            insert(tx, step).await?;
            let key = step.obj.meta().lock().key.clone();
            if let Some(key) = key {
                self.identity.insert(key, step.obj.id());
            }
        }
        for step in &updates {
            let (old, new) = update(tx, step).await?;
            if old != new {
                self.identity.remove(&old);
                self.identity.insert(new, step.obj.id());
            }
        }
        for step in &deletes {
            delete(tx, step).await?;
            if let Some(key) = &step.key {
                self.identity.remove(key);
            }
        }
        let objects = &self.objects;
        let state_of = |id: &u64| objects.get(id).map(|o| o.meta().lock().state);
        self.pending
            .retain(|id| state_of(id) == Some(Some(ObjectState::Pending)));
        self.deletions.retain(|id| {
            objects
                .get(id)
                .is_some_and(|o| o.meta().lock().marked_deleted)
        });
        Ok(())
    }
}

/// INSERTs one pending object and makes it persistent.
async fn insert(tx: &mut Transaction<'static>, step: &Step) -> Result<()> {
    let m = &step.mapping;
    let table = &m.table;
    let mut row: Vec<(String, Expr)> = Vec::with_capacity(step.values.len());
    let mut defaulted = false;
    for (i, (name, value)) in m.columns.iter().zip(&step.values).enumerate() {
        if value.is_null() {
            let is_pk = m.pk.contains(&i);
            let has_default = table
                .column(name)
                .is_some_and(|c| c.default.is_some() || c.server_default.is_some());
            // Leave it out so that the database (or the column's default) fills it.
            if is_pk || has_default {
                defaulted |= !is_pk;
                continue;
            }
        }
        row.push((name.clone(), Expr::Bind(value.clone())));
    }
    let result = tx.execute(table.insert().values(row)).await?;

    let pre_key = m.key_of(&step.values);
    if pre_key.iter().any(Value::is_null) {
        let generated = result
            .inserted_primary_key()
            .filter(|k| k.len() == pre_key.len() && !k.iter().any(Value::is_null))
            .ok_or_else(|| {
                philtre::Error::from(OrmError::InvalidState {
                    type_name: step.obj.type_name(),
                    state: "pending",
                    reason: format!(
                        "the database reported no generated primary key for table {:?}",
                        table.name()
                    ),
                })
            })?
            .to_vec();
        step.obj.set_key(&generated)?;
    }
    if defaulted {
        // Read back what the defaults wrote, so the object and its snapshot agree.
        let key = m.key_of(&step.obj.values()?);
        let fetched = tx
            .execute(m.select().where_(m.key_filter(&key)))
            .await?
            .one()?;
        step.obj.load(fetched)?;
    }
    let values = step.obj.values()?;
    let mut meta = step.obj.meta().lock();
    meta.undo.get_or_insert(Undo {
        inserted: Some(pre_key),
        snapshot: None,
        key: None,
        marked_deleted: false,
    });
    meta.key = Some(key_for(m, &values));
    meta.snapshot = Some(values);
    meta.state = Some(ObjectState::Persistent);
    meta.expired = false;
    Ok(())
}

/// UPDATEs the changed columns of one object; returns its identity before and after.
async fn update(
    tx: &mut Transaction<'static>,
    step: &Step,
) -> Result<(crate::identity::Key, crate::identity::Key)> {
    let m = &step.mapping;
    let old = step.key.clone().unwrap_or_else(|| key_for(m, &step.values));
    let changed = step
        .changed
        .iter()
        .map(|&i| (m.columns[i].clone(), Expr::Bind(step.values[i].clone())));
    let stmt = m
        .table
        .update()
        .values(changed)
        .where_(m.key_filter(&old.values));
    let found = tx.execute(stmt).await?.rows_affected();
    if found != 1 {
        return Err(OrmError::StaleData {
            table: m.table.name().to_owned(),
            key: KeyDisplay(&old.values).to_string(),
            found,
        }
        .into());
    }
    let new = key_for(m, &step.values);
    let mut meta = step.obj.meta().lock();
    let before = meta.snapshot.replace(step.values.clone());
    meta.undo.get_or_insert(Undo {
        inserted: None,
        snapshot: before,
        key: Some(old.clone()),
        marked_deleted: false,
    });
    meta.key = Some(new.clone());
    Ok((old, new))
}

/// DELETEs one object; it stays `Deleted` until the transaction commits.
async fn delete(tx: &mut Transaction<'static>, step: &Step) -> Result<()> {
    let m = &step.mapping;
    let key = step.key.clone().unwrap_or_else(|| key_for(m, &step.values));
    // Like SQLAlchemy, a row already gone (e.g. by ON DELETE CASCADE) is not an error.
    tx.execute(m.table.delete().where_(m.key_filter(&key.values)))
        .await?;
    mark_deleted(&step.obj);
    Ok(())
}

fn mark_deleted(obj: &Arc<dyn AnyObj>) {
    let mut meta = obj.meta().lock();
    let (snapshot, key) = (meta.snapshot.clone(), meta.key.clone());
    meta.undo.get_or_insert(Undo {
        inserted: None,
        snapshot,
        key,
        marked_deleted: true,
    });
    meta.state = Some(ObjectState::Deleted);
    meta.marked_deleted = false;
}
