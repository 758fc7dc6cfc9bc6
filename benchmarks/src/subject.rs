//! What every benchmarked library implements: one method per workload.
//!
//! Every subject holds its own pool (of the size the harness asks for), opens its
//! connections against the already-seeded database, and answers each call with the
//! library's ordinary, documented API: the code a user of that library would write.
//! Results are checked by the harness, so a subject cannot win by doing less.

use async_trait::async_trait;

use crate::model::{NewUser, Post, User};
use crate::orm::OrmSubject;

pub type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[async_trait]
pub trait Subject: Send + Sync {
    /// `raw`, `philtre-core`, `philtre-orm`, `sqlx`, `sea-orm` or `diesel`.
    fn name(&self) -> &'static str;

    /// Whether the subject runs the Core workloads (every workload but the `orm_*` ones,
    /// the pool workload included). Only `philtre-orm`, which is measured on the ORM
    /// workloads alone, says no; its Core methods are never called.
    fn core(&self) -> bool {
        true
    }

    /// The subject's ORM, for the `orm_*` workloads; `None` (cells "–") for a library
    /// without one.
    fn orm(&self) -> Option<&dyn OrmSubject> {
        None
    }

    /// `SELECT id, name, hair_color FROM users WHERE id = ?`, into a struct.
    async fn get_user(&self, id: i64) -> BenchResult<User>;

    /// The users with `first <= id < first + n`, ordered by id, into structs.
    async fn select_users(&self, first: i64, n: i64) -> BenchResult<Vec<User>>;

    /// `users LEFT JOIN posts ON posts.user_id = users.id WHERE users.hair_color = ?`,
    /// ordered by users.id then posts.id.
    async fn users_with_posts(&self, hair_color: &str) -> BenchResult<Vec<(User, Option<Post>)>>;

    /// All rows in ONE `INSERT` statement, returning the generated ids in row order
    /// (where the backend has no RETURNING, the ids follow from the first insert id).
    async fn insert_users_returning(&self, rows: &[NewUser]) -> BenchResult<Vec<i64>>;

    /// One transaction with one single-row `INSERT` per row (pipelined or batched where the
    /// library can).
    async fn insert_users_in_transaction(&self, rows: &[NewUser]) -> BenchResult<()>;

    /// Builds and compiles, without a database call, the medium select:
    ///
    /// ```sql
    /// SELECT users.id, users.name, count(posts.id) AS post_count
    /// FROM users LEFT OUTER JOIN posts ON posts.user_id = users.id
    /// WHERE users.hair_color = ? AND users.id > ?
    /// GROUP BY users.id, users.name
    /// HAVING count(posts.id) > ?
    /// ORDER BY users.name DESC
    /// LIMIT ? OFFSET ?           -- or literal numbers, as the library writes them
    /// ```
    ///
    /// for this subject's backend, with the three values bound. Returns the SQL and the
    /// number of bound values; `None` for a subject that has no statement builder (raw).
    fn build_medium_select(&self) -> Option<(String, usize)>;
}
