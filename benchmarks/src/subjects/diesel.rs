//! Diesel 2.3 through diesel-async 0.9: the Diesel DSL (`table!` schema below) run by
//! diesel-async's `RunQueryDsl`, on a deadpool pool from diesel-async's
//! `AsyncDieselConnectionManager` (max size = pool_size, every connection opened at connect,
//! as sqlx's `min_connections` does).
//!
//! - PostgreSQL: `AsyncPgConnection`; the inserts of one transaction are pipelined, as its
//!   docs show (futures polled together on `&AsyncPgConnection`).
//! - MySQL/MariaDB: `AsyncMysqlConnection`.
//! - SQLite: diesel-async's own async path for SQLite, `SyncConnectionWrapper<SqliteConnection>`
//!   (each call runs the sync connection on tokio's `spawn_blocking`), pooled by the same
//!   manager; the PRAGMAs run one per statement after connecting, as Diesel's docs advise.
//!
//! ORM workloads: Diesel has no session; its equivalents are `load`/`find(..).first` into
//! `Queryable` structs, `insert_into` per new row in one transaction (as `insert_100_in_tx`,
//! pipelined on PostgreSQL), and, for the changes, the structs loaded in the transaction,
//! changed, then `update(users.find(id)).set(hair_color.eq(..))` for each (pipelined on
//! PostgreSQL).
//!
//! The manager keeps its default `RecyclingMethod::Verified`: a `SELECT 1` on every checkout,
//! which is what diesel-async users get (as sqlx's default `test_before_acquire`).

use std::time::Duration;

use async_trait::async_trait;
use deadpool::managed::{Manager, Pool as DeadPool};
use diesel::backend::Backend as DieselBackend;
use diesel::mysql::Mysql;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{QueryBuilder, QueryFragment};
use diesel::sqlite::Sqlite;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{
    AsyncConnection, AsyncMysqlConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection,
};
use futures_util::future::try_join_all;

use crate::model::{Backend, NewUser, Post, User};
use crate::orm::{Loaded, OrmSubject};
use crate::subject::{BenchResult, Subject};
use crate::subjects::{MEDIUM, MEDIUM_LIMIT, MEDIUM_OFFSET};
use crate::target::Target;

mod schema {
    diesel::table! {
        users (id) {
            id -> BigInt,
            name -> Text,
            hair_color -> Nullable<Text>,
        }
    }

    diesel::table! {
        posts (id) {
            id -> BigInt,
            user_id -> BigInt,
            title -> Text,
            body -> Text,
        }
    }

    diesel::joinable!(posts -> users (user_id));
    diesel::allow_tables_to_appear_in_same_query!(users, posts);
}

use schema::{posts, users};

diesel::define_sql_function! {
    /// MySQL's id of the first row of the connection's last insert.
    fn last_insert_id() -> Unsigned<BigInt>;
}

#[derive(Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
struct UserRow {
    id: i64,
    name: String,
    hair_color: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = posts)]
struct PostRow {
    id: i64,
    user_id: i64,
    title: String,
    body: String,
}

/// `None` is NULL, not DEFAULT, so SQLite can take every row in one multi-row `VALUES`.
#[derive(Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
struct NewUserRow<'a> {
    name: &'a str,
    hair_color: Option<&'a str>,
}

/// The same row, owning its values, for a task sent to another thread.
#[derive(Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
struct OwnedNewUserRow {
    name: String,
    hair_color: Option<String>,
}

impl From<&NewUser> for OwnedNewUserRow {
    fn from(row: &NewUser) -> Self {
        OwnedNewUserRow {
            name: row.name.clone(),
            hair_color: row.hair_color.clone(),
        }
    }
}

impl<'a> From<&'a NewUser> for NewUserRow<'a> {
    fn from(row: &'a NewUser) -> Self {
        NewUserRow {
            name: &row.name,
            hair_color: row.hair_color.as_deref(),
        }
    }
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

