//! Writing `SELECT`: FROM inference, joins with inferred ON clauses, and the clauses.

use crate::compiler::SqlWriter;
use crate::error::{Error, Result};
use crate::expr::{Expr, OrderBy};
use crate::stmt::{FromItem, Join, JoinKind, Select};
use crate::Table;
use smallvec::SmallVec;

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
            self.list(&from, ", ", |w, item| match item {
                FromRef::Item(item) => w.write_from_item(item),
                FromRef::Table(t) => {
                    w.write_table(t);
                    Ok(())
                }
            })?;
        }
        // The tables a join's inferred ON clause may refer to: those before it.
        let mut left: Tables<'_> = from.iter().filter_map(FromRef::table).collect();
        for join in &s.joins {
            self.join(join, &left)?;
            if let Some(t) = join.target.table() {
                left.push(t);
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
    /// `SELECT ... FROM` part was compiled once and kept (the ORM's queries); also used by
    /// UPDATE and DELETE.
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

    /// `"name"`, or `"name" AS "alias"`.
    fn write_table(&mut self, t: &Table) {
        self.table_name(t);
        if let Some(alias) = t.alias_name() {
            self.push(" AS ");
            self.ident(alias);
        }
    }

    fn write_from_item(&mut self, item: &FromItem) -> Result<()> {
        match item {
            FromItem::Table(t) => self.write_table(t),
            FromItem::Subquery(select, alias) => {
                self.push("(");
                self.select(select)?;
                self.push(") AS ");
                self.ident(alias);
            }
        }
        Ok(())
    }

    fn join(&mut self, join: &Join, left: &[&Table]) -> Result<()> {
        self.push(match join.kind {
            JoinKind::Inner => " JOIN ",
            JoinKind::Left => " LEFT OUTER JOIN ",
        });
        self.write_from_item(&join.target)?;
        self.push(" ON ");
        match (&join.on, &join.target) {
            (Some(on), _) => self.expr(on),
            (None, FromItem::Table(right)) => self.inferred_join_condition(left, right),
            (None, FromItem::Subquery(_, alias)) => Err(Error::InvalidStatement(format!(
                "a join to subquery {alias:?} needs an explicit ON condition (join_on)"
            ))),
        }
    }

    /// The ON clause from the single foreign key between `right` and the tables on the left:
    /// `child.c1 = parent.p1 AND ...`.
    fn inferred_join_condition(&mut self, left: &[&Table], right: &Table) -> Result<()> {
        let mut links = left.iter().flat_map(|&l| {
            let down = right
                .foreign_keys()
                .iter()
                .filter(move |fk| fk.ref_table == l.name())
                .map(move |fk| (right, l, fk));
            let up = l
                .foreign_keys()
                .iter()
                .filter(move |fk| fk.ref_table == right.name())
                .map(move |fk| (l, right, fk));
            down.chain(up)
        });
        let (child, parent, fk) = match (links.next(), links.next()) {
            (Some(link), None) => link,
            (None, _) => {
                return Err(Error::InvalidStatement(format!(
                    "no foreign key links {:?} to the tables before it; use join_on",
                    right.name()
                )))
            }
            (Some(_), Some(_)) => {
                return Err(Error::InvalidStatement(format!(
                    "more than one foreign key links {:?} to the tables before it; use join_on",
                    right.name()
                )))
            }
        };
        let pairs = fk.columns.iter().zip(&fk.ref_columns);
        self.list(pairs, " AND ", |w, (c, p)| {
            w.table_column(child, c)?;
            w.push(" = ");
            w.table_column(parent, p)
        })
    }

    /// `"table"."column"` for a column named by the schema (a foreign key's), checked.
    fn table_column(&mut self, t: &Table, name: &str) -> Result<()> {
        let Some(index) = t.column_position(name) else {
            return Err(Error::NoSuchColumn {
                table: t.name().to_owned(),
                column: name.to_owned(),
            });
        };
        self.column_at(t, index, name);
        Ok(())
    }
}

/// A few tables, on the stack: a select names one to three.
type Tables<'a> = SmallVec<[&'a Table; 4]>;

/// An item of a FROM clause: given by the statement, or inferred from a column's table.
enum FromRef<'a> {
    Item(&'a FromItem),
    Table(&'a Table),
}

impl<'a> FromRef<'a> {
    fn table(&self) -> Option<&'a Table> {
        match *self {
            FromRef::Item(item) => item.table(),
            FromRef::Table(t) => Some(t),
        }
    }
}

/// The explicit FROM items, then the tables of the select list not already named in a
/// FROM or JOIN, in order of first appearance.
fn from_items(s: &Select) -> SmallVec<[FromRef<'_>; 4]> {
    let mut items: SmallVec<[FromRef<'_>; 4]> = s.from.iter().map(FromRef::Item).collect();
    let named = |t: &Table| {
        s.from
            .iter()
            .any(|f| f.table().is_some_and(|x| x.same_as(t)))
            || s.joins
                .iter()
                .any(|j| j.target.table().is_some_and(|x| x.same_as(t)))
    };
    let mut tables = Tables::new();
    for c in &s.columns {
        collect_tables(c, &mut tables);
    }
    items.extend(tables.into_iter().filter(|t| !named(t)).map(FromRef::Table));
    items
}

fn collect_tables<'a>(e: &'a Expr, out: &mut Tables<'a>) {
    match e {
        Expr::Column(c) => {
            let t = c.table();
            if !out.iter().any(|x| x.same_as(t)) {
                out.push(t);
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
