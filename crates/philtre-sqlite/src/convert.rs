//! [`Value`] ↔ SQLite storage: what to bind, and how to decode by the declared column type.

use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use philtre_core::{Error, Result, Value};
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rust_decimal::Decimal;
use uuid::Uuid;

/// How a result column decodes, from its declared type (`column_decltype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decl {
    Bool,
    Date,
    Time,
    DateTime,
    /// `NUMERIC(p, s)` / `DECIMAL(p, s)`, with the declared scale if any.
    Decimal(Option<u32>),
    Uuid,
    Json,
    Bytes,
    /// Anything else, or an expression: decode by the storage class of each value.
    Storage,
}

impl Decl {
    /// Runs for every column of every query, so it compares in place instead of
    /// upper-casing a copy.
    pub(crate) fn of(decltype: Option<&str>) -> Decl {
        let Some(decl) = decltype else {
            return Decl::Storage;
        };
        let (base, args) = match decl.split_once('(') {
            Some((base, rest)) => (base.trim(), Some(rest.trim_end().trim_end_matches(')'))),
            None => (decl.trim(), None),
        };
        let is = |name: &str| base.eq_ignore_ascii_case(name);
        if is("INTEGER") || is("TEXT") || is("VARCHAR") || is("REAL") {
            Decl::Storage
        } else if is("BOOLEAN") || is("BOOL") {
            Decl::Bool
        } else if is("DATE") {
            Decl::Date
        } else if is("TIME") {
            Decl::Time
        } else if is("DATETIME") || is("TIMESTAMP") {
            Decl::DateTime
        } else if is("NUMERIC") || is("DECIMAL") {
            let scale = args.and_then(|a| a.split(',').nth(1)).map(str::trim);
            Decl::Decimal(scale.and_then(|s| s.parse().ok()))
        } else if is("UUID") || (is("CHAR") && args.map(str::trim) == Some("36")) {
            Decl::Uuid
        } else if is("JSON") {
            Decl::Json
        } else if is("BLOB") {
            Decl::Bytes
        } else {
            Decl::Storage
        }
    }
}

/// Splits `NUMERIC(10, 2)` into `("NUMERIC", ["10", "2"])`.
pub(crate) fn split_type(decl: &str) -> (&str, Vec<&str>) {
    match decl.split_once('(') {
        Some((base, rest)) => {
            let inner = rest.trim_end().trim_end_matches(')');
            (base.trim(), inner.split(',').map(str::trim).collect())
        }
        None => (decl.trim(), Vec::new()),
    }
}

/// The SQLite value a philtre value binds as (see the type table in the crate docs).
pub(crate) fn encode(value: &Value) -> Result<ToSqlOutput<'_>> {
    let owned = |v| Ok(ToSqlOutput::Owned(v));
    match value {
        Value::Null => owned(SqlValue::Null),
        Value::Bool(b) => owned(SqlValue::Integer(i64::from(*b))),
        Value::Int(i) => owned(SqlValue::Integer(*i)),
        Value::Float(f) => owned(SqlValue::Real(*f)),
        // Text and blobs are bound straight from the caller's buffer, not copied.
        Value::Text(s) => Ok(ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes()))),
        Value::Bytes(b) => Ok(ToSqlOutput::Borrowed(ValueRef::Blob(b))),
        Value::Decimal(d) => owned(SqlValue::Text(d.to_string())),
        Value::Date(d) => owned(SqlValue::Text(d.format("%Y-%m-%d").to_string())),
        Value::Time(t) => owned(SqlValue::Text(format_time(*t))),
        Value::DateTime(dt) => owned(SqlValue::Text(format_datetime(*dt))),
        Value::Uuid(u) => owned(SqlValue::Text(u.hyphenated().to_string())),
        Value::Json(j) => owned(SqlValue::Text(j.to_string())),
        other => Err(Error::InvalidStatement(format!(
            "a {} value cannot be bound on SQLite",
            other.kind()
        ))),
    }
}

/// `HH:MM:SS`, with `.ffffff` when there are microseconds (`.fffffffff` for nanoseconds).
pub(crate) fn format_time(t: NaiveTime) -> String {
    t.format(fraction_format("%H:%M:%S", t.nanosecond()))
        .to_string()
}

/// `YYYY-MM-DD HH:MM:SS[.ffffff]`, the form SQLite's own date functions read and write.
pub(crate) fn format_datetime(dt: NaiveDateTime) -> String {
    dt.format(fraction_format("%Y-%m-%d %H:%M:%S", dt.nanosecond()))
        .to_string()
}

