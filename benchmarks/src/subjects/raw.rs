//! The floor: each backend's driver used directly, as its own docs teach.
//!
//! - SQLite: rusqlite with `prepare_cached`, called inline on the async task (the cheapest
//!   thing an async program can do with it).
//! - PostgreSQL: tokio-postgres with prepared statements, prepared once per connection;
//!   the 100 inserts of one transaction are pipelined.
//! - MySQL/MariaDB: mysql_async with its statement cache; the 100 inserts run one by one.
//!
//! Connections sit in a deadpool pool of the requested size that does no work on checkout.
//!
//! The ORM workloads' floor is the same driver code: selects into structs, and for the
//! flushes one transaction of single-row INSERTs (as `insert_100_in_tx`) or of a select
//! into structs followed by one UPDATE by primary key per changed struct (pipelined on
//! PostgreSQL).

use async_trait::async_trait;
use deadpool::managed::{self, Metrics, RecycleResult};
use futures_util::future::try_join_all;
use mysql_async::prelude::Queryable;

use crate::model::{Backend, JoinColumns, NewUser, Post, User};
use crate::orm::{Loaded, OrmSubject};
use crate::subject::{BenchResult, Subject};
use crate::target::Target;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const GET_USER: &str = "SELECT id, name, hair_color FROM users WHERE id = ";
const SELECT_USERS: &str =
    "SELECT id, name, hair_color FROM users WHERE id >= {0} AND id < {1} ORDER BY id";
const JOIN: &str = "SELECT users.id, users.name, users.hair_color, posts.id, posts.user_id, \
     posts.title, posts.body FROM users LEFT OUTER JOIN posts ON posts.user_id = users.id \
     WHERE users.hair_color = {0} ORDER BY users.id, posts.id";
const INSERT_ONE: &str = "INSERT INTO users (name, hair_color) VALUES ({0}, {1})";
const UPDATE_HAIR: &str = "UPDATE users SET hair_color = {0} WHERE id = {1}";

/// Fills `{n}` placeholders with the backend's own marker.
fn sql(template: &str, backend: Backend) -> String {
    let mut out = template.to_owned();
    for i in 0..2 {
        let marker = match backend {
            Backend::Postgres => format!("${}", i + 1),
            _ => "?".to_owned(),
        };
        out = out.replace(&format!("{{{i}}}"), &marker);
    }
    out
}

/// Each statement's text for one backend, built once (as a program would hold it in a
/// constant), so that no call pays for building it.
struct Sql {
    get_user: String,
    select_users: String,
    join: String,
    insert_one: String,
    update_hair: String,
}

impl Sql {
    fn for_backend(backend: Backend) -> Sql {
        Sql {
            get_user: get_user_sql(backend),
            select_users: sql(SELECT_USERS, backend),
            join: sql(JOIN, backend),
            insert_one: sql(INSERT_ONE, backend),
            update_hair: sql(UPDATE_HAIR, backend),
        }
    }
}

fn get_user_sql(backend: Backend) -> String {
    format!(
        "{GET_USER}{}",
        if backend == Backend::Postgres {
            "$1"
        } else {
            "?"
        }
    )
}

/// `INSERT INTO users (name, hair_color) VALUES (..), (..) ...` for `n` rows.
fn insert_many_sql(backend: Backend, n: usize) -> String {
    let mut out = String::from("INSERT INTO users (name, hair_color) VALUES ");
    for i in 0..n {
        if i > 0 {
            out.push_str(", ");
        }
        match backend {
            Backend::Postgres => out.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2)),
            _ => out.push_str("(?, ?)"),
        }
    }
    if backend != Backend::Mysql {
        out.push_str(" RETURNING id");
    }
    out
}

pub async fn connect(target: &Target, pool_size: usize) -> BenchResult<Box<dyn Subject>> {
    let manager = RawManager {
        target: target.clone(),
    };
    let pool = managed::Pool::builder(manager)
        .max_size(pool_size)
        .build()?;
    // Open every connection now, so the first timed calls do not pay for it.
    let mut warm = Vec::new();
    for _ in 0..pool_size {
        warm.push(pool.get().await.map_err(|e| e.to_string())?);
    }
    drop(warm);
    Ok(Box::new(Raw {
        backend: target.backend,
        sql: Sql::for_backend(target.backend),
        pool,
    }))
}

