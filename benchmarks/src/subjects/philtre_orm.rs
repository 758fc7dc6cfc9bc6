//! philtre's ORM layer, written the way its docs teach (the seed's "Manual Object Relational
//! Mapping"): a plain struct, the `users` table declared apart with `MetaData`, a
//! hand-written [`Mapped`] impl and `mapper::<OrmUser>(&users)`; sessions from
//! `sessionmaker(&engine)` with its default options (`autoflush`, `expire_on_commit`, no
//! autocommit), one fresh session per call, closed at the end as a web request's teardown
//! (`remove()`/`close()`) does. The range query, run on every call, is the query's
//! statement prepared once with `bindparam`s and loaded with `from_statement`.
//!
//! Measured on the ORM workloads only: its Core statements are philtre-core's, measured
//! in that column.

use async_trait::async_trait;
use philtre_orm::philtre::{FromValues, Prepared, RawRow};
use philtre_orm::prelude::*;
use philtre_orm::Row;
use std::sync::Arc;

use crate::model::{NewUser, Post, User};
use crate::orm::{Loaded, OrmSubject};
use crate::subject::{BenchResult, Subject};
use crate::target::Target;

/// `class User(object)`: a plain struct; the id is generated, so `None` until the insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrmUser {
    pub id: Option<i64>,
    pub name: std::string::String,
    pub hair_color: Option<std::string::String>,
}

/// The mapping's hand-written half (columns by position, as the query docs show).
impl Mapped for OrmUser {
    const COLUMNS: &'static [&'static str] = &["id", "name", "hair_color"];

    fn from_row(row: &Row) -> philtre_orm::Result<Self> {
        Ok(OrmUser {
            id: row.get(0)?,
            name: row.get(1)?,
            hair_color: row.get(2)?,
        })
    }

    /// Loads move the driver's values into the object (the docs' optional one-liner).
    fn from_values(
        values: &mut [Value],
        columns: &Arc<[std::string::String]>,
    ) -> philtre_orm::Result<Self> {
        let (id, name, hair_color) = FromValues::from_values(values, columns)?;
        Ok(OrmUser {
            id,
            name,
            hair_color,
        })
    }

    /// Loads read the driver's columns straight into the fields (the docs' one-liner).
    fn from_raw(row: &mut dyn RawRow) -> philtre_orm::Result<Self> {
        let (id, name, hair_color) = FromValues::from_raw(row)?;
        Ok(OrmUser {
            id,
            name,
            hair_color,
        })
    }

    fn to_values(&self) -> Vec<Value> {
        field_values![self.id, self.name, self.hair_color]
    }

    /// A flush compares field by field and copies only what changed (the docs' one-liner).
    fn changes(&self, snapshot: &[Value]) -> philtre_orm::Result<Changes> {
        Ok(field_changes!(snapshot; self.id, self.name, self.hair_color))
    }

    /// An insert's generated id goes straight into the field (the docs' one-liner).
    fn set_generated_key(&mut self, key: &[Value]) -> philtre_orm::Result<()> {
        self.id = philtre_orm::generated_key(key)?;
        Ok(())
    }
}

impl Loaded for Vec<Obj<OrmUser>> {
    fn users(&self) -> Vec<User> {
        self.iter()
            .map(|o| {
                let u = o.read();
                User {
                    id: u.id.unwrap_or_default(),
                    name: u.name.clone(),
                    hair_color: u.hair_color.clone(),
                }
            })
            .collect()
    }
}

pub async fn connect(target: &Target, pool_size: usize) -> BenchResult<Box<dyn Subject>> {
    let (engine, users, _posts) = crate::subjects::philtre_core::open(target, pool_size).await?;
    // mapper(User, users): the registry is global, so this replaces the mapping of the
    // previous backend's run (same table, other engine).
    mapper::<OrmUser>(&users)?;
    let maker = sessionmaker(&engine);
    let id = users.c("id");
    let in_range = maker
        .session()
        .query::<OrmUser>()
        .filter(id.clone().ge(bindparam("first")))
        .filter(id.clone().lt(bindparam("end")))
        .order_by(id)
        .statement()
        .ok_or("OrmUser is not mapped")?
        .prepare(engine.dialect())?;
    Ok(Box::new(PhiltreOrm { maker, in_range }))
}

struct PhiltreOrm {
    maker: SessionMaker,
    /// The range query's statement (`first <= id < end`, in id order), prepared once: a
    /// query run on every request, as the docs teach for `from_statement`.
    in_range: Prepared,
}

fn not_applicable<T>() -> BenchResult<T> {
    Err("philtre-orm runs the ORM workloads only".into())
}

#[async_trait]
impl Subject for PhiltreOrm {
    fn name(&self) -> &'static str {
        "philtre-orm"
    }

    fn core(&self) -> bool {
        false
    }

    fn orm(&self) -> Option<&dyn OrmSubject> {
        Some(self)
    }

    async fn get_user(&self, _: i64) -> BenchResult<User> {
        not_applicable()
    }

    async fn select_users(&self, _: i64, _: i64) -> BenchResult<Vec<User>> {
        not_applicable()
    }

    async fn users_with_posts(&self, _: &str) -> BenchResult<Vec<(User, Option<Post>)>> {
        not_applicable()
    }

    async fn insert_users_returning(&self, _: &[NewUser]) -> BenchResult<Vec<i64>> {
        not_applicable()
    }

    async fn insert_users_in_transaction(&self, _: &[NewUser]) -> BenchResult<()> {
        not_applicable()
    }

    fn build_medium_select(&self) -> Option<(std::string::String, usize)> {
        None
    }
}

impl PhiltreOrm {
    /// The users with ids `first..first + n`, in id order.
    async fn in_range(
        &self,
        session: &mut Session,
        first: i64,
        n: i64,
    ) -> philtre_orm::Result<Vec<Obj<OrmUser>>> {
        let run = self.in_range.bind("first", first).bind("end", first + n);
        session.query::<OrmUser>().from_statement(run).all().await
    }
}

#[async_trait]
impl OrmSubject for PhiltreOrm {
    async fn orm_load(&self, first: i64, n: i64) -> BenchResult<Box<dyn Loaded>> {
        let mut session = self.maker.session();
        let objects = self.in_range(&mut session, first, n).await?;
        session.close().await?;
        Ok(Box::new(objects))
    }

    async fn orm_get(&self, id: i64) -> BenchResult<Box<dyn Loaded>> {
        let mut session = self.maker.session();
        let user = session.get::<OrmUser>(id).await?;
        session.close().await?;
        let user = user.ok_or_else(|| format!("no user {id}"))?;
        Ok(Box::new(vec![user]))
    }

    async fn orm_flush_new(&self, rows: &[NewUser]) -> BenchResult<()> {
        let mut session = self.maker.session();
        session.add_all(rows.iter().map(|r| OrmUser {
            id: None,
            name: r.name.clone(),
            hair_color: r.hair_color.clone(),
        }))?;
        session.commit().await?;
        session.close().await?;
        Ok(())
    }

    async fn orm_flush_changed(&self, first: i64, n: i64, hair_color: &str) -> BenchResult<()> {
        let mut session = self.maker.session();
        let objects = self.in_range(&mut session, first, n).await?;
        for user in &objects {
            user.write().hair_color = Some(hair_color.to_owned());
        }
        session.commit().await?;
        session.close().await?;
        Ok(())
    }
}
