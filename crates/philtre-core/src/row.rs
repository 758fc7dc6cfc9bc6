//! [`Row`]: a result row that is a tuple and a mapping at once.

use std::fmt;
use std::ops::Index;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::raw_row::RawRow;
use crate::value::{FromValue, Value};

/// One result row: values by position (`row[0]`) and by column name (`row["name"]`).
///
/// Column names are shared by every row of a result, so a row costs one `Vec` of values.
#[derive(Clone, PartialEq)]
pub struct Row {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

impl Row {
    /// A row over `columns`; `values` has one entry per column.
    pub fn new(columns: Arc<[String]>, values: Vec<Value>) -> Self {
        debug_assert_eq!(columns.len(), values.len());
        Row { columns, values }
    }

    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    pub fn values(&self) -> &[Value] {
        &self.values
    }

    pub fn into_values(self) -> Vec<Value> {
        self.values
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The position of the column called `name`, if any.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The value at a position or column name, without conversion.
    pub fn try_get_value<I: RowIndex>(&self, index: I) -> Result<&Value> {
        index
            .position(self)
            .and_then(|i| self.values.get(i))
            .ok_or_else(|| Error::NoSuchRowColumn(index.describe()))
    }

    /// The value at a position or column name, converted to `T`.
    ///
    /// ```
    /// # use philtre_core::{Row, Value};
    /// # let row = Row::new(vec!["id".to_string(), "name".to_string()].into(), vec![Value::from(1), Value::from("admin")]);
    /// let name: String = row.get("name")?;
    /// let id: i64 = row.get(0)?;
    /// assert!(row.get::<i64>("name").is_err()); // names the column and both types
    /// # Ok::<(), philtre_core::Error>(())
    /// ```
    pub fn get<T: FromValue>(&self, index: impl RowIndex) -> Result<T> {
        let position = index.position(self);
        let value = position
            .and_then(|i| self.values.get(i))
            .ok_or_else(|| Error::NoSuchRowColumn(index.describe()))?;
        // The column name is only needed for the error, so it is looked up only then.
        T::from_value(value.clone()).ok_or_else(|| Error::Decode {
            column: position
                .and_then(|i| self.columns.get(i))
                .map_or_else(|| index.describe(), Clone::clone),
            expected: T::EXPECTED,
            found: value.kind().to_owned(),
        })
    }

    /// Converts the whole row into a tuple or any [`FromRow`] type.
    pub fn into_typed<T: FromRow>(self) -> Result<T> {
        T::from_row(self)
    }

    /// `(column, value)` pairs in column order.
    pub fn iter_pairs(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.columns.iter().map(String::as_str).zip(&self.values)
    }

    /// The row as an ordered list of `(column, value)` pairs.
    pub fn to_map(&self) -> Vec<(String, Value)> {
        self.iter_pairs()
            .map(|(c, v)| (c.to_owned(), v.clone()))
            .collect()
    }
}

/// Prints as a Python tuple, like the seed: `(1, 'admin', 'admin@localhost')`.
impl fmt::Debug for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        for (i, v) in self.values.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{v:?}")?;
        }
        if self.values.len() == 1 {
            f.write_str(",")?;
        }
        f.write_str(")")
    }
}

impl Index<usize> for Row {
    type Output = Value;
    /// Panics when out of range, like slice indexing; use [`Row::get`] for a `Result`.
    fn index(&self, index: usize) -> &Value {
        &self.values[index]
    }
}

impl Index<&str> for Row {
    type Output = Value;
    /// Panics when there is no such column, like `HashMap` indexing; use [`Row::get`] for a `Result`.
    fn index(&self, name: &str) -> &Value {
        match self.position(name) {
            Some(i) => &self.values[i],
            None => panic!("row has no column {name:?} (columns: {:?})", self.columns),
        }
    }
}

impl<'a> IntoIterator for &'a Row {
    type Item = &'a Value;
    type IntoIter = std::slice::Iter<'a, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.values.iter()
    }
}

impl IntoIterator for Row {
    type Item = Value;
    type IntoIter = std::vec::IntoIter<Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.values.into_iter()
    }
}

/// A position or a column name that selects a value of a [`Row`].
pub trait RowIndex {
    fn position(&self, row: &Row) -> Option<usize>;
    fn describe(&self) -> String;
}

impl RowIndex for usize {
    fn position(&self, row: &Row) -> Option<usize> {
        (*self < row.len()).then_some(*self)
    }
    fn describe(&self) -> String {
        format!("at position {self}")
    }
}

impl RowIndex for &str {
    fn position(&self, row: &Row) -> Option<usize> {
        row.position(self)
    }
    fn describe(&self) -> String {
        format!("{self:?}")
    }
}

impl RowIndex for String {
    fn position(&self, row: &Row) -> Option<usize> {
        row.position(self)
    }
    fn describe(&self) -> String {
        format!("{self:?}")
    }
}

