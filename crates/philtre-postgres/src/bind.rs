//! Binding a [`Value`] to a parameter whose type the server inferred.
//!
//! The statement is prepared first, so each `$n` has a type; the value is converted to it
//! here, before anything is sent, so a mismatch is a clean [`Error::TypeMismatch`].

use std::borrow::Cow;
use std::error::Error as StdError;
use std::str::FromStr;

use bytes::BytesMut;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use philtre_core::{Error, Result, Value};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use tokio_postgres::types::{to_sql_checked, IsNull, Kind, ToSql, Type};
use uuid::Uuid;

type BoxError = Box<dyn StdError + Sync + Send>;

/// A value converted for one parameter type; encodes itself in the binary format.
#[derive(Debug)]
pub(crate) enum Bound<'a> {
    Null,
    Bool(bool),
    I16(i16),
    I32(i32),
    I64(i64),
    Oid(u32),
    F32(f32),
    F64(f64),
    Text(Cow<'a, str>),
    Bytes(&'a [u8]),
    Decimal(Decimal),
    Date(NaiveDate),
    Time(NaiveTime),
    Timestamp(NaiveDateTime),
    TimestampTz(DateTime<Utc>),
    Uuid(Uuid),
    /// JSON text, sent as is (`jsonb`: after its version byte).
    Json {
        text: Cow<'a, str>,
        jsonb: bool,
    },
}

impl ToSql for Bound<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match self {
            Bound::Null => Ok(IsNull::Yes),
            Bound::Bool(v) => v.to_sql(ty, out),
            Bound::I16(v) => v.to_sql(ty, out),
            Bound::I32(v) => v.to_sql(ty, out),
            Bound::I64(v) => v.to_sql(ty, out),
            Bound::Oid(v) => v.to_sql(ty, out),
            Bound::F32(v) => v.to_sql(ty, out),
            Bound::F64(v) => v.to_sql(ty, out),
            Bound::Text(v) => v.as_ref().to_sql(ty, out),
            Bound::Bytes(v) => v.to_sql(ty, out),
            Bound::Decimal(v) => v.to_sql(ty, out),
            Bound::Date(v) => v.to_sql(ty, out),
            Bound::Time(v) => v.to_sql(ty, out),
            Bound::Timestamp(v) => v.to_sql(ty, out),
            Bound::TimestampTz(v) => v.to_sql(ty, out),
            Bound::Uuid(v) => v.to_sql(ty, out),
            Bound::Json { text, jsonb } => {
                if *jsonb {
                    out.extend_from_slice(&[1]);
                }
                out.extend_from_slice(text.as_bytes());
                Ok(IsNull::No)
            }
        }
    }

    /// Every type: the conversion in [`bind`] already checked the value against it.
    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// The base type of a domain, or the type itself.
pub(crate) fn base_type(ty: &Type) -> &Type {
    match ty.kind() {
        Kind::Domain(inner) => base_type(inner),
        _ => ty,
    }
}

/// Whether the server reads this type from plain text bytes.
fn is_textual(ty: &Type) -> bool {
    matches!(
        *ty,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN
    ) || matches!(ty.kind(), Kind::Enum(_))
        || ty.name() == "citext"
}

/// Converts each value for its parameter; the lengths must agree.
pub(crate) fn bind_all<'a>(values: &'a [Value], types: &[Type]) -> Result<Vec<Bound<'a>>> {
    if values.len() != types.len() {
        return Err(Error::InvalidStatement(format!(
            "the statement has {} parameter(s) but {} value(s) were given",
            types.len(),
            values.len()
        )));
    }
    values
        .iter()
        .zip(types)
        .enumerate()
        .map(|(i, (v, t))| bind(v, t, i + 1))
        .collect()
}

