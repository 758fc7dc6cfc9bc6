use crate::error::{Error, Result};
use crate::value::Value;

/// Raw SQL with `:name` or `:1` bind parameters.
///
/// ```
/// use philtre_core::{params, text};
/// let by_position = text("select * from users where id = :1").params(params![1]);
/// let by_name = text("select * from users where name = :name").bind("name", "admin");
/// ```
///
/// Quoted strings, quoted identifiers, comments and `::` casts are left alone, and `\:`
/// writes a literal colon. Values are always bound, never spliced into the SQL.
pub fn text(sql: impl Into<String>) -> Text {
    Text {
        sql: sql.into(),
        params: Params::None,
    }
}

/// A raw SQL statement and its parameters.
#[derive(Debug, Clone)]
#[must_use]
pub struct Text {
    pub sql: String,
    pub params: Params,
}

/// Parameters of a [`Text`]: none, a list, or name → value pairs.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Params {
    #[default]
    None,
    /// With `:1, :2, ...` the number picks the value; with names, the order of first use does.
    Positional(Vec<Value>),
    Named(Vec<(String, Value)>),
}

impl From<Vec<Value>> for Params {
    fn from(v: Vec<Value>) -> Self {
        Params::Positional(v)
    }
}

impl<const N: usize> From<[Value; N]> for Params {
    fn from(v: [Value; N]) -> Self {
        Params::Positional(v.into())
    }
}

impl From<Vec<(String, Value)>> for Params {
    fn from(v: Vec<(String, Value)>) -> Self {
        Params::Named(v)
    }
}

impl Text {
    /// Sets all parameters at once: a list (`params![1]`) or named pairs.
    pub fn params(mut self, params: impl Into<Params>) -> Self {
        self.params = params.into();
        self
    }

    /// Binds one named parameter.
    pub fn bind(mut self, name: &str, value: impl Into<Value>) -> Self {
        let pair = (name.trim_start_matches(':').to_owned(), value.into());
        match &mut self.params {
            Params::Named(pairs) => pairs.push(pair),
            _ => self.params = Params::Named(vec![pair]),
        }
        self
    }

    /// Splits the SQL into literal pieces and bind names, then resolves each bind's value.
    ///
    /// `out` receives SQL text and each bind (in order of occurrence) with its name and
    /// value; a repeated name is reported each time it appears.
    pub(crate) fn walk(&self, out: impl FnMut(TextPiece<'_>)) -> Result<()> {
        let pieces = split_binds(&self.sql);
        let names: Vec<&str> = pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Bind(n) => Some(*n),
                Piece::Sql(_) => None,
            })
            .collect();
        let mut distinct: Vec<&str> = Vec::new();
        for n in &names {
            if !distinct.contains(n) {
                distinct.push(n);
            }
        }
        let lookup = |name: &str| -> Result<&Value> {
            match &self.params {
                Params::None => Err(Error::MissingParameter(name.to_owned())),
                Params::Named(pairs) => pairs
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v)
                    .ok_or_else(|| Error::MissingParameter(name.to_owned())),
                Params::Positional(list) => {
                    let index = if distinct
                        .iter()
                        .all(|n| n.bytes().all(|b| b.is_ascii_digit()))
                    {
                        name.parse::<usize>().ok().and_then(|n| n.checked_sub(1))
                    } else {
                        distinct.iter().position(|n| *n == name)
                    };
                    index
                        .and_then(|i| list.get(i))
                        .ok_or_else(|| Error::MissingParameter(name.to_owned()))
                }
            }
        };
        // Resolve every bind first, so a missing value is reported before an unused one.
        let mut resolved = Vec::with_capacity(pieces.len());
        for piece in &pieces {
            resolved.push(match piece {
                Piece::Sql(s) => TextPiece::Sql(s),
                Piece::Bind(name) => TextPiece::Bind(name, lookup(name)?),
            });
        }
        // Every given parameter must be used.
        match &self.params {
            Params::None => {}
            Params::Named(pairs) => {
                if let Some((k, _)) = pairs.iter().find(|(k, _)| !distinct.contains(&k.as_str())) {
                    return Err(Error::UnexpectedParameter(format!(":{k}")));
                }
            }
            Params::Positional(list) => {
                let numeric = distinct
                    .iter()
                    .all(|n| n.bytes().all(|b| b.is_ascii_digit()));
                for i in 0..list.len() {
                    let used = if numeric {
                        distinct
                            .iter()
                            .any(|n| n.parse::<usize>().ok() == Some(i + 1))
                    } else {
                        i < distinct.len()
                    };
                    if !used {
                        return Err(Error::UnexpectedParameter(format!("at position {}", i + 1)));
                    }
                }
            }
        }
        resolved.into_iter().for_each(out);
        Ok(())
    }
}

