//! [`paginate`] and [`Pagination`]: Flask-SQLAlchemy's `query.paginate()`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use philtre_orm::{Mapped, Obj, Query, Session};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::error::HttpError;

/// The largest `per_page` a client gets by default (Flask-SQLAlchemy's `max_per_page`).
pub const DEFAULT_MAX_PER_PAGE: u32 = 100;
/// `per_page` when the request does not say.
pub const DEFAULT_PER_PAGE: u32 = 20;

/// Which page a request asks for: the query parameters `page` (default 1) and
/// `per_page` (default 20, at most `max_per_page`, default 100: larger values are
/// lowered to it). Anything else (`page=0`, `per_page=abc`) is a 400 Bad Request.
///
/// ```
/// use philtre_axum::PageParams;
/// let p = PageParams::from_query("page=3&per_page=500").unwrap();
/// assert_eq!((p.page(), p.per_page()), (3, 100));
/// assert_eq!(PageParams::from_query("").unwrap().per_page(), 20);
/// assert_eq!(PageParams::from_query("page=0").unwrap_err().status(), 400);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageParams {
    page: u32,
    per_page: u32,
    max_per_page: u32,
}

impl Default for PageParams {
    fn default() -> Self {
        PageParams {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            max_per_page: DEFAULT_MAX_PER_PAGE,
        }
    }
}

impl PageParams {
    /// Page `page` of `per_page` items (each at least 1).
    pub fn new(page: u32, per_page: u32) -> Self {
        PageParams {
            page: page.max(1),
            per_page: per_page.max(1),
            max_per_page: DEFAULT_MAX_PER_PAGE.max(per_page),
        }
    }

    /// Reads `page` and `per_page` from a query string (`page=2&per_page=10`).
    pub fn from_query(query: &str) -> Result<Self, HttpError> {
        let mut p = PageParams::default();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            match &*k {
                "page" => p.page = positive("page", &v)?,
                "per_page" => p.per_page = positive("per_page", &v)?,
                _ => {}
            }
        }
        Ok(p)
    }

    /// Lowers `per_page` to at most `max` (at least 1).
    pub fn max_per_page(mut self, max: u32) -> Self {
        self.max_per_page = max.max(1);
        self
    }

    pub fn page(&self) -> u32 {
        self.page
    }

    /// The page size used: the request's, lowered to `max_per_page`.
    pub fn per_page(&self) -> u32 {
        self.per_page.min(self.max_per_page)
    }

    /// Rows skipped before this page.
    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.per_page())
    }
}

fn positive(name: &str, v: &str) -> Result<u32, HttpError> {
    match v.trim().parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(HttpError::bad_request(format!(
            "{name} must be a whole number from 1 up, not {v:?}"
        ))),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageParams {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        PageParams::from_query(parts.uri.query().unwrap_or(""))
    }
}

/// One page of results and where it sits among the others.
///
/// ```
/// use philtre_axum::Pagination;
/// let p = Pagination::new(vec!["k"], 6, 2, 11);      // page 6, 2 per page, 11 items
/// assert_eq!(p.pages(), 6);
/// assert!(p.has_prev() && !p.has_next());
/// assert_eq!((p.prev_num(), p.next_num()), (Some(5), None));
/// assert_eq!((p.first(), p.last()), (11, 11));
/// let p = Pagination::new(Vec::<()>::new(), 10, 1, 20);
/// let pages: Vec<Option<u32>> = p.iter_pages(2, 2, 4, 2).collect();
/// // 1 2 … 8 9 [10] 11 12 13 14 … 19 20
/// assert_eq!(pages, [Some(1), Some(2), None, Some(8), Some(9), Some(10), Some(11),
///                    Some(12), Some(13), Some(14), None, Some(19), Some(20)]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pagination<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// This page's number, from 1.
    pub page: u32,
    pub per_page: u32,
    /// How many items match in all.
    pub total: u64,
}

impl<T> Pagination<T> {
    pub fn new(items: Vec<T>, page: u32, per_page: u32, total: u64) -> Self {
        Pagination {
            items,
            page: page.max(1),
            per_page: per_page.max(1),
            total,
        }
    }

    /// How many pages there are (0 when there are no items).
    pub fn pages(&self) -> u32 {
        let pages = self.total.div_ceil(u64::from(self.per_page));
        u32::try_from(pages).unwrap_or(u32::MAX)
    }

    pub fn has_prev(&self) -> bool {
        self.page > 1
    }

    pub fn has_next(&self) -> bool {
        self.page < self.pages()
    }

    pub fn prev_num(&self) -> Option<u32> {
        self.has_prev().then(|| self.page - 1)
    }

    pub fn next_num(&self) -> Option<u32> {
        self.has_next().then(|| self.page + 1)
    }

    /// The number (from 1) of this page's first item among all, 0 when it is empty.
    pub fn first(&self) -> u64 {
        if self.items.is_empty() {
            0
        } else {
            u64::from(self.page - 1) * u64::from(self.per_page) + 1
        }
    }