impl Loaded for Vec<UserRow> {
    fn users(&self) -> Vec<User> {
        self.iter().cloned().map(User::from).collect()
    }
}

impl From<PostRow> for Post {
    fn from(r: PostRow) -> Self {
        Post {
            id: r.id,
            user_id: r.user_id,
            title: r.title,
            body: r.body,
        }
    }
}

type SqliteConn = SyncConnectionWrapper<SqliteConnection>;

enum Pools {
    Sqlite(Pool<SqliteConn>),
    Postgres(Pool<AsyncPgConnection>),
    Mysql(Pool<AsyncMysqlConnection>),
}

/// Runs `$body` with `$conn` bound to a connection checked out of whichever pool this subject
/// holds; the body is type-checked once per backend.
macro_rules! with_conn {
    ($self:ident, $conn:ident => $body:expr) => {
        match &$self.pool {
            Pools::Sqlite(pool) => {
                let mut $conn = pool.get().await?;
                $body
            }
            Pools::Postgres(pool) => {
                let mut $conn = pool.get().await?;
                $body
            }
            Pools::Mysql(pool) => {
                let mut $conn = pool.get().await?;
                $body
            }
        }
    };
}

pub struct DieselSubject {
    pool: Pools,
}

/// Builds the pool and opens all its connections, so the first timed calls do not pay for it.
async fn open<M>(manager: M, size: usize) -> BenchResult<DeadPool<M>>
where
    M: Manager,
    M::Error: std::error::Error + Send + Sync + 'static,
{
    let pool = DeadPool::builder(manager).max_size(size).build()?;
    let mut warm = Vec::with_capacity(size);
    for _ in 0..size {
        warm.push(pool.get().await?);
    }
    drop(warm);
    Ok(pool)
}

pub async fn connect(target: &Target, pool_size: usize) -> BenchResult<Box<dyn Subject>> {
    let pool = match target.backend {
        Backend::Sqlite => {
            let mut config = ManagerConfig::<SqliteConn>::default();
            config.custom_setup = Box::new(|path| {
                Box::pin(async move {
                    let mut conn = SqliteConn::establish(path).await?;
                    let busy_ms = Duration::from_secs(5).as_millis();
                    for pragma in [
                        format!("PRAGMA busy_timeout = {busy_ms}"),
                        "PRAGMA journal_mode = WAL".to_owned(),
                        "PRAGMA foreign_keys = ON".to_owned(),
                    ] {
                        conn.batch_execute(&pragma)
                            .await
                            .map_err(ConnectionError::CouldntSetupConfiguration)?;
                    }
                    Ok(conn)
                })
            });
            let manager =
                AsyncDieselConnectionManager::new_with_config(&target.sqlite_path, config);
            Pools::Sqlite(open(manager, pool_size).await?)
        }
        Backend::Postgres => {
            let manager = AsyncDieselConnectionManager::new(&target.postgres_url);
            Pools::Postgres(open(manager, pool_size).await?)
        }
        Backend::Mysql => {
            let manager = AsyncDieselConnectionManager::new(&target.mysql_url);
            Pools::Mysql(open(manager, pool_size).await?)
        }
    };
    Ok(Box::new(DieselSubject { pool }))
}

/// Compiles `query` for `DB` as its connection does on a prepared-statement-cache miss:
/// `QueryFragment::to_sql` into the backend's `QueryBuilder` (a public but doc-hidden method;
/// `debug_query`, the documented path, also formats every bound value). Diesel's bind
/// collectors keep their values private, so the binds are counted from the placeholders
/// (Diesel binds every value, so each placeholder is one value); no value is serialized.
fn compile<DB>(query: &impl QueryFragment<DB>, placeholder: char) -> Option<(String, usize)>
where
    DB: DieselBackend + Default,
    DB::QueryBuilder: Default,
{
    let mut builder = DB::QueryBuilder::default();
    query.to_sql(&mut builder, &DB::default()).ok()?;
    let sql = builder.finish();
    let binds = sql.matches(placeholder).count();
    Some((sql, binds))
}

