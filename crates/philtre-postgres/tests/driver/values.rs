//! Every `Value` variant written and read back, and the parameter conversions.

use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use philtre_core::{params, Connection, Error, Value};
use rust_decimal::Decimal;

use crate::common::{connect, rows, scalar, unique, Cleanup};

fn ts(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
}

const COLUMNS: &str = "i2 SMALLINT, i4 INTEGER, i8 BIGINT, f4 REAL, f8 DOUBLE PRECISION, \
    num NUMERIC(30, 6), numfree NUMERIC, flag BOOLEAN, t TEXT, vc VARCHAR(20), bin BYTEA, \
    d DATE, tm TIME, ts TIMESTAMP, tstz TIMESTAMPTZ, u UUID, j JSON, jb JSONB";

#[tokio::test]
async fn every_type_round_trips_including_null() {
    let table = unique("values");
    let _cleanup = Cleanup::tables(&[&table]);
    let mut conn = connect().await;
    conn.batch(&format!(
        "CREATE TABLE \"{table}\" (id INTEGER PRIMARY KEY, {COLUMNS})"
    ))
    .await
    .unwrap();

    let json =
        serde_json::json!({"name": "Zoë", "tags": ["a", 1, 2.5, null, true], "nested": {"x": {}}});
    let row = vec![
        Value::Int(1),
        Value::Int(-32768),
        Value::Int(2_147_483_647),
        Value::Int(i64::MIN),
        Value::Float(1.5),
        Value::Float(-1e300),
        Value::Decimal(Decimal::from_str("-123456789012345678.123456").unwrap()),
        Value::Decimal(Decimal::from_str("0.0000000001").unwrap()),
        Value::Bool(true),
        Value::Text("naïve café — 日本語 🎉".into()),
        Value::Text(String::new()),
        Value::Bytes(vec![0, 1, 2, 255, 0]),
        Value::Date(NaiveDate::from_ymd_opt(1815, 12, 10).unwrap()),
        Value::Time(NaiveTime::from_hms_micro_opt(23, 59, 58, 999_999).unwrap()),
        Value::DateTime(ts("2024-02-29 12:34:56.123456")),
        Value::DateTime(ts("1999-12-31 23:59:59.5")),
        Value::Uuid(uuid::Uuid::from_str("67e55044-10b1-426f-9247-bb680e5fe0c8").unwrap()),
        Value::Json(json.clone()),
        Value::Json(json),
    ];
    let placeholders: Vec<String> = (1..=row.len()).map(|i| format!("${i}")).collect();
    let insert = format!(
        "INSERT INTO \"{table}\" VALUES ({})",
        placeholders.join(", ")
    );
    let done = conn.execute(&insert, row.clone()).await.unwrap();
    assert_eq!(done.rows_affected, 1);
    assert_eq!(done.last_insert_id, None);

    // The NULL of every type.
    let mut nulls = vec![Value::Null; row.len()];
    nulls[0] = Value::Int(2);
    conn.execute(&insert, nulls.clone()).await.unwrap();

    let got = rows(
        &mut conn,
        &format!("SELECT * FROM \"{table}\" ORDER BY id"),
        vec![],
    )
    .await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].values(), row.as_slice());
    assert_eq!(got[1].values(), nulls.as_slice());
    assert_eq!(got[0].columns()[5], "f8");
    assert_eq!(got[0].get::<String>("t").unwrap(), "naïve café — 日本語 🎉");
}

#[tokio::test]
async fn large_values_and_extremes() {
    let table = unique("big");
    let _cleanup = Cleanup::tables(&[&table]);
    let mut conn = connect().await;
    conn.batch(&format!("CREATE TABLE \"{table}\" (id SERIAL PRIMARY KEY, t TEXT, b BYTEA, n BIGINT, f DOUBLE PRECISION)"))
        .await
        .unwrap();
    let text: String = "abcdé🎉".chars().cycle().take(1 << 20).collect();
    let bytes: Vec<u8> = (0..(1u32 << 20)).map(|i| (i % 251) as u8).collect();
    let insert =
        format!("INSERT INTO \"{table}\" (t, b, n, f) VALUES ($1, $2, $3, $4) RETURNING id");
    for (n, f) in [
        (i64::MAX, f64::INFINITY),
        (i64::MIN, f64::MIN_POSITIVE),
        (0, -0.0),
    ] {
        let r = rows(
            &mut conn,
            &insert,
            vec![
                text.clone().into(),
                bytes.clone().into(),
                n.into(),
                f.into(),
            ],
        )
        .await;
        let id = r[0].get::<i64>("id").unwrap();
        let back = rows(
            &mut conn,
            &format!("SELECT t, b, n, f FROM \"{table}\" WHERE id = $1"),
            params![id],
        )
        .await;
        assert_eq!(
            back[0].values(),
            [
                Value::Text(text.clone()),
                Value::Bytes(bytes.clone()),
                Value::Int(n),
                Value::Float(f)
            ]
        );
    }
    let nan = scalar(&mut conn, "SELECT $1::float8", params![f64::NAN]).await;
    assert!(matches!(nan, Value::Float(f) if f.is_nan()));
}