enum RawConn {
    Sqlite(rusqlite::Connection),
    Postgres(tokio_postgres::Client, Box<PgStatements>),
    Mysql(mysql_async::Conn),
}

struct PgStatements {
    get_user: tokio_postgres::Statement,
    select_users: tokio_postgres::Statement,
    join: tokio_postgres::Statement,
    insert_one: tokio_postgres::Statement,
    update_hair: tokio_postgres::Statement,
    /// The multi-row inserts, prepared on first use, by row count.
    insert_many: std::collections::HashMap<usize, tokio_postgres::Statement>,
}

struct RawManager {
    target: Target,
}

impl RawManager {
    async fn open(&self) -> Result<RawConn, BoxError> {
        let backend = self.target.backend;
        Ok(match backend {
            Backend::Sqlite => {
                let conn = rusqlite::Connection::open(&self.target.sqlite_path)?;
                conn.busy_timeout(std::time::Duration::from_secs(5))?;
                conn.pragma_update(None, "foreign_keys", "ON")?;
                conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))?;
                RawConn::Sqlite(conn)
            }
            Backend::Postgres => {
                let (client, connection) =
                    tokio_postgres::connect(&self.target.postgres_url, tokio_postgres::NoTls)
                        .await?;
                tokio::spawn(connection);
                let statements = PgStatements {
                    get_user: client.prepare(&get_user_sql(backend)).await?,
                    select_users: client.prepare(&sql(SELECT_USERS, backend)).await?,
                    join: client.prepare(&sql(JOIN, backend)).await?,
                    insert_one: client.prepare(&sql(INSERT_ONE, backend)).await?,
                    update_hair: client.prepare(&sql(UPDATE_HAIR, backend)).await?,
                    insert_many: Default::default(),
                };
                RawConn::Postgres(client, Box::new(statements))
            }
            Backend::Mysql => {
                let opts = mysql_async::Opts::from_url(&self.target.mysql_url)?;
                RawConn::Mysql(mysql_async::Conn::new(opts).await?)
            }
        })
    }
}

impl managed::Manager for RawManager {
    type Type = RawConn;
    type Error = BoxError;

    async fn create(&self) -> Result<RawConn, BoxError> {
        // Boxed: the pool's checkout future holds this one inline, and the harness moves
        // the checkout into a box on every call (async_trait), ~8 KB unboxed.
        Box::pin(self.open()).await
    }

    async fn recycle(&self, _: &mut RawConn, _: &Metrics) -> RecycleResult<BoxError> {
        Ok(())
    }
}

struct Raw {
    backend: Backend,
    sql: Sql,
    pool: managed::Pool<RawManager>,
}

impl Raw {
    async fn conn(&self) -> BenchResult<managed::Object<RawManager>> {
        self.pool.get().await.map_err(|e| e.to_string().into())
    }
}

fn sqlite_user(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        name: r.get(1)?,
        hair_color: r.get(2)?,
    })
}

