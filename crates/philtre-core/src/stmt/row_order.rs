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
    let n = columns.len();
    let mut values: Vec<T> = Vec::with_capacity(n);
    let mut elsewhere: Vec<(usize, T)> = Vec::new();
    for (c, v) in row {
        let c = c.as_ref();
        if elsewhere.is_empty() && values.len() < n && columns[values.len()] == c {
            values.push(v);
            continue;
        }
        let k = columns
            .iter()
            .position(|x| x == c)
            .ok_or_else(|| RowMismatch::Unknown(c.to_owned()))?;
        elsewhere.push((k, v));
    }
    if elsewhere.is_empty() && values.len() == n {
        return Ok(values);
    }
    let mut slots: Vec<Option<T>> = values.into_iter().map(Some).collect();
    slots.resize_with(n, || None);
    for (k, v) in elsewhere {
        if slots[k].replace(v).is_some() {
            return Err(RowMismatch::Twice(columns[k].clone()));
        }
    }
    slots
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or(RowMismatch::Missing)
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
}