    /// The number of this page's last item among all, 0 when it is empty.
    pub fn last(&self) -> u64 {
        if self.items.is_empty() {
            0
        } else {
            self.first() + self.items.len() as u64 - 1
        }
    }

    /// Page numbers for a pager, `None` where numbers are left out: the first
    /// `left_edge` pages, `left_current` before the current one to `right_current` after
    /// it, and the last `right_edge` (Flask-SQLAlchemy's `iter_pages`).
    pub fn iter_pages(
        &self,
        left_edge: u32,
        left_current: u32,
        right_current: u32,
        right_edge: u32,
    ) -> impl Iterator<Item = Option<u32>> {
        page_numbers(
            self.page,
            self.pages(),
            left_edge,
            left_current,
            right_current,
            right_edge,
        )
        .into_iter()
    }

    /// [`iter_pages`](Self::iter_pages) with Flask-SQLAlchemy's defaults (2, 2, 4, 2).
    pub fn iter_pages_default(&self) -> impl Iterator<Item = Option<u32>> {
        self.iter_pages(2, 2, 4, 2)
    }

    /// The same page with each item turned into another value (a DTO for JSON).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Pagination<U> {
        Pagination {
            items: self.items.into_iter().map(f).collect(),
            page: self.page,
            per_page: self.per_page,
            total: self.total,
        }
    }
}

/// Flask-SQLAlchemy's `iter_pages`, step for step, with `pages_end = pages + 1`.
fn page_numbers(
    page: u32,
    pages: u32,
    left_edge: u32,
    left_current: u32,
    right_current: u32,
    right_edge: u32,
) -> Vec<Option<u32>> {
    let mut out = Vec::new();
    let pages_end = u64::from(pages) + 1;
    if pages_end == 1 {
        return out;
    }
    let page = u64::from(page);
    let left_end = (1 + u64::from(left_edge)).min(pages_end);
    push_range(&mut out, 1, left_end);
    if left_end == pages_end {
        return out;
    }
    let mid_start = left_end.max(page.saturating_sub(u64::from(left_current)));
    let mid_end = (page + u64::from(right_current) + 1).min(pages_end);
    if mid_start > left_end {
        out.push(None);
    }
    push_range(&mut out, mid_start, mid_end);
    if mid_end == pages_end {
        return out;
    }
    let right_start = mid_end.max(pages_end.saturating_sub(u64::from(right_edge)));
    if right_start > mid_end {
        out.push(None);
    }
    push_range(&mut out, right_start, pages_end);
    out
}

fn push_range(out: &mut Vec<Option<u32>>, from: u64, to: u64) {
    out.extend((from..to).filter_map(|n| u32::try_from(n).ok()).map(Some));
}

impl<T: Serialize> Serialize for Pagination<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Pagination", 9)?;
        st.serialize_field("items", &self.items)?;
        st.serialize_field("page", &self.page)?;
        st.serialize_field("per_page", &self.per_page)?;
        st.serialize_field("total", &self.total)?;
        st.serialize_field("pages", &self.pages())?;
        st.serialize_field("has_prev", &self.has_prev())?;
        st.serialize_field("has_next", &self.has_next())?;
        st.serialize_field("prev_num", &self.prev_num())?;
        st.serialize_field("next_num", &self.next_num())?;
        st.end()
    }
}

/// One page of a query: `query` builds it (filters, order) and is called twice, once to
/// count and once for the page's rows: `paginate(&params, || User::query().order_by(User::id))`.
/// It runs on whatever session the query does — the request's, for `User::query()`,
/// `db.session().query::<User>()` or a [`DbSession`](crate::DbSession).
///
/// A page past the last one (other than page 1) is a 404, as in Flask-SQLAlchemy.
///
/// ```
/// # use philtre_orm::prelude::*;
/// # use philtre_axum::{paginate, PageParams};
/// # declarative_base!(Base);
/// # #[derive(Model, Debug)] struct Item { #[column(primary_key)] id: Option<i64>, n: i64 }
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let engine = create_engine("sqlite://")?;
/// # let db_session = scoped_session(sessionmaker(&engine));
/// # Base::set_session(&db_session);
/// # Base::metadata().create_all(&engine).await?;
/// db_session.scope(async {
///     db_session.add_all((1..=45).map(|n| Item { id: None, n })).await?;
///     let page = paginate(&PageParams::new(3, 20), || Item::query().order_by(Item::n)).await?;
///     assert_eq!(page.items.len(), 5);
///     assert_eq!((page.total, page.pages(), page.has_next()), (45, 3, false));
///     assert_eq!(page.items[0].read().n, 41);
///     Ok(())
/// }).await
/// # }
/// ```
pub async fn paginate<'s, T, F>(
    params: &PageParams,
    mut query: F,
) -> Result<Pagination<Obj<T>>, HttpError>
where
    T: Mapped,
    F: FnMut() -> Query<'s, T>,
{
    let total = query().count().await?;
    let total = check_page(params, total)?;
    let items = query()
        .limit(u64::from(params.per_page()))
        .offset(params.offset())
        .all()
        .await?;
    Ok(Pagination::new(
        items,
        params.page(),
        params.per_page(),
        total,
    ))
}

