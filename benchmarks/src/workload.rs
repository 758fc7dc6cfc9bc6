//! The workloads, each one call on a subject whose result the harness checks.

use std::time::{Duration, Instant};

use crate::model::{new_users, seeded_posts, seeded_user, Post, User, JOIN_COLOR, USERS};
use crate::subject::{BenchResult, Subject};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// Primary-key lookup of one row.
    GetUser,
    /// Select of n rows into structs.
    Select(i64),
    /// users LEFT JOIN posts filtered by a parameter.
    Join,
    /// One INSERT of n rows returning their ids.
    InsertReturning(usize),
    /// n single-row inserts in one transaction.
    InsertInTransaction(usize),
    /// Build and compile the medium select, no database call.
    BuildMediumSelect,
}

/// Every sequential workload, in report order.
pub const ALL: [Workload; 9] = [
    Workload::GetUser,
    Workload::Select(1),
    Workload::Select(100),
    Workload::Select(10_000),
    Workload::Join,
    Workload::InsertReturning(1),
    Workload::InsertReturning(100),
    Workload::InsertInTransaction(100),
    Workload::BuildMediumSelect,
];

impl Workload {
    pub fn name(self) -> String {
        match self {
            Workload::GetUser => "get_by_pk".into(),
            Workload::Select(n) => format!("select_{n}"),
            Workload::Join => "left_join_filtered".into(),
            Workload::InsertReturning(n) => format!("insert_{n}_returning"),
            Workload::InsertInTransaction(n) => format!("insert_{n}_in_tx"),
            Workload::BuildMediumSelect => "build_compile_select".into(),
        }
    }

    /// Whether the workload writes rows that must be removed between batches.
    pub fn writes(self) -> bool {
        matches!(
            self,
            Workload::InsertReturning(_) | Workload::InsertInTransaction(_)
        )
    }

    /// Runs the workload once (call number `i`), timed, and checks its result.
    pub async fn run_once(self, subject: &dyn Subject, i: u64) -> BenchResult<Duration> {
        match self {
            Workload::GetUser => {
                let id = (i as i64 * 7919) % USERS + 1;
                let start = Instant::now();
                let user = subject.get_user(id).await?;
                let took = start.elapsed();
                check(user == seeded_user(id), "get_by_pk", subject)?;
                Ok(took)
            }
            Workload::Select(n) => {
                let first = if n == USERS {
                    1
                } else {
                    (i as i64 * 131) % (USERS - n) + 1
                };
                let start = Instant::now();
                let users = subject.select_users(first, n).await?;
                let took = start.elapsed();
                let ok = users.len() as i64 == n
                    && users.first() == Some(&seeded_user(first))
                    && users.last() == Some(&seeded_user(first + n - 1));
                check(ok, "select", subject)?;
                Ok(took)
            }
            Workload::Join => {
                let start = Instant::now();
                let rows = subject.users_with_posts(JOIN_COLOR).await?;
                let took = start.elapsed();
                check(rows == expected_join(), "left_join_filtered", subject)?;
                Ok(took)
            }
            Workload::InsertReturning(n) => {
                let rows = new_users(n);
                let start = Instant::now();
                let ids = subject.insert_users_returning(&rows).await?;
                let took = start.elapsed();
                let ok = ids.len() == n
                    && ids.windows(2).all(|w| w[1] > w[0])
                    && ids.first().is_some_and(|&id| id > USERS);
                check(ok, "insert_returning", subject)?;
                Ok(took)
            }
            Workload::InsertInTransaction(n) => {
                let rows = new_users(n);
                let start = Instant::now();
                subject.insert_users_in_transaction(&rows).await?;
                Ok(start.elapsed())
            }
            Workload::BuildMediumSelect => {
                let start = Instant::now();
                let built = subject.build_medium_select();
                let took = start.elapsed();
                if let Some((sql, binds)) = built {
                    let upper = sql.to_ascii_uppercase();
                    let ok = binds >= 3
                        && ["LEFT", "JOIN", "GROUP BY", "HAVING", "ORDER BY", "LIMIT"]
                            .iter()
                            .all(|w| upper.contains(w));
                    check(ok, "build_compile_select", subject)?;
                }
                Ok(took)
            }
        }
    }
}

fn check(ok: bool, what: &str, subject: &dyn Subject) -> BenchResult<()> {
    if ok {
        Ok(())
    } else {
        Err(format!("{} returned a wrong result for {what}", subject.name()).into())
    }
}

/// What the join must return.
pub fn expected_join() -> Vec<(User, Option<Post>)> {
    let posts = seeded_posts();
    let mut out = Vec::new();
    for id in 1..=USERS {
        let user = seeded_user(id);
        if user.hair_color.as_deref() != Some(JOIN_COLOR) {
            continue;
        }
        let mine: Vec<_> = posts.iter().filter(|p| p.user_id == id).cloned().collect();
        if mine.is_empty() {
            out.push((user, None));
        } else {
            out.extend(mine.into_iter().map(|p| (user.clone(), Some(p))));
        }
    }
    out
}
