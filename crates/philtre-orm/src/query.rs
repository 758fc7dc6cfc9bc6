//! [`Query<T>`]: `session.query::<User>().filter(...).order_by(...).all()`.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use philtre::{Error, Executable, Expr, OrderBy, Result, Select};

mod criteria;

pub(crate) use criteria::{Criteria, MappedSelect};

use crate::identity::IntoKey;
use crate::mapping::{mapping, Mapped, Mapping};
use crate::object::Obj;
use crate::scoped::{ScopedGuard, ScopedSession};
use crate::session::Session;

/// A query for objects of one mapped type. Build it with `filter`, `filter_by`,
/// `order_by`, `limit`, `offset`, then run it with `all`, `first`, `one`, `one_or_none`,
/// `get`, `count`, `exists`, or the bulk `update` / `delete`.
///
/// Results come through the session's identity map, and pending changes are flushed
/// first when the session autoflushes.
///
/// ```
/// # use philtre_orm::prelude::*;
/// # #[derive(Debug)] struct User { id: Option<i64>, name: String }
/// # impl Mapped for User {
/// #     const COLUMNS: &'static [&'static str] = &["id", "name"];
/// #     fn from_row(row: &Row) -> philtre_orm::Result<Self> { Ok(User { id: row.get(0)?, name: row.get(1)? }) }
/// #     fn to_values(&self) -> Vec<Value> { field_values![self.id, self.name] }
/// # }
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> philtre_orm::Result<()> {
/// # let engine = create_engine("sqlite://")?;
/// # let metadata = MetaData::new();
/// # let users = Table::new("users", &metadata, [Column::new("id", Integer).primary_key(), Column::new("name", String(50))]);
/// # metadata.create_all(&engine).await?;
/// # mapper::<User>(&users)?;
/// let mut session = sessionmaker(&engine).session();
/// session.add_all(["ann", "bob", "cy"].map(|n| User { id: None, name: n.into() }))?;
/// let two = session.query::<User>().filter(users.c("name").ne("bob")).order_by(users.c("name")).all().await?;
/// assert_eq!(two.len(), 2);
/// let bob = session.query::<User>().filter_by("name", "bob").one().await?;
/// assert_eq!(bob.read().id, Some(2));
/// assert_eq!(session.query::<User>().count().await?, 3);
/// assert!(matches!(
///     session.query::<User>().filter_by("name", "zed").one().await,
///     Err(philtre_orm::Error::NoResultFound)
/// ));
/// # Ok(()) }
/// ```
#[must_use]
pub struct Query<'s, T> {
    source: Source<'s>,
    mapping: Result<Arc<Mapping>>,
    criteria: Criteria,
    _type: PhantomData<fn() -> T>,
}

enum Source<'s> {
    Session(&'s mut Session),
    Scoped(ScopedSession),
}

impl<T> fmt::Debug for Query<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Query")
            .field("type", &std::any::type_name::<T>())
            .field("criteria", &self.criteria)
            .finish_non_exhaustive()
    }
}

/// The session a query runs on: borrowed, or the current scope's, locked for the call.
enum SessionRef<'s> {
    Borrowed(&'s mut Session),
    Scoped(ScopedGuard),
}

impl SessionRef<'_> {
    fn get(&mut self) -> &mut Session {
        match self {
            SessionRef::Borrowed(s) => s,
            SessionRef::Scoped(g) => g,
        }
    }
}

impl<'s, T: Mapped> Query<'s, T> {
    pub(crate) fn on_session(session: &'s mut Session) -> Self {
        Self::new(Source::Session(session))
    }

