//! The typed fast path: rows decoded straight into tuples and structs, on every backend.

use philtre::prelude::*;
use philtre::{Error, FromValues};
use philtre_integration_tests::{backend_test, TestBackend};

#[derive(Debug, PartialEq)]
struct User {
    id: i64,
    name: String,
    email: Option<String>,
}

impl FromValues for User {
    fn from_values(values: &mut [Value], columns: &[String]) -> philtre::Result<Self> {
        let (id, name, email) = FromValues::from_values(values, columns)?;
        Ok(User { id, name, email })
    }
}

backend_test! {
    async fn query_as_decodes_rows_into_types(db) {
        let users = db.users_table().await?;
        let mut conn = db.engine.connect().await?;
        conn.execute(users.insert().rows([
            values! { "name" => "ann", "email" => "ann@x" },
            values! { "name" => "bob", "email" => Value::Null },
        ]))
        .await?;
        let by_id = users.select().order_by(users.c("id"));
        let tuples: Vec<(i64, String, Option<String>)> = conn.query_as(by_id.clone()).await?;
        assert_eq!(
            tuples,
            [(1, "ann".to_owned(), Some("ann@x".to_owned())), (2, "bob".to_owned(), None)]
        );
        // The same rows through the Row path.
        let via_rows: Vec<(i64, String, Option<String>)> = conn.execute(by_id.clone()).await?.all_as()?;
        assert_eq!(via_rows, tuples);
        let structs: Vec<User> = db.engine.query_as(by_id.clone()).await?;
        assert_eq!(structs[1], User { id: 2, name: "bob".into(), email: None });
        let none: Vec<(i64,)> = conn.query_as(select([users.c("id")]).where_(users.c("id").gt(99))).await?;
        assert!(none.is_empty());

        // A transaction's own uncommitted rows are seen.
        let mut tx = conn.begin().await?;
        tx.execute(users.insert().value("name", "cy")).await?;
        let names: Vec<(String,)> = tx.query_as(select([users.c("name")]).order_by(users.c("id"))).await?;
        assert_eq!(names.len(), 3);
        tx.rollback().await?;

        // Wrong types and shapes are typed errors naming the column; nothing panics.
        let err = conn.query_as::<(i64, i64, Option<String>)>(by_id.clone()).await.unwrap_err();
        assert!(matches!(&err, Error::Decode { column, .. } if column == "name"), "{err:?}");
        let err = conn.query_as::<(i64, String)>(by_id).await.unwrap_err();
        assert!(matches!(err, Error::InvalidStatement(_)), "{err:?}");
        let err = conn.query_as::<(i64,)>(users.delete()).await.unwrap_err();
        assert!(matches!(err, Error::InvalidStatement(_)), "{err:?}");
        // The connection is fine afterwards.
        let n: Vec<(i64,)> = conn.query_as(select([func::count_star()]).select_from(&users)).await?;
        assert_eq!(n, [(2,)]);
        Ok(())
    }
}

backend_test! {
    async fn scalars_decode_the_first_column_of_every_row(db) {
        let users = db.users_table().await?;
        let mut conn = db.engine.connect().await?;
        let rows = [
            values! { "name" => "ann", "email" => "ann@x" },
            values! { "name" => "bob", "email" => Value::Null },
        ];
        if db.backend == TestBackend::mysql {
            conn.execute(users.insert().rows(rows)).await?;
        } else {
            // The generated keys of a multi-row insert, read straight from its RETURNING rows.
            let ids: Vec<i64> = conn
                .scalars(users.insert().rows(rows).returning([users.c("id")]))
                .await?;
            assert_eq!(ids, [1, 2]);
        }
        let by_id = |column: &str| select([users.c(column), users.c("id")]).order_by(users.c("id"));
        let names: Vec<String> = conn.scalars(by_id("name")).await?;
        assert_eq!(names, ["ann", "bob"]);
        let emails: Vec<Option<String>> = db.engine.scalars(by_id("email")).await?;
        assert_eq!(emails, [Some("ann@x".to_owned()), None]);
        let none: Vec<i64> = conn.scalars(users.select().where_(users.c("id").gt(99))).await?;
        assert!(none.is_empty());

        // A NULL where a value is required, and a wrong type, are errors naming the column.
        let err = conn.scalars::<String>(by_id("email")).await.unwrap_err();
        assert!(matches!(&err, Error::Decode { column, .. } if column == "email"), "{err:?}");
        let err = conn.scalars::<i64>(by_id("name")).await.unwrap_err();
        assert!(matches!(&err, Error::Decode { column, .. } if column == "name"), "{err:?}");
        // The Row path says the same.
        let err = conn.execute(by_id("name")).await?.scalars::<i64>().unwrap_err();
        assert!(matches!(&err, Error::Decode { column, .. } if column == "name"), "{err:?}");
        let names: Vec<String> = conn.execute(by_id("name")).await?.scalars()?;
        assert_eq!(names, ["ann", "bob"]);
        // A statement that returns no rows is refused before it runs.
        let err = conn.scalars::<i64>(users.delete()).await.unwrap_err();
        assert!(matches!(err, Error::InvalidStatement(_)), "{err:?}");
        let n: Vec<i64> = conn.scalars(select([func::count_star()]).select_from(&users)).await?;
        assert_eq!(n, [2]);
        Ok(())
    }
}

backend_test! {
    async fn a_row_that_fails_part_way_through_a_long_result_leaves_the_connection_reading(db) {
        // 10,000 rows, the 3,000th with a NULL where the type takes none: the server is
        // still sending when the decoding stops. (Digits crossed, not a recursive CTE:
        // MariaDB stops recursing at 1,000 by default.)
        let numbers = "WITH d(x) AS (SELECT 0 UNION ALL SELECT 1 UNION ALL SELECT 2 \
                       UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 \
                       UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9), \
                       n(i) AS (SELECT a.x * 1000 + b.x * 100 + c.x * 10 + e.x + 1 \
                       FROM d a, d b, d c, d e) \
                       SELECT i, CASE WHEN i = 3000 THEN NULL ELSE i END AS v FROM n ORDER BY i";
        let mut conn = db.engine.connect().await?;
        let err = conn.query_as::<(i64, i64)>(text(numbers)).await.unwrap_err();
        assert!(matches!(&err, Error::Decode { column, .. } if column == "v"), "{err:?}");
        // The rest of that reply is not mistaken for the next one's.
        let n: Vec<(i64,)> = conn.query_as(text("SELECT 7")).await?;
        assert_eq!(n, [(7,)]);
        let all: Vec<(i64, Option<i64>)> = conn.query_as(text(numbers)).await?;
        assert_eq!(all.len(), 10_000);
        assert_eq!(all[2999], (3000, None));
        assert_eq!(all[9999], (10_000, Some(10_000)));
        Ok(())
    }
}
