//! Decoding result columns into [`Value`]s by their PostgreSQL type.

use std::error::Error as StdError;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use philtre_core::{Error, PeekedInt, RawRow, Result, Value};
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

/// How one result column decodes: worked out once per result from the column's type, so
/// each value is a jump on a small enum rather than a run of type comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnKind {
    Bool,
    Int2,
    Int4,
    Int8,
    Oid,
    Float4,
    Float8,
    Numeric,
    Text,
    /// The one-byte "char" of the catalogs.
    Char,
    Bytea,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    Uuid,
    Json,
    /// Enums and citext arrive as their text.
    TextLike,
    Unsupported,
}

impl ColumnKind {
    pub(crate) fn of(ty: &Type) -> ColumnKind {
        let base = base_type(ty);
        match *base {
            Type::BOOL => ColumnKind::Bool,
            Type::INT2 => ColumnKind::Int2,
            Type::INT4 => ColumnKind::Int4,
            Type::INT8 => ColumnKind::Int8,
            Type::OID => ColumnKind::Oid,
            Type::FLOAT4 => ColumnKind::Float4,
            Type::FLOAT8 => ColumnKind::Float8,
            Type::NUMERIC => ColumnKind::Numeric,
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                ColumnKind::Text
            }
            Type::CHAR => ColumnKind::Char,
            Type::BYTEA => ColumnKind::Bytea,
            Type::DATE => ColumnKind::Date,
            Type::TIME => ColumnKind::Time,
            Type::TIMESTAMP => ColumnKind::Timestamp,
            Type::TIMESTAMPTZ => ColumnKind::TimestampTz,
            Type::UUID => ColumnKind::Uuid,
            Type::JSON | Type::JSONB => ColumnKind::Json,
            _ if matches!(base.kind(), Kind::Enum(_)) || base.name() == "citext" => {
                ColumnKind::TextLike
            }
            _ => ColumnKind::Unsupported,
        }
    }
}

/// The decoding kind of every column of a result.
pub(crate) fn column_kinds(columns: &[tokio_postgres::Column]) -> Vec<ColumnKind> {
    columns.iter().map(|c| ColumnKind::of(c.type_())).collect()
}

/// Every column of `row` as values, in order, into `out` (cleared first); `kinds` from
/// [`column_kinds`].
pub(crate) fn decode_row(row: &PgRow, kinds: &[ColumnKind], out: &mut Vec<Value>) -> Result<()> {
    out.clear();
    for (i, &kind) in kinds.iter().enumerate() {
        out.push(decode_column(row, i, kind)?);
    }
    Ok(())
}

/// Column `i` of `row`, of kind `kind`, as a value.
fn decode_column(row: &PgRow, i: usize, kind: ColumnKind) -> Result<Value> {
    let Some(col) = row.columns().get(i) else {
        return Err(Error::NoSuchRowColumn(format!("at position {i}")));
    };
    let raw: Raw<'_> = row.try_get(i).map_err(|e| Error::Decode {
        column: col.name().to_owned(),
        expected: "a PostgreSQL value",
        found: e.to_string(),
    })?;
    match raw.0 {
        None => Ok(Value::Null),
        Some(bytes) => decode(kind, col.type_(), bytes, col.name()),
    }
}

/// A row as a [`RawRow`]: integers and text are read straight from the wire format,
/// everything else as [`decode_row`] decodes it.
pub(crate) struct PgRawRow<'a> {
    pub(crate) row: &'a PgRow,
    pub(crate) kinds: &'a [ColumnKind],
    pub(crate) columns: &'a Arc<[String]>,
    /// Reused from row to row by [`RawRow::values`].
    pub(crate) buf: &'a mut Vec<Value>,
    /// What [`RawRow::peek`] last read as an integer, for the field's read that follows.
    pub(crate) peeked: PeekedInt,
}

impl PgRawRow<'_> {
    /// Column `i`'s bytes in the binary format (`Some(None)` for NULL), read without
    /// tokio-postgres's per-value type checks: the column's kind was worked out once for
    /// the result.
    fn bytes(&self, i: usize) -> Option<Option<&[u8]>> {
        self.row.try_get::<_, Raw<'_>>(i).ok().map(|raw| raw.0)
    }

    /// [`RawRow::int`], which reads nothing out of the row. The binary format of an
    /// integer (or a domain over one) is its big-endian bytes; any other width takes the
    /// `value` path, which reports it.
    fn int_at(&self, i: usize) -> Option<Option<i64>> {
        let kind = *self.kinds.get(i)?;
        if !matches!(kind, ColumnKind::Int8 | ColumnKind::Int4 | ColumnKind::Int2) {
            return None;
        }
        let Some(raw) = self.bytes(i)? else {
            return Some(None);
        };
        let n = match (kind, raw.len()) {
            (ColumnKind::Int8, 8) => i64::from_be_bytes(raw.try_into().ok()?),
            (ColumnKind::Int4, 4) => i32::from_be_bytes(raw.try_into().ok()?).into(),
            (ColumnKind::Int2, 2) => i16::from_be_bytes(raw.try_into().ok()?).into(),
            _ => return None,
        };
        Some(Some(n))
    }
}

