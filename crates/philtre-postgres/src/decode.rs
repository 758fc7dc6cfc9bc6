//! Decoding result columns into [`Value`]s by their PostgreSQL type.

use std::error::Error as StdError;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use philtre_core::{Error, Result, Value};
use rust_decimal::Decimal;
use tokio_postgres::types::{FromSql, Kind, Type};
use tokio_postgres::Row as PgRow;
use uuid::Uuid;

use crate::bind::base_type;

type BoxError = Box<dyn StdError + Sync + Send>;

/// The raw bytes of one column, whatever its type (`None` for NULL).
struct Raw<'a>(Option<&'a [u8]>);

impl<'a> FromSql<'a> for Raw<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> std::result::Result<Self, BoxError> {
        Ok(Raw(Some(raw)))
    }
    fn from_sql_null(_: &Type) -> std::result::Result<Self, BoxError> {
        Ok(Raw(None))
    }
    fn accepts(_: &Type) -> bool {
        true
    }
}

/// Every column of `row` as values, in order.
pub(crate) fn decode_row(row: &PgRow) -> Result<Vec<Value>> {
    row.columns()
        .iter()
        .enumerate()
        .map(|(i, col)| {
            let raw: Raw<'_> = row.try_get(i).map_err(|e| Error::Decode {
                column: col.name().to_owned(),
                expected: "a PostgreSQL value",
                found: e.to_string(),
            })?;
            match raw.0 {
                None => Ok(Value::Null),
                Some(bytes) => decode(col.type_(), bytes, col.name()),
            }
        })
        .collect()
}

/// Decodes the bytes of one non-NULL column of type `ty`.
pub(crate) fn decode(ty: &Type, raw: &[u8], column: &str) -> Result<Value> {
    let base = base_type(ty);
    let fail = |expected: &'static str, e: BoxError| Error::Decode {
        column: column.to_owned(),
        expected,
        found: format!("{} value that does not convert ({e})", ty.name()),
    };
    macro_rules! get {
        ($t:ty, $name:literal) => {
            <$t as FromSql>::from_sql(base, raw).map_err(|e| fail($name, e))?
        };
    }
    Ok(match *base {
        Type::BOOL => Value::Bool(get!(bool, "bool")),
        Type::INT2 => Value::Int(get!(i16, "i16").into()),
        Type::INT4 => Value::Int(get!(i32, "i32").into()),
        Type::INT8 => Value::Int(get!(i64, "i64")),
        Type::OID => Value::Int(get!(u32, "u32").into()),
        Type::FLOAT4 => Value::Float(get!(f32, "f32").into()),
        Type::FLOAT8 => Value::Float(get!(f64, "f64")),
        Type::NUMERIC => Value::Decimal(get!(Decimal, "Decimal")),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
            Value::Text(get!(String, "String"))
        }
        // The one-byte "char" of the catalogs.
        Type::CHAR => Value::Text(char::from(get!(i8, "i8").to_ne_bytes()[0]).to_string()),
        Type::BYTEA => Value::Bytes(get!(Vec<u8>, "Vec<u8>")),
        Type::DATE => Value::Date(get!(NaiveDate, "NaiveDate")),
        Type::TIME => Value::Time(get!(NaiveTime, "NaiveTime")),
        Type::TIMESTAMP => Value::DateTime(get!(NaiveDateTime, "NaiveDateTime")),
        Type::TIMESTAMPTZ => Value::DateTime(get!(DateTime<Utc>, "DateTime<Utc>").naive_utc()),
        Type::UUID => Value::Uuid(get!(Uuid, "Uuid")),
        Type::JSON | Type::JSONB => Value::Json(get!(serde_json::Value, "serde_json::Value")),
        _ if matches!(base.kind(), Kind::Enum(_)) || base.name() == "citext" => {
            Value::Text(String::from_utf8(raw.to_vec()).map_err(|e| fail("String", e.into()))?)
        }
        _ => {
            return Err(Error::Decode {
                column: column.to_owned(),
                expected: "a type philtre-postgres decodes (see the crate docs)",
                found: format!("PostgreSQL type {}", ty.name()),
            })
        }
    })
}
