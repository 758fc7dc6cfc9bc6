//! The expression language against live databases: insert, select, joins, update, delete.

use philtre::prelude::*;
use philtre::{case, exists, Error};
use philtre_integration_tests::{backend_test, TestBackend};

async fn seed(db: &philtre_integration_tests::TestDb) -> philtre::Result<(Table, Table)> {
    let (users, posts) = db.users_and_posts().await?;
    let mut conn = db.engine.connect().await?;
    conn.execute(users.insert().rows([
        values! { "name" => "ann", "age" => 31 },
        values! { "name" => "bob", "age" => 25 },
        values! { "name" => "cy", "age" => Value::Null },
    ]))
    .await?;
    conn.execute_many(
        &posts.insert(),
        [
            vec![("user_id", Value::from(1)), ("title", "a1".into())],
            vec![("user_id", 1.into()), ("title", "a2".into())],
            vec![("user_id", 2.into()), ("title", "b1".into())],
        ],
    )
    .await?;
    Ok((users, posts))
}

backend_test! {
    async fn multi_row_insert_and_executemany(db) {
        let (users, posts) = seed(&db).await?;
        let mut conn = db.engine.connect().await?;
        let n: i64 = conn.execute(select([func::count_star()]).select_from(&users)).await?.scalar_one()?;
        assert_eq!(n, 3);
        let titles: Vec<String> = conn
            .execute(select([posts.c("title")]).order_by(posts.c("id")))
            .await?
            .scalars()?;
        assert_eq!(titles, ["a1", "a2", "b1"]);

        // executemany reports no keys, so it asks for none: no RETURNING row per insert.
        let recorder = philtre::QueryRecorder::new();
        recorder
            .scope(conn.execute_many(
                &posts.insert(),
                [
                    vec![("user_id", Value::from(3)), ("title", "c1".into())],
                    vec![("user_id", 3.into()), ("title", "c2".into())],
                ],
            ))
            .await?;
        let sent = recorder.take();
        assert!(sent.iter().any(|q| q.statement.starts_with("INSERT")), "{sent:?}");
        assert!(sent.iter().all(|q| !q.statement.contains("RETURNING")), "{sent:?}");
        // On the servers the rows travel as one multi-row INSERT (SQLAlchemy's
        // "insertmanyvalues"); SQLite, in process, runs the one-row statement per row.
        let inserts: Vec<_> = sent.iter().filter(|q| q.statement.starts_with("INSERT")).collect();
        assert_eq!(inserts.len(), 1, "{sent:?}");
        let multirow = inserts[0].statement.matches("), (").count() == 1 && inserts[0].batch == 1;
        assert_eq!(multirow, db.backend != TestBackend::sqlite && db.backend != TestBackend::sqlite_memory, "{sent:?}");
        assert_eq!(inserts[0].parameters.len(), 4, "{sent:?}");
        Ok(())
    }
}

backend_test! {
    async fn where_operators(db) {
        let (users, _) = seed(&db).await?;
        let mut conn = db.engine.connect().await?;
        let names = |cond: Expr| {
            let q = select([users.c("name")]).where_(cond).order_by(users.c("name"));
            let engine = db.engine.clone();
            async move { engine.execute(q).await?.scalars::<String>() }
        };
        assert_eq!(names(users.c("age").gt(26)).await?, ["ann"]);
        assert_eq!(names(users.c("age").ne(31)).await?, ["bob"]);
        assert_eq!(names(users.c("age").is_null()).await?, ["cy"]);
        assert_eq!(names(users.c("age").eq(Value::Null)).await?, ["cy"]);
        assert_eq!(names(users.c("name").in_(["ann", "cy"])).await?, ["ann", "cy"]);
        assert_eq!(names(users.c("name").in_(Vec::<&str>::new())).await?, Vec::<String>::new());
        assert_eq!(names(users.c("name").not_in(["ann"])).await?, ["bob", "cy"]);
        assert_eq!(names(users.c("name").like("b%")).await?, ["bob"]);
        assert_eq!(names(users.c("name").ilike("B%")).await?, ["bob"]);
        assert_eq!(names(users.c("age").between(20, 30)).await?, ["bob"]);
        assert_eq!(
            names(users.c("age").lt(30).or(users.c("name").eq("cy"))).await?,
            ["bob", "cy"]
        );
        assert_eq!(
            names((!users.c("age").ge(30)).and(users.c("age").is_not_null())).await?,
            ["bob"]
        );
        assert_eq!(names(and_([users.c("age").gt(1), users.c("age").lt(100)])).await?, ["ann", "bob"]);
        // a bound value that looks like SQL is just a value
        assert_eq!(names(users.c("name").eq("x' OR '1'='1")).await?, Vec::<String>::new());
        conn.ping().await?;
        Ok(())
    }
}

