use std::borrow::Cow;

use crate::compiler::prepared::{BindSlot, KeySlots};
use crate::compiler::{Compiled, Dialect, InsertedKey};
use crate::error::{Error, Result};
use crate::expr::ColumnRef;
use crate::value::Value;
use crate::Table;

/// The output buffer of a compilation: SQL text and the values bound so far.
///
/// Dialect hooks receive it to write their part; [`bind`](Self::bind) is the only way a value
/// enters the statement, so values are never spliced into SQL text.
#[derive(Debug)]
pub struct SqlWriter<'d> {
    dialect: &'d dyn Dialect,
    /// [`Dialect::identifier_quote`], asked once: a table's names quoted with it in
    /// advance are copied.
    quote: Option<char>,
    sql: String,
    params: Vec<Value>,
    /// The named parameters written so far when compiling for
    /// [`Executable::prepare`](crate::Executable::prepare); `None` otherwise, when a named
    /// parameter has no value to bind and is an error.
    named: Option<Named>,
}

/// What a writer for [`Executable::prepare`](crate::Executable::prepare) records of its
/// named parameters.
#[derive(Debug, Default)]
struct Named {
    slots: Vec<BindSlot>,
    /// For a single-row INSERT whose primary key is a named parameter: which key value
    /// each such parameter gives (its position in `InsertedKey::Given`).
    key_slots: KeySlots,
}

impl<'d> SqlWriter<'d> {
    pub fn new(dialect: &'d dyn Dialect) -> Self {
        SqlWriter {
            dialect,
            quote: dialect.identifier_quote(),
            // A select of a few columns with a join and a filter runs past 256 bytes, and
            // growing the buffer copies the text written so far.
            sql: String::with_capacity(512),
            params: Vec::new(),
            named: None,
        }
    }

    /// A writer for [`Executable::prepare`](crate::Executable::prepare): named parameters
    /// become placeholders whose values are bound later.
    pub(crate) fn preparing(dialect: &'d dyn Dialect) -> Self {
        SqlWriter {
            named: Some(Named::default()),
            ..SqlWriter::new(dialect)
        }
    }

