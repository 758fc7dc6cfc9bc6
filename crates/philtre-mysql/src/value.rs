//! Converting between philtre's [`Value`] and mysql_async's, by the result column's type.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use mysql_async::consts::{ColumnFlags, ColumnType};
use mysql_async::{Column, Value as My};
use philtre_core::{Error, Result, Value};
use rust_decimal::Decimal;

/// The collation number MySQL and MariaDB send for binary strings (BLOB, VARBINARY).
pub(crate) const BINARY_CHARSET: u16 = 63;

/// rust_decimal keeps at most 28 digits after the point.
const MAX_DECIMAL_SCALE: usize = 28;

/// A philtre value as a statement parameter.
pub(crate) fn to_mysql(value: Value) -> Result<My> {
    Ok(match value {
        Value::Null => My::NULL,
        Value::Bool(b) => My::Int(i64::from(b)),
        Value::Int(i) => My::Int(i),
        Value::Float(f) => My::Double(f),
        Value::Text(s) => My::Bytes(s.into_bytes()),
        Value::Bytes(b) => My::Bytes(b),
        Value::Decimal(d) => My::Bytes(d.to_string().into_bytes()),
        Value::Date(d) => {
            let (y, m, d) = ymd(d)?;
            My::Date(y, m, d, 0, 0, 0, 0)
        }
        Value::Time(t) => {
            let (h, m, s, us) = hms(t);
            My::Time(false, 0, h, m, s, us)
        }
        Value::DateTime(dt) => {
            let (y, mo, d) = ymd(dt.date())?;
            let (h, mi, s, us) = hms(dt.time());
            My::Date(y, mo, d, h, mi, s, us)
        }
        Value::Uuid(u) => My::Bytes(u.hyphenated().to_string().into_bytes()),
        Value::Json(j) => My::Bytes(j.to_string().into_bytes()),
        other => {
            return Err(Error::InvalidStatement(format!(
                "philtre-mysql cannot bind a {} value",
                other.kind()
            )))
        }
    })
}

fn ymd(d: NaiveDate) -> Result<(u16, u8, u8)> {
    let year = u16::try_from(d.year())
        .ok()
        .filter(|y| *y <= 9999)
        .ok_or_else(|| {
            Error::InvalidStatement(format!("date {d} is outside MySQL's years 0-9999"))
        })?;
    // Month (1-12) and day (1-31) always fit a u8.
    Ok((year, d.month() as u8, d.day() as u8))
}

fn hms(t: NaiveTime) -> (u8, u8, u8, u32) {
    // A leap second (nanoseconds past 1e9) is clamped to the last microsecond of the second.
    let micros = (t.nanosecond() / 1000).min(999_999);
    (t.hour() as u8, t.minute() as u8, t.second() as u8, micros)
}

/// Reads one result value, choosing the philtre variant by the column's type and flags.
pub(crate) fn from_mysql(column: &Column, value: My) -> Result<Value> {
    if value == My::NULL {
        return Ok(Value::Null);
    }
    // The name is only looked up for an error: every value would pay for it otherwise.
    let bad = |found: String| Error::Decode {
        column: column.name_str().into_owned(),
        expected: expected(column.column_type()),
        found,
    };
    use ColumnType as T;
    match column.column_type() {
        T::MYSQL_TYPE_NULL => Ok(Value::Null),
        T::MYSQL_TYPE_TINY if column.column_length() == 1 => match integer(value, &bad)? {
            0 => Ok(Value::Bool(false)),
            1 => Ok(Value::Bool(true)),
            other => Ok(Value::Int(other)),
        },
        T::MYSQL_TYPE_TINY
        | T::MYSQL_TYPE_SHORT
        | T::MYSQL_TYPE_LONG
        | T::MYSQL_TYPE_INT24
        | T::MYSQL_TYPE_LONGLONG
        | T::MYSQL_TYPE_YEAR => integer(value, &bad).map(Value::Int),
        T::MYSQL_TYPE_FLOAT | T::MYSQL_TYPE_DOUBLE => match value {
            // Through the shortest decimal form, so a FLOAT 0.1 reads as 0.1, not 0.100000001.
            My::Float(f) => Ok(Value::Float(f.to_string().parse().unwrap_or(f64::from(f)))),
            My::Double(d) => Ok(Value::Float(d)),
            other => parse_text(other, &bad).map(Value::Float),
        },
        T::MYSQL_TYPE_DECIMAL | T::MYSQL_TYPE_NEWDECIMAL => {
            let text = text(value, &bad)?;
            decimal(&text).map(Value::Decimal).ok_or_else(|| bad(text))
        }
        T::MYSQL_TYPE_DATE | T::MYSQL_TYPE_NEWDATE => match datetime(value, &bad)? {
            dt if dt.time() == NaiveTime::MIN => Ok(Value::Date(dt.date())),
            dt => Err(bad(format!("date with a time of day {dt}"))),
        },
        T::MYSQL_TYPE_DATETIME
        | T::MYSQL_TYPE_DATETIME2
        | T::MYSQL_TYPE_TIMESTAMP
        | T::MYSQL_TYPE_TIMESTAMP2 => datetime(value, &bad).map(Value::DateTime),
        T::MYSQL_TYPE_TIME | T::MYSQL_TYPE_TIME2 => time(value, &bad).map(Value::Time),
        T::MYSQL_TYPE_JSON => {
            let text = text(value, &bad)?;
            serde_json::from_str(&text)
                .map(Value::Json)
                .map_err(|_| bad(text))
        }
        _ if column.character_set() == BINARY_CHARSET => match value {
            My::Bytes(b) => Ok(Value::Bytes(b)),
            other => Err(bad(format!("{other:?}"))),
        },
        _ => string(column, text(value, &bad)?),
    }
}