fn fraction_format(base: &'static str, nanos: u32) -> &'static str {
    match (nanos, base.len()) {
        (0, _) => base,
        (n, 8) if n % 1000 == 0 => "%H:%M:%S%.6f",
        (_, 8) => "%H:%M:%S%.9f",
        (n, _) if n % 1000 == 0 => "%Y-%m-%d %H:%M:%S%.6f",
        _ => "%Y-%m-%d %H:%M:%S%.9f",
    }
}

/// Decodes one result value. A value that does not parse as its declared type (text in a
/// DATE column that is not a date) comes back by its storage class rather than failing
/// the whole query; reading it as the declared Rust type then reports a decode error.
pub(crate) fn decode(value: ValueRef<'_>, decl: Decl) -> Value {
    let parsed = match (decl, value) {
        (_, ValueRef::Null) => return Value::Null,
        (Decl::Bool, ValueRef::Integer(i)) => Some(Value::Bool(i != 0)),
        (Decl::Date, ValueRef::Text(t)) => utf8(t).and_then(parse_date).map(Value::Date),
        (Decl::Time, ValueRef::Text(t)) => utf8(t).and_then(parse_time).map(Value::Time),
        (Decl::DateTime, ValueRef::Text(t)) => {
            utf8(t).and_then(parse_datetime).map(Value::DateTime)
        }
        (Decl::Decimal(scale), v) => decode_decimal(v).map(|d| Value::Decimal(rescale(d, scale))),
        (Decl::Uuid, ValueRef::Text(t)) => Uuid::try_parse_ascii(t).ok().map(Value::Uuid),
        (Decl::Uuid, ValueRef::Blob(b)) => Uuid::from_slice(b).ok().map(Value::Uuid),
        (Decl::Json, ValueRef::Text(t)) => serde_json::from_slice(t).ok().map(Value::Json),
        (Decl::Json, ValueRef::Integer(i)) => Some(Value::Json(i.into())),
        (Decl::Json, ValueRef::Real(f)) => {
            serde_json::Number::from_f64(f).map(|n| Value::Json(n.into()))
        }
        (Decl::Bytes, ValueRef::Text(t)) => Some(Value::Bytes(t.to_vec())),
        _ => None,
    };
    parsed.unwrap_or_else(|| by_storage(value))
}

/// Decodes by storage class alone: INTEGER, REAL, TEXT, BLOB, NULL.
fn by_storage(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Float(f),
        // SQLite does not check that text is UTF-8; bytes that are not come back as bytes.
        ValueRef::Text(t) => match std::str::from_utf8(t) {
            Ok(s) => Value::Text(s.to_owned()),
            Err(_) => Value::Bytes(t.to_vec()),
        },
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
    }
}

fn utf8(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    NaiveTime::parse_from_str(s, "%H:%M:%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
        .ok()
}

fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f"))
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"))
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M"))
        .ok()
        .or_else(|| parse_date(s).and_then(|d| d.and_hms_opt(0, 0, 0)))
}

/// NUMERIC affinity stores a decimal written as text as INTEGER or REAL when that keeps its
/// first 15 digits, and as TEXT otherwise; all three come back as a `Decimal`.
fn decode_decimal(value: ValueRef<'_>) -> Option<Decimal> {
    match value {
        ValueRef::Integer(i) => Some(Decimal::from(i)),
        // `{f}` is the shortest text that reads back as the same float: 0.1 stays 0.1.
        ValueRef::Real(f) if f.is_finite() => parse_decimal(&f.to_string()),
        ValueRef::Text(t) => utf8(t).and_then(|s| parse_decimal(s.trim())),
        _ => None,
    }
}

fn parse_decimal(s: &str) -> Option<Decimal> {
    Decimal::from_str(s)
        .ok()
        .or_else(|| Decimal::from_scientific(s).ok())
}

/// Pads to the declared scale (`1.5` in a `NUMERIC(10, 2)` reads `1.50`); never rounds.
fn rescale(mut d: Decimal, scale: Option<u32>) -> Decimal {
    if let Some(s) = scale {
        if d.scale() < s && s <= 28 {
            d.rescale(s);
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types() {
        assert_eq!(Decl::of(Some("BOOLEAN")), Decl::Bool);
        assert_eq!(Decl::of(Some("numeric(10, 2)")), Decl::Decimal(Some(2)));
        assert_eq!(Decl::of(Some("DECIMAL")), Decl::Decimal(None));
        assert_eq!(Decl::of(Some("CHAR(36)")), Decl::Uuid);
        assert_eq!(Decl::of(Some("CHAR(10)")), Decl::Storage);
        assert_eq!(Decl::of(Some("TIMESTAMP")), Decl::DateTime);
        assert_eq!(Decl::of(Some("VARCHAR(20)")), Decl::Storage);
        assert_eq!(Decl::of(Some(" uuid ")), Decl::Uuid);
        assert_eq!(Decl::of(Some("char( 36 )")), Decl::Uuid);
        assert_eq!(Decl::of(Some("Json")), Decl::Json);
        assert_eq!(Decl::of(None), Decl::Storage);
    }

    #[test]
    fn time_formats() {
        let t = NaiveTime::from_hms_micro_opt(1, 2, 3, 4).expect("valid");
        assert_eq!(format_time(t), "01:02:03.000004");
        let t = NaiveTime::from_hms_opt(23, 59, 0).expect("valid");
        assert_eq!(format_time(t), "23:59:00");
        assert_eq!(parse_time("23:59:00"), Some(t));
        let dt = NaiveDate::from_ymd_opt(2024, 2, 29)
            .expect("valid")
            .and_hms_nano_opt(12, 0, 0, 5)
            .expect("valid");
        assert_eq!(format_datetime(dt), "2024-02-29 12:00:00.000000005");
        assert_eq!(parse_datetime(&format_datetime(dt)), Some(dt));
        assert_eq!(
            parse_datetime("2024-02-29T12:00:00"),
            Some(dt.with_nanosecond(0).expect("valid"))
        );
    }

    #[test]
    fn decimals_keep_scale() {
        let d = decode(ValueRef::Real(1.5), Decl::Decimal(Some(2)));
        assert_eq!(format!("{d}"), "Decimal('1.50')");
        let d = decode(
            ValueRef::Text(b"12345678901234567890.123"),
            Decl::Decimal(None),
        );
        assert_eq!(
            d,
            Value::Decimal(Decimal::from_str("12345678901234567890.123").expect("valid"))
        );
        assert_eq!(
            decode(ValueRef::Text(b"abc"), Decl::Decimal(None)),
            Value::Text("abc".into())
        );
    }
}
