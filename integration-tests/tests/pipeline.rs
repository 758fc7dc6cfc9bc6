//! One compiled statement, many parameter sets, each set's own result (`execute_each`,
//! `query_many`): pipelined on PostgreSQL, one after another elsewhere, same answers.

use philtre::prelude::*;
use philtre::Error;
use philtre_integration_tests::backend_test;

backend_test! {
    async fn execute_each_and_query_many_report_each_set(db) {
        let users = db.users_table().await?;
        let mut conn = db.engine.connect().await?;
        let dialect = db.engine.dialect();

        // An INSERT template: its SQL once, then one parameter set per row.
        let insert = users.insert().value("name", "").value("email", "").compile(dialect)?;
        let sets = (0..50)
            .map(|i| vec![Value::from(format!("u{i}")), Value::from(format!("u{i}@x"))])
            .collect();
        let results = conn.execute_each(&insert.sql, sets).await?;
        assert_eq!(results.iter().map(|r| r.rows_affected).collect::<Vec<_>>(), vec![1; 50]);
        // Where the driver reports insert ids (SQLite, MySQL), each set has its own.
        if db.backend != philtre_integration_tests::TestBackend::postgres {
            let ids: Vec<Option<i64>> = results.iter().map(|r| r.last_insert_id).collect();
            assert_eq!(ids, (1..=50).map(Some).collect::<Vec<_>>());
        }

        // Each UPDATE's own count: the one whose row does not exist reports 0.
        let update = users
            .update()
            .value("name", "")
            .where_(users.c("id").eq(0))
            .compile(dialect)?;
        let counts = conn
            .execute_each(
                &update.sql,
                vec![
                    vec![Value::from("first"), Value::from(1)],
                    vec![Value::from("nobody"), Value::from(999)],
                    vec![Value::from("third"), Value::from(3)],
                ],
            )
            .await?;
        let counts: Vec<u64> = counts.iter().map(|r| r.rows_affected).collect();
        assert_eq!(counts, [1, 0, 1]);

        // Each query's rows, in the order of the sets.
        let by_id = users
            .select()
            .where_(users.c("id").eq(0))
            .compile(dialect)?;
        let results = conn
            .query_many(&by_id.sql, vec![vec![Value::from(3)], vec![Value::from(999)], vec![Value::from(1)]])
            .await?;
        assert_eq!(results.len(), 3);
        let names: Vec<usize> = results.iter().map(|r| r.rows.len()).collect();
        assert_eq!(names, [1, 0, 1]);
        assert_eq!(results[0].rows[0].get::<String>("name")?, "third");
        assert_eq!(results[2].rows[0].get::<String>("name")?, "first");
        assert_eq!(&*results[1].columns, &*results[0].columns);

        // Where the dialect returns an INSERT's key (PostgreSQL), each set's row
        // carries its own generated id, in the order of the sets.
        let insert = users.insert().value("name", "").compile(dialect)?;
        if insert.primary_key == Some(philtre::InsertedKey::Returning) {
            let sets = (0..5).map(|i| vec![Value::from(format!("r{i}"))]).collect();
            let ids: Vec<i64> = conn
                .query_many(&insert.sql, sets)
                .await?
                .iter()
                .map(|r| r.rows[0].get(0))
                .collect::<philtre::Result<_>>()?;
            assert_eq!(ids, [51, 52, 53, 54, 55]);
        } else {
            // SQLite and MySQL report it as the last insert id instead.
            assert_ne!(db.backend, philtre_integration_tests::TestBackend::postgres);
        }
        Ok(())
    }
}

backend_test! {
    async fn execute_each_is_all_or_nothing(db) {
        let users = db.users_table().await?;
        let mut conn = db.engine.connect().await?;
        let insert = users
            .insert()
            .value("name", "")
            .value("email", "")
            .compile(db.engine.dialect())?;
        // Row 41 repeats row 7's name: a unique violation after 40 good rows.
        let sets: Vec<Vec<Value>> = (0..60)
            .map(|i| {
                let name = if i == 41 { "u7".to_owned() } else { format!("u{i}") };
                vec![Value::from(name), Value::from(format!("e{i}"))]
            })
            .collect();
        let err = conn.execute_each(&insert.sql, sets.clone()).await.unwrap_err();
        assert!(
            matches!(&err, Error::Database(d) if d.kind == philtre::DbErrorKind::UniqueViolation),
            "{err:?}"
        );
        let n: i64 = conn
            .execute(select([func::count_star()]).select_from(&users))
            .await?
            .scalar_one()?;
        assert_eq!(n, 0, "no row of the failed batch may remain");

        // Inside a caller's transaction the same failure leaves the rollback to the caller.
        let mut tx = conn.begin().await?;
        assert!(tx.execute_each(&insert.sql, sets).await.is_err());
        tx.rollback().await?;
        let n: i64 = conn
            .execute(select([func::count_star()]).select_from(&users))
            .await?
            .scalar_one()?;
        assert_eq!(n, 0);
        // The connection is fine afterwards.
        let fine = conn.execute_each(&insert.sql, vec![vec![Value::from("ok"), Value::from("ok@x")]]).await?;
        assert_eq!(fine.len(), 1);
        assert_eq!(fine[0].rows_affected, 1);
        Ok(())
    }
}
