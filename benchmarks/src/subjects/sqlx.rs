//! sqlx 0.8: `query_as` into `#[derive(FromRow)]` structs on the backend's own pool, the SQL
//! written by hand in the backend's placeholder style, `QueryBuilder` for the multi-row
//! insert and the medium select.
//!
//! The pool keeps sqlx's defaults except its size: `min_connections = max_connections =
//! pool_size`, so it is open and warm before the first timed call. `test_before_acquire`
//! stays at its default (`true`): every checkout pings the connection first, which is what
//! sqlx users get unless they turn it off.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::mysql::{MySql, MySqlPool, MySqlPoolOptions};
use sqlx::postgres::{PgPool, PgPoolOptions, Postgres};
use sqlx::sqlite::{
    Sqlite, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
};
use sqlx::{Arguments, Database, Encode, Execute, QueryBuilder, Type};

use crate::model::{Backend, NewUser, Post, User};
use crate::subject::{BenchResult, Subject};
use crate::subjects::{MEDIUM, MEDIUM_LIMIT, MEDIUM_OFFSET};
use crate::target::Target;

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    name: String,
    hair_color: Option<String>,
}

/// One row of the join; the post's columns are NULL where the user has no post.
#[derive(sqlx::FromRow)]
struct UserPostRow {
    id: i64,
    name: String,
    hair_color: Option<String>,
    post_id: Option<i64>,
    post_user_id: Option<i64>,
    title: Option<String>,
    body: Option<String>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            name: r.name,
            hair_color: r.hair_color,
        }
    }
}

impl From<UserPostRow> for (User, Option<Post>) {
    fn from(r: UserPostRow) -> Self {
        let post = match (r.post_id, r.post_user_id, r.title, r.body) {
            (Some(id), Some(user_id), Some(title), Some(body)) => Some(Post {
                id,
                user_id,
                title,
                body,
            }),
            _ => None,
        };
        let user = User {
            id: r.id,
            name: r.name,
            hair_color: r.hair_color,
        };
        (user, post)
    }
}

/// The hand-written statements, with the backend's placeholders.
struct Statements {
    get_user: &'static str,
    select_users: &'static str,
    users_with_posts: &'static str,
    insert_one: &'static str,
}

macro_rules! statements {
    ($p1:literal, $p2:literal) => {
        Statements {
            get_user: concat!("SELECT id, name, hair_color FROM users WHERE id = ", $p1),
            select_users: concat!(
                "SELECT id, name, hair_color FROM users WHERE id >= ",
                $p1,
                " AND id < ",
                $p2,
                " ORDER BY id"
            ),
            users_with_posts: concat!(
                "SELECT users.id, users.name, users.hair_color, posts.id AS post_id, ",
                "posts.user_id AS post_user_id, posts.title, posts.body ",
                "FROM users LEFT OUTER JOIN posts ON posts.user_id = users.id ",
                "WHERE users.hair_color = ",
                $p1,
                " ORDER BY users.id, posts.id"
            ),
            insert_one: concat!(
                "INSERT INTO users (name, hair_color) VALUES (",
                $p1,
                ", ",
                $p2,
                ")"
            ),
        }
    };
}

static DOLLAR: Statements = statements!("$1", "$2");
static QMARK: Statements = statements!("?", "?");

enum Pools {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    Mysql(MySqlPool),
}

/// Runs `$body` with `$pool` bound to whichever pool this subject holds; the body is
/// type-checked once per backend, as a user writing for one backend would write it.
macro_rules! with_pool {
    ($self:ident, $pool:ident => $body:expr) => {
        match &$self.pool {
            Pools::Sqlite($pool) => $body,
            Pools::Postgres($pool) => $body,
            Pools::Mysql($pool) => $body,
        }
    };
}

pub struct SqlxSubject {
    pool: Pools,
    sql: &'static Statements,
}

pub async fn connect(target: &Target, pool_size: usize) -> BenchResult<Box<dyn Subject>> {
    let size = u32::try_from(pool_size)?;
    let url = target.sqlx_url();
    let (pool, sql) = match target.backend {
        Backend::Sqlite => {
            let options = SqliteConnectOptions::from_str(&url)?
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5));
            let pool = SqlitePoolOptions::new()
                .max_connections(size)
                .min_connections(size)
                .connect_with(options)
                .await?;
            (Pools::Sqlite(pool), &QMARK)
        }
        Backend::Postgres => {
            let pool = PgPoolOptions::new()
                .max_connections(size)
                .min_connections(size)
                .connect(&url)
                .await?;
            (Pools::Postgres(pool), &DOLLAR)
        }
        Backend::Mysql => {
            let pool = MySqlPoolOptions::new()
                .max_connections(size)
                .min_connections(size)
                .connect(&url)
                .await?;
            (Pools::Mysql(pool), &QMARK)
        }
    };
    Ok(Box::new(SqlxSubject { pool, sql }))
}

