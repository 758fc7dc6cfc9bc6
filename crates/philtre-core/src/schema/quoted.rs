//! A table's names quoted once, when the table is built, for the compiler to copy.
//!
//! Quoting an identifier scans it for the quote character and writes it in pieces;
//! a select names its table and columns again in every statement. A table's names never
//! change once it is built, so each is quoted here with both quote characters the
//! built-in dialects use (see [`Dialect::identifier_quote`](crate::Dialect::identifier_quote)).

use std::fmt;

use crate::compiler::write_identifier_common;
use crate::schema::Column;

/// The quote characters names are quoted with in advance: ANSI's and MySQL's.
const QUOTES: [char; 2] = ['"', '`'];

#[derive(PartialEq)]
pub(crate) struct QuotedNames([QuotedWith; 2]);

#[derive(PartialEq)]
struct QuotedWith {
    /// `"users"`
    table: Box<str>,
    /// `"users"."id"`, in the table's column order.
    qualified: Box<[Box<str>]>,
}

impl QuotedNames {
    pub(crate) fn new(table: &str, columns: &[Column]) -> Self {
        QuotedNames(QUOTES.map(|quote| {
            let quoted_table = quoted(table, quote);
            let qualified = columns
                .iter()
                .map(|c| {
                    let mut s = String::with_capacity(quoted_table.len() + c.name.len() + 3);
                    s.push_str(&quoted_table);
                    s.push('.');
                    write_identifier_common(&mut s, &c.name, quote);
                    s.into_boxed_str()
                })
                .collect();
            QuotedWith {
                table: quoted_table.into_boxed_str(),
                qualified,
            }
        }))
    }

    fn with(&self, quote: char) -> Option<&QuotedWith> {
        QUOTES.iter().position(|&q| q == quote).map(|i| &self.0[i])
    }

    /// The table's name, quoted with `quote`, if it was quoted with it in advance.
    pub(crate) fn table(&self, quote: char) -> Option<&str> {
        self.with(quote).map(|q| &*q.table)
    }

    /// `"table"."column"` for the column at `index`, quoted with `quote`.
    pub(crate) fn qualified(&self, quote: char, index: usize) -> Option<&str> {
        self.with(quote)
            .and_then(|q| q.qualified.get(index))
            .map(|s| &**s)
    }
}

fn quoted(name: &str, quote: char) -> String {
    let mut s = String::with_capacity(name.len() + 2);
    write_identifier_common(&mut s, name, quote);
    s
}

/// Derived from the name and columns, which the table's own `Debug` shows.
impl fmt::Debug for QuotedNames {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QuotedNames")
    }
}

#[cfg(test)]
mod tests {
    use super::QuotedNames;
    use crate::types::Integer;
    use crate::Column;

    #[test]
    fn names_are_quoted_as_write_identifier_common_quotes_them() {
        let columns = [Column::new("id", Integer), Column::new("a\"b`c", Integer)];
        let names = QuotedNames::new("my \"t`", &columns);
        assert_eq!(names.table('"'), Some("\"my \"\"t`\""));
        assert_eq!(names.table('`'), Some("`my \"t```"));
        assert_eq!(names.qualified('"', 0), Some("\"my \"\"t`\".\"id\""));
        assert_eq!(names.qualified('`', 1), Some("`my \"t```.`a\"b``c`"));
        // another quote character, or a column the table does not have: not quoted here
        assert_eq!(names.table('['), None);
        assert_eq!(names.qualified('"', 2), None);
    }
}
