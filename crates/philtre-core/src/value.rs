//! [`Value`]: one dynamically typed SQL value, and the conversions in and out of it.

use std::fmt;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::raw_row::RawRow;

/// A value bound to a statement or read from a row.
///
/// One rich enum shared by every backend: a date stays a date and a decimal stays a
/// decimal on SQLite too, because drivers decode by the column's declared type.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
    Decimal(Decimal),
    Date(NaiveDate),
    Time(NaiveTime),
    DateTime(NaiveDateTime),
    Uuid(Uuid),
    Json(serde_json::Value),
}

/// `Null`: what a value taken out of a row leaves behind.
impl Default for Value {
    fn default() -> Self {
        Value::Null
    }
}

impl Value {
    /// The kind of the value, as used in error messages (`"integer"`, `"text"`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "float",
            Value::Text(_) => "text",
            Value::Bytes(_) => "bytes",
            Value::Decimal(_) => "decimal",
            Value::Date(_) => "date",
            Value::Time(_) => "time",
            Value::DateTime(_) => "datetime",
            Value::Uuid(_) => "uuid",
            Value::Json(_) => "json",
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Converts into `T`, naming `column` in the error when the kinds do not match.
    pub fn decode<T: FromValue>(self, column: &str) -> Result<T> {
        let found = self.kind();
        T::from_value(self).ok_or_else(|| Error::Decode {
            column: column.to_owned(),
            expected: T::EXPECTED,
            found: found.to_owned(),
        })
    }
}

/// Prints like Python's `repr`, so a row reads as the seed shows: `(1, 'admin', 'admin@localhost')`.
impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("None"),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::Int(v) => write!(f, "{v}"),
            Value::Float(v) => write!(f, "{v:?}"),
            Value::Text(s) => write_quoted(f, s),
            Value::Bytes(b) => write!(f, "b'{}'", b.escape_ascii()),
            Value::Decimal(d) => write!(f, "Decimal('{d}')"),
            Value::Date(d) => write!(f, "datetime.date({d})"),
            Value::Time(t) => write!(f, "datetime.time({t})"),
            Value::DateTime(t) => write!(f, "datetime.datetime({t})"),
            Value::Uuid(u) => write!(f, "UUID('{u}')"),
            Value::Json(j) => write!(f, "{j}"),
        }
    }
}

fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("'")?;
    for c in s.chars() {
        match c {
            '\'' => f.write_str("\\'")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("'")
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(s) => f.write_str(s),
            other => fmt::Debug::fmt(other, f),
        }
    }
}

macro_rules! from_primitive {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from($v: $t) -> Self { $e }
        }
    )*};
}

from_primitive! {
    bool => |v| Value::Bool(v),
    i8 => |v| Value::Int(v.into()),
    i16 => |v| Value::Int(v.into()),
    i32 => |v| Value::Int(v.into()),
    i64 => |v| Value::Int(v),
    u8 => |v| Value::Int(v.into()),
    u16 => |v| Value::Int(v.into()),
    u32 => |v| Value::Int(v.into()),
    f32 => |v| Value::Float(v.into()),
    f64 => |v| Value::Float(v),
    String => |v| Value::Text(v),
    &str => |v| Value::Text(v.to_owned()),
    &String => |v| Value::Text(v.clone()),
    Vec<u8> => |v| Value::Bytes(v),
    &[u8] => |v| Value::Bytes(v.to_vec()),
    Decimal => |v| Value::Decimal(v),
    NaiveDate => |v| Value::Date(v),
    NaiveTime => |v| Value::Time(v),
    NaiveDateTime => |v| Value::DateTime(v),
    Uuid => |v| Value::Uuid(v),
    serde_json::Value => |v| Value::Json(v),
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Conversion out of a [`Value`]; `None` when the kinds do not fit.
///
/// Integers convert between widths only when the value fits, so a too large number is an
/// error rather than a silent truncation.
pub trait FromValue: Sized {
    /// The Rust-side name used in decode errors.
    const EXPECTED: &'static str;
    fn from_value(value: Value) -> Option<Self>;

    /// Reads column `i` of a driver's row straight into `Self`. The default goes through
    /// [`RawRow::value`] and [`from_value`](Self::from_value); integers and strings ask
    /// the driver for their own kind first.
    fn from_raw(row: &mut dyn RawRow, i: usize) -> Result<Self> {
        crate::raw_row::decode_value(row, i)
    }

    /// [`from_raw`](Self::from_raw) for `Option<Self>`: `None` for `NULL`.
    fn from_raw_opt(row: &mut dyn RawRow, i: usize) -> Result<Option<Self>> {
        if row.is_null(i) {
            // Still one read of the column (a missing one is reported by `value`).
            return row.value(i).map(|_| None);
        }
        Self::from_raw(row, i).map(Some)
    }
}

impl FromValue for Value {
    const EXPECTED: &'static str = "any value";
    fn from_value(value: Value) -> Option<Self> {
        Some(value)
    }
}

impl FromValue for bool {
    const EXPECTED: &'static str = "bool";
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Bool(b) => Some(b),
            Value::Int(0) => Some(false),
            Value::Int(1) => Some(true),
            _ => None,
        }
    }
}

