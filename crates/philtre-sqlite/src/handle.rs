//! [`Handle`]: one `rusqlite::Connection`, run inline on the caller's task when that is
//! quick, and on tokio's blocking pool when it is not.
//!
//! SQLite answers most statements in microseconds, far less than a hop to another thread
//! and back costs. So an operation first runs inline, on the task that awaits it, with two
//! limits that keep the executor from blocking:
//!
//! - no busy waiting inline: the connection's busy timeout is 0 there, and an operation
//!   that finds the database locked (and changed nothing) moves to the blocking pool, where
//!   it waits with the configured timeout;
//! - a time budget: a single statement that runs longer than [`INLINE_BUDGET`] is
//!   interrupted (SQLite undoes the statement) and runs again, to the end, on the blocking
//!   pool. That holds for any statement outside a transaction and for read-only ones inside
//!   it; a write inside a transaction is never interrupted, because SQLite would roll the
//!   whole transaction back. A connection remembers the queries that ran long (inline and
//!   then whole), so that they are not started twice each time: the next run goes to the
//!   blocking pool at once, or, on a multi-threaded runtime, runs whole where it is with
//!   `block_in_place` (its rows go straight to the caller, and the worker's other tasks
//!   move to another thread).
//!
//!   On a multi-threaded runtime, a query whose budget runs out between two of its rows is
//!   not interrupted: the rest of it runs where it is with `block_in_place` ([`HandOff`]),
//!   and only a single step that runs a second budget long on its own is interrupted (a
//!   sort before the first row, say). Interrupting a query half way through its rows threw
//!   that half away and ran it all again, its rows copied across threads: a load of 10,000
//!   objects near the budget (~4 ms) then took three times as long.
//!
//! Operations take the connection through a fair async lock, so they run in the order they
//! were called, and an operation that moved to the blocking pool takes the lock with it. It
//! runs to the end even if its caller stops waiting: the connection is never left half way
//! through a statement, and the next operation waits (asynchronously) until it is done.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use philtre_core::{DbErrorKind, Error, Result};
use rusqlite::Connection;
use tokio::sync::Mutex;

/// How long a statement may run inline before it moves to the blocking pool.
pub(crate) const INLINE_BUDGET: Duration = Duration::from_millis(5);

/// SQLite VM steps between two looks at the clock.
const PROGRESS_STEPS: i32 = 4_000;

/// `SQLITE_INTERRUPT`.
const INTERRUPTED: &str = "9";

/// Plain `SQLITE_BUSY` (not `BUSY_SNAPSHOT`, which waiting cannot cure).
const BUSY: &str = "5";

/// How an operation may be retried on the blocking pool after an inline attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// One statement (or a read-only inspection): may be interrupted when it runs long
    /// outside a transaction (or, if read-only, inside one), and retried when it found the
    /// database locked.
    Statement,
    /// Several statements (a script, executemany): never interrupted; retried only when a
    /// lock stopped it before it changed anything.
    Script,
}

/// The connection, held: operations take turns on it.
pub(crate) type Guard = tokio::sync::OwnedMutexGuard<Connection>;

/// How an inline attempt ended.
pub(crate) enum Attempt<R> {
    Done(Result<R>),
    /// Interrupted or locked before it changed anything: run it again on the blocking pool.
    /// `ran_long`: it was interrupted for running past the inline budget.
    Retry {
        ran_long: bool,
    },
}

/// Lets an operation allow its inline interruption once it knows its statement is
/// read-only, which is safe even inside a transaction.
#[derive(Debug)]
pub(crate) struct Budget<'a> {
    deadline: Option<&'a Deadline>,
}

impl Budget<'_> {
    /// No budget: the operation runs to the end (on the blocking pool).
    pub(crate) fn none() -> Budget<'static> {
        Budget { deadline: None }
    }

    /// Arms the inline time budget for a read-only statement.
    pub(crate) fn allow_for_read_only(&self, read_only: bool) {
        if let (Some(deadline), true) = (self.deadline, read_only) {
            if deadline.at.load(Ordering::Relaxed) == u64::MAX {
                deadline.set(Some(INLINE_BUDGET));
            }
        }
    }

    /// For a query whose rows are read here one by one: on a multi-threaded runtime, once
    /// the budget is spent the rest of the query can run where it is ([`HandOff`]) rather
    /// than be interrupted. `None` when no budget is armed.
    pub(crate) fn hand_off(&self) -> Option<HandOff<'_>> {
        let deadline = self.deadline?;
        deadline.allow_hand_off().then_some(HandOff(deadline))
    }
}

