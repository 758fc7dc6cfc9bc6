//! The workloads, each one call on a subject whose result the harness checks.

use std::time::{Duration, Instant};

use philtre::{text, Engine};

use crate::model::{new_users, seeded_posts, seeded_user, NewUser, Post, User, JOIN_COLOR, USERS};
use crate::seed;
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
    /// ORM: n users loaded as objects by a query, in a fresh session.
    OrmLoad(i64),
    /// ORM: one object by primary key (`get`), in a fresh session.
    OrmGet,
    /// ORM: n new objects added, flushed and committed.
    OrmFlushNew(usize),
    /// ORM: n objects loaded, one column changed on each, flushed and committed.
    OrmFlushChanged(i64),
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

/// The ORM workloads, in report order (after the pool rows).
pub const ORM: [Workload; 6] = [
    Workload::OrmLoad(1),
    Workload::OrmLoad(100),
    Workload::OrmLoad(10_000),
    Workload::OrmGet,
    Workload::OrmFlushNew(100),
    Workload::OrmFlushChanged(100),
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
            Workload::OrmLoad(n) => format!("orm_load_{n}"),
            Workload::OrmGet => "orm_get_by_pk".into(),
            Workload::OrmFlushNew(n) => format!("orm_flush_{n}_new"),
            Workload::OrmFlushChanged(n) => format!("orm_flush_{n}_changed"),
        }
    }

    pub fn is_orm(self) -> bool {
        matches!(
            self,
            Workload::OrmLoad(_)
                | Workload::OrmGet
                | Workload::OrmFlushNew(_)
                | Workload::OrmFlushChanged(_)
        )
    }

    /// Whether `subject` runs this workload (its cell prints "–" otherwise).
    pub fn applies(self, subject: &dyn Subject) -> bool {
        if self.is_orm() {
            subject.orm().is_some()
        } else {
            subject.core()
        }
    }

    /// Puts back, untimed, what a batch of this workload wrote: the inserted rows are
    /// deleted, the changed ones restored to their seeded values.
    pub async fn clean_up(self, url: &str) -> BenchResult<()> {
        match self {
            Workload::InsertReturning(_)
            | Workload::InsertInTransaction(_)
            | Workload::OrmFlushNew(_) => seed::reset(url).await,
            Workload::OrmFlushChanged(_) => seed::restore_changed(url).await,
            _ => Ok(()),
        }
    }

    /// Runs the workload once (call number `i` of its batch), timed, and checks its result
    /// (through `checker` where the database must be read back).
    pub async fn run_once(
        self,
        subject: &dyn Subject,
        checker: &Checker,
        i: u64,
    ) -> BenchResult<Duration> {
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
            Workload::OrmLoad(n) => {
                let orm = subject.orm().ok_or("no ORM")?;
                let first = if n == USERS {
                    1
                } else {
                    (i as i64 * 131) % (USERS - n) + 1
                };
                let start = Instant::now();
                let loaded = orm.orm_load(first, n).await?;
                let took = start.elapsed();
                let users = loaded.users();
                let ok = users.len() as i64 == n
                    && users
                        .iter()
                        .zip(first..)
                        .all(|(u, id)| *u == seeded_user(id));
                check(ok, &self.name(), subject)?;
                Ok(took)
            }
            Workload::OrmGet => {
                let orm = subject.orm().ok_or("no ORM")?;
                let id = (i as i64 * 7919) % USERS + 1;
                let start = Instant::now();
                let loaded = orm.orm_get(id).await?;
                let took = start.elapsed();
                check(
                    loaded.users() == [seeded_user(id)],
                    "orm_get_by_pk",
                    subject,
                )?;
                Ok(took)
            }
            Workload::OrmFlushNew(n) => {
                let orm = subject.orm().ok_or("no ORM")?;
                let rows = new_users(n);
                let start = Instant::now();
                orm.orm_flush_new(&rows).await?;
                let took = start.elapsed();
                // Every batch starts without new rows (the batch before it cleaned up).
                let ok = checker.new_rows_are(&rows, (i + 1) * n as u64).await?;
                check(ok, &self.name(), subject)?;
                Ok(took)
            }
            Workload::OrmFlushChanged(n) => {
                let orm = subject.orm().ok_or("no ORM")?;
                let first = (i as i64 * 131) % (USERS - n) + 1;
                // A value no row holds yet, so every object really changes.
                let color = format!("{}{i}", seed::CHANGED);
                let start = Instant::now();
                orm.orm_flush_changed(first, n, &color).await?;
                let took = start.elapsed();
                let ok = checker.changed_rows_are(first, n, &color).await?;
                check(ok, &self.name(), subject)?;
                Ok(took)
            }
        }
    }
}

/// Reads back, untimed, what the ORM flush workloads wrote.
pub struct Checker {
    engine: Engine,
}

impl Checker {
    pub fn new(url: &str) -> BenchResult<Checker> {
        Ok(Checker {
            engine: Engine::builder(url).pool_size(1).build()?,
        })
    }

    /// Whether `total` rows were inserted past the seeded ones, the last `rows.len()` of
    /// them (by id) holding `rows` (in any order).
    async fn new_rows_are(&self, rows: &[NewUser], total: u64) -> BenchResult<bool> {
        let count: i64 = self
            .engine
            .execute(text(format!(
                "SELECT count(*) FROM users WHERE id > {USERS}"
            )))
            .await?
            .scalar_one()?;
        let last = self
            .engine
            .execute(text(format!(
                "SELECT name, hair_color FROM users WHERE id > {USERS} ORDER BY id DESC LIMIT {}",
                rows.len()
            )))
            .await?
            .all_as::<(String, Option<String>)>()?;
        let mut got: Vec<(String, Option<String>)> = last;
        let mut want: Vec<(String, Option<String>)> = rows
            .iter()
            .map(|r| (r.name.clone(), r.hair_color.clone()))
            .collect();
        got.sort();
        want.sort();
        Ok(count as u64 == total && got == want)
    }

    /// Whether every user with `first <= id < first + n` now has this hair colour.
    async fn changed_rows_are(&self, first: i64, n: i64, color: &str) -> BenchResult<bool> {
        let found: i64 = self
            .engine
            .execute(
                text("SELECT count(*) FROM users WHERE id >= :lo AND id < :hi AND hair_color = :c")
                    .bind("lo", first)
                    .bind("hi", first + n)
                    .bind("c", color),
            )
            .await?
            .scalar_one()?;
        Ok(found == n)
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