backend_test! {
    async fn order_limit_offset(db) {
        let (users, _) = seed(&db).await?;
        let q = select([users.c("name")]).order_by(users.c("name").desc()).limit(2);
        assert_eq!(db.engine.execute(q).await?.scalars::<String>()?, ["cy", "bob"]);
        let q = select([users.c("name")]).order_by(users.c("name")).offset(1);
        assert_eq!(db.engine.execute(q).await?.scalars::<String>()?, ["bob", "cy"]);
        let q = select([users.c("name")]).order_by(users.c("name")).limit(1).offset(1);
        assert_eq!(db.engine.execute(q).await?.scalars::<String>()?, ["bob"]);
        Ok(())
    }
}

backend_test! {
    async fn joins_infer_on_from_the_foreign_key(db) {
        let (users, posts) = seed(&db).await?;
        let q = select([users.c("name"), posts.c("title")])
            .join(&posts)
            .order_by(posts.c("id"));
        let rows: Vec<(String, String)> = db.engine.execute(q).await?.all_as()?;
        assert_eq!(rows[0], ("ann".to_owned(), "a1".to_owned()));
        assert_eq!(rows.len(), 3);

        let q = select([users.c("name"), func::count(posts.c("id")).label("n")])
            .select_from(&users)
            .outerjoin(&posts)
            .group_by(users.c("name"))
            .having(func::count(posts.c("id")).lt(2))
            .order_by(users.c("name"));
        let rows: Vec<(String, i64)> = db.engine.execute(q).await?.all_as()?;
        assert_eq!(rows, [("bob".to_owned(), 1), ("cy".to_owned(), 0)]);
        Ok(())
    }
}

backend_test! {
    async fn aggregates_subqueries_exists_case(db) {
        let (users, posts) = seed(&db).await?;
        let row = db
            .engine
            .execute(select([
                func::max(users.c("age")).label("oldest"),
                func::min(users.c("age")),
                func::count(users.c("age")),
            ]))
            .await?
            .one()?;
        assert_eq!(row.get::<i64>("oldest")?, 31);
        assert_eq!(row.get::<i64>(2)?, 2);

        // users with at least one post, by IN (subquery) and by EXISTS
        let with_posts = select([posts.c("user_id")]);
        let q = select([users.c("name")]).where_(users.c("id").in_select(with_posts)).order_by(users.c("name"));
        assert_eq!(db.engine.execute(q).await?.scalars::<String>()?, ["ann", "bob"]);
        let q = select([users.c("name")])
            .where_(exists(select([posts.c("id")]).where_(posts.c("user_id").eq(users.c("id")))))
            .order_by(users.c("name"));
        assert_eq!(db.engine.execute(q).await?.scalars::<String>()?, ["ann", "bob"]);

        // a scalar subquery in the select list
        let n_posts = select([func::count_star()])
            .select_from(&posts)
            .where_(posts.c("user_id").eq(users.c("id")))
            .scalar_subquery()
            .label("n");
        let q = select([users.c("name"), n_posts]).order_by(users.c("name"));
        let rows: Vec<(String, i64)> = db.engine.execute(q).await?.all_as()?;
        assert_eq!(rows[0], ("ann".to_owned(), 2));

        // a subquery in FROM
        let sub = select([users.c("name").label("nm"), users.c("age").label("ag")])
            .where_(users.c("age").is_not_null())
            .subquery("grown");
        let q = select([philtre::column("grown.nm")]).select_from(sub).order_by(philtre::column("grown.nm"));
        assert_eq!(db.engine.execute(q).await?.scalars::<String>()?, ["ann", "bob"]);

        let label = case([(users.c("age").gt(30), "senior")], Some(lit("junior")));
        let q = select([label.label("band")]).where_(users.c("name").eq("ann"));
        assert_eq!(db.engine.execute(q).await?.scalar_one::<String>()?, "senior");
        Ok(())
    }
}