/// Converts `value` for parameter `$index` of type `ty`.
pub(crate) fn bind<'a>(value: &'a Value, ty: &Type, index: usize) -> Result<Bound<'a>> {
    let base = base_type(ty);
    let mismatch = |detail: &str| Error::TypeMismatch {
        column: format!("${index}"),
        expected: if detail.is_empty() {
            ty.name().to_owned()
        } else {
            format!("{} ({detail})", ty.name())
        },
        found: value.kind(),
    };
    let range = || mismatch("value out of range");
    let text = |s: String| Ok(Bound::Text(Cow::Owned(s)));
    let jsonb = *base == Type::JSONB;
    let is_json = jsonb || *base == Type::JSON;
    let json = |s: String| {
        Ok(Bound::Json {
            text: Cow::Owned(s),
            jsonb,
        })
    };

    match value {
        Value::Null => Ok(Bound::Null),
        Value::Bool(b) => match *base {
            Type::BOOL => Ok(Bound::Bool(*b)),
            Type::INT2 => Ok(Bound::I16(i16::from(*b))),
            Type::INT4 => Ok(Bound::I32(i32::from(*b))),
            Type::INT8 => Ok(Bound::I64(i64::from(*b))),
            _ if is_json => json(b.to_string()),
            _ if is_textual(base) => text(b.to_string()),
            _ => Err(mismatch("")),
        },
        Value::Int(i) => {
            let i = *i;
            match *base {
                Type::INT8 => Ok(Bound::I64(i)),
                Type::INT4 => i32::try_from(i).map(Bound::I32).map_err(|_| range()),
                Type::INT2 => i16::try_from(i).map(Bound::I16).map_err(|_| range()),
                Type::OID => u32::try_from(i).map(Bound::Oid).map_err(|_| range()),
                Type::NUMERIC => Ok(Bound::Decimal(Decimal::from(i))),
                Type::FLOAT8 => i.to_f64().map(Bound::F64).ok_or_else(range),
                Type::FLOAT4 => i.to_f32().map(Bound::F32).ok_or_else(range),
                Type::BOOL if i == 0 || i == 1 => Ok(Bound::Bool(i == 1)),
                _ if is_json => json(i.to_string()),
                _ if is_textual(base) => text(i.to_string()),
                _ => Err(mismatch("")),
            }
        }
        Value::Float(f) => {
            let f = *f;
            match *base {
                Type::FLOAT8 => Ok(Bound::F64(f)),
                #[allow(clippy::cast_possible_truncation)]
                Type::FLOAT4 if !f.is_finite() || f.abs() <= f64::from(f32::MAX) => {
                    Ok(Bound::F32(f as f32))
                }
                Type::FLOAT4 => Err(range()),
                Type::NUMERIC => Decimal::from_str(&f.to_string())
                    .map(Bound::Decimal)
                    .map_err(|_| range()),
                _ if is_json => serde_json::Number::from_f64(f)
                    .map(|n| Bound::Json {
                        text: Cow::Owned(n.to_string()),
                        jsonb,
                    })
                    .ok_or_else(range),
                _ if is_textual(base) => text(f.to_string()),
                _ => Err(mismatch("")),
            }
        }
        Value::Text(s) => bind_text(s, base, is_json, jsonb).ok_or_else(|| {
            mismatch(if is_textual(base) {
                ""
            } else {
                "text that does not parse"
            })
        }),
        Value::Bytes(b) => match *base {
            Type::BYTEA => Ok(Bound::Bytes(b)),
            _ => Err(mismatch("")),
        },
        Value::Decimal(d) => match *base {
            Type::NUMERIC => Ok(Bound::Decimal(*d)),
            Type::FLOAT8 => d.to_f64().map(Bound::F64).ok_or_else(range),
            Type::FLOAT4 => d.to_f32().map(Bound::F32).ok_or_else(range),
            Type::INT8 if d.fract().is_zero() => d.to_i64().map(Bound::I64).ok_or_else(range),
            Type::INT4 if d.fract().is_zero() => d.to_i32().map(Bound::I32).ok_or_else(range),
            Type::INT2 if d.fract().is_zero() => d.to_i16().map(Bound::I16).ok_or_else(range),
            _ if is_json => json(d.normalize().to_string()),
            _ if is_textual(base) => text(d.to_string()),
            _ => Err(mismatch("")),
        },
        Value::Date(d) => match *base {
            Type::DATE => Ok(Bound::Date(*d)),
            Type::TIMESTAMP => Ok(Bound::Timestamp(d.and_time(NaiveTime::MIN))),
            Type::TIMESTAMPTZ => Ok(Bound::TimestampTz(d.and_time(NaiveTime::MIN).and_utc())),
            _ if is_textual(base) => text(d.to_string()),
            _ => Err(mismatch("")),
        },
        Value::Time(t) => match *base {
            Type::TIME => Ok(Bound::Time(*t)),
            _ if is_textual(base) => text(t.to_string()),
            _ => Err(mismatch("")),
        },
        Value::DateTime(t) => match *base {
            Type::TIMESTAMP => Ok(Bound::Timestamp(*t)),
            Type::TIMESTAMPTZ => Ok(Bound::TimestampTz(t.and_utc())),
            _ if is_textual(base) => text(t.format("%Y-%m-%d %H:%M:%S%.f").to_string()),
            _ => Err(mismatch("")),
        },
        Value::Uuid(u) => match *base {
            Type::UUID => Ok(Bound::Uuid(*u)),
            _ if is_textual(base) => text(u.to_string()),
            _ => Err(mismatch("")),
        },
        Value::Json(j) => match *base {
            _ if is_json => json(j.to_string()),
            _ if is_textual(base) => text(j.to_string()),
            _ => Err(mismatch("")),
        },
        other => Err(Error::TypeMismatch {
            column: format!("${index}"),
            expected: ty.name().to_owned(),
            found: other.kind(),
        }),
    }
}

