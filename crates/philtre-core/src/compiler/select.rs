//! Writing `SELECT`: FROM inference, joins with inferred ON clauses, and the clauses.

use crate::compiler::SqlWriter;
use crate::error::{Error, Result};
use crate::expr::{Expr, OrderBy};
use crate::stmt::{FromItem, Join, JoinKind, Select};
use crate::Table;

impl SqlWriter<'_> {
    /// Writes a whole `SELECT` (also used for subqueries).
    pub fn select(&mut self, s: &Select) -> Result<()> {
        self.push("SELECT ");
        if s.distinct {
            self.push("DISTINCT ");
        }
        if s.columns.is_empty() {
            self.push("*");
        } else {
            self.list(&s.columns, ", ", |w, c| w.expr(c))?;
        }
        let from = from_items(s);
        if !from.is_empty() {
            self.push(" FROM ");
            self.list(&from, ", ", |w, item| w.write_from_item(item))?;
        }
        let mut left: Vec<Table> = from.iter().filter_map(|f| f.table().cloned()).collect();
        for join in &s.joins {
            self.join(join, &left)?;
            if let Some(t) = join.target.table() {
                left.push(t.clone());
            }
        }
        self.where_clause(s.where_.as_ref())?;
        if !s.group_by.is_empty() {
            self.push(" GROUP BY ");
            self.list(&s.group_by, ", ", |w, e| w.expr(e))?;
        }
        if let Some(cond) = &s.having {
            self.push(" HAVING ");
            self.expr(cond)?;
        }
        self.order_by_clause(&s.order_by)?;
        self.limit_offset(s.limit, s.offset);
        Ok(())
    }

    /// ` WHERE cond`, or nothing. Public, with the two below, for statements whose
    /// `SELECT ... FROM` part was compiled once and kept (the ORM's queries).
    pub fn where_clause(&mut self, cond: Option<&Expr>) -> Result<()> {
        if let Some(cond) = cond {
            self.push(" WHERE ");
            self.expr(cond)?;
        }
        Ok(())
    }

    /// ` ORDER BY ...`, or nothing.
    pub fn order_by_clause(&mut self, order_by: &[OrderBy]) -> Result<()> {
        if !order_by.is_empty() {
            self.push(" ORDER BY ");
            self.list(order_by, ", ", |w, o| {
                w.expr(&o.expr)?;
                w.push(if o.descending { " DESC" } else { " ASC" });
                Ok::<(), Error>(())
            })?;
        }
        Ok(())
    }

    /// The dialect's `LIMIT` / `OFFSET`, or nothing.
    pub fn limit_offset(&mut self, limit: Option<u64>, offset: Option<u64>) {
        if limit.is_some() || offset.is_some() {
            self.dialect().write_limit_offset(self, limit, offset);
        }
    }

    fn write_from_item(&mut self, item: &FromItem) -> Result<()> {
        match item {
            FromItem::Table(t) => {
                self.ident(t.name());
                if let Some(alias) = t.alias_name() {
                    self.push(" AS ");
                    self.ident(alias);
                }
            }
            FromItem::Subquery(select, alias) => {
                self.push("(");
                self.select(select)?;
                self.push(") AS ");
                self.ident(alias);
            }
        }
        Ok(())
    }

    fn join(&mut self, join: &Join, left: &[Table]) -> Result<()> {
        self.push(match join.kind {
            JoinKind::Inner => " JOIN ",
            JoinKind::Left => " LEFT OUTER JOIN ",
        });
        self.write_from_item(&join.target)?;
        self.push(" ON ");
        match (&join.on, &join.target) {
            (Some(on), _) => self.expr(on),
            (None, FromItem::Table(right)) => self.expr(&infer_join_condition(left, right)?),
            (None, FromItem::Subquery(_, alias)) => Err(Error::InvalidStatement(format!(
                "a join to subquery {alias:?} needs an explicit ON condition (join_on)"
            ))),
        }
    }
}

/// The explicit FROM items, then the tables of the select list not already named in a
/// FROM or JOIN, in order of first appearance.
fn from_items(s: &Select) -> Vec<FromItem> {
    let mut items = s.from.clone();
    let named = |items: &[FromItem], t: &Table| {
        items
            .iter()
            .any(|f| f.table().is_some_and(|x| x.same_as(t)))
            || s.joins
                .iter()
                .any(|j| j.target.table().is_some_and(|x| x.same_as(t)))
    };
    let mut tables = Vec::new();
    for c in &s.columns {
        collect_tables(c, &mut tables);
    }
    for t in tables {
        if !named(&items, &t) {
            items.push(FromItem::Table(t));
        }
    }
    items
}

fn collect_tables(e: &Expr, out: &mut Vec<Table>) {
    match e {
        Expr::Column(c) => {
            if let Some(t) = &c.table {
                if !out.iter().any(|x| x.same_as(t)) {
                    out.push(t.clone());
                }
            }
        }
        Expr::Binary(l, _, r) | Expr::ILike(l, r, _) => {
            collect_tables(l, out);
            collect_tables(r, out);
        }
        Expr::Not(x) | Expr::IsNull(x, _) | Expr::Label(x, _) | Expr::Cast(x, _) => {
            collect_tables(x, out);
        }
        Expr::Function { args: items, .. } | Expr::And(items) | Expr::Or(items) => {
            for i in items {
                collect_tables(i, out);
            }
        }
        Expr::Case(whens, else_) => {
            for (c, v) in whens {
                collect_tables(c, out);
                collect_tables(v, out);
            }
            if let Some(e) = else_ {
                collect_tables(e, out);
            }
        }
        _ => {}
    }
}

/// The ON clause from the single foreign key between `right` and the tables on the left.
fn infer_join_condition(left: &[Table], right: &Table) -> Result<Expr> {
    let mut found = Vec::new();
    for l in left {
        for fk in right
            .foreign_keys()
            .iter()
            .filter(|fk| fk.ref_table == l.name())
        {
            found.push((right, l, fk));
        }
        for fk in l
            .foreign_keys()
            .iter()
            .filter(|fk| fk.ref_table == right.name())
        {
            found.push((l, right, fk));
        }
    }
    match found.as_slice() {
        [(child, parent, fk)] => {
            let pairs = fk.columns.iter().zip(&fk.ref_columns);
            Ok(crate::expr::and_(
                pairs.map(|(c, p)| child.c(c).eq(parent.c(p))),
            ))
        }
        [] => Err(Error::InvalidStatement(format!(
            "no foreign key links {:?} to the tables before it; use join_on",
            right.name()
        ))),
        _ => Err(Error::InvalidStatement(format!(
            "more than one foreign key links {:?} to the tables before it; use join_on",
            right.name()
        ))),
    }
}
