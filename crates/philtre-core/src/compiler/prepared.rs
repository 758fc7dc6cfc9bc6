//! [`Prepared`]: a statement compiled once, run many times with new values for its named
//! parameters ([`bindparam`](crate::expr::bindparam)).
//!
//! Building and compiling a select costs a few thousand instructions, about what a raw
//! driver spends on the whole call; a statement run in a loop or on every request can skip
//! both. SQLAlchemy caches compiled statements by their shape, which costs about as much
//! to check as a small statement costs to compile here (measured, see the benchmark
//! results), so philtre leaves the keeping to the caller, as tokio-postgres does with its
//! `Statement`.

use std::borrow::Cow;

use crate::compiler::expr::check_bind;
use crate::compiler::{Compiled, Dialect, Executable, InsertedKey};
use crate::error::{Error, Result};
use crate::expr::ColumnRef;
use crate::value::Value;

/// For a single-row INSERT whose primary key is given as named parameters: which value of
/// its `InsertedKey::Given` each such parameter gives.
pub(crate) type KeySlots = Vec<(usize, Cow<'static, str>)>;

/// One placeholder of a named parameter in a prepared statement.
#[derive(Debug, Clone)]
pub(crate) struct BindSlot {
    pub(crate) name: Cow<'static, str>,
    /// Its index in the statement's parameters.
    pub(crate) param: usize,
    /// The column its value is compared with or stored in, whose type the value must suit.
    pub(crate) column: Option<ColumnRef>,
}

/// A statement compiled once for one dialect, whose [`bindparam`](crate::expr::bindparam)s
/// get their values each time it runs: made by [`Executable::prepare`], run through
/// [`bind`](Self::bind).
///
/// Cheap to run many times: each run copies the SQL text and the bound values, and does
/// not build or compile the statement again. The drivers also prepare the SQL on the
/// server once per connection, as they do for any statement.
///
/// ```
/// use philtre_core::{bindparam, types::*, Column, Executable, MetaData, Table};
/// # use philtre_core::compiler::{Dialect, SqlWriter};
/// # #[derive(Debug)] struct Ansi;
/// # impl Dialect for Ansi {
/// #     fn name(&self) -> &'static str { "ansi" }
/// #     fn write_type(&self, w: &mut SqlWriter<'_>, ty: &philtre_core::SqlType) -> philtre_core::Result<()> { w.push(&ty.to_string()); Ok(()) }
/// # }
/// let users = Table::new("users", &MetaData::new(), [
///     Column::new("id", Integer).primary_key(),
///     Column::new("name", String(50)),
/// ]);
/// let rename = users
///     .update()
///     .value("name", bindparam("name"))
///     .where_(users.c("id").eq(bindparam("id")))
///     .prepare(&Ansi)?;
/// assert_eq!(rename.sql(), r#"UPDATE "users" SET "name" = ? WHERE "users"."id" = ?"#);
/// for (id, name) in [(1, "ed"), (2, "wendy")] {
///     let run = rename.bind("name", name).bind("id", id).compile(&Ansi)?;
///     assert_eq!(run.params, philtre_core::params![name, id]);
/// }
/// // Every parameter needs a value.
/// assert!(matches!(
///     rename.bind("id", 1).compile(&Ansi),
///     Err(philtre_core::Error::MissingParameter(name)) if name == "name"
/// ));
/// # Ok::<(), philtre_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The [`Dialect::name`] it was compiled for: run on another, it is refused.
    dialect: &'static str,
    /// The SQL and the parameters, named ones as `NULL` until bound.
    compiled: Compiled,
    slots: Vec<BindSlot>,
    /// The distinct names of `slots`, in order of first use.
    names: Vec<Cow<'static, str>>,
    key_slots: KeySlots,
    only_reads: bool,
}

impl Prepared {
    pub(crate) fn new(
        dialect: &dyn Dialect,
        compiled: Compiled,
        slots: Vec<BindSlot>,
        key_slots: KeySlots,
        only_reads: bool,
    ) -> Self {
        let mut names: Vec<Cow<'static, str>> = Vec::new();
        for slot in &slots {
            if !names.contains(&slot.name) {
                names.push(slot.name.clone());
            }
        }
        Prepared {
            dialect: dialect.name(),
            compiled,
            slots,
            names,
            key_slots,
            only_reads,
        }
    }

    /// The SQL, with a placeholder for each value.
    pub fn sql(&self) -> &str {
        &self.compiled.sql
    }