/// Text into a typed parameter, where the text reads unambiguously as that type.
fn bind_text<'a>(s: &'a str, base: &Type, is_json: bool, jsonb: bool) -> Option<Bound<'a>> {
    if is_textual(base) {
        return Some(Bound::Text(Cow::Borrowed(s)));
    }
    if is_json {
        // JSON text is sent as written (the server validates it; `json` keeps it verbatim).
        return Some(Bound::Json {
            text: Cow::Borrowed(s),
            jsonb,
        });
    }
    let t = s.trim();
    Some(match *base {
        Type::UUID => Bound::Uuid(Uuid::parse_str(t).ok()?),
        Type::DATE => Bound::Date(NaiveDate::from_str(t).ok()?),
        Type::TIME => Bound::Time(NaiveTime::from_str(t).ok()?),
        Type::TIMESTAMP => Bound::Timestamp(parse_datetime(t)?),
        Type::TIMESTAMPTZ => Bound::TimestampTz(match DateTime::parse_from_rfc3339(t) {
            Ok(dt) => dt.with_timezone(&Utc),
            Err(_) => parse_datetime(t)?.and_utc(),
        }),
        Type::NUMERIC => Bound::Decimal(
            Decimal::from_str(t)
                .or_else(|_| Decimal::from_scientific(t))
                .ok()?,
        ),
        Type::INT2 => Bound::I16(t.parse().ok()?),
        Type::INT4 => Bound::I32(t.parse().ok()?),
        Type::INT8 => Bound::I64(t.parse().ok()?),
        Type::FLOAT4 => Bound::F32(t.parse().ok()?),
        Type::FLOAT8 => Bound::F64(t.parse().ok()?),
        Type::BOOL => Bound::Bool(match t.to_ascii_lowercase().as_str() {
            "t" | "true" | "yes" | "on" | "1" => true,
            "f" | "false" | "no" | "off" | "0" => false,
            _ => return None,
        }),
        _ => return None,
    })
}

/// `2024-01-02 03:04:05[.ffffff]` or with a `T`.
fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
}
