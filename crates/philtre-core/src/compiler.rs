//! The compiler: one generic walk from statements to `Compiled { sql, params }`, with a
//! [`Dialect`] supplying only what differs between databases.

mod ddl;
mod dialect;
mod dml;
mod expr;
mod prepared;
mod select;
mod writer;

pub use dialect::{
    push_decimal, write_column_ddl_common, write_drop_index_common, write_identifier_common,
    write_limit_offset_common, write_literal_common, Dialect,
};
pub use prepared::{Bound, Prepared};
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

    /// Compiles it once for `dialect`, to run many times: its
    /// [`bindparam`](crate::expr::bindparam)s get their values at each run through
    /// [`Prepared::bind`]. Selects, inserts, updates and deletes can hold named
    /// parameters; other statements are kept compiled as they are.
    fn prepare(&self, dialect: &dyn Dialect) -> Result<Prepared> {
        let compiled = self.compile(dialect)?;
        Ok(Prepared::new(
            dialect,
            compiled,
            Vec::new(),
            Vec::new(),
            self.only_reads(),
        ))
    }
}

impl<T: Executable + ?Sized> Executable for &T {
    fn compile(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        (**self).compile(dialect)
    }

    fn only_reads(&self) -> bool {
        (**self).only_reads()
    }

    fn prepare(&self, dialect: &dyn Dialect) -> Result<Prepared> {
        (**self).prepare(dialect)
    }
}

/// A statement the compiler writes into a [`SqlWriter`], whether compiled straight away or
/// prepared: the one place that says whether it returns rows and how an insert learns its
/// key.
trait Written {
    fn write(&self, w: &mut SqlWriter<'_>) -> Result<(bool, Option<InsertedKey>)>;
}

impl Written for Select {
    fn write(&self, w: &mut SqlWriter<'_>) -> Result<(bool, Option<InsertedKey>)> {
        w.select(self)?;
        Ok((true, None))
    }
}

impl Written for Insert {
    fn write(&self, w: &mut SqlWriter<'_>) -> Result<(bool, Option<InsertedKey>)> {
        dml::write_insert(self, w, None)
    }
}

impl Written for Update {
    fn write(&self, w: &mut SqlWriter<'_>) -> Result<(bool, Option<InsertedKey>)> {
        w.update(self)?;
        Ok((!self.returning.is_empty(), None))
    }
}

impl Written for Delete {
    fn write(&self, w: &mut SqlWriter<'_>) -> Result<(bool, Option<InsertedKey>)> {
        w.delete(self)?;
        Ok((!self.returning.is_empty(), None))
    }
}

/// [`Executable::compile`] of a written statement.
fn compile_written(stmt: &impl Written, dialect: &dyn Dialect) -> Result<Compiled> {
    let mut w = SqlWriter::new(dialect);
    let (returns_rows, key) = stmt.write(&mut w)?;
    Ok(w.finish(returns_rows, key))
}

/// [`Executable::prepare`] of a written statement.
fn prepare_written(stmt: &(impl Written + Executable), dialect: &dyn Dialect) -> Result<Prepared> {
    let mut w = SqlWriter::preparing(dialect);
    let (returns_rows, key) = stmt.write(&mut w)?;
    let (compiled, slots, key_slots) = w.finish_prepared(returns_rows, key);
    Ok(Prepared::new(
        dialect,
        compiled,
        slots,
        key_slots,
        stmt.only_reads(),
    ))
}

impl Executable for Select {
    fn compile(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        compile_written(self, dialect)
    }

    fn only_reads(&self) -> bool {
        true
    }

    fn prepare(&self, dialect: &dyn Dialect) -> Result<Prepared> {
        prepare_written(self, dialect)
    }
}

impl Executable for Insert {
    fn into_compiled(self, dialect: &dyn Dialect) -> Result<Compiled> {
        dml::compile_insert_owned(self, dialect)
    }

    fn compile(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        compile_written(self, dialect)
    }

    fn prepare(&self, dialect: &dyn Dialect) -> Result<Prepared> {
        prepare_written(self, dialect)
    }
}

impl Executable for Update {
    fn compile(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        compile_written(self, dialect)
    }

    fn prepare(&self, dialect: &dyn Dialect) -> Result<Prepared> {
        prepare_written(self, dialect)
    }
}

impl Executable for Delete {
    fn compile(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        compile_written(self, dialect)
    }

    fn prepare(&self, dialect: &dyn Dialect) -> Result<Prepared> {
        prepare_written(self, dialect)
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
    use super::{Dialect, Executable, SqlWriter};
    use crate::types::Integer;
    use crate::{select, text, Column, MetaData, SqlType, Table};

    /// Quotes as the built-in dialects do, with `"`, but either says so (and gets names
    /// quoted in advance) or quotes every name through its own hook.
    #[derive(Debug)]
    struct DoubleQuotes {
        says_so: bool,
    }

    impl Dialect for DoubleQuotes {
        fn name(&self) -> &'static str {
            "double-quotes"
        }
        fn identifier_quote(&self) -> Option<char> {
            self.says_so.then_some('"')
        }
        fn write_type(&self, w: &mut SqlWriter<'_>, ty: &SqlType) -> crate::Result<()> {
            w.push(&ty.to_string());
            Ok(())
        }
    }