/// What [`Text::walk`] reports: literal SQL, or a bind with its value.
pub(crate) enum TextPiece<'a> {
    Sql(&'a str),
    Bind(&'a str, &'a Value),
}

#[derive(Debug, PartialEq)]
enum Piece<'a> {
    Sql(&'a str),
    Bind(&'a str),
}

/// Finds `:name` / `:1` binds outside quotes and comments. `\:` becomes a literal `:`.
fn split_binds(sql: &str) -> Vec<Piece<'_>> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let skip_until = |from: usize, end: &[u8]| -> usize {
        sql[from..]
            .find(std::str::from_utf8(end).unwrap_or("\0"))
            .map_or(b.len(), |p| from + p + end.len())
    };
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                // Doubled quotes inside are escapes; scanning for the next quote handles them.
                i = skip_until(i + 1, &[q]);
            }
            b'-' if b.get(i + 1) == Some(&b'-') => i = skip_until(i + 2, b"\n"),
            b'/' if b.get(i + 1) == Some(&b'*') => i = skip_until(i + 2, b"*/"),
            b'$' => {
                // PostgreSQL dollar quoting: $tag$ ... $tag$
                let tag_end = b[i + 1..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
                    .map(|p| i + 1 + p);
                match tag_end {
                    Some(e)
                        if b[e] == b'$' && !b[i + 1..e].first().is_some_and(u8::is_ascii_digit) =>
                    {
                        let tag = &sql[i..=e];
                        i = sql[e + 1..]
                            .find(tag)
                            .map_or(b.len(), |p| e + 1 + p + tag.len());
                    }
                    _ => i += 1,
                }
            }
            b'\\' if b.get(i + 1) == Some(&b':') => {
                out.push(Piece::Sql(&sql[start..i]));
                start = i + 1; // keep the colon, drop the backslash
                i += 2;
            }
            b':' if b.get(i + 1) == Some(&b':') => i += 2,
            b':' => {
                let name_len = b[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                    .count();
                if name_len == 0 {
                    i += 1;
                    continue;
                }
                out.push(Piece::Sql(&sql[start..i]));
                out.push(Piece::Bind(&sql[i + 1..i + 1 + name_len]));
                i += 1 + name_len;
                start = i;
            }
            _ => i += 1,
        }
    }
    out.push(Piece::Sql(&sql[start..]));
    out.retain(|p| *p != Piece::Sql(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binds(sql: &str) -> Vec<String> {
        split_binds(sql)
            .into_iter()
            .filter_map(|p| match p {
                Piece::Bind(n) => Some(n.to_owned()),
                Piece::Sql(_) => None,
            })
            .collect()
    }

    #[test]
    fn finds_binds_outside_quotes_comments_and_casts() {
        assert_eq!(binds("select * from users where id = :1"), ["1"]);
        assert_eq!(
            binds("select ':no', \"a:b\", x::int, `c:d` -- :nope\n from t where a = :a /* :x */ and b=:b_2"),
            ["a", "b_2"]
        );
        assert_eq!(binds("select $$ :no $$, $t$ :no $t$ where a = :a"), ["a"]);
        assert_eq!(binds("select 'it''s :no' where a=:a"), ["a"]);
    }

    #[test]
    fn escaped_colon_is_literal() {
        let mut sql = String::new();
        text(r"select '12' \:x")
            .walk(|p| {
                if let TextPiece::Sql(s) = p {
                    sql.push_str(s);
                }
            })
            .unwrap();
        assert_eq!(sql, "select '12' :x");
    }

    #[test]
    fn missing_and_extra_parameters() {
        let t = text("select :a, :b").bind("a", 1);
        assert!(matches!(t.walk(|_| {}), Err(Error::MissingParameter(n)) if n == "b"));
        let t = text("select :a").bind("a", 1).bind("zz", 2);
        assert!(matches!(t.walk(|_| {}), Err(Error::UnexpectedParameter(_))));
        let t = text("select :1").params(crate::params![1, 2]);
        assert!(matches!(t.walk(|_| {}), Err(Error::UnexpectedParameter(_))));
        let t = text("select :2").params(crate::params![1]);
        assert!(matches!(t.walk(|_| {}), Err(Error::MissingParameter(n)) if n == "2"));
    }

    #[test]
    fn numeric_binds_pick_by_number() {
        let mut seen = Vec::new();
        text("select :2, :1, :2")
            .params(crate::params!["a", "b"])
            .walk(|p| {
                if let TextPiece::Bind(n, v) = p {
                    seen.push((n.to_owned(), v.clone()));
                }
            })
            .unwrap();
        let got: Vec<_> = seen.iter().map(|(_, v)| v.clone()).collect();
        assert_eq!(got, crate::params!["b", "a", "b"]);
    }
}

/// Whether raw SQL yields rows: it starts with a query keyword (`SELECT`, `WITH`, `VALUES`,
/// `PRAGMA`, `SHOW`, `EXPLAIN`, `DESCRIBE`, `TABLE`) or has a `RETURNING` clause.
pub fn text_returns_rows(sql: &str) -> bool {
    let word = first_keyword(sql);
    let query_word = matches!(
        word.as_str(),
        "SELECT"
            | "WITH"
            | "VALUES"
            | "PRAGMA"
            | "SHOW"
            | "EXPLAIN"
            | "DESCRIBE"
            | "DESC"
            | "TABLE"
    );
    query_word
        || unquoted(sql)
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .any(|w| w.eq_ignore_ascii_case("RETURNING"))
}

/// The statement's first keyword, upper-cased, after comments and opening parentheses.
pub fn first_keyword(sql: &str) -> String {
    let mut rest = sql.trim_start();
    loop {
        if let Some(r) = rest.strip_prefix("--") {
            rest = r.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map_or("", |(_, r)| r).trim_start();
        } else if let Some(r) = rest.strip_prefix('(') {
            rest = r.trim_start();
        } else {
            break;
        }
    }
    rest.chars()
        .take_while(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_ascii_uppercase()
}

/// The SQL with quoted text blanked out.
fn unquoted(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote = None;
    for c in sql.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if matches!(c, '\'' | '"' | '`') => quote = Some(c),
            None => out.push(c),
        }
        if quote.is_some() {
            out.push(' ');
        }
    }
    out
}

#[cfg(test)]
mod returns_rows_tests {
    use super::text_returns_rows;

    #[test]
    fn sniffs_queries() {
        assert!(text_returns_rows("  -- hi\n select 1"));
        assert!(text_returns_rows("(SELECT 1) UNION (SELECT 2)"));
        assert!(text_returns_rows(
            "insert into t (a) values (1) returning id"
        ));
        assert!(!text_returns_rows("insert into t (a) values ('returning')"));
        assert!(!text_returns_rows("update t set a = 1"));
    }
}
