//! SeaORM 1.1: hand-written entities, `find_by_id`, `find().filter(..)`, `find_also_related`
//! for the join, `insert_many` for the multi-row insert, and the entity select's
//! `.build(DbBackend)` for the compile-only workload.
//!
//! The pool is SeaORM's (sqlx underneath) with its defaults except its size:
//! `min_connections = max_connections = pool_size`, so it is warm before the first timed call.
//! SeaORM's `test_before_acquire` default (`true`, a ping on every checkout) and its default
//! statement logging are kept: that is what SeaORM users get.
//!
//! Feature `sqlite-use-returning-for-3_35` is on (the bundled SQLite is 3.46), so SQLite
//! returns ids like PostgreSQL; `mariadb-use-returning` is off, so MySQL and MariaDB take the
//! MySQL path (the first id of the insert).
//!
//! ORM workloads: `find().filter(..).all()` and `find_by_id(..).one()` (no transaction, as
//! SeaORM runs them); new objects as `ActiveModel`s, each `insert(&txn)`ed in one
//! transaction (it returns the inserted `Model`: `RETURNING` on SQLite and PostgreSQL, a
//! SELECT by the new id on MySQL); changes as `ActiveModel`s made from the `Model`s loaded
//! in the transaction, one column `Set`, each `update(&txn)`ed (only the set column is
//! written; it returns the updated `Model`, again by `RETURNING` or a SELECT).

use std::time::Duration;

use async_trait::async_trait;
use sea_orm::sea_query::Expr;
use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, ConnectOptions, ConnectionTrait, Database,
    DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    TransactionTrait,
};

use crate::model::{Backend, NewUser, Post, User};
use crate::orm::{Loaded, OrmSubject};
use crate::subject::{BenchResult, Subject};
use crate::subjects::{MEDIUM, MEDIUM_LIMIT, MEDIUM_OFFSET};
use crate::target::Target;

mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub hair_color: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::post::Entity")]
        Posts,
    }

    impl Related<super::post::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Posts.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

mod post {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "posts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub user_id: i64,
        pub title: String,
        pub body: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::user::Entity",
            from = "Column::UserId",
            to = "super::user::Column::Id"
        )]
        User,
    }

    impl Related<super::user::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::User.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

impl From<user::Model> for User {
    fn from(m: user::Model) -> Self {
        User {
            id: m.id,
            name: m.name,
            hair_color: m.hair_color,
        }
    }
}

impl Loaded for Vec<user::Model> {
    fn users(&self) -> Vec<User> {
        self.iter().cloned().map(User::from).collect()
    }
}

impl From<post::Model> for Post {
    fn from(m: post::Model) -> Self {
        Post {
            id: m.id,
            user_id: m.user_id,
            title: m.title,
            body: m.body,
        }
    }
}

fn active(row: &NewUser) -> user::ActiveModel {
    user::ActiveModel {
        id: ActiveValue::NotSet,
        name: ActiveValue::Set(row.name.clone()),
        hair_color: ActiveValue::Set(row.hair_color.clone()),
    }
}

pub struct SeaOrmSubject {
    db: DatabaseConnection,
}

pub async fn connect(target: &Target, pool_size: usize) -> BenchResult<Box<dyn Subject>> {
    let size = u32::try_from(pool_size)?;
    let mut options = ConnectOptions::new(target.sqlx_url());
    options.max_connections(size).min_connections(size);
    if target.backend == Backend::Sqlite {
        options.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
        });
    }
    let db = Database::connect(options).await?;
    Ok(Box::new(SeaOrmSubject { db }))
}