use philtre::lit;

backend_test! {
    async fn update_and_delete(db) {
        let (users, posts) = seed(&db).await?;
        let mut conn = db.engine.connect().await?;
        let r = conn
            .execute(users.update().value("age", users.c("age") + 1).where_(users.c("age").is_not_null()))
            .await?;
        assert_eq!(r.rows_affected(), 2);
        let ages: Vec<Option<i64>> = conn
            .execute(select([users.c("age")]).order_by(users.c("id")))
            .await?
            .scalars()?;
        assert_eq!(ages, [Some(32), Some(26), None]);

        // ON DELETE CASCADE removes ann's posts
        let r = conn.execute(users.delete().where_(users.c("name").eq("ann"))).await?;
        assert_eq!(r.rows_affected(), 1);
        let n: i64 = conn.execute(select([func::count_star()]).select_from(&posts)).await?.scalar_one()?;
        assert_eq!(n, 1);
        Ok(())
    }
}

backend_test! {
    async fn returning_where_supported(db) {
        let users = db.users_table().await?;
        let stmt = users
            .insert()
            .rows([values! { "name" => "a" }, values! { "name" => "b" }])
            .returning([users.c("id"), users.c("name")]);
        if db.backend == TestBackend::mysql {
            let err = db.engine.execute(stmt).await.expect_err("MySQL has no RETURNING");
            assert!(matches!(err, Error::InvalidStatement(_)), "{err:?}");
            return Ok(());
        }
        let rows: Vec<(i64, String)> = db.engine.execute(stmt).await?.all_as()?;
        assert_eq!(rows, [(1, "a".to_owned()), (2, "b".to_owned())]);
        let gone: Vec<String> = db
            .engine
            .execute(users.delete().where_(users.c("id").eq(1)).returning([users.c("name")]))
            .await?
            .scalars()?;
        assert_eq!(gone, ["a"]);
        Ok(())
    }
}

backend_test! {
    async fn unknown_columns_and_wrong_types_fail_before_the_database(db) {
        let users = db.users_table().await?;
        let err = db.engine.execute(users.select().where_(users.c("nope").eq(1))).await.unwrap_err();
        assert!(matches!(&err, Error::NoSuchColumn { column, .. } if column == "nope"), "{err:?}");
        let err = db.engine.execute(users.insert().value("nope", 1)).await.unwrap_err();
        assert!(matches!(err, Error::NoSuchColumn { .. }), "{err:?}");
        let err = db.engine.execute(users.insert().value("id", "one")).await.unwrap_err();
        match err {
            Error::TypeMismatch { column, expected, found } => {
                assert!(column.ends_with(".id"));
                assert_eq!((expected.as_str(), found), ("INTEGER", "text"));
            }
            other => panic!("expected a type mismatch, got {other:?}"),
        }
        let err = db.engine.execute(users.select().where_(users.c("name").eq(3.5))).await.unwrap_err();
        assert!(matches!(err, Error::TypeMismatch { .. }), "{err:?}");
        // executemany checks every row, not only the first, before sending any
        let mut conn = db.engine.connect().await?;
        let err = conn
            .execute_many(&users.insert(), [vec![("name", Value::from("ok"))], vec![("name", Value::from(5.5))]])
            .await
            .unwrap_err();
        assert!(matches!(err, Error::TypeMismatch { .. }), "{err:?}");
        drop(conn);
        // nothing was written
        let n: i64 = db.engine.execute(select([func::count_star()]).select_from(&users)).await?.scalar_one()?;
        assert_eq!(n, 0);
        Ok(())
    }
}

