//! Every `Value` variant written through a philtre-declared table reads back as itself.

use std::str::FromStr;

use chrono::{NaiveDate, NaiveTime};
use philtre_core::types::*;
use philtre_core::{
    Column, Connection, CreateTable, Error, FromValue, RawRow, Result, RowSink, Table, Value,
};
use rust_decimal::Decimal;

use crate::{connect, run, scalar, unique, Cleanup};

fn kinds(name: &str) -> Table {
    Table::builder(name)
        .column(Column::new("id", Integer).primary_key())
        .column(Column::new("b", Boolean))
        .column(Column::new("small", SmallInteger))
        .column(Column::new("i", Integer))
        .column(Column::new("big", BigInteger))
        .column(Column::new("f", Float))
        .column(Column::new("s", String(255)))
        .column(Column::new("t", Text))
        .column(Column::new("d", Numeric(20, 6)))
        .column(Column::new("wide", philtre_core::SqlType::Numeric(None)))
        .column(Column::new("day", Date))
        .column(Column::new("tm", Time))
        .column(Column::new("ts", DateTime))
        .column(Column::new("bin", LargeBinary))
        .column(Column::new("j", Json))
        .column(Column::new("u", Uuid))
        .build()
}

/// Column name and value, in table order after `id`.
fn first_row() -> Result<Vec<(&'static str, Value)>> {
    let bad = || Error::Config("bad test constant".into());
    let day = NaiveDate::from_ymd_opt(2024, 2, 29).ok_or_else(bad)?;
    let tm = NaiveTime::from_hms_micro_opt(23, 59, 58, 123_456).ok_or_else(bad)?;
    let dec = |s: &str| Decimal::from_str(s).map_err(|_| bad());
    Ok(vec![
        ("b", Value::Bool(true)),
        ("small", Value::Int(-32768)),
        ("i", Value::Int(i64::from(i32::MAX))),
        ("big", Value::Int(i64::MIN)),
        ("f", Value::Float(-1.5e300)),
        ("s", Value::Text("héllo wörld ✓ 🦀 𝄞 \\ ' \" \0 end".into())),
        ("t", Value::Text("x€🦀".repeat(120_000))), // ~1 MB, 4-byte characters included
        ("d", Value::Decimal(dec("12345678901234.123456")?)),
        (
            "wide",
            Value::Decimal(dec("-79228162514264.3379593543950335")?),
        ),
        ("day", Value::Date(day)),
        ("tm", Value::Time(tm)),
        ("ts", Value::DateTime(day.and_time(tm))),
        (
            "bin",
            Value::Bytes((0..1_048_576u32).map(|i| (i % 256) as u8).collect()),
        ),
        (
            "j",
            Value::Json(serde_json::json!({"a": [1, 2.5, {"b": null}], "ü": "✓🦀", "t": true})),
        ),
        (
            "u",
            Value::Uuid(uuid::Uuid::from_u128(
                0x1234_5678_9abc_def0_1234_5678_9abc_def0,
            )),
        ),
    ])
}

fn second_row() -> Vec<(&'static str, Value)> {
    vec![
        ("b", Value::Bool(false)),
        ("big", Value::Int(i64::MAX)),
        ("s", Value::Text(String::new())),
        ("t", Value::Text(String::new())),
        ("bin", Value::Bytes(Vec::new())),
        ("j", Value::Json(serde_json::json!("just a string"))),
        ("d", Value::Decimal(Decimal::new(-1, 6))),
        ("f", Value::Float(0.1)),
    ]
}

async fn insert(
    conn: &mut dyn Connection,
    t: &Table,
    id: i64,
    row: &[(&str, Value)],
) -> Result<()> {
    let mut ins = t.insert().value("id", id);
    for (c, v) in row {
        ins = ins.value(c, v.clone());
    }
    run(conn, ins).await.map(|_| ())
}

#[tokio::test]
async fn every_value_round_trips() -> Result<()> {
    let name = unique("values");
    let _cleanup = Cleanup::new(&[&name]);
    let mut conn = connect().await?;
    round_trips(&mut *conn, &name).await
}