/// Text's binary format is its UTF-8 bytes (the client encoding tokio-postgres sets).
/// Read directly: postgres-types' `&str` compares the type's name three times for every
/// value, for the extension types it decodes differently.
fn utf8(raw: &[u8]) -> std::result::Result<&str, std::str::Utf8Error> {
    std::str::from_utf8(raw)
}

impl RawRow for PgRawRow<'_> {
    fn columns(&self) -> &Arc<[String]> {
        self.columns
    }

    fn is_null(&self, i: usize) -> bool {
        matches!(self.row.try_get::<_, Raw<'_>>(i), Ok(Raw(None)))
    }

    fn value(&mut self, i: usize) -> Result<Value> {
        self.peek(i)
    }

    fn peek(&self, i: usize) -> Result<Value> {
        // A key is usually an integer: read it straight.
        if let Some(n) = self.int_at(i) {
            return Ok(self.peeked.remember(i, n).map_or(Value::Null, Value::Int));
        }
        let kind = self
            .kinds
            .get(i)
            .copied()
            .unwrap_or(ColumnKind::Unsupported);
        decode_column(self.row, i, kind)
    }

    fn values(&mut self) -> Result<(&mut [Value], &Arc<[String]>)> {
        decode_row(self.row, self.kinds, self.buf)?;
        Ok((&mut self.buf[..], self.columns))
    }

    fn int(&mut self, i: usize) -> Option<Option<i64>> {
        self.peeked.get(i).or_else(|| self.int_at(i))
    }

    fn text(&mut self, i: usize) -> Option<Option<String>> {
        match self.kinds.get(i)? {
            ColumnKind::Text | ColumnKind::TextLike => match self.bytes(i)? {
                None => Some(None),
                // Invalid UTF-8 takes the `value` path, which reports it.
                Some(raw) => utf8(raw).ok().map(|s| Some(s.to_owned())),
            },
            _ => None,
        }
    }
}

/// Decodes the bytes of one non-NULL column of type `ty`, of kind `kind`.
pub(crate) fn decode(kind: ColumnKind, ty: &Type, raw: &[u8], column: &str) -> Result<Value> {
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
    Ok(match kind {
        ColumnKind::Bool => Value::Bool(get!(bool, "bool")),
        ColumnKind::Int2 => Value::Int(get!(i16, "i16").into()),
        ColumnKind::Int4 => Value::Int(get!(i32, "i32").into()),
        ColumnKind::Int8 => Value::Int(get!(i64, "i64")),
        ColumnKind::Oid => Value::Int(get!(u32, "u32").into()),
        ColumnKind::Float4 => Value::Float(get!(f32, "f32").into()),
        ColumnKind::Float8 => Value::Float(get!(f64, "f64")),
        ColumnKind::Numeric => Value::Decimal(get!(Decimal, "Decimal")),
        ColumnKind::Text | ColumnKind::TextLike => {
            Value::Text(utf8(raw).map_err(|e| fail("String", e.into()))?.to_owned())
        }
        ColumnKind::Char => Value::Text(char::from(get!(i8, "i8").to_ne_bytes()[0]).to_string()),
        ColumnKind::Bytea => Value::Bytes(get!(Vec<u8>, "Vec<u8>")),
        ColumnKind::Date => Value::Date(get!(NaiveDate, "NaiveDate")),
        ColumnKind::Time => Value::Time(get!(NaiveTime, "NaiveTime")),
        ColumnKind::Timestamp => Value::DateTime(get!(NaiveDateTime, "NaiveDateTime")),
        ColumnKind::TimestampTz => {
            Value::DateTime(get!(DateTime<Utc>, "DateTime<Utc>").naive_utc())
        }
        ColumnKind::Uuid => Value::Uuid(get!(Uuid, "Uuid")),
        ColumnKind::Json => Value::Json(get!(serde_json::Value, "serde_json::Value")),
        ColumnKind::Unsupported => {
            return Err(Error::Decode {
                column: column.to_owned(),
                expected: "a type philtre-postgres decodes (see the crate docs)",
                found: format!("PostgreSQL type {}", ty.name()),
            })
        }
    })
}