backend_test! {
    async fn rows_are_tuples_and_mappings(db) {
        let users = db.users_table().await?;
        db.engine.execute(users.insert().values(values! { "name" => "admin", "email" => "a@x" })).await?;
        let res = db.engine.execute(users.select()).await?;
        assert_eq!(res.columns(), ["id", "name", "email"]);
        let row = res.one()?;
        assert_eq!(row.len(), 3);
        let collected: Vec<&Value> = (&row).into_iter().collect();
        assert_eq!(collected[1], &Value::from("admin"));
        assert_eq!(row.to_map()[2], ("email".to_owned(), Value::from("a@x")));
        assert!(matches!(row.get::<String>("missing"), Err(Error::NoSuchRowColumn(_))));
        assert!(matches!(row.get::<i64>("name"), Err(Error::Decode { .. })));
        let (id, name, email): (i64, String, Option<String>) = row.into_typed()?;
        assert_eq!((id, name.as_str(), email.as_deref()), (1, "admin", Some("a@x")));

        let res = db.engine.execute(users.select()).await?;
        assert!(res.clone().one_or_none()?.is_some());
        db.engine.execute(users.insert().value("name", "second")).await?;
        let res = db.engine.execute(users.select()).await?;
        assert!(matches!(res.clone().one(), Err(Error::MultipleResultsFound)));
        let empty = db.engine.execute(users.select().where_(users.c("id").eq(99))).await?;
        assert!(matches!(empty.clone().one(), Err(Error::NoResultFound)));
        assert_eq!(empty.scalar::<i64>()?, None);
        Ok(())
    }
}

backend_test! {
    async fn casts_run_on_every_backend(db) {
        let row = db
            .engine
            .execute(select([
                lit("42").cast(Integer).label("n"),
                lit(7).cast(String(10)).label("s"),
                lit("2.50").cast(Numeric(10, 2)).label("d"),
            ]))
            .await?
            .one()?;
        assert_eq!(row.get::<i64>("n")?, 42);
        assert_eq!(row.get::<String>("s")?, "7");
        assert_eq!(row.get::<f64>("d")?, 2.5);
        Ok(())
    }
}

backend_test! {
    async fn executemany_of_thousands_is_all_or_nothing(db) {
        let users = db.users_table().await?;
        let rows = |n: usize| (0..n).map(|i| vec![("name", Value::from(format!("u{i}")))]).collect::<Vec<_>>();
        // More rows than one multi-row INSERT carries on MySQL: several statements, one result.
        let mut conn = db.engine.connect().await?;
        let r = conn.execute_many(&users.insert(), rows(2_500)).await?;
        assert_eq!(r.rows_affected(), 2_500);
        let last: i64 = conn.execute(select([func::max(users.c("id"))])).await?.scalar_one()?;
        if db.backend != TestBackend::postgres {
            assert_eq!(r.last_insert_id(), Some(last));
        }
        conn.execute(users.delete()).await?;
        // A duplicate in the last rows (after the first 1,000) fails the whole call: outside
        // a transaction nothing stays, and the connection goes on working.
        let mut bad = rows(2_500);
        bad[2_400] = vec![("name", Value::from("u3"))];
        let err = conn.execute_many(&users.insert(), bad).await.unwrap_err();
        assert_eq!(err.db_kind(), Some(philtre::DbErrorKind::UniqueViolation), "{err:?}");
        assert!(!conn.in_transaction());
        let n: i64 = conn.execute(select([func::count_star()]).select_from(&users)).await?.scalar_one()?;
        assert_eq!(n, 0);
        Ok(())
    }
}

backend_test! {
    async fn executemany_rows_may_name_columns_in_any_order(db) {
        let users = db.users_table().await?;
        let mut conn = db.engine.connect().await?;
        conn.execute_many(&users.insert(), [
            vec![("name", Value::from("a")), ("email", Value::from("a@x"))],
            vec![("email", Value::from("b@x")), ("name", Value::from("b"))],
        ]).await?;
        let rows: Vec<(String, String)> = conn
            .query_as(select([users.c("name"), users.c("email")]).order_by(users.c("id")))
            .await?;
        assert_eq!(rows, [("a".into(), "a@x".into()), ("b".into(), "b@x".into())]);
        // A row naming other columns, fewer columns, or one twice is refused before
        // anything is sent.
        for bad in [
            vec![("name", Value::from("c")), ("nope", Value::from(1))],
            vec![("name", Value::from("c"))],
            vec![("name", Value::from("c")), ("name", Value::from("d"))],
        ] {
            let err = conn
                .execute_many(&users.insert(), [vec![("name", Value::from("z")), ("email", Value::from("z@x"))], bad])
                .await
                .unwrap_err();
            assert!(matches!(err, philtre::Error::InvalidStatement(_)), "{err:?}");
        }
        let n: Vec<(i64,)> = conn.query_as(select([func::count_star()]).select_from(&users)).await?;
        assert_eq!(n, [(2,)]);
        Ok(())
    }
}
