//! The session's transaction: lazy begin, commit, rollback, close, and the
//! "needs rollback" state after a failed flush.

use std::sync::Arc;

use philtre::{Connection, CursorResult, Executable, OrmError, Result, Transaction};

use super::Session;
use crate::identity::Key;
use crate::object::{AnyObj, ObjectState};

impl Session {
    /// Refuses work while a failed or interrupted flush waits for `rollback()`.
    pub(crate) fn check_usable(&self) -> Result<()> {
        if let Some(op) = self.busy {
            return Err(OrmError::NeedsRollback {
                reason: format!("an earlier {op} was interrupted before it finished"),
            }
            .into());
        }
        match &self.failed {
            Some(reason) => Err(OrmError::NeedsRollback {
                reason: reason.clone(),
            }
            .into()),
            None => Ok(()),
        }
    }

    /// Whether the session's transaction is open.
    pub fn in_transaction(&self) -> bool {
        self.tx.is_some()
    }

    /// Begins the session's transaction now (it otherwise begins on first use, or on
    /// SQLite at the first write). With `autocommit`, this is how several flushes share
    /// one transaction until `commit`; on SQLite, how several reads share one snapshot.
    pub async fn begin(&mut self) -> Result<()> {
        self.check_usable()?;
        if self.tx.is_none() {
            self.tx = Some(self.engine.begin().await?);
        }
        Ok(())
    }

    /// Runs a statement in the session's transaction (begun lazily), or, with
    /// `autocommit` and no transaction open, on a pooled connection of its own.
    pub(crate) async fn run(&mut self, stmt: impl Executable) -> Result<CursorResult> {
        self.runner().await?.connection().execute(stmt).await
    }

    /// Runs a SELECT (a load, `get`, `refresh`, a count, a select given to `execute`): in
    /// the session's transaction when one is open, else where [`reader`](Self::reader) says.
    pub(crate) async fn read(&mut self, stmt: impl Executable) -> Result<CursorResult> {
        self.reader().await?.connection().execute(stmt).await
    }

    /// Where a read runs, for a caller that must borrow the session's other parts while
    /// it runs: a pooled connection of its own, or `None` for the session's transaction
    /// (begun if need be; it is `self.tx`).
    pub(crate) async fn own_reader(&mut self) -> Result<Option<Connection>> {
        Ok(match self.reader().await? {
            Runner::Own(conn) => Some(conn),
            Runner::Tx(_) => None,
        })
    }

