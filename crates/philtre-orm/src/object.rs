//! [`Obj<T>`]: the shared handle a session gives out, and the per-object bookkeeping.

use std::any::Any;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use philtre::{OrmError, Result, Row, Value};

use crate::changes::Changes;
use crate::identity::{Key, KeyValues};
use crate::mapping::{mapping, short_type_name, Mapped, Mapping};

/// Read access to an object; `Send`, so it may live across an `.await`.
pub type ReadGuard<'a, T> = parking_lot::RwLockReadGuard<'a, T>;
/// Write access to an object; `Send`, so it may live across an `.await`.
pub type WriteGuard<'a, T> = parking_lot::RwLockWriteGuard<'a, T>;

/// An object's state, as in SQLAlchemy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectState {
    /// In no session and never saved.
    Transient,
    /// Added to a session, not yet inserted.
    Pending,
    /// In a session's identity map, with a row in the database.
    Persistent,
    /// Its DELETE was flushed; it becomes detached when the transaction commits.
    Deleted,
    /// Has a database identity but belongs to no session (after close, expunge, commit of a delete).
    Detached,
}

impl ObjectState {
    pub(crate) fn name(self) -> &'static str {
        match self {
            ObjectState::Transient => "transient",
            ObjectState::Pending => "pending",
            ObjectState::Persistent => "persistent",
            ObjectState::Deleted => "deleted",
            ObjectState::Detached => "detached",
        }
    }
}

impl fmt::Display for ObjectState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A mapped object owned by a session: cheap to clone, every clone is the same object.
///
/// Within one session the same primary key always gives the same handle
/// ([`Obj::ptr_eq`]), so a change made through one clone is seen through all.
/// [`read`](Self::read) and [`write`](Self::write) lock the value briefly; the session
/// notices changes at flush time by comparing with its snapshot, so no proxy is needed.
///
/// The first `write()` since the object was last in step with the database keeps a copy of
/// its column values (the snapshot flush diffs against and rollback restores); an object
/// only read costs no copy.
///
/// A guard still alive during a session call that must read or overwrite the object makes
/// that call fail with [`OrmError::ObjectLocked`] instead of deadlocking. Mind temporaries:
/// in `session.get::<User>(u.read().id).await` the guard lives until the end of the
/// statement, so take the id first (`let id = u.read().id;`).
pub struct Obj<T> {
    pub(crate) cell: Arc<Cell<T>>,
}

/// The shared part of an [`Obj`]: the value and what its session knows about it.
///
/// In declaration order (`repr(C)`), so that what a session's `close` reads and writes
/// of every object (the write count, the meta lock, the meta fields before `snapshot`)
/// shares the cache line of the `Arc`'s counts: closing a session of 10,000 objects then
/// misses the cache about once per object, not three times.
#[repr(C)]
pub(crate) struct Cell<T> {
    /// How many [`Obj::write`]s since the object was last in step with the database; 0
    /// while it is (or was never saved). Only objects written to can have changed, so a
    /// flush diffs only those; while it is 0, the value is its own snapshot and
    /// `meta.snapshot` means nothing. A count, not a flag, so that a flush can tell
    /// whether the object was written after it read the values it wrote.
    pub(crate) writes: AtomicU64,
    pub(crate) meta: MetaLock,
    pub(crate) id: u64,
    pub(crate) value: RwLock<T>,
    /// [`Mapped::to_values`], for the snapshot the first write takes (`write()` has no
    /// `Mapped` bound).
    to_values: fn(&T) -> Vec<Value>,
}

/// A session's mark on the objects it holds (one per session, until the session closes).
///
/// Closing a session closes its membership instead of visiting every object: an object
/// whose membership is closed has left the session, and reads so the next time its
/// [`Meta`] is locked ([`MetaLock::lock`]). A session of 10,000 loaded objects closes
/// without touching them, but for dropping its handles.
#[derive(Debug)]
pub(crate) struct Membership {
    /// The session's id while this membership is open.
    pub(crate) session: u64,
    closed: AtomicBool,
}

impl Membership {
    pub(crate) fn new(session: u64) -> Arc<Self> {
        Arc::new(Membership {
            session,
            closed: AtomicBool::new(false),
        })
    }

