//! [`SqlType`]: the portable column types, rendered per dialect.

use std::fmt;

use crate::value::Value;

/// A column type. Dialects render it as DDL and drivers decode by it.
#[derive(Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SqlType {
    SmallInteger,
    Integer,
    BigInteger,
    /// `VARCHAR(n)`; MySQL needs a length, so `create_all` there rejects `String(None)`.
    String(Option<u32>),
    Text,
    Boolean,
    Float,
    /// `NUMERIC(precision, scale)`.
    Numeric(Option<(u8, u8)>),
    Date,
    Time,
    DateTime,
    LargeBinary,
    Json,
    Uuid,
    /// A type reflection found but philtre has no portable name for; values pass unchecked.
    Other(String),
}

impl SqlType {
    /// Whether a value of this kind may be bound to a column of this type.
    ///
    /// Lenient where the conversion is exact (an integer into a float or numeric column,
    /// text into a date column is not). `Null` always fits: nullability is the database's job.
    pub fn accepts(&self, value: &Value) -> bool {
        use SqlType as T;
        matches!(
            (self, value),
            (_, Value::Null)
                | (T::Other(_) | T::Json, _)
                | (
                    T::SmallInteger | T::Integer | T::BigInteger,
                    Value::Int(_) | Value::Bool(_)
                )
                | (T::String(_) | T::Text, Value::Text(_))
                | (T::Boolean, Value::Bool(_) | Value::Int(0 | 1))
                | (
                    T::Float,
                    Value::Float(_) | Value::Int(_) | Value::Decimal(_)
                )
                | (
                    T::Numeric(_),
                    Value::Decimal(_) | Value::Int(_) | Value::Float(_)
                )
                | (T::Date, Value::Date(_))
                | (T::Time, Value::Time(_))
                | (T::DateTime, Value::DateTime(_))
                | (T::LargeBinary, Value::Bytes(_))
                | (T::Uuid, Value::Uuid(_))
        )
    }

    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            SqlType::SmallInteger | SqlType::Integer | SqlType::BigInteger
        )
    }
}

/// The generic (ANSI-ish) spelling, used in error messages; dialects render their own DDL.
impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SqlType::SmallInteger => f.write_str("SMALLINT"),
            SqlType::Integer => f.write_str("INTEGER"),
            SqlType::BigInteger => f.write_str("BIGINT"),
            SqlType::String(Some(n)) => write!(f, "VARCHAR({n})"),
            SqlType::String(None) => f.write_str("VARCHAR"),
            SqlType::Text => f.write_str("TEXT"),
            SqlType::Boolean => f.write_str("BOOLEAN"),
            SqlType::Float => f.write_str("FLOAT"),
            SqlType::Numeric(Some((p, s))) => write!(f, "NUMERIC({p}, {s})"),
            SqlType::Numeric(None) => f.write_str("NUMERIC"),
            SqlType::Date => f.write_str("DATE"),
            SqlType::Time => f.write_str("TIME"),
            SqlType::DateTime => f.write_str("DATETIME"),
            SqlType::LargeBinary => f.write_str("BLOB"),
            SqlType::Json => f.write_str("JSON"),
            SqlType::Uuid => f.write_str("UUID"),
            SqlType::Other(s) => f.write_str(s),
        }
    }
}

impl fmt::Debug for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Short constructors, SQLAlchemy-style: `Column::new("name", String(50))`.
pub mod types {
    use super::SqlType;

    #[allow(non_upper_case_globals)]
    pub const Integer: SqlType = SqlType::Integer;
    #[allow(non_upper_case_globals)]
    pub const BigInteger: SqlType = SqlType::BigInteger;
    #[allow(non_upper_case_globals)]
    pub const SmallInteger: SqlType = SqlType::SmallInteger;
    #[allow(non_upper_case_globals)]
    pub const Text: SqlType = SqlType::Text;
    #[allow(non_upper_case_globals)]
    pub const Boolean: SqlType = SqlType::Boolean;
    #[allow(non_upper_case_globals)]
    pub const Float: SqlType = SqlType::Float;
    #[allow(non_upper_case_globals)]
    pub const Date: SqlType = SqlType::Date;
    #[allow(non_upper_case_globals)]
    pub const Time: SqlType = SqlType::Time;
    #[allow(non_upper_case_globals)]
    pub const DateTime: SqlType = SqlType::DateTime;
    #[allow(non_upper_case_globals)]
    pub const LargeBinary: SqlType = SqlType::LargeBinary;
    #[allow(non_upper_case_globals)]
    pub const Json: SqlType = SqlType::Json;
    #[allow(non_upper_case_globals)]
    pub const Uuid: SqlType = SqlType::Uuid;

    /// `VARCHAR(length)`.
    #[allow(non_snake_case)]
    pub fn String(length: u32) -> SqlType {
        SqlType::String(Some(length))
    }

    /// `NUMERIC(precision, scale)`.
    #[allow(non_snake_case)]
    pub fn Numeric(precision: u8, scale: u8) -> SqlType {
        SqlType::Numeric(Some((precision, scale)))
    }
}