/// `INSERT INTO users (name, hair_color) VALUES (..), (..), ...`, one bound pair per row.
fn insert_many<'a, DB>(rows: &'a [NewUser]) -> QueryBuilder<'a, DB>
where
    DB: Database,
    &'a str: Encode<'a, DB> + Type<DB>,
    Option<&'a str>: Encode<'a, DB> + Type<DB>,
{
    let mut qb = QueryBuilder::new("INSERT INTO users (name, hair_color) ");
    qb.push_values(rows, |mut b, row| {
        b.push_bind(row.name.as_str())
            .push_bind(row.hair_color.as_deref());
    });
    qb
}

/// Builds the medium select for one backend. A macro, not a generic fn: the bound values'
/// lifetime must shrink to the builder's borrow to take the arguments back out, which only
/// works for a concrete `Arguments` type.
macro_rules! medium_select {
    ($db:ty) => {{
        let (color, min_id, min_posts) = MEDIUM;
        let mut qb = QueryBuilder::<$db>::new(
            "SELECT users.id, users.name, count(posts.id) AS post_count \
             FROM users LEFT OUTER JOIN posts ON posts.user_id = users.id \
             WHERE users.hair_color = ",
        );
        qb.push_bind(color)
            .push(" AND users.id > ")
            .push_bind(min_id)
            .push(" GROUP BY users.id, users.name HAVING count(posts.id) > ")
            .push_bind(min_posts)
            .push(" ORDER BY users.name DESC LIMIT ")
            .push_bind(MEDIUM_LIMIT as i64)
            .push(" OFFSET ")
            .push_bind(MEDIUM_OFFSET as i64);
        let binds = match qb.build().take_arguments() {
            Ok(Some(arguments)) => arguments.len(),
            _ => 0,
        };
        (qb.into_sql(), binds)
    }};
}

#[async_trait]
impl Subject for SqlxSubject {
    fn name(&self) -> &'static str {
        "sqlx"
    }

    async fn get_user(&self, id: i64) -> BenchResult<User> {
        let row: UserRow = with_pool!(self, pool => {
            sqlx::query_as(self.sql.get_user).bind(id).fetch_one(pool).await?
        });
        Ok(row.into())
    }

    async fn select_users(&self, first: i64, n: i64) -> BenchResult<Vec<User>> {
        let rows: Vec<UserRow> = with_pool!(self, pool => {
            sqlx::query_as(self.sql.select_users)
                .bind(first)
                .bind(first + n)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(User::from).collect())
    }

    async fn users_with_posts(&self, hair_color: &str) -> BenchResult<Vec<(User, Option<Post>)>> {
        let rows: Vec<UserPostRow> = with_pool!(self, pool => {
            sqlx::query_as(self.sql.users_with_posts)
                .bind(hair_color)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn insert_users_returning(&self, rows: &[NewUser]) -> BenchResult<Vec<i64>> {
        match &self.pool {
            Pools::Sqlite(pool) => {
                let mut qb = insert_many::<Sqlite>(rows);
                qb.push(" RETURNING id");
                Ok(qb.build_query_scalar().fetch_all(pool).await?)
            }
            Pools::Postgres(pool) => {
                let mut qb = insert_many::<Postgres>(rows);
                qb.push(" RETURNING id");
                Ok(qb.build_query_scalar().fetch_all(pool).await?)
            }
            // No RETURNING on MySQL: a multi-row insert reports its first id, and the
            // others follow it.
            Pools::Mysql(pool) => {
                let done = insert_many::<MySql>(rows).build().execute(pool).await?;
                let first = i64::try_from(done.last_insert_id())?;
                Ok((first..first + rows.len() as i64).collect())
            }
        }
    }

    async fn insert_users_in_transaction(&self, rows: &[NewUser]) -> BenchResult<()> {
        // sqlx has no pipelining: one round trip per insert.
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for row in rows {
                sqlx::query(self.sql.insert_one)
                    .bind(&row.name)
                    .bind(&row.hair_color)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    fn build_medium_select(&self) -> Option<(String, usize)> {
        Some(match self.pool {
            Pools::Sqlite(_) => medium_select!(Sqlite),
            Pools::Postgres(_) => medium_select!(Postgres),
            Pools::Mysql(_) => medium_select!(MySql),
        })
    }
}