    /// The membership held in `slot` for the session `id`, made if there is none yet (a
    /// session makes its membership when its first object attaches).
    pub(crate) fn of(slot: &mut Option<Arc<Membership>>, id: u64) -> &Arc<Membership> {
        slot.get_or_insert_with(|| Membership::new(id))
    }

    /// Every object carrying it has left its session.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }

    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
}

/// An object's [`Meta`] behind its lock.
pub(crate) struct MetaLock(Mutex<Meta>);

impl MetaLock {
    fn new(meta: Meta) -> Self {
        MetaLock(Mutex::new(meta))
    }

    /// Locks the meta, brought up to date first: if its session closed without visiting
    /// it, it leaves that session now, as `close` would have made it (expired, if it was
    /// persistent).
    pub(crate) fn lock(&self) -> parking_lot::MutexGuard<'_, Meta> {
        let mut meta = self.0.lock();
        if meta.session.as_ref().is_some_and(|m| m.is_closed()) {
            if meta.state == Some(ObjectState::Persistent) {
                meta.expired = true;
            }
            meta.leave_session();
        }
        meta
    }
}

/// Per-object session bookkeeping, kept with the object so that it travels on detach.
///
/// `repr(C)`: the fields a session's `close` touches come first (see [`Cell`]).
#[derive(Debug, Default)]
#[repr(C)]
pub(crate) struct Meta {
    /// The session holding the object, if any.
    pub(crate) session: Option<Arc<Membership>>,
    /// What the current transaction did to it, to undo on rollback.
    /// Boxed: most objects never have one, and every object carries the field.
    undo: Option<Box<Undo>>,
    pub(crate) state: Option<ObjectState>,
    /// `session.delete()` was called; the DELETE is not flushed yet.
    pub(crate) marked_deleted: bool,
    /// Its state is stale: the next load that meets it overwrites it.
    pub(crate) expired: bool,
    /// Inserted by the current transaction with a key the database generated: the undo
    /// record of the common insert, `Undo { inserted: Some(<NULL key>), .. }`, kept
    /// without a box (a flush of many new objects would make one each).
    inserted_keyless: bool,
    /// Column values as the database has them (at load or last flush), what flush diffs
    /// against; taken by the first `write()` after that, valid while `writes` is not 0.
    pub(crate) snapshot: Option<Vec<Value>>,
    /// Its identity in the database.
    pub(crate) key: Option<Key>,
}

impl Meta {
    /// Whether the object is attached to the session with this id.
    pub(crate) fn in_session(&self, id: u64) -> bool {
        self.session.as_ref().is_some_and(|m| m.session == id)
    }

    /// Leaves its session: pending → transient, persistent/deleted → detached, with no
    /// delete marked and nothing to undo.
    pub(crate) fn leave_session(&mut self) {
        self.session = None;
        self.state = Some(match self.state {
            Some(ObjectState::Persistent | ObjectState::Deleted) => ObjectState::Detached,
            _ => ObjectState::Transient,
        });
        self.marked_deleted = false;
        self.forget_undo();
    }

    /// Records the state before the current transaction's first flush touched the
    /// object, unless an earlier flush of the transaction did.
    pub(crate) fn record_undo(&mut self, undo: impl FnOnce() -> Undo) {
        if self.undo_is_free() {
            self.undo = Some(Box::new(undo()));
        }
    }

    /// Whether nothing is recorded to undo yet in this transaction.
    fn undo_is_free(&self) -> bool {
        self.undo.is_none() && !self.inserted_keyless
    }

    /// Its row was deleted (by a flush or a bulk delete): `Deleted` until the transaction
    /// commits. A rollback restores its snapshot and key, and the delete mark
    /// `was_marked` it had.
    pub(crate) fn record_delete(&mut self, was_marked: bool) {
        if self.undo_is_free() {
            self.undo = Some(Box::new(Undo {
                inserted: None,
                snapshot: self.snapshot.clone(),
                key: self.key.clone(),
                marked_deleted: was_marked,
            }));
        }
        self.state = Some(ObjectState::Deleted);
        self.marked_deleted = false;
    }

    /// Records an INSERT of the object, whose primary key was `pre_key` before it.
    pub(crate) fn record_insert(&mut self, pre_key: KeyValues) {
        if pre_key.iter().all(Value::is_null) && self.undo.is_none() {
            self.inserted_keyless = true;
        } else {
            self.record_undo(|| Undo {
                inserted: Some(pre_key),
                snapshot: None,
                key: None,
                marked_deleted: false,
            });
        }
    }

