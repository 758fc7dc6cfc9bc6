//! Creates the schema and the rows every subject reads, through philtre's raw-SQL path
//! (any correct loader would do; this one is not timed).

use philtre::prelude::*;
use philtre::Engine;

use crate::model::{seeded_posts, seeded_user, Backend, USERS};
use crate::subject::BenchResult;

/// Drops and recreates `users`, `posts`, `comments`, and fills them.
pub async fn seed(backend: Backend, url: &str) -> BenchResult<()> {
    let engine = Engine::builder(url).pool_size(1).build()?;
    let mut conn = engine.connect().await?;
    for ddl in backend.ddl() {
        conn.execute(text(ddl)).await?;
    }
    let mut tx = conn.begin().await?;
    let users: Vec<_> = (1..=USERS).map(seeded_user).collect();
    for chunk in users.chunks(500) {
        let rows = chunk.iter().map(|u| {
            [
                ("id", Value::from(u.id)),
                ("name", Value::from(u.name.as_str())),
                ("hair_color", Value::from(u.hair_color.clone())),
            ]
        });
        tx.execute_many(&users_table().insert(), rows).await?;
    }
    let posts = seeded_posts();
    for chunk in posts.chunks(500) {
        let rows = chunk.iter().map(|p| {
            [
                ("id", Value::from(p.id)),
                ("user_id", Value::from(p.user_id)),
                ("title", Value::from(p.title.as_str())),
                ("body", Value::from(p.body.as_str())),
            ]
        });
        tx.execute_many(&posts_table().insert(), rows).await?;
    }
    tx.commit().await?;
    if backend == Backend::Postgres {
        // Explicit ids do not move a SERIAL's sequence; later inserts must start past them.
        conn.execute(text(
            "SELECT setval('users_id_seq', (SELECT max(id) FROM users))",
        ))
        .await?;
        conn.execute(text(
            "SELECT setval('posts_id_seq', (SELECT max(id) FROM posts))",
        ))
        .await?;
    }
    let analyze = match backend {
        Backend::Sqlite => "ANALYZE",
        Backend::Postgres => "ANALYZE users, posts",
        Backend::Mysql => "ANALYZE TABLE users, posts",
    };
    conn.execute(text(analyze)).await?;
    Ok(())
}

/// Removes what the insert workloads wrote, so every round reads the same tables.
pub async fn reset(url: &str) -> BenchResult<()> {
    let engine = Engine::builder(url).pool_size(1).build()?;
    engine
        .execute(text("DELETE FROM users WHERE id > :max").bind("max", USERS))
        .await?;
    vacuum(&engine).await
}

/// On PostgreSQL, reclaims the dead rows a clean-up leaves behind. A batch of inserts
/// deletes thousands of rows afterwards; until autovacuum happens to run, every later scan
/// of `users` also walks them, so the read workloads of the next rounds would measure the
/// table's bloat at whatever level autovacuum left it, differently for each subject.
async fn vacuum(engine: &Engine) -> BenchResult<()> {
    if engine.dialect().name() == "postgresql" {
        engine.execute(text("VACUUM users")).await?;
    }
    Ok(())
}

/// The prefix of the hair colours the `orm_flush_*_changed` workload writes.
pub const CHANGED: &str = "changed";

/// Puts back the seeded hair colour of every user the change workload changed (see
/// [`seeded_user`]).
pub async fn restore_changed(url: &str) -> BenchResult<()> {
    let engine = Engine::builder(url).pool_size(1).build()?;
    engine
        .execute(text(format!(
            "UPDATE users SET hair_color = CASE \
             WHEN id % 1000 = 0 THEN 'red' \
             WHEN id % 4 = 0 THEN NULL \
             WHEN id % 4 = 1 THEN 'black' \
             WHEN id % 4 = 2 THEN 'brown' \
             ELSE 'blond' END \
             WHERE hair_color LIKE '{CHANGED}%'"
        )))
        .await?;
    vacuum(&engine).await
}

/// Drops the benchmark's tables.
pub async fn drop_tables(backend: Backend, url: &str) -> BenchResult<()> {
    let engine = Engine::builder(url).pool_size(1).build()?;
    for ddl in backend.ddl().into_iter().take(3) {
        engine.execute(text(ddl)).await?;
    }
    Ok(())
}

fn users_table() -> Table {
    Table::builder("users")
        .column(Column::new("id", BigInteger).primary_key())
        .column(Column::new("name", String(50)))
        .column(Column::new("hair_color", String(50)))
        .build()
}

fn posts_table() -> Table {
    Table::builder("posts")
        .column(Column::new("id", BigInteger).primary_key())
        .column(Column::new("user_id", BigInteger))
        .column(Column::new("title", String(200)))
        .column(Column::new("body", Text))
        .build()
}