impl<T: RowIndex + ?Sized> RowIndex for &T {
    fn position(&self, row: &Row) -> Option<usize> {
        (**self).position(row)
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
}

/// Builds a value from a whole row: tuples of [`FromValue`] types implement it, and so
/// does every [`FromValues`] type.
pub trait FromRow: Sized {
    fn from_row(row: Row) -> Result<Self>;
}

impl FromRow for Row {
    fn from_row(row: Row) -> Result<Self> {
        Ok(row)
    }
}

/// Builds a value from one row's values, taking them out of the slice (text and bytes move,
/// not copy). What `query_as` decodes into; tuples of [`FromValue`] types implement it.
///
/// ```
/// use philtre_core::{FromValues, Result, Value};
///
/// struct User { id: i64, name: String }
///
/// impl FromValues for User {
///     fn from_values(values: &mut [Value], columns: &[String]) -> Result<Self> {
///         let (id, name) = FromValues::from_values(values, columns)?;
///         Ok(User { id, name })
///     }
/// }
/// ```
pub trait FromValues: Sized {
    /// `values` and `columns` are one row, in column order; `columns` names them in errors.
    fn from_values(values: &mut [Value], columns: &[String]) -> Result<Self>;

    /// Builds the value from a driver's row, column by column ([`RawRow`]): what
    /// `query_as` calls. The default decodes every column into a [`Value`] and calls
    /// [`from_values`](Self::from_values); tuples read each column straight into its
    /// type, and so can a hand-written impl, in one line:
    ///
    /// ```
    /// # use philtre_core::{FromValues, RawRow, Result, Value};
    /// # struct User { id: i64, name: String }
    /// # impl FromValues for User {
    /// #     fn from_values(values: &mut [Value], columns: &[String]) -> Result<Self> {
    /// #         let (id, name) = FromValues::from_values(values, columns)?;
    /// #         Ok(User { id, name })
    /// #     }
    /// fn from_raw(row: &mut dyn RawRow) -> Result<Self> {
    ///     let (id, name) = FromValues::from_raw(row)?;
    ///     Ok(User { id, name })
    /// }
    /// # }
    /// ```
    fn from_raw(row: &mut dyn RawRow) -> Result<Self> {
        let (values, columns) = row.values()?;
        Self::from_values(values, columns)
    }
}

impl<T: FromValues> FromRow for T {
    fn from_row(row: Row) -> Result<Self> {
        let Row {
            columns,
            mut values,
        } = row;
        T::from_values(&mut values, &columns)
    }
}

/// Takes the value at `i` out of `values` and converts it, naming the column on error.
fn take<T: FromValue>(values: &mut [Value], columns: &[String], i: usize) -> Result<T> {
    let value = values
        .get_mut(i)
        .map(std::mem::take)
        .ok_or_else(|| Error::NoSuchRowColumn(i.to_string()))?;
    let column = columns.get(i).map_or("?", String::as_str);
    value.decode(column)
}

macro_rules! from_values_tuple {
    ($n:literal: $($t:ident $i:tt),+) => {
        impl<$($t: FromValue),+> FromValues for ($($t,)+) {
            fn from_values(values: &mut [Value], columns: &[String]) -> Result<Self> {
                if values.len() != $n {
                    return Err(Error::InvalidStatement(format!(
                        "expected a row of {} columns, got {}", $n, values.len()
                    )));
                }
                Ok(($(take::<$t>(values, columns, $i)?,)+))
            }

            fn from_raw(row: &mut dyn RawRow) -> Result<Self> {
                let width = row.columns().len();
                if width != $n {
                    return Err(Error::InvalidStatement(format!(
                        "expected a row of {} columns, got {}", $n, width
                    )));
                }
                Ok(($(<$t as FromValue>::from_raw(row, $i)?,)+))
            }
        }
    };
}
from_values_tuple!(1: A 0);
from_values_tuple!(2: A 0, B 1);
from_values_tuple!(3: A 0, B 1, C 2);
from_values_tuple!(4: A 0, B 1, C 2, D 3);
from_values_tuple!(5: A 0, B 1, C 2, D 3, E 4);
from_values_tuple!(6: A 0, B 1, C 2, D 3, E 4, F 5);
from_values_tuple!(7: A 0, B 1, C 2, D 3, E 4, F 5, G 6);
from_values_tuple!(8: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

#[cfg(test)]
mod tests {
    use super::*;

    fn admin() -> Row {
        Row::new(
            vec!["id".into(), "name".into(), "email".into()].into(),
            vec![1.into(), "admin".into(), "admin@localhost".into()],
        )
    }

    #[test]
    fn tuple_and_mapping() {
        let r = admin();
        assert_eq!(format!("{r:?}"), "(1, 'admin', 'admin@localhost')");
        assert_eq!(r["name"], Value::from("admin"));
        assert_eq!(r[0], Value::Int(1));
        assert_eq!(r.get::<String>("email").unwrap(), "admin@localhost");
        let (id, name, _email): (i64, String, String) = r.clone().into_typed().unwrap();
        assert_eq!((id, name.as_str()), (1, "admin"));
        assert!(matches!(
            r.get::<i64>("nope"),
            Err(Error::NoSuchRowColumn(_))
        ));
        assert!(matches!(r.get::<i64>(7), Err(Error::NoSuchRowColumn(_))));
        assert!(
            matches!(r.get::<i64>("name"), Err(Error::Decode { column, .. }) if column == "name")
        );
    }

    #[test]
    fn one_tuple_prints_trailing_comma() {
        let r = Row::new(vec!["n".to_string()].into(), vec![Value::Int(3)]);
        assert_eq!(format!("{r:?}"), "(3,)");
    }
}