macro_rules! from_value_int {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            const EXPECTED: &'static str = stringify!($t);
            fn from_value(value: Value) -> Option<Self> {
                match value {
                    Value::Int(v) => <$t>::try_from(v).ok(),
                    Value::Bool(b) => Some(b.into()),
                    _ => None,
                }
            }
        }
    )*};
}
from_value_int!(i8, i16, i32, u8, u16, u32, u64, usize);

impl FromValue for i64 {
    const EXPECTED: &'static str = "i64";
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Int(v) => Some(v),
            Value::Bool(b) => Some(b.into()),
            _ => None,
        }
    }

    fn from_raw(row: &mut dyn RawRow, i: usize) -> Result<Self> {
        let fast = row.int(i);
        crate::raw_row::required(fast, row, i)
    }

    fn from_raw_opt(row: &mut dyn RawRow, i: usize) -> Result<Option<Self>> {
        let fast = row.int(i);
        crate::raw_row::optional(fast, row, i)
    }
}

impl FromValue for f64 {
    const EXPECTED: &'static str = "f64";
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Float(v) => Some(v),
            // Exact for every integer a float column can meaningfully hold (|v| < 2^53).
            #[allow(clippy::cast_precision_loss)]
            Value::Int(v) => Some(v as f64),
            Value::Decimal(d) => rust_decimal::prelude::ToPrimitive::to_f64(&d),
            _ => None,
        }
    }
}

impl FromValue for f32 {
    const EXPECTED: &'static str = "f32";
    fn from_value(value: Value) -> Option<Self> {
        #[allow(clippy::cast_possible_truncation)]
        f64::from_value(value).map(|v| v as f32)
    }
}

impl FromValue for String {
    const EXPECTED: &'static str = "String";
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    fn from_raw(row: &mut dyn RawRow, i: usize) -> Result<Self> {
        let fast = row.text(i);
        crate::raw_row::required(fast, row, i)
    }

    fn from_raw_opt(row: &mut dyn RawRow, i: usize) -> Result<Option<Self>> {
        let fast = row.text(i);
        crate::raw_row::optional(fast, row, i)
    }
}

impl FromValue for Vec<u8> {
    const EXPECTED: &'static str = "Vec<u8>";
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }
}

impl FromValue for Decimal {
    const EXPECTED: &'static str = "Decimal";
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Decimal(d) => Some(d),
            Value::Int(v) => Some(v.into()),
            _ => None,
        }
    }
}

macro_rules! from_value_variant {
    ($($t:ty => $variant:ident),*) => {$(
        impl FromValue for $t {
            const EXPECTED: &'static str = stringify!($t);
            fn from_value(value: Value) -> Option<Self> {
                match value {
                    Value::$variant(v) => Some(v),
                    _ => None,
                }
            }
        }
    )*};
}
from_value_variant!(NaiveDate => Date, NaiveTime => Time, NaiveDateTime => DateTime);

/// Also parses text, for backends that store UUIDs as `CHAR(36)`.
impl FromValue for Uuid {
    const EXPECTED: &'static str = "Uuid";
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Uuid(u) => Some(u),
            Value::Text(s) => Uuid::parse_str(&s).ok(),
            Value::Bytes(b) => Uuid::from_slice(&b).ok(),
            _ => None,
        }
    }
}

/// Also parses text, for backends that store JSON as text.
impl FromValue for serde_json::Value {
    const EXPECTED: &'static str = "JSON";
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Json(j) => Some(j),
            Value::Text(s) => serde_json::from_str(&s).ok(),
            _ => None,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    const EXPECTED: &'static str = T::EXPECTED;
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Null => Some(None),
            v => T::from_value(v).map(Some),
        }
    }

    fn from_raw(row: &mut dyn RawRow, i: usize) -> Result<Self> {
        T::from_raw_opt(row, i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_matches_python() {
        let row = [
            Value::from(1),
            Value::from("admin"),
            Value::Null,
            Value::from(true),
        ];
        assert_eq!(format!("{row:?}"), "[1, 'admin', None, True]");
        assert_eq!(format!("{:?}", Value::from("it's")), r"'it\'s'");
    }

    #[test]
    fn decode_names_column_and_both_types() {
        let err = Value::from("x").decode::<i64>("users.id").unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot decode column \"users.id\": expected i64, found text"
        );
        assert_eq!(Value::Int(300).decode::<u8>("n").ok(), None::<u8>);
        assert_eq!(Value::Null.decode::<Option<i32>>("n").ok(), Some(None));
    }
}
