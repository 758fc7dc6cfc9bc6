//! The compiler: one generic walk from statements to `Compiled { sql, params }`, with a
//! [`Dialect`] supplying only what differs between databases.

mod ddl;
mod dialect;
mod dml;
mod expr;
mod select;
mod writer;

pub use dialect::{
    push_decimal, write_column_ddl_common, write_drop_index_common, write_identifier_common,
    write_limit_offset_common, write_literal_common, Dialect,
};
pub use writer::SqlWriter;

use crate::error::Result;
use crate::stmt::TextPiece;
use crate::stmt::{
    CreateIndex, CreateTable, Delete, DropIndex, DropTable, Insert, Select, Text, Update,
};
use crate::value::Value;

/// A statement compiled for one dialect.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    pub sql: String,
    pub params: Vec<Value>,
    /// Whether running it yields rows (a select, or anything with `RETURNING`).
    pub returns_rows: bool,
    /// For an INSERT: how to learn the primary key of the row it inserts.
    pub primary_key: Option<InsertedKey>,
}

/// How an INSERT reports the primary key of its (single) row.
#[derive(Debug, Clone, PartialEq)]
pub enum InsertedKey {
    /// The statement itself gave the key values.
    Given(Vec<Value>),
    /// The database generates it: read the driver's last insert id.
    LastInsertId,
    /// The dialect appended `RETURNING <pk>`: the first column of the one row returned.
    Returning,
}

/// Anything that compiles to SQL: every statement type, and `&str` as raw SQL.
pub trait Executable: Send + Sync {
    fn compile(&self, dialect: &dyn Dialect) -> Result<Compiled>;

    /// Compiles a statement the caller gives up, as `execute(stmt)` does: bound values
    /// may move into [`Compiled::params`] instead of being copied. Same SQL and
    /// parameters as [`compile`](Self::compile), which the default calls.
    fn into_compiled(self, dialect: &dyn Dialect) -> Result<Compiled>
    where
        Self: Sized,
    {
        self.compile(dialect)
    }

    /// The SQL this statement compiles to on `dialect`, for printing and tests.
    fn to_sql(&self, dialect: &dyn Dialect) -> Result<String> {
        self.compile(dialect).map(|c| c.sql)
    }

    /// Whether it only reads (a SELECT), so that it need not open a transaction where
    /// one [begins at the first write](Dialect::defers_begin_to_first_write). Text is
    /// not parsed to find out: it counts as a write.
    fn only_reads(&self) -> bool {
        false
    }
}

impl<T: Executable + ?Sized> Executable for &T {
    fn compile(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        (**self).compile(dialect)
    }

    fn only_reads(&self) -> bool {
        (**self).only_reads()
    }
}

impl Executable for Select {
    fn compile(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        let mut w = SqlWriter::new(dialect);
        w.select(self)?;
        Ok(w.finish(true, None))
    }

    fn only_reads(&self) -> bool {
        true
    }
}

impl Executable for Insert {
    fn into_compiled(self, dialect: &dyn Dialect) -> Result<Compiled> {
        dml::compile_insert_owned(self, dialect)
    }

    fn compile(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        dml::compile_insert(self, dialect)
    }
}

impl Executable for Update {
    fn compile(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        let mut w = SqlWriter::new(dialect);
        w.update(self)?;
        Ok(w.finish(!self.returning.is_empty(), None))
    }
}

impl Executable for Delete {
    fn compile(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        let mut w = SqlWriter::new(dialect);
        w.delete(self)?;
        Ok(w.finish(!self.returning.is_empty(), None))
    }
}

impl Executable for Text {
    fn compile(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        let mut w = SqlWriter::new(dialect);
        let mut names: Vec<(String, usize)> = Vec::new();
        let mut sql = String::new();
        let mut params = Vec::new();
        self.walk(|piece| match piece {
            TextPiece::Sql(s) => sql.push_str(s),
            TextPiece::Bind(name, value) => {
                // Numbered placeholders ($1) can repeat; `?` needs the value again.
                if dialect.numbered_placeholders() {
                    if let Some((_, n)) = names.iter().find(|(k, _)| k == name) {
                        dialect.write_placeholder(&mut sql, *n);
                        return;
                    }
                }
                params.push(value.clone());
                names.push((name.to_owned(), params.len()));
                dialect.write_placeholder(&mut sql, params.len());
            }
        })?;
        w.push(&sql);
        w.set_params(params);
        let returns_rows = crate::stmt::text_returns_rows(&self.sql);
        Ok(w.finish(returns_rows, None))
    }
}

impl Executable for str {
    fn compile(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        crate::stmt::text(self).compile(dialect)
    }
}

impl Executable for String {
    fn compile(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        self.as_str().compile(dialect)
    }
}

impl Executable for CreateTable {
    fn compile(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        let mut w = SqlWriter::new(dialect);
        w.create_table(&self.0)?;
        Ok(w.finish(false, None))
    }
}

impl Executable for DropTable {
    fn compile(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        let mut w = SqlWriter::new(dialect);
        w.push("DROP TABLE ");
        w.ident(self.0.name());
        Ok(w.finish(false, None))
    }
}

impl Executable for CreateIndex {
    fn compile(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        let mut w = SqlWriter::new(dialect);
        w.create_index(&self.table, &self.index);
        Ok(w.finish(false, None))
    }
}

impl Executable for DropIndex {
    fn compile(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        let mut w = SqlWriter::new(dialect);
        dialect.write_drop_index(&mut w, &self.table, &self.index);
        Ok(w.finish(false, None))
    }
}

#[cfg(test)]
mod tests {
    use super::Executable;
    use crate::types::Integer;
    use crate::{text, Column, MetaData, Table};

    #[test]
    fn only_a_select_only_reads() {
        let t = Table::new("t", &MetaData::new(), [Column::new("id", Integer)]);
        assert!(t.select().only_reads());
        // a borrowed statement says what the statement says
        let select = t.select();
        let borrowed: &dyn Executable = &&select;
        assert!(borrowed.only_reads());
        assert!(!t.insert().only_reads());
        assert!(!t.update().only_reads());
        assert!(!t.delete().only_reads());
        // text is not parsed: even a SELECT in it counts as a write
        assert!(!text("SELECT 1").only_reads());
        assert!(!"SELECT 1".only_reads());
    }
}