/// Lets a query read inline finish where it is once its budget is spent between two rows:
/// [`run`](Self::run) takes the rest of it off the worker with `block_in_place` (the
/// worker's other tasks move to another thread), and its rows still go straight to the
/// caller. Nothing read so far is thrown away, as an interruption would.
pub(crate) struct HandOff<'a>(&'a Deadline);

impl HandOff<'_> {
    /// Whether the budget is spent. SQLite's progress handler marks it, so asking costs
    /// no clock read: cheap enough for every row.
    pub(crate) fn due(&self) -> bool {
        self.0.due.load(Ordering::Relaxed)
    }

    /// Runs `rest` to its end here, uninterrupted, with the worker's other tasks handed to
    /// another thread.
    pub(crate) fn run<R>(self, rest: impl FnOnce() -> R) -> R {
        self.0.set(None);
        tokio::task::block_in_place(rest)
    }
}

/// Whether the current tokio runtime is multi-threaded (where `block_in_place` works).
pub(crate) fn multi_threaded() -> bool {
    tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
}

/// One SQLite connection; clones share it (the in-memory database's single connection).
#[derive(Debug, Clone)]
pub(crate) struct Handle {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    conn: Arc<Mutex<Connection>>,
    /// Set when an operation panicked part way: the connection's state is unknown.
    poisoned: AtomicBool,
    busy_timeout: Duration,
    deadline: Arc<Deadline>,
}

/// When an inline statement must stop, as nanoseconds since `base` (`u64::MAX`: never),
/// and whether a query reading rows may move off the worker instead ([`HandOff`]).
#[derive(Debug)]
struct Deadline {
    base: Instant,
    at: AtomicU64,
    /// The statement's rows are read one by one and may move off the worker.
    hand_off: AtomicBool,
    /// The budget is spent and the rows should move (set by SQLite's progress handler).
    due: AtomicBool,
}

