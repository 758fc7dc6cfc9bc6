//! The worker thread that owns one `rusqlite::Connection`.
//!
//! rusqlite is synchronous, so each connection lives on its own `std::thread`. Callers send
//! a whole operation (prepare, bind, step every row, build the result) as a closure and
//! await a oneshot reply: the async hop is paid once per statement, and the executor never
//! blocks on SQLite.
//!
//! Jobs run in the order they were sent and always to the end. If a caller stops waiting
//! (its future is dropped), the job still finishes and only its reply is thrown away, so
//! the connection never falls out of step. The thread ends when the last handle (sender)
//! is dropped, closing the connection.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;

use philtre_core::{Error, Result};
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce(&mut rusqlite::Connection) + Send>;

/// A handle to a worker thread; clones share the same thread and connection.
#[derive(Debug, Clone)]
pub(crate) struct Worker {
    sender: mpsc::Sender<Job>,
    alive: Arc<AtomicBool>,
}

/// Marks the worker dead when its thread ends, whether it returns or unwinds.
struct AliveGuard(Arc<AtomicBool>);

impl Drop for AliveGuard {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl Worker {
    /// Starts a thread, opens the connection on it with `open`, and waits for the outcome.
    ///
    /// Opening runs on the worker thread too (it may wait on file locks). If the caller
    /// gives up while it opens, the thread notices and closes the connection.
    pub(crate) async fn spawn<F>(name: String, url: &str, open: F) -> Result<Worker>
    where
        F: FnOnce() -> Result<rusqlite::Connection> + Send + 'static,
    {
        let (sender, receiver) = mpsc::channel::<Job>();
        let (ready_tx, ready_rx) = oneshot::channel::<Result<()>>();
        let alive = Arc::new(AtomicBool::new(true));
        let guard = AliveGuard(alive.clone());
        thread::Builder::new()
            .name(name)
            .spawn(move || {
                let _guard = guard;
                let mut conn = match open() {
                    Ok(conn) => conn,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                if ready_tx.send(Ok(())).is_err() {
                    return;
                }
                while let Ok(job) = receiver.recv() {
                    job(&mut conn);
                }
                tracing::trace!("sqlite worker finished: every handle was dropped");
            })
            .map_err(|e| Error::Connect {
                url: url.to_owned(),
                message: format!("could not start the connection thread: {e}"),
            })?;
        match ready_rx.await {
            Ok(Ok(())) => Ok(Worker { sender, alive }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(Error::Connect {
                url: url.to_owned(),
                message: "the connection thread stopped while opening".into(),
            }),
        }
    }

    /// Runs `f` on the worker thread and waits for its result.
    pub(crate) async fn call<R, F>(&self, f: F) -> Result<R>
    where
        F: FnOnce(&mut rusqlite::Connection) -> Result<R> + Send + 'static,
        R: Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            // The caller may have gone away; the work is done either way.
            let _ = tx.send(f(conn));
        });
        self.sender.send(job).map_err(|_| lost())?;
        rx.await.map_err(|_| lost())?
    }

    /// False once the thread has ended (it only ends early if a job panicked).
    pub(crate) fn is_alive(&self) -> bool {
        self.alive.load(Ordering::Acquire)
    }
}

fn lost() -> Error {
    Error::ConnectionLost("the SQLite connection thread has stopped".into())
}