    /// Takes what the transaction did to the object, to undo it.
    pub(crate) fn take_undo(&mut self) -> Option<Undo> {
        if std::mem::take(&mut self.inserted_keyless) {
            // A NULL for each part of the key the insert gave it.
            let parts = self.key.as_ref().map_or(1, |k| k.values.len());
            return Some(Undo {
                inserted: Some(vec![Value::Null; parts].into()),
                snapshot: None,
                key: None,
                marked_deleted: false,
            });
        }
        self.undo.take().map(|undo| *undo)
    }

    /// The transaction ended: nothing to undo.
    pub(crate) fn forget_undo(&mut self) {
        self.undo = None;
        self.inserted_keyless = false;
    }
}

/// The state before the current transaction's first flush touched the object.
#[derive(Debug, Clone)]
pub(crate) struct Undo {
    /// Inserted in this transaction; its primary key before the insert.
    pub(crate) inserted: Option<KeyValues>,
    pub(crate) snapshot: Option<Vec<Value>>,
    pub(crate) key: Option<Key>,
    pub(crate) marked_deleted: bool,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// How many times any object went from in step with the database to written (its write
/// count from 0 to 1), in any session. A session that found no written object, and sees
/// this count unchanged since, knows none of its objects has been written: its autoflush
/// need not visit them all (see `Session::plan`).
static FIRST_WRITES: AtomicU64 = AtomicU64::new(0);

/// The current [`FIRST_WRITES`] count.
pub(crate) fn first_writes() -> u64 {
    FIRST_WRITES.load(Ordering::Acquire)
}

impl<T: Mapped> Obj<T> {
    pub(crate) fn new(value: T) -> Self {
        Self::with_meta(value, Meta::default())
    }

    /// An object just loaded into `session` from its row, with identity `key`.
    pub(crate) fn persistent(value: T, session: &Arc<Membership>, key: Key) -> Self {
        Self::with_meta(
            value,
            Meta {
                session: Some(session.clone()),
                state: Some(ObjectState::Persistent),
                key: Some(key),
                ..Meta::default()
            },
        )
    }

    fn with_meta(value: T, meta: Meta) -> Self {
        Obj {
            cell: Arc::new(Cell {
                writes: AtomicU64::new(0),
                meta: MetaLock::new(meta),
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                value: RwLock::new(value),
                to_values: T::to_values,
            }),
        }
    }

    /// A transient object (in no session): SQLAlchemy's `User(...)` before `add`.
    pub fn transient(value: T) -> Self {
        Self::new(value)
    }
}

impl<T> Obj<T> {
    /// Shared access to the value. Do not hold it across a flush that must write the
    /// object (the session reports [`OrmError::ObjectLocked`] rather than wait).
    pub fn read(&self) -> ReadGuard<'_, T> {
        self.cell.value.read()
    }

    /// Exclusive access to the value; changes are found by the next flush.
    pub fn write(&self) -> WriteGuard<'_, T> {
        let guard = self.cell.value.write();
        if self.cell.writes.fetch_add(1, Ordering::AcqRel) == 0 {
            FIRST_WRITES.fetch_add(1, Ordering::AcqRel);
            // The first write since the object was in step with the database: keep what
            // the database has, for flush to diff against and rollback to restore. Objects
            // never saved (transient, pending) need none.
            let saved = matches!(
                self.cell.meta.lock().state,
                Some(ObjectState::Persistent | ObjectState::Deleted | ObjectState::Detached)
            );
            if saved {
                let values = (self.cell.to_values)(&guard);
                self.cell.meta.lock().snapshot = Some(values);
            }
        }
        guard
    }

    /// Whether two handles are the same object.
    pub fn ptr_eq(a: &Obj<T>, b: &Obj<T>) -> bool {
        Arc::ptr_eq(&a.cell, &b.cell)
    }

    /// The object's state: transient, pending, persistent, deleted or detached.
    pub fn state(&self) -> ObjectState {
        let meta = self.cell.meta.lock();
        meta.state.unwrap_or(ObjectState::Transient)
    }

    /// Whether its state is stale (after commit with `expire_on_commit`, or `expire`):
    /// the next query or `get` that meets it overwrites it, or call `refresh`.
    pub fn is_expired(&self) -> bool {
        self.cell.meta.lock().expired
    }
}