#[async_trait]
impl Subject for SeaOrmSubject {
    fn name(&self) -> &'static str {
        "sea-orm"
    }

    async fn get_user(&self, id: i64) -> BenchResult<User> {
        let found = user::Entity::find_by_id(id).one(&self.db).await?;
        Ok(found.ok_or_else(|| format!("no user {id}"))?.into())
    }

    async fn select_users(&self, first: i64, n: i64) -> BenchResult<Vec<User>> {
        let models = user::Entity::find()
            .filter(user::Column::Id.gte(first))
            .filter(user::Column::Id.lt(first + n))
            .order_by_asc(user::Column::Id)
            .all(&self.db)
            .await?;
        Ok(models.into_iter().map(User::from).collect())
    }

    async fn users_with_posts(&self, hair_color: &str) -> BenchResult<Vec<(User, Option<Post>)>> {
        let pairs = user::Entity::find()
            .find_also_related(post::Entity)
            .filter(user::Column::HairColor.eq(hair_color))
            .order_by_asc(user::Column::Id)
            .order_by_asc(post::Column::Id)
            .all(&self.db)
            .await?;
        Ok(pairs
            .into_iter()
            .map(|(u, p)| (u.into(), p.map(Post::from)))
            .collect())
    }

    async fn insert_users_returning(&self, rows: &[NewUser]) -> BenchResult<Vec<i64>> {
        let insert = user::Entity::insert_many(rows.iter().map(active));
        if self.db.get_database_backend() == DbBackend::MySql {
            // No RETURNING on MySQL: the insert reports its first id, and the others
            // follow it.
            let first = insert.exec(&self.db).await?.last_insert_id;
            Ok((first..first + rows.len() as i64).collect())
        } else {
            Ok(insert.exec_with_returning_keys(&self.db).await?)
        }
    }

    async fn insert_users_in_transaction(&self, rows: &[NewUser]) -> BenchResult<()> {
        // The ids are not needed, so no RETURNING (nor LAST_INSERT_ID) per row; SeaORM has no
        // pipelining, so this is one round trip per insert.
        let txn = self.db.begin().await?;
        for row in rows {
            user::Entity::insert(active(row))
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    fn build_medium_select(&self) -> Option<(String, usize)> {
        let (color, min_id, min_posts) = MEDIUM;
        let statement = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::Name)
            .column_as(post::Column::Id.count(), "post_count")
            .left_join(post::Entity)
            .filter(user::Column::HairColor.eq(color))
            .filter(user::Column::Id.gt(min_id))
            .group_by(user::Column::Id)
            .group_by(user::Column::Name)
            .having(Expr::expr(post::Column::Id.count()).gt(min_posts))
            .order_by_desc(user::Column::Name)
            .limit(MEDIUM_LIMIT)
            .offset(MEDIUM_OFFSET)
            .build(self.db.get_database_backend());
        let binds = statement.values.map_or(0, |v| v.0.len());
        Some((statement.sql, binds))
    }

    fn orm(&self) -> Option<&dyn OrmSubject> {
        Some(self)
    }
}

impl SeaOrmSubject {
    fn find_range(first: i64, n: i64) -> sea_orm::Select<user::Entity> {
        user::Entity::find()
            .filter(user::Column::Id.gte(first))
            .filter(user::Column::Id.lt(first + n))
            .order_by_asc(user::Column::Id)
    }
}

#[async_trait]
impl OrmSubject for SeaOrmSubject {
    async fn orm_load(&self, first: i64, n: i64) -> BenchResult<Box<dyn Loaded>> {
        Ok(Box::new(Self::find_range(first, n).all(&self.db).await?))
    }

    async fn orm_get(&self, id: i64) -> BenchResult<Box<dyn Loaded>> {
        let found = user::Entity::find_by_id(id).one(&self.db).await?;
        Ok(Box::new(
            vec![found.ok_or_else(|| format!("no user {id}"))?],
        ))
    }

    async fn orm_flush_new(&self, rows: &[NewUser]) -> BenchResult<()> {
        let txn = self.db.begin().await?;
        for row in rows {
            active(row).insert(&txn).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    async fn orm_flush_changed(&self, first: i64, n: i64, hair_color: &str) -> BenchResult<()> {
        let txn = self.db.begin().await?;
        let models = Self::find_range(first, n).all(&txn).await?;
        for model in models {
            let mut user: user::ActiveModel = model.into();
            user.hair_color = ActiveValue::Set(Some(hair_color.to_owned()));
            user.update(&txn).await?;
        }
        txn.commit().await?;
        Ok(())
    }
}
