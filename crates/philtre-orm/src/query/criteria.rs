//! What a [`Query`](super::Query) adds to its type's `SELECT`, and the statement it runs.

use philtre::compiler::SqlWriter;
use philtre::{Compiled, Dialect, Executable, Expr, OrderBy, Result, Select};

use crate::mapping::Mapping;

/// The filters, ordering and window of a query: all that differs between two queries
/// of one mapped type. The `SELECT <columns> FROM table` part is the mapping's, compiled
/// once per dialect, so a query builds and compiles only what it adds.
#[derive(Debug, Clone, Default)]
pub(crate) struct Criteria {
    pub(crate) where_: Option<Expr>,
    pub(crate) order_by: Vec<OrderBy>,
    pub(crate) limit: Option<u64>,
    pub(crate) offset: Option<u64>,
}

impl Criteria {
    /// Adds a condition, `AND`ed with the earlier ones as [`Select::where_`] does.
    pub(crate) fn filter(&mut self, cond: Expr) {
        self.where_ = Some(match self.where_.take() {
            Some(prev) => prev.and(cond),
            None => cond,
        });
    }

    /// The whole statement as a [`Select`], for callers that wrap or print it.
    pub(crate) fn to_select(&self, m: &Mapping) -> Select {
        let mut s = m.select();
        s.where_ = self.where_.clone();
        s.order_by = self.order_by.clone();
        s.limit = self.limit;
        s.offset = self.offset;
        s
    }

    /// The statement that loads the objects, to run.
    pub(crate) fn on<'m>(&'m self, m: &'m Mapping) -> MappedSelect<'m> {
        MappedSelect { m, criteria: self }
    }
}

/// A query's `SELECT`: the mapping's kept head, then the query's own clauses.
#[derive(Debug)]
pub(crate) struct MappedSelect<'m> {
    m: &'m Mapping,
    criteria: &'m Criteria,
}

impl MappedSelect<'_> {
    pub(crate) fn mapping(&self) -> &Mapping {
        self.m
    }
}

impl Executable for MappedSelect<'_> {
    fn compile(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        let head = self.m.select_sql(dialect)?;
        let c = self.criteria;
        let mut w = SqlWriter::new(dialect);
        w.push(&head);
        w.where_clause(c.where_.as_ref())?;
        w.order_by_clause(&c.order_by)?;
        w.limit_offset(c.limit, c.offset);
        Ok(w.finish(true, None))
    }

    fn only_reads(&self) -> bool {
        true
    }
}