    /// Quotes in square brackets, which no name is quoted with in advance.
    #[derive(Debug)]
    struct Brackets;

    impl Dialect for Brackets {
        fn name(&self) -> &'static str {
            "brackets"
        }
        fn identifier_quote(&self) -> Option<char> {
            None
        }
        fn write_identifier(&self, sql: &mut String, ident: &str) {
            sql.push('[');
            sql.push_str(&ident.replace(']', "]]"));
            sql.push(']');
        }
        fn write_type(&self, w: &mut SqlWriter<'_>, ty: &SqlType) -> crate::Result<()> {
            w.push(&ty.to_string());
            Ok(())
        }
    }

    /// A table and a child with a name that needs its quote doubled, and each statement
    /// kind that names them: selects (with an alias and an inferred join), insert,
    /// update and delete.
    fn statements() -> Vec<Box<dyn Executable>> {
        let md = MetaData::new();
        let users = Table::new(
            "users",
            &md,
            [
                Column::new("id", Integer).primary_key(),
                Column::new("na\"me]", Integer),
            ],
        );
        let posts = Table::new(
            "po\"sts",
            &md,
            [
                Column::new("id", Integer).primary_key(),
                Column::new("user_id", Integer).foreign_key("users.id"),
            ],
        );
        let u2 = users.alias("u\"2");
        vec![
            Box::new(
                select([users.c("id"), posts.c("id"), u2.c("na\"me]")])
                    .select_from(&users)
                    .join(&posts)
                    .join_on(&u2, u2.c("id").eq(users.c("id")))
                    .where_(users.c("na\"me]").eq(1)),
            ),
            Box::new(users.insert().values([("id", 1), ("na\"me]", 2)])),
            Box::new(
                users
                    .update()
                    .values([("na\"me]", 3)])
                    .where_(users.c("id").eq(1)),
            ),
            Box::new(posts.delete().where_(posts.c("user_id").eq(1))),
        ]
    }

    #[test]
    fn names_quoted_in_advance_read_as_the_hook_writes_them() {
        for stmt in statements() {
            let hooked = stmt.to_sql(&DoubleQuotes { says_so: false }).unwrap();
            assert_eq!(
                stmt.to_sql(&DoubleQuotes { says_so: true }).unwrap(),
                hooked
            );
        }
        let first = statements()[0]
            .to_sql(&DoubleQuotes { says_so: true })
            .unwrap();
        assert_eq!(
            first,
            r#"SELECT "users"."id", "po""sts"."id", "u""2"."na""me]" FROM "users" JOIN "po""sts" ON "po""sts"."user_id" = "users"."id" JOIN "users" AS "u""2" ON "u""2"."id" = "users"."id" WHERE "users"."na""me]" = ?"#
        );
    }

    #[test]
    fn a_dialect_that_quotes_its_own_way_quotes_every_name_itself() {
        let sql: Vec<String> = statements()
            .iter()
            .map(|s| s.to_sql(&Brackets).unwrap())
            .collect();
        assert_eq!(
            sql[0],
            r#"SELECT [users].[id], [po"sts].[id], [u"2].[na"me]]] FROM [users] JOIN [po"sts] ON [po"sts].[user_id] = [users].[id] JOIN [users] AS [u"2] ON [u"2].[id] = [users].[id] WHERE [users].[na"me]]] = ?"#
        );
        assert!(
            sql[1].starts_with("INSERT INTO [users] ([id], [na\"me]]])"),
            "{}",
            sql[1]
        );
        assert!(
            sql[2].starts_with("UPDATE [users] SET [na\"me]]] = ?"),
            "{}",
            sql[2]
        );
        assert!(
            sql[3].starts_with("DELETE FROM [po\"sts] WHERE [po\"sts].[user_id] = ?"),
            "{}",
            sql[3]
        );
    }

    /// Quotes in brackets but still claims `"`: the contract `identifier_quote` states.
    #[derive(Debug)]
    struct ClaimsDoubleQuotes;

    impl Dialect for ClaimsDoubleQuotes {
        fn name(&self) -> &'static str {
            "claims-double-quotes"
        }
        fn write_identifier(&self, sql: &mut String, ident: &str) {
            Brackets.write_identifier(sql, ident);
        }
        fn write_type(&self, w: &mut SqlWriter<'_>, ty: &SqlType) -> crate::Result<()> {
            w.push(&ty.to_string());
            Ok(())
        }
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "must return None")]
    fn debug_builds_catch_a_dialect_that_breaks_the_quote_contract() {
        let _ = statements()[0].to_sql(&ClaimsDoubleQuotes);
    }

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