/// A text column: JSON and UUID columns are told apart by their binary collation (see
/// [`MysqlDialect`](crate::MysqlDialect)) and fall back to text when the content says otherwise.
fn string(column: &Column, text: String) -> Result<Value> {
    let binary_collation = column.flags().contains(ColumnFlags::BINARY_FLAG);
    match column.column_type() {
        // MariaDB's JSON: LONGTEXT COLLATE utf8mb4_bin (a plain LONGTEXT has no BINARY flag).
        ColumnType::MYSQL_TYPE_BLOB | ColumnType::MYSQL_TYPE_LONG_BLOB
            if binary_collation && column.column_length() == u32::MAX =>
        {
            Ok(serde_json::from_str(&text).map_or(Value::Text(text), Value::Json))
        }
        // CHAR(36) ... COLLATE ascii_bin (or MariaDB's UUID type): 36 characters of 1-4 bytes.
        ColumnType::MYSQL_TYPE_STRING
            if binary_collation
                && column.column_length() % 36 == 0
                && (1..=4).contains(&(column.column_length() / 36)) =>
        {
            Ok(uuid::Uuid::try_parse(&text).map_or(Value::Text(text), Value::Uuid))
        }
        _ => Ok(Value::Text(text)),
    }
}

fn expected(ty: ColumnType) -> &'static str {
    use ColumnType as T;
    match ty {
        T::MYSQL_TYPE_FLOAT | T::MYSQL_TYPE_DOUBLE => "a float",
        T::MYSQL_TYPE_DECIMAL | T::MYSQL_TYPE_NEWDECIMAL => "a decimal that fits rust_decimal",
        T::MYSQL_TYPE_DATE | T::MYSQL_TYPE_NEWDATE => "a date (zero dates are not supported)",
        T::MYSQL_TYPE_DATETIME
        | T::MYSQL_TYPE_DATETIME2
        | T::MYSQL_TYPE_TIMESTAMP
        | T::MYSQL_TYPE_TIMESTAMP2 => "a datetime (zero dates are not supported)",
        T::MYSQL_TYPE_TIME | T::MYSQL_TYPE_TIME2 => "a time of day (00:00:00 to 23:59:59.999999)",
        T::MYSQL_TYPE_JSON => "JSON",
        T::MYSQL_TYPE_TINY
        | T::MYSQL_TYPE_SHORT
        | T::MYSQL_TYPE_LONG
        | T::MYSQL_TYPE_INT24
        | T::MYSQL_TYPE_LONGLONG
        | T::MYSQL_TYPE_YEAR => "an integer that fits i64",
        _ => "UTF-8 text",
    }
}

fn text(value: My, bad: &impl Fn(String) -> Error) -> Result<String> {
    match value {
        My::Bytes(b) => String::from_utf8(b)
            .map_err(|e| bad(format!("{} bytes that are not UTF-8", e.as_bytes().len()))),
        other => Err(bad(format!("{other:?}"))),
    }
}

