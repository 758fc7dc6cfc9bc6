//! philtre's Core layer, written the way its docs teach: tables declared with `MetaData`,
//! statements built with the expression language and executed on the engine. The reads
//! and the one-row insert, run alike on every call, are built once with `bindparam` and
//! `prepare`d, as the docs teach for a statement run in a loop (`build_compile_select`
//! measures building and compiling); the multi-row writes are built per call.

use async_trait::async_trait;
use philtre::prelude::*;
use philtre::{Engine, Executable, FromValues, Insert, Prepared, RawRow};

use crate::model::{Backend, JoinColumns, NewUser, Post, User};
use crate::subject::{BenchResult, Subject};
use crate::subjects::{MEDIUM, MEDIUM_LIMIT, MEDIUM_OFFSET};
use crate::target::Target;

pub async fn connect(target: &Target, pool_size: usize) -> BenchResult<Box<dyn Subject>> {
    let (engine, users, posts) = open(target, pool_size).await?;
    let dialect = engine.dialect();
    let by_id = users
        .select()
        .where_(users.c("id").eq(bindparam("id")))
        .prepare(dialect)?;
    let id_range = users
        .select()
        .where_(
            users
                .c("id")
                .ge(bindparam("first"))
                .and(users.c("id").lt(bindparam("end"))),
        )
        .order_by(users.c("id"))
        .prepare(dialect)?;
    let with_posts = select([
        users.c("id"),
        users.c("name"),
        users.c("hair_color"),
        posts.c("id"),
        posts.c("user_id"),
        posts.c("title"),
        posts.c("body"),
    ])
    .select_from(&users)
    .outerjoin(&posts)
    .where_(users.c("hair_color").eq(bindparam("hair_color")))
    .order_by(users.c("id"))
    .order_by(posts.c("id"))
    .prepare(dialect)?;
    let insert_one = users
        .insert()
        .value("name", bindparam("name"))
        .value("hair_color", bindparam("hair_color"));
    let insert_one = returning_id(target.backend, &users, insert_one).prepare(dialect)?;
    Ok(Box::new(PhiltreCore {
        backend: target.backend,
        engine,
        users,
        posts,
        by_id,
        id_range,
        with_posts,
        insert_one,
    }))
}

/// A warm engine with a pool of `pool_size`, and `users` and `posts` declared on it (the
/// philtre-orm subject maps its struct onto the same `users`).
pub(crate) async fn open(target: &Target, pool_size: usize) -> BenchResult<(Engine, Table, Table)> {
    let engine = Engine::builder(&target.philtre_url())
        .pool_size(pool_size)
        .max_overflow(0)
        .build()?;
    // Open every connection now, so the first timed calls do not pay for it.
    let mut warm = Vec::new();
    for _ in 0..pool_size {
        warm.push(engine.connect().await?);
    }
    drop(warm);
    let metadata = MetaData::new();
    let users = Table::new(
        "users",
        &metadata,
        [
            Column::new("id", BigInteger).primary_key(),
            Column::new("name", String(50)).not_null(),
            Column::new("hair_color", String(50)),
        ],
    );
    let posts = Table::new(
        "posts",
        &metadata,
        [
            Column::new("id", BigInteger).primary_key(),
            Column::new("user_id", BigInteger)
                .not_null()
                .foreign_key("users.id"),
            Column::new("title", String(200)).not_null(),
            Column::new("body", Text).not_null(),
        ],
    );
    Ok((engine, users, posts))
}

struct PhiltreCore {
    backend: Backend,
    engine: Engine,
    users: Table,
    posts: Table,
    /// `users` by primary key.
    by_id: Prepared,
    /// `users` with `first <= id < end`, in id order.
    id_range: Prepared,
    /// `users` of one hair colour left-joined with their posts.
    with_posts: Prepared,
    /// One row into `users`, its id returned (reported, on MySQL).
    insert_one: Prepared,
}

/// Rows decode straight into structs through `query_as` (values move, nothing is copied).
struct UserRow(User);

impl FromValues for UserRow {
    fn from_values(values: &mut [Value], columns: &[String]) -> philtre::Result<Self> {
        let (id, name, hair_color) = FromValues::from_values(values, columns)?;
        Ok(UserRow(User {
            id,
            name,
            hair_color,
        }))
    }

    /// Columns read straight into the fields (the docs' optional one-liner).
    fn from_raw(row: &mut dyn RawRow) -> philtre::Result<Self> {
        let (id, name, hair_color) = FromValues::from_raw(row)?;
        Ok(UserRow(User {
            id,
            name,
            hair_color,
        }))
    }
}

struct JoinRow(User, Option<Post>);

