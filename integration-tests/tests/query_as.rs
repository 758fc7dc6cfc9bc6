//! The typed fast path: rows decoded straight into tuples and structs, on every backend.

use philtre::prelude::*;
use philtre::{Error, FromValues};
use philtre_integration_tests::backend_test;

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