fn parse_text<T: std::str::FromStr>(value: My, bad: &impl Fn(String) -> Error) -> Result<T> {
    let s = text(value, bad)?;
    s.trim().parse().map_err(|_| bad(s))
}

fn integer(value: My, bad: &impl Fn(String) -> Error) -> Result<i64> {
    match value {
        My::Int(i) => Ok(i),
        My::UInt(u) => i64::try_from(u).map_err(|_| bad(format!("unsigned integer {u}"))),
        other => parse_text(other, bad),
    }
}

/// Parses the server's decimal text. More fractional digits than rust_decimal keeps (a
/// `NUMERIC(65, 30)`) lose their trailing zeros first, and are rounded only past that.
fn decimal(text: &str) -> Option<Decimal> {
    let text = text.trim();
    let fraction = text.split_once('.').map_or(0, |(_, f)| f.len());
    if fraction > MAX_DECIMAL_SCALE {
        let trimmed = text.trim_end_matches('0').trim_end_matches('.');
        return trimmed.parse().ok();
    }
    Decimal::from_str_exact(text).ok()
}

fn datetime(value: My, bad: &impl Fn(String) -> Error) -> Result<NaiveDateTime> {
    match value {
        My::Date(y, mo, d, h, mi, s, us) => NaiveDate::from_ymd_opt(y.into(), mo.into(), d.into())
            .and_then(|date| date.and_hms_micro_opt(h.into(), mi.into(), s.into(), us))
            .ok_or_else(|| {
                bad(format!(
                    "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}"
                ))
            }),
        other => {
            let s = text(other, bad)?;
            NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M:%S%.f")
                .or_else(|_| {
                    NaiveDate::parse_from_str(&s, "%Y-%m-%d").map(|d| d.and_time(NaiveTime::MIN))
                })
                .map_err(|_| bad(s))
        }
    }
}

fn time(value: My, bad: &impl Fn(String) -> Error) -> Result<NaiveTime> {
    match value {
        My::Time(false, 0, h, m, s, us) => {
            NaiveTime::from_hms_micro_opt(h.into(), m.into(), s.into(), us)
                .ok_or_else(|| bad(format!("{h:02}:{m:02}:{s:02}.{us:06}")))
        }
        My::Time(neg, days, h, m, s, us) => {
            let sign = if neg { "-" } else { "" };
            let hours = u64::from(days) * 24 + u64::from(h);
            Err(bad(format!("{sign}{hours}:{m:02}:{s:02}.{us:06}")))
        }
        other => {
            let s = text(other, bad)?;
            NaiveTime::parse_from_str(&s, "%H:%M:%S%.f").map_err(|_| bad(s))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_keep_their_scale_and_trim_past_28_digits() {
        assert_eq!(
            decimal("10.50").map(|d| d.to_string()),
            Some("10.50".into())
        );
        let wide = "1.500000000000000000000000000000";
        assert_eq!(decimal(wide).map(|d| d.to_string()), Some("1.5".into()));
        assert_eq!(
            decimal("-0.000000000000000000000000000000").map(|d| d.is_zero()),
            Some(true)
        );
        assert_eq!(decimal("1e400"), None);
    }

    #[test]
    fn binds_follow_the_table() -> Result<()> {
        assert_eq!(to_mysql(Value::Bool(true))?, My::Int(1));
        let d = Decimal::new(-12345, 2);
        assert_eq!(to_mysql(Value::Decimal(d))?, My::Bytes(b"-123.45".to_vec()));
        let dt = NaiveDate::from_ymd_opt(2024, 2, 29)
            .and_then(|d| d.and_hms_micro_opt(23, 59, 58, 123_456))
            .ok_or_else(|| Error::Config("bad test date".into()))?;
        assert_eq!(
            to_mysql(Value::DateTime(dt))?,
            My::Date(2024, 2, 29, 23, 59, 58, 123_456)
        );
        let before_year_0 =
            NaiveDate::from_ymd_opt(-1, 1, 1).ok_or_else(|| Error::Config("date".into()))?;
        assert!(matches!(
            to_mysql(Value::Date(before_year_0)),
            Err(Error::InvalidStatement(_))
        ));
        Ok(())
    }
}