impl JoinRow {
    fn new((id, name, hair_color, post_id, user_id, title, body): JoinColumns) -> Self {
        let post = match (post_id, user_id, title, body) {
            (Some(id), Some(user_id), Some(title), Some(body)) => Some(Post {
                id,
                user_id,
                title,
                body,
            }),
            _ => None,
        };
        let user = User {
            id,
            name,
            hair_color,
        };
        JoinRow(user, post)
    }
}

impl FromValues for JoinRow {
    fn from_values(values: &mut [Value], columns: &[String]) -> philtre::Result<Self> {
        FromValues::from_values(values, columns).map(JoinRow::new)
    }

    fn from_raw(row: &mut dyn RawRow) -> philtre::Result<Self> {
        FromValues::from_raw(row).map(JoinRow::new)
    }
}

/// `ins` returning the ids it generates; on MySQL, which has no `RETURNING`, as it is.
fn returning_id(backend: Backend, users: &Table, ins: Insert) -> Insert {
    match backend {
        Backend::Mysql => ins,
        _ => ins.returning([users.c("id")]),
    }
}

impl PhiltreCore {
    /// Runs `stmt`, made by [`returning_id`], which inserts `n` rows: their ids, decoded
    /// straight from the `RETURNING` rows as `query_as` reads selects, or on MySQL the
    /// first id the insert reports and the `n - 1` after it.
    async fn inserted_ids(&self, stmt: impl Executable, n: usize) -> BenchResult<Vec<i64>> {
        if self.backend == Backend::Mysql {
            let r = self.engine.execute(stmt).await?;
            let first = r.last_insert_id().ok_or("no insert id")?;
            return Ok((first..first + n as i64).collect());
        }
        Ok(self.engine.scalars(stmt).await?)
    }
}

fn row_values(r: &NewUser) -> [(&'static str, Value); 2] {
    [
        ("name", Value::from(r.name.as_str())),
        ("hair_color", Value::from(r.hair_color.clone())),
    ]
}

#[async_trait]
impl Subject for PhiltreCore {
    fn name(&self) -> &'static str {
        "philtre-core"
    }

    async fn get_user(&self, id: i64) -> BenchResult<User> {
        let stmt = self.by_id.bind("id", id);
        let row = self.engine.query_as::<UserRow>(stmt).await?.pop();
        Ok(row.ok_or("no such user")?.0)
    }

    async fn select_users(&self, first: i64, n: i64) -> BenchResult<Vec<User>> {
        let stmt = self.id_range.bind("first", first).bind("end", first + n);
        let rows = self.engine.query_as::<UserRow>(stmt).await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn users_with_posts(&self, hair_color: &str) -> BenchResult<Vec<(User, Option<Post>)>> {
        let stmt = self.with_posts.bind("hair_color", hair_color);
        let rows = self.engine.query_as::<JoinRow>(stmt).await?;
        Ok(rows.into_iter().map(|r| (r.0, r.1)).collect())
    }

    async fn insert_users_returning(&self, rows: &[NewUser]) -> BenchResult<Vec<i64>> {
        if let [row] = rows {
            let stmt = self
                .insert_one
                .bind("name", row.name.as_str())
                .bind("hair_color", row.hair_color.clone());
            return self.inserted_ids(stmt, 1).await;
        }
        let stmt = self.users.insert().rows(rows.iter().map(row_values));
        let stmt = returning_id(self.backend, &self.users, stmt);
        self.inserted_ids(stmt, rows.len()).await
    }

    async fn insert_users_in_transaction(&self, rows: &[NewUser]) -> BenchResult<()> {
        let mut tx = self.engine.begin().await?;
        tx.execute_many(&self.users.insert(), rows.iter().map(row_values))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    fn build_medium_select(&self) -> Option<(String, usize)> {
        let (users, posts) = (&self.users, &self.posts);
        let (color, min_id, min_posts) = MEDIUM;
        let post_count = func::count(posts.c("id"));
        let stmt = select([
            users.c("id"),
            users.c("name"),
            post_count.clone().label("post_count"),
        ])
        .select_from(users)
        .outerjoin(posts)
        .where_(
            users
                .c("hair_color")
                .eq(color)
                .and(users.c("id").gt(min_id)),
        )
        .group_by(users.c("id"))
        .group_by(users.c("name"))
        .having(post_count.gt(min_posts))
        .order_by(users.c("name").desc())
        .limit(MEDIUM_LIMIT)
        .offset(MEDIUM_OFFSET);
        let compiled = stmt.compile(self.engine.dialect()).ok()?;
        Some((compiled.sql, compiled.params.len()))
    }
}