    /// Where [`read`](Self::read) and [`own_reader`](Self::own_reader)'s reads run: with no
    /// transaction open and a dialect that begins it at the first write (SQLite), on a
    /// pooled connection of their own; otherwise as [`runner`](Self::runner) says.
    async fn reader(&mut self) -> Result<Runner<'_>> {
        if self.tx.is_none() && self.engine.dialect().defers_begin_to_first_write() {
            self.check_usable()?;
            return Ok(Runner::Own(self.engine.connect().await?));
        }
        self.runner().await
    }

    /// Where [`run`](Self::run) runs.
    async fn runner(&mut self) -> Result<Runner<'_>> {
        if self.config.autocommit && self.tx.is_none() {
            return Ok(Runner::Own(self.engine.connect().await?));
        }
        self.begin().await?;
        match self.tx.as_mut() {
            Some(tx) => Ok(Runner::Tx(tx)),
            None => Err(philtre::Error::ConnectionLost(
                "the session's transaction is gone".into(),
            )),
        }
    }

    /// Runs a Core statement (select, insert, update, delete, text) in the session's
    /// transaction, after an autoflush. A select runs as the session's own loads do
    /// (on SQLite, outside any transaction until the first write); anything else opens
    /// the transaction if it is not open yet.
    pub async fn execute(&mut self, stmt: impl Executable) -> Result<CursorResult> {
        self.check_usable()?;
        self.autoflush().await?;
        if stmt.only_reads() {
            return self.read(stmt).await;
        }
        self.changed_rows = true;
        self.run(stmt).await
    }

    pub(crate) async fn autoflush(&mut self) -> Result<()> {
        if self.config.autoflush {
            self.flush().await?;
        }
        Ok(())
    }

    /// Flushes, then commits the transaction. With `expire_on_commit`, every object is
    /// expired; objects deleted in the transaction become detached.
    pub async fn commit(&mut self) -> Result<()> {
        self.check_usable()?;
        self.flush().await?;
        if let Some(tx) = self.tx.take() {
            self.busy = Some("commit");
            let result = tx.commit().await;
            self.busy = None;
            if let Err(e) = result {
                // The database ended the transaction without its changes.
                self.revert(true);
                return Err(e);
            }
        }
        self.settle_commit();
        Ok(())
    }

    /// Rolls back the transaction. Objects added in it are expunged (transient again),
    /// deletions are undone, and every persistent object is reset to its last known
    /// database state and expired. Clears the "needs rollback" state.
    pub async fn rollback(&mut self) -> Result<()> {
        let result = match self.tx.take() {
            Some(tx) => tx.rollback().await,
            None => Ok(()),
        };
        self.revert(true);
        self.failed = None;
        self.busy = None;
        result
    }

    /// Rolls back and expunges every object. The session can be used again afterwards.
    pub async fn close(&mut self) -> Result<()> {
        if self.wrote {
            let result = self.rollback().await;
            self.expunge_all();
            return result;
        }
        // Nothing flushed in the transaction: each written object drops its unflushed
        // changes (as rollback does) and leaves; the others leave when the membership
        // closes, without a visit (see `Membership`). A transaction that only read holds
        // nothing anyone waits for: its rollback need not be waited on.
        let result = match self.tx.take() {
            Some(tx) if !self.changed_rows => tx.rollback_in_background().await,
            Some(tx) => tx.rollback().await,
            None => Ok(()),
        };
        self.changed_rows = false;
        self.objects.drain_each(|any| {
            // `writes` shares its cache line with the count the drop decrements.
            if any.touched() {
                discard_changes(&any);
                any.meta().lock().leave_session();
            }
        });
        // After the written ones: closed first, their locks would have detached them
        // before `discard_changes` restored them.
        self.renew_membership();
        self.pending.clear();
        self.deletions.clear();
        self.failed = None;
        self.busy = None;
        result
    }

    /// Every object still carrying this session's membership leaves the session; the
    /// session goes on under a new id.
    fn renew_membership(&mut self) {
        if let Some(membership) = self.membership.take() {
            membership.close();
            self.id = super::next_session_id();
        }
    }

    /// After a successful commit: forget undo information, detach deleted objects, expire.
    pub(crate) fn settle_commit(&mut self) {
        self.wrote = false;
        self.changed_rows = false;
        let mut gone = Vec::new();
        for any in self.objects.iter() {
            let mut meta = any.meta().lock();
            meta.forget_undo();
            match meta.state {
                Some(ObjectState::Deleted) => gone.push(any.clone()),
                Some(ObjectState::Persistent) if self.config.expire_on_commit => {
                    meta.expired = true;
                }
                _ => {}
            }
        }
        for any in gone {
            self.detach(&any);
        }
    }

    /// Undoes what the transaction's flushes did to the objects.
    ///
    /// `discard`: also drop unflushed work, as SQLAlchemy's rollback does (pending objects
    /// expunged, deletions unmarked, persistent objects reset to their snapshot and
    /// expired). Without it (a failed autocommit flush) objects return to where they were
    /// before the flush, with their changes kept for another try.
    pub(crate) fn revert(&mut self, discard: bool) {
        self.wrote = false;
        self.changed_rows = false;
        let all = self.objects.in_order();
        let mut to_pending = Vec::new();
        let mut undone = false;
        for any in &all {
            let undo = any.meta().lock().take_undo();
            if let Some(undo) = undo {
                undone = true;
                if let Some(pre_key) = undo.inserted {
                    un_insert(any, &pre_key);
                    to_pending.push(any.id());
                } else {
                    let mut meta = any.meta().lock();
                    if let Some(snapshot) = undo.snapshot {
                        // The state before the transaction: the value goes back to it.
                        meta.snapshot = Some(snapshot);
                        any.set_touched(true);
                    }
                    // Without one, the object was in step with the database when the
                    // transaction first wrote it; a snapshot taken since holds that state.
                    meta.key = undo.key;
                    meta.state = Some(ObjectState::Persistent);
                    meta.marked_deleted = undo.marked_deleted;
                }
            }
            if discard {
                discard_changes(any);
            }
        }
        if !undone && discard {
            // Nothing this transaction flushed: the identity map is as it was; only the
            // unflushed work goes.
            self.deletions.clear();
            self.detach_pending();
            return;
        }
        // Rebuild the bookkeeping from the objects' restored states.
        for id in to_pending {
            if !self.pending.contains(&id) {
                self.pending.push(id);
            }
        }
        self.pending.sort_unstable();
        self.objects.rebuild();
        self.deletions = all
            .into_iter()
            .filter(|any| {
                let meta = any.meta().lock();
                meta.state == Some(ObjectState::Persistent) && meta.marked_deleted
            })
            .collect();
        if discard {
            self.detach_pending();
        }
    }

    /// Expunges every pending object.
    fn detach_pending(&mut self) {
        for id in std::mem::take(&mut self.pending) {
            if let Some(any) = self.objects.loose(id).cloned() {
                self.detach(&any);
            }
        }
    }
}

/// An insert was rolled back: the object is pending again, with its key as before.
fn un_insert(any: &Arc<dyn AnyObj>, pre_key: &[philtre::Value]) {
    let current: Option<Key> = any.meta().lock().key.clone();
    if current.is_some_and(|k| *k.values != *pre_key) {
        // Best effort: a key field that cannot hold NULL keeps the rolled-back value.
        let _ = any.set_key(pre_key);
    }
    let mut meta = any.meta().lock();
    meta.state = Some(ObjectState::Pending);
    meta.key = None;
    meta.snapshot = None;
    meta.marked_deleted = false;
    meta.expired = false;
}

/// Drops unflushed changes of a persistent object: back to its snapshot, and expired.
fn discard_changes(any: &Arc<dyn AnyObj>) {
    let snapshot = {
        let mut meta = any.meta().lock();
        meta.marked_deleted = false;
        if meta.state != Some(ObjectState::Persistent) {
            return;
        }
        if !any.touched() {
            // Not written since it was in step with the database: nothing to restore.
            meta.expired = true;
            return;
        }
        meta.snapshot.clone()
    };
    if let Some(snapshot) = snapshot {
        if any.values().ok().as_ref() != Some(&snapshot) {
            if let Ok(m) = any.mapping() {
                // A locked object keeps its values; being expired, the next load resets it.
                let _ = any.load(m.row(snapshot));
            }
        }
    }
    any.meta().lock().expired = true;
}

/// The session's transaction, or a pooled connection of its own (autocommit).
enum Runner<'s> {
    Own(Connection),
    Tx(&'s mut Transaction<'static>),
}

impl Runner<'_> {
    fn connection(&mut self) -> &mut Connection {
        match self {
            Runner::Own(conn) => conn,
            Runner::Tx(tx) => tx,
        }
    }
}
