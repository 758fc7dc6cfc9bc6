//! Cancelling, on the server, a query whose caller went away.

use tokio_postgres::CancelToken;

/// Sends a cancel request for the running query when an abandoned connection goes away.
///
/// The request travels on a new connection (PostgreSQL's protocol), with the same TLS
/// settings as the connection it cancels; it is best effort and never blocks the caller.
#[derive(Clone)]
pub(crate) struct Canceller {
    pub token: CancelToken,
    #[cfg(feature = "tls")]
    pub tls: Option<crate::tls::MakeRustls>,
}

impl Canceller {
    /// Spawns the cancel request on the current Tokio runtime, if there is one.
    pub(crate) fn fire(&self) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let this = self.clone();
        handle.spawn(async move {
            #[cfg(feature = "tls")]
            if let Some(tls) = this.tls {
                if let Err(e) = this.token.cancel_query(tls).await {
                    tracing::debug!(error = %e, "cancel request failed");
                }
                return;
            }
            if let Err(e) = this.token.cancel_query(tokio_postgres::NoTls).await {
                tracing::debug!(error = %e, "cancel request failed");
            }
        });
    }
}
