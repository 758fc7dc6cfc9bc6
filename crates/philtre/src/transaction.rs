//! [`Transaction`]: a guard that commits explicitly and rolls back when dropped.

use std::ops::{Deref, DerefMut};

use philtre_core::{Executable, Result};

use crate::connection::Connection;
use crate::result::CursorResult;

/// An open transaction (or savepoint) on a connection.
///
/// `commit()` or `rollback()` end it. Dropped without either, it is rolled back before the
/// connection runs anything else or goes back to the pool, so no connection is ever reused
/// mid-transaction.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> philtre::Result<()> {
/// let engine = philtre::create_engine("sqlite://")?;
/// let mut conn = engine.connect().await?;
/// conn.execute("create table t (x integer)").await?;
/// let mut tx = conn.begin().await?;
/// tx.execute(philtre::text("insert into t values (1)")).await?;
/// let mut sp = tx.begin_nested().await?;       // SAVEPOINT
/// sp.execute(philtre::text("insert into t values (2)")).await?;
/// sp.rollback().await?;                        // ROLLBACK TO SAVEPOINT
/// tx.commit().await?;
/// let n: i64 = conn.execute("select count(*) from t").await?.scalar_one()?;
/// assert_eq!(n, 1);
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "a transaction rolls back unless committed"]
pub struct Transaction<'c> {
    conn: Slot<'c>,
    /// `None` for the outer transaction; the savepoint name for a nested one.
    savepoint: Option<String>,
    done: bool,
}

#[derive(Debug)]
enum Slot<'c> {
    Borrowed(&'c mut Connection),
    Owned(Box<Connection>),
}

impl<'c> Transaction<'c> {
    pub(crate) async fn begin(conn: &'c mut Connection) -> Result<Transaction<'c>> {
        Self::start(Slot::Borrowed(conn)).await
    }

    pub(crate) async fn begin_owned(conn: Connection) -> Result<Transaction<'static>> {
        Transaction::start(Slot::Owned(Box::new(conn))).await
    }

    async fn start(mut slot: Slot<'c>) -> Result<Transaction<'c>> {
        let conn = slot.conn();
        let begin = conn.dialect().begin_sql();
        let state = conn.ready().await?;
        let savepoint = if state.depth == 0 {
            // Where the driver can (PostgreSQL), BEGIN travels with the first statement.
            state.raw.batch_unawaited(begin).await?;
            None
        } else {
            let name = format!("philtre_sp_{}", state.depth);
            state.raw.batch(&format!("SAVEPOINT {name}")).await?;
            Some(name)
        };
        state.depth += 1;
        Ok(Transaction {
            conn: slot,
            savepoint,
            done: false,
        })
    }

    /// A nested transaction: a `SAVEPOINT` that can be rolled back on its own.
    pub async fn begin_nested(&mut self) -> Result<Transaction<'_>> {
        Transaction::start(Slot::Borrowed(self.conn.conn())).await
    }

    /// Runs a statement inside this transaction.
    pub async fn execute(&mut self, stmt: impl Executable) -> Result<CursorResult> {
        self.conn.conn().execute(stmt).await
    }

    /// Commits (or releases the savepoint).
    pub async fn commit(mut self) -> Result<()> {
        let sql = match &self.savepoint {
            None => "COMMIT".to_owned(),
            Some(sp) => format!("RELEASE SAVEPOINT {sp}"),
        };
        self.done = true;
        let state = self.conn.conn().ready().await?;
        state.depth -= 1;
        let result = state.raw.batch(&sql).await;
        if result.is_err() {
            // Whatever the database left open must not outlive this guard.
            state
                .cleanup
                .extend(rollback_sql(self.savepoint.as_deref()));
        }
        result
    }

    /// Rolls back (to the savepoint, for a nested transaction).
    ///
    /// On a connection that broke, or whose last operation was abandoned mid-flight, the
    /// transaction ends with the connection (the server rolls back when it closes, and the
    /// pool never hands it out again): that is a successful rollback, not an error.
    pub async fn rollback(mut self) -> Result<()> {
        self.done = true;
        let state = self.conn.conn().state()?;
        state.depth -= 1;
        if !state.raw.is_usable() {
            return Ok(());
        }
        state
            .cleanup
            .extend(rollback_sql(self.savepoint.as_deref()));
        self.conn.conn().ready().await.map(|_| ())
    }

    /// Rolls back without waiting for the server's answer where the backend allows it
    /// (PostgreSQL: the `ROLLBACK` is queued on the connection, so its next use, by anyone,
    /// comes after it); elsewhere, and for a savepoint, the same as
    /// [`rollback`](Self::rollback).
    ///
    /// For a transaction whose work is done and that nobody waits on, such as one that only
    /// read: it saves a round trip. Locks the transaction held are released a moment after
    /// this returns, when the server gets the `ROLLBACK`.
    pub async fn rollback_in_background(mut self) -> Result<()> {
        if self.savepoint.is_some() {
            return self.rollback().await;
        }
        self.done = true;
        let state = self.conn.conn().state()?;
        state.depth -= 1;
        if !state.raw.is_usable() {
            return Ok(());
        }
        let state = self.conn.conn().ready().await?;
        if let Err(e) = state.raw.batch_unawaited("ROLLBACK").await {
            if !state.raw.is_usable() {
                return Err(e);
            }
            // As in the pool's cleanup: no transaction left to roll back is the state wanted.
            tracing::debug!(target: "philtre::pool", error = %e, "ROLLBACK failed; ignored");
        }
        Ok(())
    }

    /// Whether this is a savepoint rather than the outer transaction.
    pub fn is_nested(&self) -> bool {
        self.savepoint.is_some()
    }
}

fn rollback_sql(savepoint: Option<&str>) -> Vec<String> {
    match savepoint {
        None => vec!["ROLLBACK".into()],
        Some(sp) => vec![
            format!("ROLLBACK TO SAVEPOINT {sp}"),
            format!("RELEASE SAVEPOINT {sp}"),
        ],
    }
}

impl Slot<'_> {
    fn conn(&mut self) -> &mut Connection {
        match self {
            Slot::Borrowed(c) => c,
            Slot::Owned(c) => c,
        }
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        // Cannot await here: queue the rollback; it runs before the connection's next
        // statement, or when the pool takes the connection back.
        if let Ok(state) = self.conn.conn().state() {
            state.depth -= 1;
            state
                .cleanup
                .extend(rollback_sql(self.savepoint.as_deref()));
        }
    }
}

impl Deref for Transaction<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match &self.conn {
            Slot::Borrowed(c) => c,
            Slot::Owned(c) => c,
        }
    }
}

impl DerefMut for Transaction<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn.conn()
    }
}
