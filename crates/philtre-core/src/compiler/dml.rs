//! Writing `INSERT`, `UPDATE` and `DELETE`.

use crate::compiler::{Compiled, Dialect, InsertedKey, SqlWriter};
use crate::error::{Error, Result};
use crate::expr::{ColumnRef, Expr};
use crate::stmt::{Delete, Insert, Update};
use crate::value::Value;
use crate::{Column, Table};

/// Compiles an insert the caller gives up: the rows' bound values move into the
/// parameters instead of being copied (a 100-row insert binds 200 strings).
pub(crate) fn compile_insert_owned(mut ins: Insert, dialect: &dyn Dialect) -> Result<Compiled> {
    let mut moved = Vec::with_capacity(ins.cells.len());
    let mut w = SqlWriter::new(dialect);
    let (returns_rows, key) = write_insert(&ins, &mut w, Some(&mut moved))?;
    let mut compiled = w.finish(returns_rows, key);
    // Cells are written in order, so the moved ones come in order: one pass takes them.
    let mut cells = std::mem::take(&mut ins.cells).into_iter().enumerate();
    for m in moved {
        let value = cells.find(|(i, _)| *i == m.cell).map(|(_, e)| e);
        match (value, compiled.params.get_mut(m.param)) {
            (Some(Expr::Bind(v)), Some(slot)) => *slot = v,
            _ => {
                return Err(Error::InvalidStatement(
                    "an insert's bound value went missing while compiling".into(),
                ))
            }
        }
    }
    Ok(compiled)
}

/// A row's bound value written as a placeholder whose parameter is filled in afterwards.
pub(crate) struct Moved {
    param: usize,
    /// Its place in `Insert::cells`.
    cell: usize,
}

/// Writes an insert into `w`: whether it returns rows, and how its key is learnt.
pub(crate) fn write_insert(
    ins: &Insert,
    w: &mut SqlWriter<'_>,
    mut moved: Option<&mut Vec<Moved>>,
) -> Result<(bool, Option<InsertedKey>)> {
    let dialect = w.dialect();
    let table = &ins.table;
    if let Some(reason) = &ins.invalid {
        return Err(Error::InvalidStatement(reason.clone()));
    }
    let given = ins.columns.len();
    // Looked up once: a many-row insert checks every value against its column.
    let mut columns: Vec<&Column> = ins
        .columns
        .iter()
        .map(|c| require_column(table, c))
        .collect::<Result<_>>()?;
    // Python-side defaults fill the columns no row names.
    let defaults: Vec<Expr> = table
        .columns()
        .iter()
        .filter(|c| !ins.columns.contains(&c.name))
        .filter_map(|c| {
            let d = c.default.clone()?;
            columns.push(c);
            Some(Expr::Bind(d))
        })
        .collect();

    // No rows yet is one row of defaults only. Each row's values are `(` and `)` around
    // placeholders of up to ~6 bytes and a separator each.
    let rows = ins.row_count.max(1);
    let cells = rows * columns.len();
    w.reserve(cells * 8 + rows * 4, cells);
    w.push("INSERT INTO ");
    w.table_name(table);
    if columns.is_empty() {
        if ins.row_count > 1 {
            return Err(Error::InvalidStatement(
                "a multi-row INSERT must name at least one column".into(),
            ));
        }
        dialect.write_empty_insert_values(w);
    } else {
        w.push(" (");
        w.list(&columns, ", ", |w, c| {
            w.ident(&c.name);
            Ok::<(), Error>(())
        })?;
        w.push(") VALUES ");
        if ins.cells.len() != ins.row_count * given {
            return Err(Error::InvalidStatement(
                "every row of a multi-row INSERT must name the same columns".into(),
            ));
        }
        w.list(0..rows, ", ", |w, ri| {
            let first = ri * given;
            let row = ins.cells.get(first..first + given).unwrap_or_default();
            w.push("(");
            // The row's own values, then the defaults, as `columns` lists them.
            let values = row.iter().chain(&defaults);
            w.list(
                columns.iter().zip(values).enumerate(),
                ", ",
                |w, (pos, (col, value))| {
                    match (moved.as_deref_mut(), value) {
                        // Only the row's own values move; a default stays in the table.
                        (Some(moved), Expr::Bind(v)) if pos < given => {
                            table.check_column_value(col, v)?;
                            moved.push(Moved {
                                param: w.param_count(),
                                cell: first + pos,
                            });
                            w.bind(Value::Null);
                            Ok(())
                        }
                        _ => w.value_for(table, col, value),
                    }
                },
            )?;
            w.push(")");
            Ok::<(), Error>(())
        })?;
    }

    let key = inserted_key(ins, w, &columns);
    if !ins.returning.is_empty() {
        w.returning(&ins.returning)?;
    } else if key == Some(InsertedKey::Returning) {
        w.push(" RETURNING ");
        w.list(table.primary_key(), ", ", |w, c| {
            w.ident(c);
            Ok::<(), Error>(())
        })?;
    }
    Ok((!ins.returning.is_empty(), key))
}

