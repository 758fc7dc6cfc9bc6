//! Every value kind round-trips through a declared table on every backend.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use philtre::prelude::*;
use rust_decimal::Decimal;
use std::str::FromStr;
use uuid::Uuid;

fn all_types(db: &philtre_integration_tests::TestDb) -> Table {
    Table::new(
        db.name("kinds"),
        &db.metadata,
        [
            Column::new("id", Integer).primary_key(),
            Column::new("b", Boolean),
            Column::new("small", SmallInteger),
            Column::new("big", BigInteger),
            Column::new("f", Float),
            Column::new("s", String(255)),
            Column::new("t", Text),
            Column::new("d", Numeric(20, 6)),
            Column::new("day", Date),
            Column::new("tm", Time),
            Column::new("ts", DateTime),
            Column::new("bin", LargeBinary),
            Column::new("j", Json),
            Column::new("u", Uuid),
        ],
    )
}

backend_test! {
    async fn every_kind_round_trips(db) {
        let t = all_types(&db);
        db.metadata.create_all(&db.engine).await?;
        let day = NaiveDate::from_ymd_opt(2024, 2, 29).expect("valid date");
        let tm = NaiveTime::from_hms_micro_opt(23, 59, 58, 123_456).expect("valid time");
        let ts = NaiveDateTime::new(day, tm);
        // SQLite keeps 15 significant digits in a NUMERIC column (its own limit, as in
        // SQLAlchemy); the server databases keep all 20.
        let dec = if db.backend.is_sqlite() {
            Decimal::from_str("123456789.123456").expect("valid decimal")
        } else {
            Decimal::from_str("12345678901234.123456").expect("valid decimal")
        };
        let uuid = Uuid::from_u128(0x1234_5678_9abc_def0_1234_5678_9abc_def0);
        let json = serde_json::json!({"a": [1, 2, {"b": null}], "ü": "✓"});
        let big_text = "x€".repeat(350_000); // ~1 MB
        let big_blob: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();

        db.engine.execute(t.insert().values(values! {
            "b" => true, "small" => -32768, "big" => i64::MIN, "f" => 1.5e300,
            "s" => "héllo wörld 🦀", "t" => big_text.clone(), "d" => dec,
            "day" => day, "tm" => tm, "ts" => ts, "bin" => big_blob.clone(),
            "j" => json.clone(), "u" => uuid,
        })).await?;
        db.engine.execute(t.insert().values(values! {
            "b" => false, "big" => i64::MAX, "s" => "", "t" => "", "bin" => Vec::<u8>::new(),
            "d" => Decimal::from_str("-0.000001").expect("valid"),
        })).await?;
        // every column NULL
        db.engine.execute(t.insert().value("id", 3)).await?;

        let rows = db.engine.execute(t.select().order_by(t.c("id"))).await?.all();
        let r = &rows[0];
        assert!(r.get::<bool>("b")?);
        assert_eq!(r.get::<i64>("small")?, -32768);
        assert_eq!(r.get::<i64>("big")?, i64::MIN);
        assert_eq!(r.get::<f64>("f")?, 1.5e300);
        assert_eq!(r.get::<String>("s")?, "héllo wörld 🦀");
        assert_eq!(r.get::<String>("t")?, big_text);
        assert_eq!(r.get::<Decimal>("d")?, dec);
        assert_eq!(r.get::<NaiveDate>("day")?, day);
        assert_eq!(r.get::<NaiveTime>("tm")?, tm);
        assert_eq!(r.get::<NaiveDateTime>("ts")?, ts);
        assert_eq!(r.get::<Vec<u8>>("bin")?, big_blob);
        assert_eq!(r.get::<serde_json::Value>("j")?, json);
        assert_eq!(r.get::<Uuid>("u")?, uuid);

        let r = &rows[1];
        assert!(!r.get::<bool>("b")?);
        assert_eq!(r.get::<i64>("big")?, i64::MAX);
        assert_eq!(r.get::<String>("s")?, "");
        assert_eq!(r.get::<String>("t")?, "");
        assert_eq!(r.get::<Vec<u8>>("bin")?, Vec::<u8>::new());
        assert_eq!(r.get::<Decimal>("d")?.to_string(), "-0.000001");

        let r = &rows[2];
        for col in ["b", "small", "big", "f", "s", "t", "d", "day", "tm", "ts", "bin", "j", "u"] {
            assert!(r.get::<Value>(col)?.is_null(), "{col} should be NULL, got {:?}", r[col]);
        }
        assert_eq!(r.get::<Option<i64>>("big")?, None);
        assert_eq!(r.get::<Option<String>>("s")?, None);
        Ok(())
    }
}