impl Deadline {
    fn new() -> Self {
        Deadline {
            base: Instant::now(),
            at: AtomicU64::new(u64::MAX),
            hand_off: AtomicBool::new(false),
            due: AtomicBool::new(false),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Arms the interruption `at` from now (disarms it with `None`), with no hand-off.
    fn set(&self, at: Option<Duration>) {
        let nanos = at.map_or(u64::MAX, |d| {
            u64::try_from(d.as_nanos()).map_or(u64::MAX, |d| self.now().saturating_add(d))
        });
        self.at.store(nanos, Ordering::Relaxed);
        self.hand_off.store(false, Ordering::Relaxed);
        self.due.store(false, Ordering::Relaxed);
    }

    /// Lets the armed budget end in a hand-off. False when none is armed.
    fn allow_hand_off(&self) -> bool {
        let armed = self.at.load(Ordering::Relaxed) != u64::MAX;
        self.hand_off.store(armed, Ordering::Relaxed);
        armed
    }

    /// SQLite's progress handler: whether to interrupt the statement now. When the budget
    /// is spent and the rows may move off the worker (a multi-threaded runtime, asked only
    /// now: most statements never get here), marks the hand-off due instead and arms the
    /// interruption one budget later, for a single step that runs that long on its own.
    fn check(&self) -> bool {
        let at = self.at.load(Ordering::Relaxed);
        if at == u64::MAX || self.now() <= at {
            return false;
        }
        if self.hand_off.load(Ordering::Relaxed)
            && !self.due.load(Ordering::Relaxed)
            && multi_threaded()
        {
            let budget = u64::try_from(INLINE_BUDGET.as_nanos()).unwrap_or(u64::MAX);
            self.at.store(at.saturating_add(budget), Ordering::Relaxed);
            self.due.store(true, Ordering::Relaxed);
            return false;
        }
        true
    }
}

impl Handle {
    /// Opens a connection with `open` on the blocking pool (opening may wait on file
    /// locks), then sets it up for inline use.
    pub(crate) async fn open<F>(url: &str, busy_timeout: Duration, open: F) -> Result<Handle>
    where
        F: FnOnce() -> Result<Connection> + Send + 'static,
    {
        let deadline = Arc::new(Deadline::new());
        let watch = deadline.clone();
        let conn = tokio::task::spawn_blocking(move || {
            let conn = open()?;
            conn.busy_timeout(Duration::ZERO)
                .map_err(crate::errors::map_error)?;
            conn.progress_handler(PROGRESS_STEPS, Some(move || watch.check()));
            Ok::<_, Error>(conn)
        })
        .await
        .map_err(|e| Error::Connect {
            url: url.to_owned(),
            message: format!("opening the connection failed: {e}"),
        })??;
        Ok(Handle {
            shared: Arc::new(Shared {
                conn: Arc::new(Mutex::new(conn)),
                poisoned: AtomicBool::new(false),
                busy_timeout,
                deadline,
            }),
        })
    }

    /// Runs `op` on a connection taken with [`acquire`](Self::acquire): inline if the
    /// operation is quick, else on the blocking pool (see the module docs).
    pub(crate) async fn run<R, F>(&self, mut conn: Guard, shape: Shape, op: F) -> Result<R>
    where
        F: Fn(&mut Connection, &Budget<'_>) -> Result<R> + Send + 'static,
        R: Send + 'static,
    {
        match self.attempt(&mut conn, shape, |c, b| op(c, b)) {
            Attempt::Done(result) => result,
            Attempt::Retry { .. } => {
                self.finish_blocking(conn, move |c| op(c, &Budget::none()))
                    .await
            }
        }
    }

    /// Takes the connection, in call order (see the module docs).
    pub(crate) async fn acquire(&self) -> Result<Guard> {
        if !self.is_usable() {
            return Err(lost());
        }
        Ok(match self.shared.conn.clone().try_lock_owned() {
            Ok(guard) => guard,
            // Another operation holds the connection (a shared in-memory connection, or one
            // still finishing for a caller that gave up): wait for it, in call order.
            Err(_) => self.shared.conn.clone().lock_owned().await,
        })
    }

    /// Runs `op` inline, within the limits of the module docs; `Retry` when it must run
    /// again on the blocking pool ([`finish_blocking`](Self::finish_blocking)).
    pub(crate) fn attempt<R>(
        &self,
        conn: &mut Guard,
        shape: Shape,
        op: impl FnOnce(&mut Connection, &Budget<'_>) -> Result<R>,
    ) -> Attempt<R> {
        let autocommit = conn.is_autocommit();
        let changes = conn.total_changes();
        let statement = shape == Shape::Statement;
        let deadline = &self.shared.deadline;
        deadline.set((statement && autocommit).then_some(INLINE_BUDGET));
        let budget = Budget {
            deadline: statement.then_some(&**deadline),
        };
        let result = {
            let _watch = PanicWatch(&self.shared.poisoned);
            op(conn, &budget)
        };
        deadline.set(None);
        let Err(e) = result else {
            return Attempt::Done(result);
        };
        let untouched = conn.is_autocommit() == autocommit && conn.total_changes() == changes;
        match &e {
            Error::Database(d) if d.code == INTERRUPTED && statement && untouched => {
                Attempt::Retry { ran_long: true }
            }
            Error::Database(d)
                if d.kind == DbErrorKind::Busy
                    && untouched
                    && !self.shared.busy_timeout.is_zero() =>
            {
                Attempt::Retry { ran_long: false }
            }
            _ => Attempt::Done(Err(e)),
        }
    }

    /// Runs `op` on the blocking pool with the configured busy timeout. The guard goes with
    /// it, so nothing runs in between, and it runs to the end even if nobody waits for it.
    ///
    /// SQLite does not call its busy handler when a transaction that has read must wait
    /// to write (it returns `SQLITE_BUSY` at once), so such a statement is tried again here,
    /// with growing pauses, until the busy timeout has passed.
    pub(crate) async fn finish_blocking<R, F>(&self, mut conn: Guard, op: F) -> Result<R>
    where
        F: Fn(&mut Connection) -> Result<R> + Send + 'static,
        R: Send + 'static,
    {
        let shared = self.shared.clone();
        tokio::task::spawn_blocking(move || {
            let _watch = PanicWatch(&shared.poisoned);
            let set = |c: &Connection, t| c.busy_timeout(t).map_err(crate::errors::map_error);
            set(&conn, shared.busy_timeout)?;
            let started = Instant::now();
            let mut pause = Duration::from_millis(1);
            let result = loop {
                let autocommit = conn.is_autocommit();
                let changes = conn.total_changes();
                let result = op(&mut conn);
                let untouched =
                    conn.is_autocommit() == autocommit && conn.total_changes() == changes;
                let waiting_for_a_writer = matches!(
                    &result,
                    Err(Error::Database(d)) if d.code == BUSY && !autocommit && untouched
                );
                if !waiting_for_a_writer || started.elapsed() + pause > shared.busy_timeout {
                    break result;
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            };
            set(&conn, Duration::ZERO)?;
            result
        })
        .await
        .map_err(|_| lost())?
    }

    /// False once an operation panicked part way (the connection's state is unknown).
    pub(crate) fn is_usable(&self) -> bool {
        !self.shared.poisoned.load(Ordering::Acquire)
    }
}

/// Marks the connection poisoned if dropped during a panic.
struct PanicWatch<'a>(&'a AtomicBool);

impl Drop for PanicWatch<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Release);
        }
    }
}

fn lost() -> Error {
    Error::ConnectionLost("an SQLite operation panicked; the connection was abandoned".into())
}