#[async_trait]
impl Subject for DieselSubject {
    fn name(&self) -> &'static str {
        "diesel"
    }

    async fn get_user(&self, id: i64) -> BenchResult<User> {
        let row: UserRow = with_conn!(self, conn => {
            users::table
                .find(id)
                .select(UserRow::as_select())
                .first(&mut conn)
                .await?
        });
        Ok(row.into())
    }

    async fn select_users(&self, first: i64, n: i64) -> BenchResult<Vec<User>> {
        let rows: Vec<UserRow> = with_conn!(self, conn => {
            users::table
                .filter(users::id.ge(first))
                .filter(users::id.lt(first + n))
                .order(users::id)
                .select(UserRow::as_select())
                .load(&mut conn)
                .await?
        });
        Ok(rows.into_iter().map(User::from).collect())
    }

    async fn users_with_posts(&self, hair_color: &str) -> BenchResult<Vec<(User, Option<Post>)>> {
        let rows: Vec<(UserRow, Option<PostRow>)> = with_conn!(self, conn => {
            users::table
                .left_join(posts::table)
                .filter(users::hair_color.eq(hair_color))
                .order((users::id, posts::id.nullable()))
                .select((UserRow::as_select(), Option::<PostRow>::as_select()))
                .load(&mut conn)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(u, p)| (u.into(), p.map(Post::from)))
            .collect())
    }

    async fn insert_users_returning(&self, rows: &[NewUser]) -> BenchResult<Vec<i64>> {
        match &self.pool {
            // Diesel builds SQLite's multi-row insert only for its sync connection, so this
            // one runs on the inner `SqliteConnection` through the wrapper's `spawn_blocking`
            // (diesel-async's way to reach sync-only API); the task owns its rows.
            Pools::Sqlite(pool) => {
                let mut conn = pool.get().await?;
                let values: Vec<OwnedNewUserRow> = rows.iter().map(Into::into).collect();
                let ids = conn
                    .spawn_blocking(move |conn| {
                        let insert = diesel::insert_into(users::table)
                            .values(&values)
                            .returning(users::id);
                        diesel::RunQueryDsl::get_results(insert, conn)
                    })
                    .await?;
                Ok(ids)
            }
            Pools::Postgres(pool) => {
                let mut conn = pool.get().await?;
                let values: Vec<NewUserRow> = rows.iter().map(Into::into).collect();
                let ids = diesel::insert_into(users::table)
                    .values(&values)
                    .returning(users::id)
                    .get_results(&mut conn)
                    .await?;
                Ok(ids)
            }
            // Diesel has no RETURNING on MySQL and does not expose the insert's id, so a
            // second statement on the same connection asks for the first id; the others
            // follow it.
            Pools::Mysql(pool) => {
                let mut conn = pool.get().await?;
                let values: Vec<NewUserRow> = rows.iter().map(Into::into).collect();
                diesel::insert_into(users::table)
                    .values(&values)
                    .execute(&mut conn)
                    .await?;
                let first: u64 = diesel::select(last_insert_id())
                    .get_result(&mut conn)
                    .await?;
                let first = i64::try_from(first)?;
                Ok((first..first + rows.len() as i64).collect())
            }
        }
    }

    async fn insert_users_in_transaction(&self, rows: &[NewUser]) -> BenchResult<()> {
        match &self.pool {
            Pools::Postgres(pool) => {
                let mut pooled = pool.get().await?;
                let conn: &mut AsyncPgConnection = &mut pooled;
                conn.transaction(async |conn| {
                    let shared: &AsyncPgConnection = conn;
                    try_join_all(rows.iter().map(|row| {
                        let mut conn = shared;
                        diesel::insert_into(users::table)
                            .values(NewUserRow::from(row))
                            .execute(&mut conn)
                    }))
                    .await?;
                    Ok::<_, diesel::result::Error>(())
                })
                .await?;
            }
            // SQLite and MySQL run one statement at a time (PostgreSQL, pipelined, is above).
            _ => with_conn!(self, conn => {
                conn.transaction(async |conn| {
                    for row in rows {
                        diesel::insert_into(users::table)
                            .values(NewUserRow::from(row))
                            .execute(conn)
                            .await?;
                    }
                    Ok::<_, diesel::result::Error>(())
                })
                .await?;
            }),
        }
        Ok(())
    }

    fn build_medium_select(&self) -> Option<(String, usize)> {
        use diesel::dsl::count;

        let (color, min_id, min_posts) = MEDIUM;
        let post_count = count(posts::id.nullable());
        let query = users::table
            .left_join(posts::table)
            .filter(users::hair_color.eq(color))
            .filter(users::id.gt(min_id))
            .group_by((users::id, users::name))
            .having(post_count.gt(min_posts))
            .select((users::id, users::name, post_count))
            .order(users::name.desc())
            .limit(MEDIUM_LIMIT as i64)
            .offset(MEDIUM_OFFSET as i64);
        match self.pool {
            Pools::Sqlite(_) => compile::<Sqlite>(&query, '?'),
            Pools::Postgres(_) => compile::<Pg>(&query, '$'),
            Pools::Mysql(_) => compile::<Mysql>(&query, '?'),
        }
    }

    fn orm(&self) -> Option<&dyn OrmSubject> {
        Some(self)
    }
}