    pub(crate) fn on_scoped(registry: ScopedSession) -> Query<'static, T> {
        Query::new(Source::Scoped(registry))
    }

    fn new(source: Source<'s>) -> Self {
        Query {
            source,
            mapping: mapping::<T>(),
            criteria: Criteria::default(),
            _type: PhantomData,
        }
    }

    /// Adds a condition (`AND`ed with earlier ones): `filter(users.c("name").eq("admin"))`.
    pub fn filter(mut self, cond: Expr) -> Self {
        self.criteria.filter(cond);
        self
    }

    /// `column = value` on the mapped table: `filter_by("name", "admin")`. An unknown
    /// column is reported when the query runs.
    pub fn filter_by(self, column: &str, value: impl Into<Expr>) -> Self {
        let cond = self
            .mapping
            .as_ref()
            .ok()
            .map(|m| m.table.c(column).eq(value));
        match cond {
            Some(c) => self.filter(c),
            None => self,
        }
    }

    pub fn order_by(mut self, order: impl Into<OrderBy>) -> Self {
        self.criteria.order_by.push(order.into());
        self
    }

    pub fn limit(mut self, n: u64) -> Self {
        self.criteria.limit = Some(n);
        self
    }

    pub fn offset(mut self, n: u64) -> Self {
        self.criteria.offset = Some(n);
        self
    }

    /// The `SELECT` this query runs (`None` when `T` is not mapped: running it says why).
    pub fn statement(&self) -> Option<Select> {
        let m = self.mapping.as_ref().ok()?;
        Some(self.criteria.to_select(m))
    }

    /// Loads the objects from the rows of another statement instead, SQLAlchemy's
    /// `Query.from_statement`: raw SQL, a Core select, or a statement
    /// [prepared](philtre::Executable::prepare) once with `bindparam`s and bound per call.
    /// Rows come through the identity map as any query's do, after an autoflush; the
    /// query's own filters, order and limits are not applied.
    ///
    /// The statement must select `T`'s mapped columns by name, in mapping order (what
    /// [`statement`](Self::statement) selects); otherwise the load fails with
    /// [`Error::InvalidStatement`] before any object is made.
    ///
    /// ```
    /// # use philtre_orm::prelude::*;
    /// # #[derive(Debug)] struct User { id: Option<i64>, name: String }
    /// # impl Mapped for User {
    /// #     const COLUMNS: &'static [&'static str] = &["id", "name"];
    /// #     fn from_row(row: &Row) -> philtre_orm::Result<Self> { Ok(User { id: row.get(0)?, name: row.get(1)? }) }
    /// #     fn to_values(&self) -> Vec<Value> { field_values![self.id, self.name] }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> philtre_orm::Result<()> {
    /// # let engine = create_engine("sqlite://")?;
    /// # let metadata = MetaData::new();
    /// # let users = Table::new("users", &metadata, [Column::new("id", Integer).primary_key(), Column::new("name", String(50))]);
    /// # metadata.create_all(&engine).await?;
    /// # mapper::<User>(&users)?;
    /// let mut session = sessionmaker(&engine).session();
    /// session.add_all(["ann", "bob"].map(|n| User { id: None, name: n.into() }))?;
    /// // Built and compiled once, run with a new name each time.
    /// let by_name = session
    ///     .query::<User>()
    ///     .filter(users.c("name").eq(bindparam("name")))
    ///     .statement()
    ///     .expect("User is mapped")
    ///     .prepare(engine.dialect())?;
    /// let bob = session.query::<User>().from_statement(by_name.bind("name", "bob")).one().await?;
    /// assert_eq!(bob.read().id, Some(2));
    /// // The same row is the same object.
    /// assert!(Obj::ptr_eq(&bob, &session.get::<User>(2).await?.unwrap()));
    /// # Ok(()) }
    /// ```
    pub fn from_statement<E: Executable>(self, stmt: E) -> FromStatement<'s, T, E> {
        FromStatement { query: self, stmt }
    }

    async fn parts(self) -> Result<(SessionRef<'s>, Arc<Mapping>, Criteria)> {
        let m = self.mapping?;
        let session = match self.source {
            Source::Session(s) => SessionRef::Borrowed(s),
            Source::Scoped(r) => SessionRef::Scoped(r.session().await?),
        };
        Ok((session, m, self.criteria))
    }

    /// Every matching object.
    ///
    /// Each row becomes the session's object as it is decoded, so a row that fails (a
    /// NULL for a field that cannot hold one, say) ends the load with its error and
    /// leaves the objects of the rows before it in the session, as SQLAlchemy does.
    pub async fn all(self) -> Result<Vec<Obj<T>>> {
        let (mut s, m, criteria) = self.parts().await?;
        s.get().load_all::<T>(criteria.on(&m)).await
    }

    /// The first matching object (`LIMIT 1`), or `None`.
    pub async fn first(self) -> Result<Option<Obj<T>>> {
        let (mut s, m, mut criteria) = self.parts().await?;
        criteria.limit = Some(1);
        let found = s.get().load_all::<T>(criteria.on(&m)).await?;
        Ok(found.into_iter().next())
    }

    /// Exactly one object: [`Error::NoResultFound`] or [`Error::MultipleResultsFound`] otherwise.
    pub async fn one(self) -> Result<Obj<T>> {
        self.one_or_none().await?.ok_or(Error::NoResultFound)
    }

    /// One object or none; [`Error::MultipleResultsFound`] if more match.
    pub async fn one_or_none(self) -> Result<Option<Obj<T>>> {
        let (mut s, m, mut criteria) = self.parts().await?;
        // Two rows are enough to tell "more than one".
        criteria.limit.get_or_insert(2);
        let mut found = s.get().load_all::<T>(criteria.on(&m)).await?.into_iter();
        let first = found.next();
        if found.next().is_some() {
            return Err(Error::MultipleResultsFound);
        }
        Ok(first)
    }

    /// The object with this primary key (the query's filters are not applied, as in
    /// SQLAlchemy's `Query.get`); see [`Session::get`].
    pub async fn get(self, key: impl IntoKey) -> Result<Option<Obj<T>>> {
        let (mut s, _, _) = self.parts().await?;
        s.get().get::<T>(key).await
    }

    /// How many rows match: `SELECT count(*) FROM (query)`.
    pub async fn count(self) -> Result<i64> {
        let (mut s, m, criteria) = self.parts().await?;
        s.get().count(criteria.to_select(&m)).await
    }

    /// Whether any row matches.
    pub async fn exists(self) -> Result<bool> {
        let (mut s, m, mut criteria) = self.parts().await?;
        criteria.limit = Some(1);
        let rows = s.get().query_raw(criteria.to_select(&m)).await?;
        Ok(!rows.rows().is_empty())
    }

    /// Bulk `UPDATE ... SET values WHERE <filters>`; returns the rows matched. Objects of
    /// the session among them are expired, so their next load shows the new values.
    pub async fn update<C: Into<String>, V: Into<Expr>>(
        self,
        values: impl IntoIterator<Item = (C, V)>,
    ) -> Result<u64> {
        let values: Vec<(String, Expr)> = values
            .into_iter()
            .map(|(c, v)| (c.into(), v.into()))
            .collect();
        let (mut s, m, criteria) = self.parts().await?;
        let filter = bulk_filter(criteria)?;
        s.get().bulk_update(&m, filter, values).await
    }

    /// Bulk `DELETE ... WHERE <filters>`; returns the rows deleted. Objects of the session
    /// among them become `Deleted`.
    pub async fn delete(self) -> Result<u64> {
        let (mut s, m, criteria) = self.parts().await?;
        let filter = bulk_filter(criteria)?;
        s.get().bulk_delete(&m, filter).await
    }
}