impl<T> Clone for Obj<T> {
    fn clone(&self) -> Self {
        Obj {
            cell: self.cell.clone(),
        }
    }
}

/// Prints the value itself, so `[<User 'admin'>]` reads as in the seed.
impl<T: fmt::Debug> fmt::Debug for Obj<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cell.value.try_read() {
            Some(v) => v.fmt(f),
            None => f.write_str("<locked>"),
        }
    }
}

/// The type-erased operations a session needs on any mapped object.
pub(crate) trait AnyObj: Send + Sync {
    fn id(&self) -> u64;
    fn meta(&self) -> &MetaLock;
    fn mapping(&self) -> Result<Arc<Mapping>>;
    /// `TypeId::of::<T>()`: the mapped type.
    fn mapped_type(&self) -> std::any::TypeId;
    fn type_name(&self) -> &'static str;
    /// `to_values()`, without waiting for a guard held elsewhere.
    fn values(&self) -> Result<Vec<Value>>;
    /// [`Mapped::changes`] against `snapshot` (every column without one), without waiting
    /// for a guard held elsewhere.
    fn changes(&self, snapshot: Option<&[Value]>) -> Result<Changes>;
    /// Replaces the value with one built from `row`.
    fn load(&self, row: Row) -> Result<()>;
    fn set_key(&self, key: &[Value]) -> Result<()>;
    /// Whether `write()` was called since the object was last in step with the database.
    fn touched(&self) -> bool;
    fn set_touched(&self, on: bool);
    /// The write count, to pass to [`settle`](Self::settle) later.
    fn writes(&self) -> u64;
    /// Marks the object in step with the database if it was not written since the count
    /// was `seen`; whether it did. Call it with the meta lock held, so that a `write()`
    /// racing with it takes its snapshot after the caller has set the snapshot.
    fn settle(&self, seen: u64) -> bool;
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

impl<T: Mapped> AnyObj for Cell<T> {
    fn id(&self) -> u64 {
        self.id
    }
    fn meta(&self) -> &MetaLock {
        &self.meta
    }
    fn mapping(&self) -> Result<Arc<Mapping>> {
        mapping::<T>()
    }
    fn mapped_type(&self) -> std::any::TypeId {
        std::any::TypeId::of::<T>()
    }
    fn type_name(&self) -> &'static str {
        short_type_name::<T>()
    }
    fn values(&self) -> Result<Vec<Value>> {
        Ok(self
            .value
            .try_read()
            .ok_or_else(|| locked::<T>())?
            .to_values())
    }
    fn changes(&self, snapshot: Option<&[Value]>) -> Result<Changes> {
        self.value
            .try_read()
            .ok_or_else(|| locked::<T>())?
            .changes(snapshot.unwrap_or_default())
    }
    fn load(&self, row: Row) -> Result<()> {
        let fresh = T::from_owned_row(row)?;
        *self.value.try_write().ok_or_else(|| locked::<T>())? = fresh;
        Ok(())
    }
    fn set_key(&self, key: &[Value]) -> Result<()> {
        self.value
            .try_write()
            .ok_or_else(|| locked::<T>())?
            .set_generated_key(key)
    }
    fn touched(&self) -> bool {
        self.writes.load(Ordering::Acquire) != 0
    }
    fn set_touched(&self, on: bool) {
        if on {
            // Keeps a count already running: only its being non-zero matters here.
            let first = self
                .writes
                .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire);
            if first.is_ok() {
                FIRST_WRITES.fetch_add(1, Ordering::AcqRel);
            }
        } else {
            self.writes.store(0, Ordering::Release);
        }
    }
    fn writes(&self) -> u64 {
        self.writes.load(Ordering::Acquire)
    }
    fn settle(&self, seen: u64) -> bool {
        self.writes
            .compare_exchange(seen, 0, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

fn locked<T>() -> philtre::Error {
    OrmError::ObjectLocked {
        type_name: short_type_name::<T>(),
    }
    .into()
}

/// Back from the erased form to a typed handle (the identity map stores erased objects).
pub(crate) fn typed<T: Mapped>(obj: &Arc<dyn AnyObj>) -> Option<Obj<T>> {
    obj.clone()
        .into_any()
        .downcast::<Cell<T>>()
        .ok()
        .map(|cell| Obj { cell })
}
