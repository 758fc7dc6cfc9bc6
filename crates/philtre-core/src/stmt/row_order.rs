//! Putting a later row of a multi-row insert in the order of the first row's columns.

use std::fmt;

/// Why a row does not fit the columns the first row named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowMismatch {
    /// The row names a column the first row does not.
    Unknown(String),
    /// The row names this column twice.
    Twice(String),
    /// The row leaves out a column the first row names.
    Missing,
}

impl fmt::Display for RowMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowMismatch::Unknown(c) => {
                write!(f, "names column {c:?}, which the first row does not")
            }
            RowMismatch::Twice(c) => write!(f, "names column {c:?} twice"),
            RowMismatch::Missing => f.write_str("leaves out a column the first row names"),
        }
    }
}

/// A row's values in the order of `columns`: pushed straight through while the row
/// follows that order (the usual case), put in place by name when it does not. Shared by
/// [`Insert::rows`](crate::Insert::rows) and executemany.
pub fn in_column_order<C: AsRef<str>, T>(
    columns: &[String],
    row: impl IntoIterator<Item = (C, T)>,
) -> Result<Vec<T>, RowMismatch> {
    let mut values = Vec::with_capacity(columns.len());
    push_in_column_order(columns, row, &mut values)?;
    Ok(values)
}

/// [`in_column_order`], appending the row's values to `out` (a multi-row insert keeps
/// every row in one buffer). On a mismatch `out` is left as it was.
pub fn push_in_column_order<C: AsRef<str>, T>(
    columns: &[String],
    row: impl IntoIterator<Item = (C, T)>,
    out: &mut Vec<T>,
) -> Result<(), RowMismatch> {
    let start = out.len();
    let n = columns.len();
    let mut elsewhere: Vec<(usize, T)> = Vec::new();
    for (c, v) in row {
        let c = c.as_ref();
        let done = out.len() - start;
        if elsewhere.is_empty() && done < n && columns[done] == c {
            out.push(v);
            continue;
        }
        let Some(k) = columns.iter().position(|x| x == c) else {
            out.truncate(start);
            return Err(RowMismatch::Unknown(c.to_owned()));
        };
        elsewhere.push((k, v));
    }
    if elsewhere.is_empty() && out.len() - start == n {
        return Ok(());
    }
    let mut slots: Vec<Option<T>> = out.drain(start..).map(Some).collect();
    slots.resize_with(n, || None);
    for (k, v) in elsewhere {
        if slots[k].replace(v).is_some() {
            return Err(RowMismatch::Twice(columns[k].clone()));
        }
    }
    if slots.iter().any(Option::is_none) {
        return Err(RowMismatch::Missing);
    }
    out.extend(slots.into_iter().flatten());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Vec<String> {
        vec!["a".into(), "b".into()]
    }

    #[test]
    fn rows_in_order_or_not_come_out_in_column_order() {
        assert_eq!(
            in_column_order(&columns(), [("a", 1), ("b", 2)]),
            Ok(vec![1, 2])
        );
        assert_eq!(
            in_column_order(&columns(), [("b", 2), ("a", 1)]),
            Ok(vec![1, 2])
        );
    }

    #[test]
    fn a_row_that_does_not_fit_says_why() {
        let c = columns();
        assert_eq!(
            in_column_order(&c, [("a", 1), ("z", 2)]),
            Err(RowMismatch::Unknown("z".into()))
        );
        assert_eq!(
            in_column_order(&c, [("a", 1), ("b", 2), ("a", 3)]),
            Err(RowMismatch::Twice("a".into()))
        );
        assert_eq!(in_column_order(&c, [("b", 2)]), Err(RowMismatch::Missing));
        assert_eq!(in_column_order(&c, [("a", 1)]), Err(RowMismatch::Missing));
    }

    #[test]
    fn rows_append_to_one_buffer_and_a_misfit_leaves_it_as_it_was() {
        let c = columns();
        let mut out = vec![0];
        assert_eq!(
            push_in_column_order(&c, [("a", 1), ("b", 2)], &mut out),
            Ok(())
        );
        assert_eq!(
            push_in_column_order(&c, [("b", 4), ("a", 3)], &mut out),
            Ok(())
        );
        assert_eq!(out, [0, 1, 2, 3, 4]);
        for bad in [
            vec![("a", 9), ("z", 9)],
            vec![("a", 9), ("b", 9), ("a", 9)],
            vec![("b", 9)],
            vec![("a", 9)],
        ] {
            assert!(push_in_column_order(&c, bad, &mut out).is_err());
            assert_eq!(out, [0, 1, 2, 3, 4]);
        }
    }
}