async fn round_trips(conn: &mut dyn Connection, name: &str) -> Result<()> {
    let t = kinds(name);
    run(conn, CreateTable(t.clone())).await?;
    let first = first_row()?;
    insert(conn, &t, 1, &first).await?;
    insert(conn, &t, 2, &second_row()).await?;
    insert(conn, &t, 3, &[]).await?; // every other column NULL

    let rows = run(conn, t.select().order_by(t.c("id"))).await?.rows;
    assert_eq!(rows.len(), 3);
    for (col, expected) in &first {
        let got = rows[0].try_get_value(*col)?;
        match (col, got) {
            // A 1 MB value would flood the failure message: compare, then report the size.
            (&"t" | &"bin", got) => assert!(got == expected, "{col}: {} differs", got.kind()),
            (_, got) => assert_eq!(got, expected, "column {col}"),
        }
    }
    for (col, expected) in second_row() {
        assert_eq!(rows[1].try_get_value(col)?, &expected, "column {col}");
    }
    assert_eq!(rows[1].get::<Decimal>("d")?.to_string(), "-0.000001");
    for col in t
        .columns()
        .iter()
        .map(|c| c.name.as_str())
        .filter(|c| *c != "id")
    {
        assert_eq!(
            rows[2].try_get_value(col)?,
            &Value::Null,
            "column {col} of the NULL row"
        );
    }
    // Typed access goes through core's FromValue.
    assert_eq!(
        rows[0].get::<uuid::Uuid>("u")?,
        uuid::Uuid::from_u128(0x1234_5678_9abc_def0_1234_5678_9abc_def0)
    );
    assert!(rows[0].get::<bool>("b")?);
    Ok(())
}

#[tokio::test]
async fn server_side_types_decode_by_column_type() -> Result<()> {
    let mut conn = connect().await?;
    let c = &mut *conn;
    let unsigned_max = scalar(c, "SELECT CAST(18446744073709551615 AS UNSIGNED)", vec![]).await;
    assert!(
        matches!(&unsigned_max, Err(Error::Decode { found, .. }) if found.contains("18446744073709551615")),
        "{unsigned_max:?}"
    );
    assert_eq!(
        scalar(c, "SELECT CAST(42 AS UNSIGNED)", vec![]).await?,
        Value::Int(42)
    );
    let long_time = scalar(c, "SELECT CAST('-01:00:00' AS TIME)", vec![]).await;
    assert!(
        matches!(long_time, Err(Error::Decode { .. })),
        "{long_time:?}"
    );
    assert_eq!(
        scalar(c, "SELECT CAST(0.5 AS FLOAT)", vec![]).await?,
        Value::Float(0.5)
    );
    assert_eq!(
        scalar(c, "SELECT X'00FF'", vec![]).await?,
        Value::Bytes(vec![0, 0xff])
    );
    assert_eq!(
        scalar(c, "SELECT ?", vec![Value::Text("é".into())]).await?,
        Value::Text("é".into())
    );
    assert_eq!(
        scalar(c, "SELECT ? + 1", vec![Value::Int(41)]).await?,
        Value::Int(42)
    );
    // Parameters of every kind bind (here compared by the server).
    let day = NaiveDate::from_ymd_opt(1999, 12, 31).ok_or(Error::NoResultFound)?;
    let same = scalar(c, "SELECT ? = DATE '1999-12-31'", vec![Value::Date(day)]).await?;
    assert_eq!(same, Value::Int(1));
    // The same rows come back with or without parameters (prepared either way).
    let rows = conn.query("SELECT 1 AS one, 'two' AS two", vec![]).await?;
    assert_eq!(rows.columns.as_ref(), ["one", "two"]);
    assert_eq!(rows.rows[0].get::<String>("two")?, "two");
    Ok(())
}

/// The first column of every row read as a `String`, the way typed results read it.
#[derive(Default)]
struct FirstAsText(Vec<Result<String>>);

impl RowSink for FirstAsText {
    fn columns(&mut self, _: &std::sync::Arc<[String]>) -> Result<()> {
        Ok(())
    }
    fn row(&mut self, _: &mut [Value]) -> Result<()> {
        Err(Error::Config("rows arrive through raw_row".into()))
    }
    fn reset(&mut self) {
        self.0.clear();
    }
    fn raw_row(&mut self, row: &mut dyn RawRow) -> Result<()> {
        self.0.push(<String as FromValue>::from_raw(row, 0));
        Ok(())
    }
}

#[tokio::test]
async fn columns_of_the_same_name_decode_by_their_own_types() -> Result<()> {
    let mut conn = connect().await?;
    // One connection remembers the last result's columns; the next result's, named alike
    // but of another type, must not be read by them: binary bytes are not text, even when
    // they happen to be valid UTF-8.
    for _ in 0..2 {
        let mut text = FirstAsText::default();
        conn.query_each("SELECT 'ab' AS v", vec![], &mut text)
            .await?;
        assert!(
            matches!(text.0.as_slice(), [Ok(s)] if s == "ab"),
            "{:?}",
            text.0
        );
        let mut bytes = FirstAsText::default();
        conn.query_each("SELECT X'6162' AS v", vec![], &mut bytes)
            .await?;
        assert!(
            matches!(bytes.0.as_slice(), [Err(Error::Decode { .. })]),
            "{:?}",
            bytes.0
        );
        let rows = conn.query("SELECT X'6162' AS v", vec![]).await?;
        assert_eq!(rows.rows[0].values(), [Value::Bytes(b"ab".to_vec())]);
    }
    Ok(())
}