    pub fn dialect(&self) -> &'d dyn Dialect {
        self.dialect
    }

    /// Makes room for about `sql` more bytes of text and `params` more values, so that a
    /// large statement (a multi-row INSERT) is not copied each time its buffers double.
    pub fn reserve(&mut self, sql: usize, params: usize) {
        self.sql.reserve(sql);
        self.params.reserve(params);
    }

    /// Appends SQL text written by philtre or the schema author (never user data).
    pub fn push(&mut self, sql: &str) {
        self.sql.push_str(sql);
    }

    /// Appends a number or other displayable value as SQL text (no temporary `String`).
    pub fn push_display(&mut self, value: impl std::fmt::Display) {
        use std::fmt::Write;
        // Writing into a String cannot fail.
        let _ = write!(self.sql, "{value}");
    }

    /// Appends a quoted identifier.
    pub fn ident(&mut self, name: &str) {
        self.dialect.write_identifier(&mut self.sql, name);
    }

    /// Appends a table's quoted name (its name, not an alias).
    pub fn table_name(&mut self, table: &Table) {
        match self.quote.and_then(|q| table.quoted_name(q)) {
            Some(quoted) => {
                self.check_quoted_in_advance(quoted, None, table.name());
                self.sql.push_str(quoted);
            }
            None => self.ident(table.name()),
        }
    }

    /// Appends `"table"."column"` for the column at `index` of `table`, named `name`,
    /// qualified by the table's alias if it has one.
    pub(crate) fn column_at(&mut self, table: &Table, index: usize, name: &str) {
        match self.quote.and_then(|q| table.quoted_column(q, index)) {
            Some(quoted) => {
                self.check_quoted_in_advance(quoted, Some(table.ref_name()), name);
                self.sql.push_str(quoted);
            }
            None => self.qualified(table.ref_name(), name),
        }
    }

    /// In debug builds, that a name quoted in advance reads as the dialect's own hook
    /// writes it: a dialect that overrides `write_identifier` but still returns a quote
    /// from [`Dialect::identifier_quote`] breaks that hook's contract.
    fn check_quoted_in_advance(&self, quoted: &str, qualifier: Option<&str>, name: &str) {
        if cfg!(debug_assertions) {
            let mut hooked = String::new();
            if let Some(q) = qualifier {
                self.dialect.write_identifier(&mut hooked, q);
                hooked.push('.');
            }
            self.dialect.write_identifier(&mut hooked, name);
            debug_assert_eq!(
                quoted,
                hooked,
                "dialect {:?} overrides write_identifier but returns a quote from \
                 identifier_quote; it must return None",
                self.dialect.name()
            );
        }
    }

    /// Appends a number as SQL text.
    pub(crate) fn push_u64(&mut self, n: u64) {
        crate::compiler::dialect::push_u64(&mut self.sql, n);
    }

    /// Appends `"qualifier"."name"`.
    pub fn qualified(&mut self, qualifier: &str, name: &str) {
        self.ident(qualifier);
        self.sql.push('.');
        self.ident(name);
    }

    /// How many parameters are bound so far (the next one's index).
    pub(crate) fn param_count(&self) -> usize {
        self.params.len()
    }

    /// Binds a value and appends its placeholder.
    pub fn bind(&mut self, value: Value) {
        self.params.push(value);
        self.dialect
            .write_placeholder(&mut self.sql, self.params.len());
    }

    /// Appends the placeholder of the named parameter `name`, whose value must suit
    /// `column` when it is given; an error outside [`preparing`](Self::preparing).
    // `&Cow`: cloned into the slot, a name borrowed for `'static` stays borrowed.
    #[allow(clippy::ptr_arg)]
    pub(crate) fn bind_param(
        &mut self,
        name: &Cow<'static, str>,
        column: Option<&ColumnRef>,
    ) -> Result<()> {
        let Some(named) = self.named.as_mut() else {
            return Err(Error::MissingParameter(name.to_string()));
        };
        named.slots.push(BindSlot {
            name: name.clone(),
            param: self.params.len(),
            column: column.cloned(),
        });
        self.bind(Value::Null);
        Ok(())
    }

    /// Records that the named parameter `name` gives the value at `index` of the
    /// statement's `InsertedKey::Given` (only a writer that is preparing writes one).
    #[allow(clippy::ptr_arg)]
    pub(crate) fn key_slot(&mut self, index: usize, name: &Cow<'static, str>) {
        if let Some(named) = self.named.as_mut() {
            named.key_slots.push((index, name.clone()));
        }
    }

    /// Appends `items` separated by `sep`, each written by `f`.
    pub fn list<T, E>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        sep: &str,
        mut f: impl FnMut(&mut Self, T) -> Result<(), E>,
    ) -> Result<(), E> {
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.push(sep);
            }
            f(self, item)?;
        }
        Ok(())
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }

    pub(crate) fn set_params(&mut self, params: Vec<Value>) {
        self.params = params;
    }

    /// The statement written: its SQL, its bound values, whether it yields rows, and
    /// for an INSERT how its key is learnt.
    pub fn finish(self, returns_rows: bool, primary_key: Option<InsertedKey>) -> Compiled {
        Compiled {
            sql: self.sql,
            params: self.params,
            returns_rows,
            primary_key,
        }
    }

    /// Like [`finish`](Self::finish), with the named parameters written and the key
    /// values they give.
    pub(crate) fn finish_prepared(
        mut self,
        returns_rows: bool,
        primary_key: Option<InsertedKey>,
    ) -> (Compiled, Vec<BindSlot>, KeySlots) {
        let named = self.named.take().unwrap_or_default();
        (
            self.finish(returns_rows, primary_key),
            named.slots,
            named.key_slots,
        )
    }
}