#[tokio::test]
async fn parameters_convert_to_the_inferred_type() {
    let mut conn = connect().await;
    // Int into int4 / int2 is range-checked before anything is sent.
    assert_eq!(
        scalar(&mut conn, "SELECT $1::int4", params![2_147_483_647_i64]).await,
        Value::Int(2_147_483_647)
    );
    let err = conn
        .query("SELECT $1::int4", params![2_147_483_648_i64])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::TypeMismatch { column, expected, found: "integer" } if column == "$1" && expected.contains("int4")),
        "{err}"
    );
    let err = conn
        .query("SELECT $1::int2", params![40_000])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TypeMismatch { .. }), "{err}");
    let err = conn
        .query("SELECT $1::float4", params![1e300])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TypeMismatch { .. }), "{err}");
    // Lenient where exact.
    assert_eq!(
        scalar(&mut conn, "SELECT $1::float8", params![3]).await,
        Value::Float(3.0)
    );
    assert_eq!(
        scalar(&mut conn, "SELECT $1::numeric", params![7]).await,
        Value::Decimal(Decimal::from(7))
    );
    assert_eq!(
        scalar(&mut conn, "SELECT $1::float4", params![0.5]).await,
        Value::Float(0.5)
    );
    assert_eq!(
        scalar(&mut conn, "SELECT $1::int8", params![Decimal::from(12)]).await,
        Value::Int(12)
    );
    let u = "67e55044-10b1-426f-9247-bb680e5fe0c8";
    assert_eq!(
        scalar(&mut conn, "SELECT $1::uuid", params![u]).await,
        Value::Uuid(uuid::Uuid::from_str(u).unwrap())
    );
    assert_eq!(
        scalar(&mut conn, "SELECT $1::date", params!["2024-01-02"]).await,
        Value::Date(NaiveDate::from_ymd_opt(2024, 1, 2).unwrap())
    );
    assert_eq!(
        scalar(
            &mut conn,
            "SELECT $1::timestamp",
            params!["2024-01-02T03:04:05"]
        )
        .await,
        Value::DateTime(ts("2024-01-02 03:04:05"))
    );
    assert_eq!(
        scalar(&mut conn, "SELECT $1::jsonb", params![r#"{"a": [1]}"#]).await,
        Value::Json(serde_json::json!({"a": [1]}))
    );
    assert_eq!(
        scalar(
            &mut conn,
            "SELECT $1::json",
            params![serde_json::json!([1, "x"])]
        )
        .await,
        Value::Json(serde_json::json!([1, "x"]))
    );
    // timestamptz: a naive DateTime is UTC, and reads back in UTC whatever the session zone.
    conn.batch("SET TIME ZONE 'America/New_York'")
        .await
        .unwrap();
    let at = ts("2024-06-01 12:00:00");
    assert_eq!(
        scalar(&mut conn, "SELECT $1::timestamptz", params![at]).await,
        Value::DateTime(at)
    );
    assert_eq!(
        scalar(
            &mut conn,
            "SELECT '2024-06-01 08:00:00-04'::timestamptz",
            vec![]
        )
        .await,
        Value::DateTime(at)
    );
    // Any value into a text parameter is its text form.
    assert_eq!(
        scalar(&mut conn, "SELECT $1::text", params![42]).await,
        Value::from("42")
    );
    assert_eq!(
        scalar(&mut conn, "SELECT $1::text", params![true]).await,
        Value::from("true")
    );
    // What does not fit is a mismatch naming the parameter.
    let err = conn
        .query("SELECT $1::int4 + $2::int4", params![1, vec![1u8]])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::TypeMismatch { column, found: "bytes", .. } if column == "$2"),
        "{err}"
    );
    let err = conn
        .query("SELECT $1::uuid", params!["not a uuid"])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TypeMismatch { .. }), "{err}");
    // The wrong number of values is caught too.
    let err = conn.query("SELECT $1::int", vec![]).await.unwrap_err();
    assert!(matches!(err, Error::InvalidStatement(_)), "{err}");
    assert!(conn.is_usable());
}

#[tokio::test]
async fn catalog_and_enum_types_decode_unknown_types_fail() {
    let mut conn = connect().await;
    let mood = unique("mood");
    let _cleanup = Cleanup(vec![format!("DROP TYPE IF EXISTS \"{mood}\"")]);
    conn.batch(&format!("CREATE TYPE \"{mood}\" AS ENUM ('sad', 'happy')"))
        .await
        .unwrap();
    let v = scalar(
        &mut conn,
        &format!("SELECT $1::\"{mood}\""),
        params!["happy"],
    )
    .await;
    assert_eq!(v, Value::from("happy"));
    assert_eq!(
        scalar(&mut conn, "SELECT 'r'::\"char\"", vec![]).await,
        Value::from("r")
    );
    assert!(matches!(
        scalar(&mut conn, "SELECT 'pg_class'::regclass::oid", vec![]).await,
        Value::Int(1259)
    ));
    assert_eq!(
        scalar(&mut conn, "SELECT 'ab'::char(4)", vec![]).await,
        Value::from("ab  ")
    );

    let err = conn
        .query("SELECT interval '1 day' AS span", vec![])
        .await
        .unwrap_err();
    match &err {
        Error::Decode { column, found, .. } => {
            assert_eq!(column, "span");
            assert!(found.contains("interval"), "{found}");
        }
        other => panic!("expected a decode error, got {other}"),
    }
    let err = conn
        .query("SELECT 'NaN'::numeric AS n", vec![])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode { column, .. } if column == "n"),
        "{err}"
    );
    assert!(conn.is_usable());
}
