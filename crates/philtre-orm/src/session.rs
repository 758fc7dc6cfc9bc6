//! [`Session`]: the identity map and unit of work over one transaction at a time.
//!
//! # How changes are found (no proxies)
//!
//! Objects are plain structs behind [`Obj`] handles, so nothing intercepts an assignment,
//! but every change goes through [`Obj::write`]. The first `write()` after an object was
//! loaded or last flushed keeps a snapshot of its column values (what the database has);
//! an object that is only read keeps none. A flush compares every written object's current
//! [`Mapped::to_values`] with its snapshot and UPDATEs only the columns that differ,
//! `WHERE` the primary key is the one the database has; a rollback puts the snapshot back.
//!
//! # When the transaction begins
//!
//! At the session's first statement, as SQLAlchemy's drivers for servers do, except on a
//! dialect that [defers it to the first write](philtre::Dialect::defers_begin_to_first_write)
//! (SQLite, as SQLAlchemy's pysqlite dialect does): there the session's loads, `get`s,
//! counts and selects through [`Session::execute`] run on a pooled connection each,
//! outside any transaction, until a flush, a bulk update or delete, or an `execute` of
//! anything but a select opens it. SQLite will not turn a read transaction into a write
//! one once another connection has committed after its snapshot, so a session that kept
//! one from its first read would fail to flush whenever another request wrote meanwhile.
//! [`Session::begin`] opens the transaction at once, for reads that must share a snapshot
//! (a write after them is then subject to that rule).
//!
//! # Expiry without lazy loading
//!
//! SQLAlchemy reloads an expired attribute the moment it is read. A plain field cannot do
//! that, so here an expired object (after `commit` with `expire_on_commit`, after
//! `rollback`, or [`Session::expire`]) keeps its values until the next query or `get` that
//! returns its row overwrites them, or until [`Session::refresh`]. A query that meets an
//! object that is *not* expired keeps its in-memory state, as SQLAlchemy does.

mod attached;
mod flush;
mod identity_map;
mod load;
mod plan;
mod transaction;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use philtre::{Engine, OrmError, Result, Transaction};

use attached::Attached;

use crate::mapping::{mapping, short_type_name, Mapped};
use crate::object::{typed, AnyObj, Membership, Obj, ObjectState};
use crate::query::Query;

/// The options a [`SessionMaker`](crate::SessionMaker) gives its sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionConfig {
    /// Every flush runs in a transaction of its own and commits (SQLAlchemy 1.x's
    /// `autocommit=True`); queries run outside any transaction. Default `false`.
    pub autocommit: bool,
    /// Flush pending changes before a query, `get` or `execute`. Default `true`.
    pub autoflush: bool,
    /// Mark every object expired when a commit succeeds. Default `true`.
    pub expire_on_commit: bool,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            autocommit: false,
            autoflush: true,
            expire_on_commit: true,
        }
    }
}

/// A unit of work: objects added, loaded, changed and deleted, written by `flush`/`commit`.
///
/// Its transaction begins at its first statement, or on SQLite at its first write (see the
/// crate docs); [`begin`](Self::begin) opens it at once.
///
/// Not `Clone` and not shared: every operation takes `&mut self`, so one task at a time
/// uses a session (wrap it in a `tokio::sync::Mutex`, or use a
/// [`ScopedSession`](crate::ScopedSession), to reach it from several places). Dropping a
/// session rolls back its open transaction and detaches its objects.
pub struct Session {
    /// This session's id; a new one after each `close` (see [`Membership`]).
    pub(crate) id: u64,
    /// The mark its objects carry while they are attached; made when the first object
    /// is (a session that attaches none, or none since its last `close`, makes none).
    pub(crate) membership: Option<Arc<Membership>>,
    pub(crate) engine: Engine,
    pub(crate) config: SessionConfig,
    pub(crate) tx: Option<Transaction<'static>>,
    /// Every object attached to this session: the identity map and the objects without
    /// an identity.
    pub(crate) objects: Attached,
    /// Pending objects (ids of objects in `objects`' loose part), in the order they were
    /// added.
    pub(crate) pending: Vec<u64>,
    /// Persistent objects marked for deletion, in order.
    pub(crate) deletions: Vec<Arc<dyn AnyObj>>,
    /// Why the session needs a rollback (a flush failed), if it does.
    pub(crate) failed: Option<String>,
    /// A flush or commit in progress; still set on entry means its future was dropped.
    pub(crate) busy: Option<&'static str>,
    /// Whether this transaction wrote objects (so some may hold undo information): a
    /// rollback that finds it clear has only unflushed work to drop.
    pub(crate) wrote: bool,
    /// Whether this transaction ran anything but the session's own SELECTs (a flush, a
    /// bulk update or delete, a Core statement through `execute`): if not, `close` does
    /// not wait for its rollback.
    pub(crate) changed_rows: bool,
    /// The first-writes count read before the last flush plan that found no written object;
    /// while the count has not moved, no object of this session is written and a plan need
    /// not visit them all. `None`: the next plan visits every object.
    pub(crate) clean_since: Option<u64>,
}