/// How the caller learns the primary key of a single-row insert. A key value given as a
/// named parameter is recorded in `w`, which fills it in when the value is bound.
fn inserted_key(ins: &Insert, w: &mut SqlWriter<'_>, columns: &[&Column]) -> Option<InsertedKey> {
    let dialect = w.dialect();
    if ins.row_count > 1 {
        return None;
    }
    let table = &ins.table;
    let pk = table.primary_key();
    let row = ins.row(0).unwrap_or_default();
    let given: Option<Vec<_>> = pk
        .iter()
        .enumerate()
        .map(|(index, k)| {
            let at = ins.columns.iter().position(|c| c == k);
            match at.and_then(|i| row.get(i)) {
                Some(Expr::Bind(v)) => Some(v.clone()),
                Some(Expr::BindParam(name)) => {
                    w.key_slot(index, name);
                    Some(Value::Null)
                }
                _ => table.column(k).and_then(|c| c.default.clone()),
            }
        })
        .collect();
    match given {
        Some(values) if !pk.is_empty() => Some(InsertedKey::Given(values)),
        _ => {
            let auto = table.autoincrement_column()?;
            if columns.iter().any(|c| c.name == auto.name) {
                return None;
            }
            if dialect.implicit_returning() && ins.implicit_returning && ins.returning.is_empty() {
                Some(InsertedKey::Returning)
            } else {
                Some(InsertedKey::LastInsertId)
            }
        }
    }
}

fn require_column<'t>(table: &'t Table, column: &str) -> Result<&'t Column> {
    table.column(column).ok_or_else(|| Error::NoSuchColumn {
        table: table.name().to_owned(),
        column: column.to_owned(),
    })
}

impl SqlWriter<'_> {
    /// Writes a value for `table.column`, type-checking a bound value against the column.
    fn value_for(&mut self, table: &Table, column: &Column, value: &Expr) -> Result<()> {
        // Checked against the table directly: a bound value of a 100-row insert would
        // otherwise build a column reference (a name copy and a table handle) each.
        match value {
            Expr::Bind(v) => table.check_column_value(column, v)?,
            Expr::BindParam(name) => {
                return self.bind_param(name, Some(&ColumnRef::new(table.clone(), &column.name)))
            }
            _ => {}
        }
        self.expr(value)
    }

    fn returning(&mut self, columns: &[Expr]) -> Result<()> {
        if !self.dialect().supports_returning() {
            return Err(Error::InvalidStatement(format!(
                "RETURNING is not supported by the {} dialect",
                self.dialect().name()
            )));
        }
        self.push(" RETURNING ");
        self.list(columns, ", ", |w, c| w.expr(c))
    }

    pub(crate) fn update(&mut self, up: &Update) -> Result<()> {
        if up.values.is_empty() {
            return Err(Error::InvalidStatement(
                "an UPDATE must set at least one column".into(),
            ));
        }
        self.push("UPDATE ");
        self.table_name(&up.table);
        self.push(" SET ");
        self.list(&up.values, ", ", |w, (col, value)| {
            let column = require_column(&up.table, col)?;
            w.ident(col);
            w.push(" = ");
            w.value_for(&up.table, column, value)
        })?;
        self.where_clause(up.where_.as_ref())?;
        if !up.returning.is_empty() {
            self.returning(&up.returning)?;
        }
        Ok(())
    }

    pub(crate) fn delete(&mut self, del: &Delete) -> Result<()> {
        self.push("DELETE FROM ");
        self.table_name(&del.table);
        self.where_clause(del.where_.as_ref())?;
        if !del.returning.is_empty() {
            self.returning(&del.returning)?;
        }
        Ok(())
    }
}