/// A [`Query`] whose objects come from the rows of a statement of the caller's: see
/// [`Query::from_statement`].
#[must_use]
pub struct FromStatement<'s, T, E> {
    query: Query<'s, T>,
    stmt: E,
}

impl<T, E> fmt::Debug for FromStatement<'_, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FromStatement")
            .field("type", &std::any::type_name::<T>())
            .finish_non_exhaustive()
    }
}

impl<T: Mapped, E: Executable> FromStatement<'_, T, E> {
    /// Every object the statement's rows give.
    pub async fn all(self) -> Result<Vec<Obj<T>>> {
        let (mut s, m, _) = self.query.parts().await?;
        s.get().load_statement::<T>(&m, self.stmt).await
    }

    /// The first row's object, or `None` (the statement is run as it is: no `LIMIT` is
    /// added to it).
    pub async fn first(self) -> Result<Option<Obj<T>>> {
        Ok(self.all().await?.into_iter().next())
    }

    /// Exactly one object: [`Error::NoResultFound`] or [`Error::MultipleResultsFound`]
    /// otherwise.
    pub async fn one(self) -> Result<Obj<T>> {
        self.one_or_none().await?.ok_or(Error::NoResultFound)
    }

    /// One object or none; [`Error::MultipleResultsFound`] if the statement gives more.
    pub async fn one_or_none(self) -> Result<Option<Obj<T>>> {
        let mut found = self.all().await?.into_iter();
        let first = found.next();
        if found.next().is_some() {
            return Err(Error::MultipleResultsFound);
        }
        Ok(first)
    }
}

fn bulk_filter(c: Criteria) -> Result<Option<Expr>> {
    if c.limit.is_some() || c.offset.is_some() || !c.order_by.is_empty() {
        return Err(Error::InvalidStatement(
            "a bulk update or delete cannot have limit, offset or order_by".into(),
        ));
    }
    Ok(c.where_)
}
