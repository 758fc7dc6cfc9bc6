//! Writing expressions: operator precedence, binds, and type checks of bound values.

use crate::compiler::SqlWriter;
use crate::error::{Error, Result};
use crate::expr::{BinOp, ColumnRef, Expr};
use crate::value::Value;

/// Binding strength, for deciding where parentheses are needed.
fn precedence(e: &Expr) -> u8 {
    match e {
        Expr::Or(items) if items.len() > 1 => 1,
        Expr::And(items) if items.len() > 1 => 2,
        Expr::Not(_) => 3,
        Expr::Binary(_, op, _) => match op {
            BinOp::Add | BinOp::Sub | BinOp::Concat => 5,
            BinOp::Mul | BinOp::Div | BinOp::Mod => 6,
            _ => 4,
        },
        Expr::IsNull(..)
        | Expr::InList(..)
        | Expr::InSelect(..)
        | Expr::Between(..)
        | Expr::ILike(..)
        | Expr::Exists(..) => 4,
        _ => 7,
    }
}

impl SqlWriter<'_> {
    /// Writes `e`, in parentheses when it binds no tighter than `parent` (its context).
    pub fn operand(&mut self, e: &Expr, parent: u8) -> Result<()> {
        if precedence(e) <= parent {
            self.push("(");
            self.expr(e)?;
            self.push(")");
            Ok(())
        } else {
            self.expr(e)
        }
    }

    /// Writes one side of a binary operator, `this`, whose other side is `other`: a named
    /// parameter compared with a column is bound later with the column's type check.
    fn side(&mut self, this: &Expr, other: &Expr, compares: bool, parent: u8) -> Result<()> {
        match (this, other) {
            (Expr::BindParam(name), Expr::Column(c)) if compares => self.bind_param(name, Some(c)),
            _ => self.operand(this, parent),
        }
    }

    /// Writes an expression.
    pub fn expr(&mut self, e: &Expr) -> Result<()> {
        match e {
            Expr::Column(c) => self.column_ref(c),
            Expr::Identifier(q, name) => {
                match q {
                    Some(q) => self.qualified(q, name),
                    None => self.ident(name),
                }
                Ok(())
            }
            Expr::Bind(v) => {
                self.bind(v.clone());
                Ok(())
            }
            Expr::BindParam(name) => self.bind_param(name, None),
            Expr::Binary(l, BinOp::Concat, r) => self.dialect().write_concat(self, l, r),
            Expr::Binary(l, op, r) => {
                let compares = matches!(
                    op,
                    BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
                );
                if compares {
                    check_comparison(l, r)?;
                }
                let p = precedence(e);
                self.side(l, r, compares, p - 1)?;
                self.push(" ");
                self.push(op.sql());
                self.push(" ");
                self.side(r, l, compares, p)
            }
            Expr::Not(inner) => {
                self.push("NOT ");
                self.operand(inner, 3)
            }
            Expr::IsNull(inner, negated) => {
                self.operand(inner, 4)?;
                self.push(if *negated { " IS NOT NULL" } else { " IS NULL" });
                Ok(())
            }
            Expr::InList(inner, items, negated) => {
                if items.is_empty() {
                    // Never true (IN) / always true (NOT IN), as in SQLAlchemy.
                    self.push(if *negated { "1 = 1" } else { "1 <> 1" });
                    return Ok(());
                }
                for item in items {
                    check_comparison(inner, item)?;
                }
                self.operand(inner, 4)?;
                self.push(if *negated { " NOT IN (" } else { " IN (" });
                self.list(items, ", ", |w, item| w.expr(item))?;
                self.push(")");
                Ok(())
            }
            Expr::InSelect(inner, select, negated) => {
                self.operand(inner, 4)?;
                self.push(if *negated { " NOT IN (" } else { " IN (" });
                self.select(select)?;
                self.push(")");
                Ok(())
            }
            Expr::Between(inner, low, high, negated) => {
                check_comparison(inner, low)?;
                check_comparison(inner, high)?;
                self.operand(inner, 4)?;
                self.push(if *negated {
                    " NOT BETWEEN "
                } else {
                    " BETWEEN "
                });
                self.operand(low, 4)?;
                self.push(" AND ");
                self.operand(high, 4)
            }
            Expr::ILike(l, r, negated) => self.dialect().write_ilike(self, l, r, *negated),
            Expr::And(items) => self.junction(items, " AND ", "1 = 1", 2),
            Expr::Or(items) => self.junction(items, " OR ", "1 <> 1", 1),
            Expr::Function {
                name,
                args,
                distinct,
            } => {
                self.push(name);
                self.push("(");
                if *distinct {
                    self.push("DISTINCT ");
                }
                self.list(args, ", ", |w, a| w.expr(a))?;
                self.push(")");
                Ok(())
            }
            Expr::Star => {
                self.push("*");
                Ok(())
            }
            Expr::Case(whens, else_) => {
                self.push("CASE");
                for (cond, value) in whens {
                    self.push(" WHEN ");
                    self.expr(cond)?;
                    self.push(" THEN ");
                    self.expr(value)?;
                }
                if let Some(e) = else_ {
                    self.push(" ELSE ");
                    self.expr(e)?;
                }
                self.push(" END");
                Ok(())
            }
            Expr::Subquery(select) => {
                self.push("(");
                self.select(select)?;
                self.push(")");
                Ok(())
            }
            Expr::Exists(select, negated) => {
                self.push(if *negated { "NOT EXISTS (" } else { "EXISTS (" });
                self.select(select)?;
                self.push(")");
                Ok(())
            }
            Expr::Label(inner, name) => {
                self.expr(inner)?;
                self.push(" AS ");
                self.ident(name);
                Ok(())
            }
            Expr::Cast(inner, ty) => {
                self.push("CAST(");
                self.expr(inner)?;
                self.push(" AS ");
                self.dialect().write_cast_type(self, ty)?;
                self.push(")");
                Ok(())
            }
        }
    }

    fn junction(&mut self, items: &[Expr], sep: &str, empty: &str, p: u8) -> Result<()> {
        match items {
            [] => {
                self.push(empty);
                Ok(())
            }
            [one] => self.expr(one),
            _ => self.list(items, sep, |w, item| w.operand(item, p)),
        }
    }

    /// `"table"."column"`, checking that the table has the column.
    pub(crate) fn column_ref(&mut self, c: &ColumnRef) -> Result<()> {
        let (Some(index), Some(column)) = (c.position(), c.column()) else {
            return Err(Error::NoSuchColumn {
                table: c.table().name().to_owned(),
                column: c.name().to_owned(),
            });
        };
        self.column_at(c.table(), index, &column.name);
        Ok(())
    }
}

/// A value compared with a table column must fit the column's type.
fn check_comparison(a: &Expr, b: &Expr) -> Result<()> {
    match (a, b) {
        (Expr::Column(c), Expr::Bind(v)) | (Expr::Bind(v), Expr::Column(c)) => check_bind(c, v),
        _ => Ok(()),
    }
}

/// Checks that `value` may be bound to column `c` (unknown columns are reported elsewhere).
pub(crate) fn check_bind(c: &ColumnRef, value: &Value) -> Result<()> {
    match c.column() {
        Some(column) => c.table().check_column_value(column, value),
        None => Ok(()),
    }
}
