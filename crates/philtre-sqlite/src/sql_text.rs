//! Checks on raw SQL text that SQLite itself would not report clearly.
//!
//! `sqlite3_prepare` compiles only the first statement and hands back the rest, and turns
//! blank text into no statement at all; both would otherwise run silently (or fail with
//! `SQLITE_MISUSE`, "not an error").

use philtre_core::{Error, Result};

/// Rejects text that holds no statement, or more than one.
pub(crate) fn check_one_statement(sql: &str) -> Result<()> {
    // The usual case, decided without the full scan (this runs on every execute): no `;`
    // means at most one statement, and text that starts with neither a comment nor nothing
    // holds one.
    let start = sql.trim_start();
    if !sql.contains(';') && !start.is_empty() && !start.starts_with(['-', '/']) {
        return Ok(());
    }
    let mut statements = 0;
    let mut in_statement = false;
    let mut chars = sql.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        match c {
            '-' if chars.peek().map(|p| p.1) == Some('-') => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek().map(|p| p.1) == Some('*') => {
                chars.next();
                let mut star = false;
                for (_, c) in chars.by_ref() {
                    if star && c == '/' {
                        break;
                    }
                    star = c == '*';
                }
            }
            ';' => in_statement = false,
            c if c.is_whitespace() => {}
            c => {
                if !in_statement {
                    statements += 1;
                    in_statement = true;
                }
                let close = match c {
                    '\'' | '"' | '`' => c,
                    '[' => ']',
                    _ => continue,
                };
                for (_, c) in chars.by_ref() {
                    if c == close {
                        break;
                    }
                }
            }
        }
    }
    match statements {
        0 => Err(Error::InvalidStatement("the SQL text is empty".into())),
        1 => Ok(()),
        _ => Err(Error::InvalidStatement(
            "several statements in one call: run them one by one, or through batch()".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::check_one_statement;

    #[test]
    fn counts_statements_outside_quotes_and_comments() {
        assert!(check_one_statement("SELECT 1").is_ok());
        assert!(check_one_statement("SELECT 1;  -- done\n").is_ok());
        assert!(check_one_statement("SELECT ';' , \"a;b\", [c;d] /* ; x */").is_ok());
        assert!(check_one_statement("SELECT 'it''s; fine'").is_ok());
        assert!(check_one_statement("  ").is_err());
        assert!(check_one_statement("-- nothing\n/* here */").is_err());
        assert!(check_one_statement("SELECT 1; SELECT 2").is_err());
        assert!(check_one_statement("SELECT 1;;").is_ok());
        assert!(check_one_statement("-- note\nSELECT 1").is_ok());
        assert!(check_one_statement("SELECT 1 -- ; not a second one").is_ok());
        assert!(check_one_statement("-- only a comment").is_err());
    }
}