fn sqlite_post(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<Post>> {
    let Some(id) = r.get::<_, Option<i64>>(3)? else {
        return Ok(None);
    };
    Ok(Some(Post {
        id,
        user_id: r.get(4)?,
        title: r.get(5)?,
        body: r.get(6)?,
    }))
}

fn pg_user(r: &tokio_postgres::Row) -> Result<User, tokio_postgres::Error> {
    Ok(User {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        hair_color: r.try_get(2)?,
    })
}

fn pg_post(r: &tokio_postgres::Row) -> Result<Option<Post>, tokio_postgres::Error> {
    let Some(id) = r.try_get::<_, Option<i64>>(3)? else {
        return Ok(None);
    };
    Ok(Some(Post {
        id,
        user_id: r.try_get(4)?,
        title: r.try_get(5)?,
        body: r.try_get(6)?,
    }))
}

type MyUser = (i64, String, Option<String>);

fn my_user((id, name, hair_color): MyUser) -> User {
    User {
        id,
        name,
        hair_color,
    }
}

#[async_trait]
impl Subject for Raw {
    fn name(&self) -> &'static str {
        "raw"
    }

    async fn get_user(&self, id: i64) -> BenchResult<User> {
        let mut conn = self.conn().await?;
        Ok(match &mut *conn {
            RawConn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(&self.sql.get_user)?;
                stmt.query_row([id], sqlite_user)?
            }
            RawConn::Postgres(c, s) => pg_user(&c.query_one(&s.get_user, &[&id]).await?)?,
            RawConn::Mysql(c) => {
                let row: Option<MyUser> = c.exec_first(&self.sql.get_user, (id,)).await?;
                my_user(row.ok_or("no such user")?)
            }
        })
    }

    async fn select_users(&self, first: i64, n: i64) -> BenchResult<Vec<User>> {
        let mut conn = self.conn().await?;
        let end = first + n;
        Ok(match &mut *conn {
            RawConn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(&self.sql.select_users)?;
                let rows = stmt.query_map([first, end], sqlite_user)?;
                rows.collect::<Result<_, _>>()?
            }
            RawConn::Postgres(c, s) => c
                .query(&s.select_users, &[&first, &end])
                .await?
                .iter()
                .map(pg_user)
                .collect::<Result<_, _>>()?,
            RawConn::Mysql(c) => {
                c.exec_map(&self.sql.select_users, (first, end), my_user)
                    .await?
            }
        })
    }

    async fn users_with_posts(&self, hair_color: &str) -> BenchResult<Vec<(User, Option<Post>)>> {
        let mut conn = self.conn().await?;
        Ok(match &mut *conn {
            RawConn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(&self.sql.join)?;
                let rows =
                    stmt.query_map([hair_color], |r| Ok((sqlite_user(r)?, sqlite_post(r)?)))?;
                rows.collect::<Result<_, _>>()?
            }
            RawConn::Postgres(c, s) => c
                .query(&s.join, &[&hair_color])
                .await?
                .iter()
                .map(|r| Ok::<_, tokio_postgres::Error>((pg_user(r)?, pg_post(r)?)))
                .collect::<Result<_, _>>()?,
            RawConn::Mysql(c) => {
                let rows: Vec<JoinColumns> = c.exec(&self.sql.join, (hair_color,)).await?;
                rows.into_iter()
                    .map(|(id, name, hair_color, pid, user_id, title, body)| {
                        let post = match (pid, user_id, title, body) {
                            (Some(id), Some(user_id), Some(title), Some(body)) => Some(Post {
                                id,
                                user_id,
                                title,
                                body,
                            }),
                            _ => None,
                        };
                        (my_user((id, name, hair_color)), post)
                    })
                    .collect()
            }
        })
    }

    async fn insert_users_returning(&self, rows: &[NewUser]) -> BenchResult<Vec<i64>> {
        let mut conn = self.conn().await?;
        let sql = insert_many_sql(self.backend, rows.len());
        Ok(match &mut *conn {
            RawConn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(&sql)?;
                let params: Vec<&dyn rusqlite::ToSql> = rows
                    .iter()
                    .flat_map(|r| [&r.name as &dyn rusqlite::ToSql, &r.hair_color])
                    .collect();
                let ids = stmt.query_map(params.as_slice(), |r| r.get(0))?;
                ids.collect::<Result<_, _>>()?
            }
            RawConn::Postgres(c, s) => {
                let stmt = match s.insert_many.get(&rows.len()) {
                    Some(stmt) => stmt.clone(),
                    None => {
                        let stmt = c.prepare(&sql).await?;
                        s.insert_many.insert(rows.len(), stmt.clone());
                        stmt
                    }
                };
                let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = rows
                    .iter()
                    .flat_map(|r| {
                        [
                            &r.name as &(dyn tokio_postgres::types::ToSql + Sync),
                            &r.hair_color,
                        ]
                    })
                    .collect();
                c.query(&stmt, &params)
                    .await?
                    .iter()
                    .map(|r| r.try_get(0))
                    .collect::<Result<_, _>>()?
            }
            RawConn::Mysql(c) => {
                let params: Vec<mysql_async::Value> = rows
                    .iter()
                    .flat_map(|r| [r.name.clone().into(), r.hair_color.clone().into()])
                    .collect();
                c.exec_drop(sql, params).await?;
                let first = c.last_insert_id().ok_or("no insert id")? as i64;
                (first..first + rows.len() as i64).collect()
            }
        })
    }

    async fn insert_users_in_transaction(&self, rows: &[NewUser]) -> BenchResult<()> {
        let mut conn = self.conn().await?;
        match &mut *conn {
            RawConn::Sqlite(c) => {
                let tx = c.transaction()?;
                {
                    let mut stmt = tx.prepare_cached(&self.sql.insert_one)?;
                    for r in rows {
                        stmt.execute((&r.name, &r.hair_color))?;
                    }
                }
                tx.commit()?;
            }
            RawConn::Postgres(c, s) => {
                let tx = c.transaction().await?;
                type Param<'a> = &'a (dyn tokio_postgres::types::ToSql + Sync);
                let params: Vec<[Param<'_>; 2]> = rows
                    .iter()
                    .map(|r| [&r.name as Param<'_>, &r.hair_color])
                    .collect();
                try_join_all(params.iter().map(|p| tx.execute(&s.insert_one, p))).await?;
                tx.commit().await?;
            }
            RawConn::Mysql(c) => {
                let mut tx = c.start_transaction(mysql_async::TxOpts::default()).await?;
                let stmt = &self.sql.insert_one;
                for r in rows {
                    tx.exec_drop(stmt, (&r.name, &r.hair_color)).await?;
                }
                tx.commit().await?;
            }
        }
        Ok(())
    }

    fn build_medium_select(&self) -> Option<(String, usize)> {
        None
    }

    fn orm(&self) -> Option<&dyn OrmSubject> {
        Some(self)
    }
}

#[async_trait]
impl OrmSubject for Raw {
    async fn orm_load(&self, first: i64, n: i64) -> BenchResult<Box<dyn Loaded>> {
        Ok(Box::new(self.select_users(first, n).await?))
    }

    async fn orm_get(&self, id: i64) -> BenchResult<Box<dyn Loaded>> {
        Ok(Box::new(vec![self.get_user(id).await?]))
    }

    async fn orm_flush_new(&self, rows: &[NewUser]) -> BenchResult<()> {
        self.insert_users_in_transaction(rows).await
    }

    async fn orm_flush_changed(&self, first: i64, n: i64, hair_color: &str) -> BenchResult<()> {
        let mut conn = self.conn().await?;
        let end = first + n;
        match &mut *conn {
            RawConn::Sqlite(c) => {
                let tx = c.transaction()?;
                {
                    let mut select = tx.prepare_cached(&self.sql.select_users)?;
                    let mut users: Vec<User> = select
                        .query_map([first, end], sqlite_user)?
                        .collect::<Result<_, _>>()?;
                    let mut update = tx.prepare_cached(&self.sql.update_hair)?;
                    for u in &mut users {
                        u.hair_color = Some(hair_color.to_owned());
                        update.execute((&u.hair_color, u.id))?;
                    }
                }
                tx.commit()?;
            }
            RawConn::Postgres(c, s) => {
                let tx = c.transaction().await?;
                let mut users: Vec<User> = tx
                    .query(&s.select_users, &[&first, &end])
                    .await?
                    .iter()
                    .map(pg_user)
                    .collect::<Result<_, _>>()?;
                for u in &mut users {
                    u.hair_color = Some(hair_color.to_owned());
                }
                type Param<'a> = &'a (dyn tokio_postgres::types::ToSql + Sync);
                let params: Vec<[Param<'_>; 2]> = users
                    .iter()
                    .map(|u| [&u.hair_color as Param<'_>, &u.id])
                    .collect();
                try_join_all(params.iter().map(|p| tx.execute(&s.update_hair, p))).await?;
                tx.commit().await?;
            }
            RawConn::Mysql(c) => {
                let mut tx = c.start_transaction(mysql_async::TxOpts::default()).await?;
                let mut users: Vec<User> = tx
                    .exec_map(&self.sql.select_users, (first, end), my_user)
                    .await?;
                let update = &self.sql.update_hair;
                for u in &mut users {
                    u.hair_color = Some(hair_color.to_owned());
                    tx.exec_drop(update, (&u.hair_color, u.id)).await?;
                }
                tx.commit().await?;
            }
        }
        Ok(())
    }
}
