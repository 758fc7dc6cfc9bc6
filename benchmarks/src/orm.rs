//! The ORM workloads' side of a subject: objects loaded, added and changed through the
//! library's ORM API, one fresh session (or its equivalent) per call, as a web request
//! would use it.
//!
//! Only the subjects with an ORM (and `raw`, the floor, doing the equivalent with plain
//! statements) implement it; the others answer `None` to
//! [`Subject::orm`](crate::subject::Subject::orm) and their cells print "–".

use async_trait::async_trait;

use crate::model::{NewUser, User};
use crate::subject::BenchResult;

/// What a load returns: the library's own objects, read back as [`User`]s by the harness
/// after the timer stops (so that copying them out of handles is not timed, and neither is
/// dropping them, as for the Core workloads).
pub trait Loaded: Send {
    /// The loaded objects as plain rows, in load order.
    fn users(&self) -> Vec<User>;
}

impl Loaded for Vec<User> {
    fn users(&self) -> Vec<User> {
        self.clone()
    }
}

#[async_trait]
pub trait OrmSubject: Send + Sync {
    /// In a fresh session: the users with `first <= id < first + n`, ordered by id, loaded
    /// as objects by a query; the session is closed before returning.
    async fn orm_load(&self, first: i64, n: i64) -> BenchResult<Box<dyn Loaded>>;

    /// In a fresh session: the user with this primary key, as an object (`get`).
    async fn orm_get(&self, id: i64) -> BenchResult<Box<dyn Loaded>>;

    /// In a fresh session: the rows added as new objects, then flushed and committed in
    /// one transaction.
    async fn orm_flush_new(&self, rows: &[NewUser]) -> BenchResult<()>;

    /// In a fresh session and one transaction: loads the users with
    /// `first <= id < first + n` (ordered by id), sets `hair_color` on each, writes the
    /// changes (one UPDATE by primary key per object) and commits. The whole of it is
    /// timed: load, change and flush.
    async fn orm_flush_changed(&self, first: i64, n: i64, hair_color: &str) -> BenchResult<()>;
}
