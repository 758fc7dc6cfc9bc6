//! Query recording: the statements a task ran, with their parameters and durations
//! (Flask-SQLAlchemy's `SQLALCHEMY_RECORD_QUERIES` / `get_recorded_queries()`).
//!
//! A [`QueryRecorder`] is entered for a future with [`QueryRecorder::scope`]; every
//! statement a [`Connection`](crate::Connection) runs while that future is polled (in the
//! same task) is recorded. Outside a recorder nothing is cloned or timed beyond one
//! task-local look-up per statement.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> philtre::Result<()> {
//! use philtre::{QueryRecorder, text};
//! let engine = philtre::create_engine("sqlite://")?;
//! let recorder = QueryRecorder::new();
//! recorder.scope(async {
//!     engine.execute(text("select :n + 1").bind("n", 41)).await
//! }).await?;
//! let q = &recorder.queries()[0];
//! assert_eq!(q.statement, "select ? + 1");                 // values are bound, never spliced
//! assert_eq!(q.parameters, [philtre::Value::Int(41)]);
//! # Ok(()) }
//! ```

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use philtre_core::Value;

tokio::task_local! {
    static RECORDER: QueryRecorder;
}

/// One statement as it was sent: SQL with placeholders, the bound values, how long it took.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedQuery {
    /// The SQL sent to the database, with the dialect's placeholders.
    pub statement: String,
    /// The values bound to the placeholders; for an executemany, every row's values in turn.
    pub parameters: Vec<Value>,
    /// How many parameter sets were sent: 1, or the rows of an executemany.
    pub batch: usize,
    /// From sending the statement until its result (or error) was in.
    pub duration: Duration,
}

/// A shared list of recorded statements; clones share the list.
#[derive(Clone, Default)]
pub struct QueryRecorder {
    queries: Arc<Mutex<Vec<RecordedQuery>>>,
}

impl fmt::Debug for QueryRecorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueryRecorder")
            .field("queries", &self.len())
            .finish()
    }
}

impl QueryRecorder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `fut` with this recorder: statements it runs in this task are recorded here.
    pub async fn scope<F: Future>(&self, fut: F) -> F::Output {
        RECORDER.scope(self.clone(), fut).await
    }

    /// The recorder of the current task, if one is active.
    pub fn current() -> Option<QueryRecorder> {
        RECORDER.try_with(Clone::clone).ok()
    }

    /// A copy of the statements recorded so far, in the order they ran.
    pub fn queries(&self) -> Vec<RecordedQuery> {
        self.lock().clone()
    }

    /// Takes the statements recorded so far, leaving the list empty.
    pub fn take(&self) -> Vec<RecordedQuery> {
        std::mem::take(&mut *self.lock())
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<RecordedQuery>> {
        self.queries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A statement being timed; recorded when dropped (also when it failed or was cancelled).
pub(crate) struct Recording {
    recorder: QueryRecorder,
    query: Option<RecordedQuery>,
    started: Instant,
}

/// Starts recording one statement when the current task has a recorder.
pub(crate) fn start(sql: &str, params: &[Value]) -> Option<Recording> {
    start_many(sql, params.iter(), 1)
}

/// Starts recording an executemany of `batch` parameter sets.
pub(crate) fn start_many<'a>(
    sql: &str,
    params: impl IntoIterator<Item = &'a Value>,
    batch: usize,
) -> Option<Recording> {
    let recorder = QueryRecorder::current()?;
    Some(Recording {
        recorder,
        query: Some(RecordedQuery {
            statement: sql.to_owned(),
            parameters: params.into_iter().cloned().collect(),
            batch,
            duration: Duration::ZERO,
        }),
        started: Instant::now(),
    })
}

impl Drop for Recording {
    fn drop(&mut self) {
        if let Some(mut q) = self.query.take() {
            q.duration = self.started.elapsed();
            self.recorder.lock().push(q);
        }
    }
}