/// The users with `first <= id < first + n`, ordered by id, as `UserRow`s.
macro_rules! user_range {
    ($first:expr, $n:expr) => {
        users::table
            .filter(users::id.ge($first))
            .filter(users::id.lt($first + $n))
            .order(users::id)
            .select(UserRow::as_select())
    };
}

#[async_trait]
impl OrmSubject for DieselSubject {
    async fn orm_load(&self, first: i64, n: i64) -> BenchResult<Box<dyn Loaded>> {
        let rows: Vec<UserRow> = with_conn!(self, conn => {
            user_range!(first, n).load(&mut conn).await?
        });
        Ok(Box::new(rows))
    }

    async fn orm_get(&self, id: i64) -> BenchResult<Box<dyn Loaded>> {
        let row: UserRow = with_conn!(self, conn => {
            users::table
                .find(id)
                .select(UserRow::as_select())
                .first(&mut conn)
                .await?
        });
        Ok(Box::new(vec![row]))
    }

    async fn orm_flush_new(&self, rows: &[NewUser]) -> BenchResult<()> {
        self.insert_users_in_transaction(rows).await
    }

    async fn orm_flush_changed(&self, first: i64, n: i64, hair_color: &str) -> BenchResult<()> {
        match &self.pool {
            Pools::Postgres(pool) => {
                let mut pooled = pool.get().await?;
                let conn: &mut AsyncPgConnection = &mut pooled;
                conn.transaction(async |conn| {
                    let mut rows: Vec<UserRow> = user_range!(first, n).load(conn).await?;
                    for row in &mut rows {
                        row.hair_color = Some(hair_color.to_owned());
                    }
                    let shared: &AsyncPgConnection = conn;
                    try_join_all(rows.iter().map(|row| {
                        let mut conn = shared;
                        diesel::update(users::table.find(row.id))
                            .set(users::hair_color.eq(&row.hair_color))
                            .execute(&mut conn)
                    }))
                    .await?;
                    Ok::<_, diesel::result::Error>(())
                })
                .await?;
            }
            // SQLite and MySQL run one statement at a time (PostgreSQL, pipelined, is above).
            _ => with_conn!(self, conn => {
                conn.transaction(async |conn| {
                    let mut rows: Vec<UserRow> = user_range!(first, n).load(conn).await?;
                    for row in &mut rows {
                        row.hair_color = Some(hair_color.to_owned());
                        diesel::update(users::table.find(row.id))
                            .set(users::hair_color.eq(&row.hair_color))
                            .execute(conn)
                            .await?;
                    }
                    Ok::<_, diesel::result::Error>(())
                })
                .await?;
            }),
        }
        Ok(())
    }
}