backend_test! {
    async fn typed_values_filter_correctly(db) {
        let t = all_types(&db);
        db.metadata.create_all(&db.engine).await?;
        let day = NaiveDate::from_ymd_opt(2020, 1, 1).expect("valid");
        let uuid = Uuid::from_u128(7);
        db.engine.execute(t.insert().values(values! { "day" => day, "u" => uuid, "b" => true })).await?;
        let n: i64 = db.engine.execute(
            select([func::count_star()]).select_from(&t)
                .where_(t.c("day").eq(day).and(t.c("u").eq(uuid)).and(t.c("b").eq(true)))
        ).await?.scalar_one()?;
        assert_eq!(n, 1);
        Ok(())
    }
}

use philtre_integration_tests::backend_test;

/// Column `col` of every row read as `T` both ways: straight from the driver's row
/// (`query_as`, through `RawRow`) and through `Value` (`Row::get`). The results must be
/// the same, and so must the error when the type does not fit.
async fn read_both_ways<T>(db: &philtre_integration_tests::TestDb, t: &Table, col: &str)
where
    T: philtre::FromValue + PartialEq + std::fmt::Debug + Send + 'static,
{
    let stmt = select([t.c(col)]).order_by(t.c("id"));
    let typed: philtre::Result<Vec<T>> = db
        .engine
        .query_as::<(T,)>(stmt.clone())
        .await
        .map(|rows| rows.into_iter().map(|(v,)| v).collect());
    let rows = db
        .engine
        .execute(stmt)
        .await
        .expect("the select runs")
        .all();
    let via_values: philtre::Result<Vec<T>> = rows.iter().map(|r| r.get::<T>(0)).collect();
    let what = format!("column {col} read as {}", std::any::type_name::<T>());
    match (typed, via_values) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "{what}"),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{what}"),
        (a, b) => panic!("{what}: straight {a:?}, through values {b:?}"),
    }
}

backend_test! {
    async fn typed_reads_match_value_reads(db) {
        let t = all_types(&db);
        db.metadata.create_all(&db.engine).await?;
        db.engine.execute(t.insert().values(values! {
            "b" => true, "small" => -7, "big" => i64::MIN, "f" => 0.5, "s" => "héllo",
            "t" => "long text", "d" => Decimal::from_str("1.25").expect("valid"),
            "day" => NaiveDate::from_ymd_opt(2024, 2, 29).expect("valid"),
            "j" => serde_json::json!({"a": 1}), "u" => Uuid::from_u128(9),
            "bin" => vec![0u8, 159, 146, 150],
        })).await?;
        db.engine.execute(t.insert().values(values! { "small" => 32767, "s" => "", "t" => "x" })).await?;
        db.engine.execute(t.insert().value("id", 3)).await?; // every other column NULL
        let columns = ["id", "b", "small", "big", "f", "s", "t", "d", "day", "bin", "j", "u"];
        for col in columns {
            read_both_ways::<i64>(&db, &t, col).await;
            read_both_ways::<Option<i64>>(&db, &t, col).await;
            read_both_ways::<String>(&db, &t, col).await;
            read_both_ways::<Option<String>>(&db, &t, col).await;
            read_both_ways::<i32>(&db, &t, col).await;
            read_both_ways::<Option<Value>>(&db, &t, col).await;
        }
        Ok(())
    }
}