static NEXT_SESSION: AtomicU64 = AtomicU64::new(1);

pub(crate) fn next_session_id() -> u64 {
    NEXT_SESSION.fetch_add(1, Ordering::Relaxed)
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("engine", &self.engine)
            .field("config", &self.config)
            .field("in_transaction", &self.tx.is_some())
            .field("objects", &self.objects.len())
            .field("pending", &self.pending.len())
            .field("needs_rollback", &self.needs_rollback())
            .finish()
    }
}

impl Session {
    /// A session with the default options (autoflush, expire on commit, no autocommit).
    pub fn new(engine: &Engine) -> Session {
        Session::with_config(engine, SessionConfig::default())
    }

    pub fn with_config(engine: &Engine, config: SessionConfig) -> Session {
        let id = next_session_id();
        Session {
            id,
            membership: None,
            engine: engine.clone(),
            config,
            tx: None,
            objects: Attached::default(),
            pending: Vec::new(),
            deletions: Vec::new(),
            failed: None,
            busy: None,
            wrote: false,
            changed_rows: false,
            clean_since: None,
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn config(&self) -> SessionConfig {
        self.config
    }

    /// Turns autoflush on or off for this session.
    pub fn set_autoflush(&mut self, on: bool) {
        self.config.autoflush = on;
    }

    /// Whether a flush failed and [`rollback`](Self::rollback) is required before more work.
    pub fn needs_rollback(&self) -> bool {
        self.failed.is_some() || self.busy.is_some()
    }

    /// A query for mapped objects of type `T`: `session.query::<User>().filter(...).all()`.
    pub fn query<T: Mapped>(&mut self) -> Query<'_, T> {
        Query::on_session(self)
    }

    /// Adds a new object; it is inserted by the next flush. Returns its handle.
    pub fn add<T: Mapped>(&mut self, value: T) -> Result<Obj<T>> {
        mapping::<T>()?;
        let obj = Obj::new(value);
        self.attach_pending(obj.cell.clone());
        Ok(obj)
    }

    /// Adds several new objects, in order.
    pub fn add_all<T: Mapped>(
        &mut self,
        values: impl IntoIterator<Item = T>,
    ) -> Result<Vec<Obj<T>>> {
        mapping::<T>()?;
        let values = values.into_iter();
        self.objects.reserve_loose(values.size_hint().0);
        Ok(values
            .map(|v| {
                let obj = Obj::new(v);
                self.attach_pending(obj.cell.clone());
                obj
            })
            .collect())
    }

    /// Adds an existing handle: a transient one becomes pending, a detached one persistent
    /// again (its changes since the last flush are kept and flushed). Already in this
    /// session: nothing to do.
    pub fn add_obj<T: Mapped>(&mut self, obj: &Obj<T>) -> Result<()> {
        mapping::<T>()?;
        let any: Arc<dyn AnyObj> = obj.cell.clone();
        let (here, elsewhere, state, key) = {
            let meta = any.meta().lock();
            let here = meta.in_session(self.id);
            (
                here,
                meta.session.is_some() && !here,
                meta.state,
                meta.key.clone(),
            )
        };
        if here {
            return Ok(());
        }
        if elsewhere {
            return Err(invalid_state::<T>(
                state.unwrap_or(ObjectState::Persistent),
                "it is attached to another session; expunge it there first",
            ));
        }
        // It may have been written while away (its first write counted then, perhaps
        // before this session's last plan): the next plan must look at every object.
        self.clean_since = None;
        match (state, key) {
            (Some(ObjectState::Detached), Some(key)) => {
                if self.objects.has_key(&key) {
                    return Err(OrmError::IdentityConflict {
                        type_name: short_type_name::<T>(),
                        key: crate::identity::KeyDisplay(&key.values).to_string(),
                    }
                    .into());
                }
                {
                    let mut meta = any.meta().lock();
                    meta.session = Some(self.membership().clone());
                    meta.state = Some(ObjectState::Persistent);
                }
                self.objects.insert_keyed(key, any);
            }
            _ => self.attach_pending(any),
        }
        Ok(())
    }

    /// This session's membership, made if it has none yet.
    pub(crate) fn membership(&mut self) -> &Arc<Membership> {
        Membership::of(&mut self.membership, self.id)
    }

    fn attach_pending(&mut self, any: Arc<dyn AnyObj>) {
        {
            let mut meta = any.meta().lock();
            meta.session = Some(self.membership().clone());
            meta.state = Some(ObjectState::Pending);
            meta.key = None;
            meta.snapshot = None;
            meta.marked_deleted = false;
            meta.expired = false;
            meta.forget_undo();
        }
        self.pending.push(any.id());
        self.objects.insert_loose(any);
    }

    /// Marks a persistent object for deletion; the DELETE runs at the next flush. A
    /// detached object is attached first. Pending and transient objects are not in the
    /// database: [`OrmError::InvalidState`] (use [`expunge`](Self::expunge) to undo an add).
    pub fn delete<T: Mapped>(&mut self, obj: &Obj<T>) -> Result<()> {
        if obj.state() == ObjectState::Detached {
            self.add_obj(obj)?;
        }
        let mut meta = obj.cell.meta.lock();
        let state = meta.state.unwrap_or(ObjectState::Transient);
        if !meta.in_session(self.id) || state != ObjectState::Persistent {
            if state == ObjectState::Deleted && meta.in_session(self.id) {
                return Ok(());
            }
            return Err(invalid_state::<T>(
                state,
                "only a persistent object can be deleted",
            ));
        }
        if !meta.marked_deleted {
            meta.marked_deleted = true;
            self.deletions.push(obj.cell.clone());
        }
        Ok(())
    }

    /// Removes an object from this session: a pending one becomes transient, a persistent
    /// one detached. Its unflushed changes stay on the object and are not written.
    pub fn expunge<T: Mapped>(&mut self, obj: &Obj<T>) -> Result<()> {
        if !self.contains(obj) {
            return Err(invalid_state::<T>(obj.state(), "it is not in this session"));
        }
        self.detach(&(obj.cell.clone() as Arc<dyn AnyObj>));
        Ok(())
    }

    /// Removes every object from this session (the transaction stays as it is).
    pub fn expunge_all(&mut self) {
        self.objects
            .drain_each(|any| any.meta().lock().leave_session());
        self.pending.clear();
        self.deletions.clear();
    }

    /// Forgets one object: pending → transient, persistent/deleted → detached.
    pub(crate) fn detach(&mut self, any: &Arc<dyn AnyObj>) {
        let id = any.id();
        let mut meta = any.meta().lock();
        if !meta.in_session(self.id) {
            return;
        }
        self.objects.remove(id, meta.key.as_ref());
        meta.leave_session();
        drop(meta);
        self.pending.retain(|p| *p != id);
        self.deletions.retain(|d| d.id() != id);
    }

    /// Whether the object is attached to this session.
    pub fn contains<T>(&self, obj: &Obj<T>) -> bool {
        obj.cell.meta.lock().in_session(self.id)
    }

    /// The object's state (the same as [`Obj::state`]).
    pub fn state<T>(&self, obj: &Obj<T>) -> ObjectState {
        obj.state()
    }

    /// Marks one object expired: the next query or `get` that meets it overwrites it.
    pub fn expire<T>(&mut self, obj: &Obj<T>) {
        let mut meta = obj.cell.meta.lock();
        if meta.in_session(self.id) && meta.state == Some(ObjectState::Persistent) {
            meta.expired = true;
        }
    }

    /// Marks every persistent object expired.
    pub fn expire_all(&mut self) {
        for any in self.objects.iter() {
            let mut meta = any.meta().lock();
            if meta.state == Some(ObjectState::Persistent) {
                meta.expired = true;
            }
        }
    }

    /// Whether a persistent object's values differ from its snapshot (it would be UPDATEd).
    pub fn is_modified<T: Mapped>(&self, obj: &Obj<T>) -> Result<bool> {
        let any: Arc<dyn AnyObj> = obj.cell.clone();
        if !any.touched() {
            // Not written since it was last in step with the database.
            return Ok(false);
        }
        let values = any.values()?;
        let meta = any.meta().lock();
        Ok(meta.in_session(self.id)
            && meta.state == Some(ObjectState::Persistent)
            && meta.snapshot.as_deref() != Some(values.as_slice()))
    }

    /// The pending objects of type `T` (added, not yet inserted), in the order added.
    pub fn pending<T: Mapped>(&self) -> Vec<Obj<T>> {
        self.pending
            .iter()
            .filter_map(|&id| self.objects.loose(id).and_then(typed::<T>))
            .collect()
    }

    /// Every object of type `T` in this session (pending, persistent, deleted).
    pub fn objects<T: Mapped>(&self) -> Vec<Obj<T>> {
        self.objects
            .in_order()
            .iter()
            .filter_map(typed::<T>)
            .collect()
    }

    /// How many objects the session holds.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }
}

impl Drop for Session {
    /// The transaction guard rolls back on drop; the objects are detached so that no
    /// handle claims a session that is gone.
    fn drop(&mut self) {
        self.expunge_all();
    }
}

pub(crate) fn invalid_state<T>(state: ObjectState, reason: &str) -> philtre::Error {
    OrmError::InvalidState {
        type_name: short_type_name::<T>(),
        state: state.name(),
        reason: reason.to_owned(),
    }
    .into()
}