    /// The names of its parameters, each once, in the order they first appear.
    pub fn param_names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|n| &**n)
    }

    /// Starts a run with `value` for the parameter `name` (every placeholder of that name).
    /// Chain `bind` for the others; the result is the statement to execute.
    pub fn bind(&self, name: &str, value: impl Into<Value>) -> Bound<'_> {
        Bound {
            prepared: self,
            params: self.compiled.params.clone(),
            bound: Names::new(self.names.len()),
            error: None,
        }
        .bind(name, value)
    }

    fn check_dialect(&self, dialect: &dyn Dialect) -> Result<()> {
        if dialect.name() == self.dialect {
            return Ok(());
        }
        Err(Error::InvalidStatement(format!(
            "this statement was prepared for the {} dialect and cannot run on {}",
            self.dialect,
            dialect.name()
        )))
    }

    /// The compiled statement with `params`, its key values filled from them.
    fn compiled_with(&self, params: Vec<Value>) -> Compiled {
        let mut primary_key = self.compiled.primary_key.clone();
        if let Some(InsertedKey::Given(key)) = &mut primary_key {
            for (index, name) in &self.key_slots {
                let slot = self.slots.iter().find(|s| &s.name == name);
                let value = slot.and_then(|s| params.get(s.param));
                if let (Some(v), Some(value)) = (key.get_mut(*index), value) {
                    *v = value.clone();
                }
            }
        }
        Compiled {
            sql: self.compiled.sql.clone(),
            params,
            returns_rows: self.compiled.returns_rows,
            primary_key,
        }
    }
}

/// A prepared statement with no named parameters runs as it is.
impl Executable for Prepared {
    fn compile(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        self.check_dialect(dialect)?;
        if let Some(name) = self.names.first() {
            return Err(Error::MissingParameter(name.to_string()));
        }
        Ok(self.compiled.clone())
    }

    fn only_reads(&self) -> bool {
        self.only_reads
    }
}

/// A [`Prepared`] statement with values for its parameters: what one run executes. Made
/// by [`Prepared::bind`].
#[derive(Debug, Clone)]
pub struct Bound<'p> {
    prepared: &'p Prepared,
    params: Vec<Value>,
    bound: Names,
    /// The first value that did not suit its parameter: reported when the statement runs
    /// (a builder method cannot fail).
    error: Option<Fault>,
}

/// Why a [`Bound`] cannot run, kept as what rebuilds the error: `Error` is not `Clone`,
/// and `compile(&self)` may be asked more than once.
#[derive(Debug, Clone)]
enum Fault {
    NoSuchName(String),
    /// A value its column's type does not accept.
    Unsuitable(ColumnRef, Value),
}

impl Fault {
    fn to_error(&self) -> Error {
        match self {
            Fault::NoSuchName(name) => Error::UnexpectedParameter(name.clone()),
            Fault::Unsuitable(column, value) => match check_bind(column, value) {
                Err(e) => e,
                Ok(()) => Error::InvalidStatement(format!(
                    "a value bound to {} was refused, then accepted",
                    column.name()
                )),
            },
        }
    }
}

impl Bound<'_> {
    /// Gives `value` to the parameter `name` (every placeholder of that name); a second
    /// value for the same name replaces the first.
    pub fn bind(mut self, name: &str, value: impl Into<Value>) -> Self {
        if self.error.is_some() {
            return self;
        }
        let value = value.into();
        let Some(at) = self.prepared.names.iter().position(|n| n == name) else {
            self.error = Some(Fault::NoSuchName(name.to_owned()));
            return self;
        };
        for slot in self.prepared.slots.iter().filter(|s| s.name == name) {
            if let Some(c) = &slot.column {
                if check_bind(c, &value).is_err() {
                    self.error = Some(Fault::Unsuitable(c.clone(), value));
                    return self;
                }
            }
            if let Some(p) = self.params.get_mut(slot.param) {
                *p = value.clone();
            }
        }
        self.bound.set(at);
        self
    }

    /// That the run can compile: the dialect is the prepared one, every value suited its
    /// parameter, and every parameter has one.
    fn check(&self, dialect: &dyn Dialect) -> Result<()> {
        self.prepared.check_dialect(dialect)?;
        if let Some(fault) = &self.error {
            return Err(fault.to_error());
        }
        match (0..self.prepared.names.len()).find(|&i| !self.bound.get(i)) {
            Some(i) => Err(Error::MissingParameter(self.prepared.names[i].to_string())),
            None => Ok(()),
        }
    }
}

impl Executable for Bound<'_> {
    fn compile(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        self.check(dialect)?;
        Ok(self.prepared.compiled_with(self.params.clone()))
    }

    /// The values move into the parameters.
    fn into_compiled(self, dialect: &dyn Dialect) -> Result<Compiled> {
        self.check(dialect)?;
        Ok(self.prepared.compiled_with(self.params))
    }

    fn only_reads(&self) -> bool {
        self.prepared.only_reads
    }
}

