//! [`DbLayer`]: the request's teardown, Flask's `@app.teardown_appcontext
//! def shutdown_session(): db_session.remove()`, as a tower layer.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use philtre::QueryRecorder;
use tower_layer::Layer;
use tower_service::Service;

use crate::db::Db;
use crate::error::HttpError;
use crate::extract::RecordedQueries;

/// Gives every request a session scope of its own and removes its sessions when the
/// request ends, whatever happened:
///
/// - the handler returned (any status): every bind's session is removed, which rolls
///   back what the handler did not commit and returns its connection to the pool;
/// - the handler panicked: the panic is caught, the session is removed the same way,
///   and the client gets a plain `500` (the panic message goes to the log, not the client);
/// - the client went away and the request future was dropped: the scope's sessions are
///   dropped with it, which rolls them back too.
///
/// It also puts the [`Db`] in the request's extensions (for the extractors) and, when
/// [`record_queries`](crate::DbBuilder::record_queries) is on, records the request's
/// statements ([`RecordedQueries`], in the request's and the response's extensions).
///
/// The scope is [`philtre_orm::scope`]: a request served inside an enclosing scope (a
/// test that calls the service from within `ScopedSession::scope`) joins it.
#[derive(Clone)]
pub struct DbLayer {
    db: Db,
}

impl fmt::Debug for DbLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DbLayer").field("db", &self.db).finish()
    }
}

impl DbLayer {
    pub fn new(db: Db) -> Self {
        DbLayer { db }
    }
}

impl<S> Layer<S> for DbLayer {
    type Service = DbService<S>;

    fn layer(&self, inner: S) -> DbService<S> {
        DbService {
            db: self.db.clone(),
            inner,
        }
    }
}

/// The service [`DbLayer`] wraps around an inner one.
#[derive(Clone)]
pub struct DbService<S> {
    db: Db,
    inner: S,
}

impl<S> fmt::Debug for DbService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DbService")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

impl<S> Service<Request> for DbService<S>
where
    S: Service<Request> + Clone + Send + 'static,
    S::Response: IntoResponse + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        // The clone that was polled ready serves this request (tower's usual dance).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let db = self.db.clone();
        let recorder = db.records_queries().then(QueryRecorder::new);
        req.extensions_mut().insert(db.clone());
        req.extensions_mut()
            .insert(RecordedQueries::new(recorder.clone()));
        Box::pin(philtre_orm::scope(async move {
            let handler = CatchPanic::new(async move { inner.call(req).await });
            let outcome = match &recorder {
                Some(r) => r.scope(handler).await,
                None => handler.await,
            };
            // Teardown: the handler's future (and any session guard it held) is gone.
            if let Err(e) = db.remove().await {
                tracing::error!(target: "philtre_axum", error = %e, "removing the request's session failed");
            }
            let mut response = match outcome {
                Ok(Ok(r)) => r.into_response(),
                Ok(Err(e)) => return Err(e),
                Err(panic) => {
                    tracing::error!(
                        target: "philtre_axum",
                        panic = panic_message(panic.as_ref()),
                        "request handler panicked; its session was rolled back"
                    );
                    HttpError::internal("the request handler panicked").into_response()
                }
            };
            if let Some(r) = recorder {
                log_queries(&r);
                response
                    .extensions_mut()
                    .insert(RecordedQueries::new(Some(r)));
            }
            Ok(response)
        }))
    }
}

fn log_queries(recorder: &QueryRecorder) {
    for q in recorder.queries() {
        tracing::debug!(
            target: "philtre_axum::queries",
            statement = %q.statement,
            parameters = ?q.parameters,
            duration = ?q.duration,
            "query"
        );
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    if let Some(s) = panic.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s
    } else {
        "(not a string)"
    }
}

/// Polls a future and turns a panic inside it into an `Err` with the payload; the
/// future is dropped as soon as it finished or panicked.
struct CatchPanic<F> {
    fut: Option<Pin<Box<F>>>,
}

type PanicPayload = Box<dyn Any + Send>;

impl<F: Future> CatchPanic<F> {
    fn new(fut: F) -> Self {
        CatchPanic {
            fut: Some(Box::pin(fut)),
        }
    }
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, PanicPayload>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(fut) = self.fut.as_mut() else {
            // Polled after completion: never ready again, rather than a panic.
            return Poll::Pending;
        };
        let result = match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(v)) => Ok(v),
            Err(panic) => Err(panic),
        };
        // Drop the finished (or poisoned) future now, so that what it held (a session
        // guard) is released before the teardown; a panic in its drop is caught too.
        let fut = self.fut.take();
        if let Err(panic) = catch_unwind(AssertUnwindSafe(move || drop(fut))) {
            return Poll::Ready(Err(result.err().unwrap_or(panic)));
        }
        Poll::Ready(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_becomes_an_error_with_its_payload() {
        let r = CatchPanic::new(async { panic!("boom") }).await;
        let payload = r.err().map(|p| panic_message(p.as_ref()).to_owned());
        assert_eq!(payload.as_deref(), Some("boom"));
        let r = CatchPanic::new(async { 7 }).await;
        assert_eq!(r.ok(), Some(7));
    }
}