/// [`paginate`] on a borrowed [`Session`] (a [`SessionGuard`](crate::SessionGuard)):
/// `paginate_session(&mut session, &params, |s| s.query::<User>().order_by(User::id))`.
pub async fn paginate_session<T, F>(
    session: &mut Session,
    params: &PageParams,
    mut query: F,
) -> Result<Pagination<Obj<T>>, HttpError>
where
    T: Mapped,
    F: for<'a> FnMut(&'a mut Session) -> Query<'a, T>,
{
    let total = query(session).count().await?;
    let total = check_page(params, total)?;
    let items = query(session)
        .limit(u64::from(params.per_page()))
        .offset(params.offset())
        .all()
        .await?;
    Ok(Pagination::new(
        items,
        params.page(),
        params.per_page(),
        total,
    ))
}

fn check_page(params: &PageParams, total: i64) -> Result<u64, HttpError> {
    let total = u64::try_from(total).unwrap_or(0);
    if params.page() > 1 && params.offset() >= total {
        return Err(HttpError::not_found(format!(
            "page {} is past the last page",
            params.page()
        )));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages(page: u32, total: u64, per_page: u32) -> Vec<Option<u32>> {
        Pagination::new(Vec::<()>::new(), page, per_page, total)
            .iter_pages_default()
            .collect()
    }

    fn show(p: &[Option<u32>]) -> String {
        p.iter()
            .map(|n| n.map_or("…".to_owned(), |n| n.to_string()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn iter_pages_leaves_gaps_like_flask_sqlalchemy() {
        // The examples of Flask-SQLAlchemy's documentation and tests.
        assert_eq!(show(&pages(1, 0, 20)), "");
        assert_eq!(show(&pages(1, 100, 20)), "1 2 3 4 5");
        assert_eq!(show(&pages(1, 300, 20)), "1 2 3 4 5 … 14 15");
        assert_eq!(show(&pages(8, 300, 20)), "1 2 … 6 7 8 9 10 11 12 … 14 15");
        assert_eq!(show(&pages(10, 20, 1)), "1 2 … 8 9 10 11 12 13 14 … 19 20");
        assert_eq!(show(&pages(15, 300, 20)), "1 2 … 13 14 15");
        assert_eq!(show(&pages(4, 300, 20)), "1 2 3 4 5 6 7 8 … 14 15");
        assert_eq!(show(&pages(5, 20, 1)), "1 2 3 4 5 6 7 8 9 … 19 20");
    }

    #[test]
    fn page_arithmetic() {
        let p = Pagination::new(vec![1, 2, 3], 1, 3, 7);
        assert_eq!(p.pages(), 3);
        assert!(!p.has_prev() && p.has_next());
        assert_eq!((p.prev_num(), p.next_num()), (None, Some(2)));
        assert_eq!((p.first(), p.last()), (1, 3));
        let p = Pagination::new(vec![7], 3, 3, 7);
        assert_eq!((p.first(), p.last(), p.next_num()), (7, 7, None));
        let empty = Pagination::new(Vec::<i32>::new(), 1, 20, 0);
        assert_eq!(
            (empty.pages(), empty.has_next(), empty.first()),
            (0, false, 0)
        );
        let exact = Pagination::new(vec![0; 20], 2, 20, 40);
        assert_eq!((exact.pages(), exact.has_next()), (2, false));
    }

    #[test]
    fn params_are_checked_and_clamped() {
        let p = PageParams::from_query("page=2&per_page=10&sort=name").unwrap();
        assert_eq!((p.page(), p.per_page(), p.offset()), (2, 10, 10));
        let p = PageParams::from_query("per_page=1000").unwrap();
        assert_eq!(p.per_page(), DEFAULT_MAX_PER_PAGE);
        assert_eq!(p.max_per_page(5).per_page(), 5);
        for bad in [
            "page=0",
            "page=-1",
            "page=x",
            "per_page=0",
            "per_page=",
            "page=1.5",
        ] {
            let e = PageParams::from_query(bad).unwrap_err();
            assert_eq!(e.status(), 400, "{bad}");
        }
        let default = PageParams::from_query("").unwrap();
        assert_eq!((default.page(), default.per_page()), (1, 20));
    }

    #[test]
    fn a_page_past_the_end_is_not_found_but_page_one_always_exists() {
        assert!(check_page(&PageParams::new(1, 20), 0).is_ok());
        assert!(check_page(&PageParams::new(2, 20), 20).is_err());
        assert!(check_page(&PageParams::new(2, 20), 21).is_ok());
    }

    #[test]
    fn serializes_with_the_derived_numbers() {
        let p = Pagination::new(vec!["a"], 2, 1, 3);
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"items": ["a"], "page": 2, "per_page": 1, "total": 3, "pages": 3,
                "has_prev": true, "has_next": true, "prev_num": 1, "next_num": 3})
        );
    }
}