/// Which of a statement's parameter names have a value: bits for the usual few, with no
/// allocation per run.
#[derive(Debug, Clone)]
enum Names {
    Few(u64),
    Many(Vec<bool>),
}

impl Names {
    fn new(count: usize) -> Self {
        if count <= 64 {
            Names::Few(0)
        } else {
            Names::Many(vec![false; count])
        }
    }

    fn set(&mut self, i: usize) {
        match self {
            Names::Few(bits) => *bits |= 1u64 << i,
            Names::Many(flags) => {
                if let Some(flag) = flags.get_mut(i) {
                    *flag = true;
                }
            }
        }
    }

    fn get(&self, i: usize) -> bool {
        match self {
            Names::Few(bits) => bits & (1u64 << i) != 0,
            Names::Many(flags) => flags.get(i).copied().unwrap_or(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compiler::SqlWriter;
    use crate::expr::{bindparam, Expr};
    use crate::types::{Integer, String as Varchar};
    use crate::{and_, params, Column, MetaData, SqlType, Table};

    /// `?` placeholders, as SQLite and MySQL write them.
    #[derive(Debug)]
    struct Question;

    impl Dialect for Question {
        fn name(&self) -> &'static str {
            "question"
        }
        fn write_type(&self, w: &mut SqlWriter<'_>, ty: &SqlType) -> Result<()> {
            w.push(&ty.to_string());
            Ok(())
        }
    }

    /// `$1` placeholders and `RETURNING` for generated keys, as PostgreSQL writes them.
    #[derive(Debug)]
    struct Dollar;

    impl Dialect for Dollar {
        fn name(&self) -> &'static str {
            "dollar"
        }
        fn write_type(&self, w: &mut SqlWriter<'_>, ty: &SqlType) -> Result<()> {
            w.push(&ty.to_string());
            Ok(())
        }
        fn write_placeholder(&self, sql: &mut String, index: usize) {
            sql.push('$');
            sql.push_str(&index.to_string());
        }
        fn numbered_placeholders(&self) -> bool {
            true
        }
        fn implicit_returning(&self) -> bool {
            true
        }
    }

    fn users() -> Table {
        Table::new(
            "users",
            &MetaData::new(),
            [
                Column::new("id", Integer).primary_key(),
                Column::new("name", Varchar(50)),
                Column::new("age", Integer),
            ],
        )
    }

    #[test]
    fn a_prepared_select_writes_what_the_literal_one_does() {
        let t = users();
        for d in [&Question as &dyn Dialect, &Dollar] {
            let filter = |id: Expr, name: Expr| t.c("id").gt(id).and(t.c("name").eq(name));
            let prepared = t
                .select()
                .where_(filter(bindparam("id"), bindparam("name")))
                .prepare(d)
                .unwrap();
            let literal = t
                .select()
                .where_(filter(7.into(), "ed".into()))
                .compile(d)
                .unwrap();
            assert_eq!(prepared.sql(), literal.sql);
            let run = prepared
                .bind("name", "ed")
                .bind("id", 7)
                .compile(d)
                .unwrap();
            assert_eq!(run, literal);
            assert_eq!(prepared.param_names().collect::<Vec<_>>(), ["id", "name"]);
            assert!(prepared.only_reads());
        }
    }

    #[test]
    fn a_named_parameter_without_prepare_is_missing() {
        let t = users();
        let stmt = t.select().where_(t.c("id").eq(bindparam("id")));
        assert!(matches!(
            stmt.compile(&Question),
            Err(Error::MissingParameter(name)) if name == "id"
        ));
    }

    #[test]
    fn every_name_needs_a_value_and_only_its_own_names_are_taken() {
        let t = users();
        let p = t
            .select()
            .where_(and_([
                t.c("id").eq(bindparam("id")),
                t.c("name").eq(bindparam("name")),
            ]))
            .prepare(&Question)
            .unwrap();
        assert!(matches!(
            p.bind("id", 1).compile(&Question),
            Err(Error::MissingParameter(name)) if name == "name"
        ));
        assert!(matches!(
            p.bind("id", 1).bind("nmae", "ed").bind("name", "ed").compile(&Question),
            Err(Error::UnexpectedParameter(name)) if name == "nmae"
        ));
        assert!(matches!(
            p.compile(&Question),
            Err(Error::MissingParameter(_))
        ));
        // A second value for a name replaces the first.
        let run = p.bind("id", 1).bind("name", "ed").bind("id", 2);
        assert_eq!(run.compile(&Question).unwrap().params, params![2, "ed"]);
    }

    #[test]
    fn bound_values_are_checked_against_their_columns() {
        let t = users();
        let by_id = t
            .select()
            .where_(bindparam("id").le(t.c("id")))
            .prepare(&Question)
            .unwrap();
        let mismatch = by_id.bind("id", "one");
        // Asked twice, the same error both times.
        for _ in 0..2 {
            assert!(matches!(
                mismatch.compile(&Question),
                Err(Error::TypeMismatch { column, found: "text", .. }) if column == "users.id"
            ));
        }
        let rename = t
            .update()
            .value("age", bindparam("age"))
            .prepare(&Question)
            .unwrap();
        assert!(matches!(
            rename.bind("age", "old").compile(&Question),
            Err(Error::TypeMismatch { column, .. }) if column == "users.age"
        ));
        let insert = t
            .insert()
            .value("name", bindparam("name"))
            .prepare(&Question)
            .unwrap();
        assert!(matches!(
            insert.bind("name", 5).compile(&Question),
            Err(Error::TypeMismatch { column, .. }) if column == "users.name"
        ));
        // Where there is no column to compare with, any value goes.
        let like = t
            .select()
            .where_(t.c("name").like(bindparam("pattern")))
            .prepare(&Question)
            .unwrap();
        assert!(like.bind("pattern", "e%").compile(&Question).is_ok());
    }

    #[test]
    fn a_name_used_twice_fills_both_placeholders() {
        let t = users();
        for d in [&Question as &dyn Dialect, &Dollar] {
            let p = t
                .select()
                .where_(
                    t.c("id")
                        .eq(bindparam("n"))
                        .or(t.c("age").eq(bindparam("n"))),
                )
                .prepare(d)
                .unwrap();
            assert_eq!(p.param_names().count(), 1);
            let run = p.bind("n", 3).compile(d).unwrap();
            assert_eq!(run.params, params![3, 3]);
        }
    }

    #[test]
    fn a_statement_prepared_for_one_dialect_is_refused_by_another() {
        let t = users();
        let p = t
            .select()
            .where_(t.c("id").eq(bindparam("id")))
            .prepare(&Dollar)
            .unwrap();
        assert!(matches!(
            p.bind("id", 1).compile(&Question),
            Err(Error::InvalidStatement(reason)) if reason.contains("dollar")
        ));
    }

    #[test]
    fn an_insert_learns_a_key_given_as_a_parameter_from_its_value() {
        let t = users();
        let p = t
            .insert()
            .value("id", bindparam("id"))
            .value("name", bindparam("name"))
            .prepare(&Dollar)
            .unwrap();
        assert_eq!(
            p.sql(),
            r#"INSERT INTO "users" ("id", "name") VALUES ($1, $2)"#
        );
        for id in [4, 5] {
            let run = p
                .bind("id", id)
                .bind("name", "ed")
                .compile(&Dollar)
                .unwrap();
            assert_eq!(run.primary_key, Some(InsertedKey::Given(params![id])));
        }
        // A generated key is still read back as it would be.
        let generated = t
            .insert()
            .value("name", bindparam("name"))
            .prepare(&Dollar)
            .unwrap();
        assert!(generated.sql().ends_with(r#"RETURNING "id""#));
        let run = generated.bind("name", "ed").compile(&Dollar).unwrap();
        assert_eq!(run.primary_key, Some(InsertedKey::Returning));
        assert!(!generated.only_reads());
    }

    #[test]
    fn a_statement_without_parameters_runs_as_prepared() {
        let t = users();
        let p = t.select().prepare(&Question).unwrap();
        assert_eq!(
            p.compile(&Question).unwrap(),
            t.select().compile(&Question).unwrap()
        );
        // Text keeps its own binds: prepared as it compiles.
        let text = crate::text("select :a")
            .bind("a", 1)
            .prepare(&Question)
            .unwrap();
        assert_eq!(text.compile(&Question).unwrap().params, params![1]);
    }

    #[test]
    fn more_than_sixty_four_names_are_tracked_too() {
        let t = users();
        let names: Vec<String> = (0..70).map(|i| format!("p{i}")).collect();
        let p = t
            .select()
            .where_(t.c("id").in_(names.iter().map(|n| bindparam(n.clone()))))
            .prepare(&Question)
            .unwrap();
        let mut run = p.bind("p0", 0);
        for (i, n) in names.iter().enumerate().skip(1).take(68) {
            run = run.bind(n, i as i64);
        }
        assert!(matches!(
            run.compile(&Question),
            Err(Error::MissingParameter(name)) if name == "p69"
        ));
        let run = run.bind("p69", 69);
        assert_eq!(run.compile(&Question).unwrap().params.len(), 70);
    }
}
