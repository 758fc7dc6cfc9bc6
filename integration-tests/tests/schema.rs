//! create_all / drop_all, column options, defaults, and constraint violations.

use philtre::prelude::*;
use philtre::{DbErrorKind, Error, ReferentialAction};
use philtre_integration_tests::backend_test;

backend_test! {
    async fn create_all_in_dependency_order_with_checkfirst(db) {
        // declared child first: create_all must still create the parent first
        let md = MetaData::new();
        let parent_name = db.name("parent");
        let child = Table::new(db.name("child"), &md, [
            Column::new("id", Integer).primary_key(),
            Column::new("parent_id", Integer).foreign_key(&format!("{parent_name}.id")),
        ]);
        let parent = Table::new(parent_name.clone(), &md, [Column::new("id", Integer).primary_key()]);
        md.create_all(&db.engine).await?;
        md.create_all(&db.engine).await?; // checkfirst: a second call is a no-op
        let err = md.create_all_with(&db.engine, false).await.unwrap_err();
        assert!(matches!(err, Error::Database(_)), "{err:?}");

        let mut conn = db.engine.connect().await?;
        let names = conn.table_names().await?;
        assert!(names.contains(&parent.name().to_owned()) && names.contains(&child.name().to_owned()));

        md.drop_all(&db.engine).await?;
        md.drop_all(&db.engine).await?; // checkfirst
        assert!(!conn.has_table(parent.name()).await?);
        assert!(!conn.has_table(child.name()).await?);
        Ok(())
    }
}

backend_test! {
    async fn defaults_and_server_defaults(db) {
        let t = Table::new(db.name("defaults"), &db.metadata, [
            Column::new("id", Integer).primary_key(),
            Column::new("status", String(20)).default("new"),
            Column::new("score", Integer).server_default(7),
            Column::new("note", String(40)).server_default("it's"),
        ]);
        db.metadata.create_all(&db.engine).await?;
        let r = db.engine.execute(t.insert()).await?;
        assert_eq!(r.inserted_primary_key(), Some(&[Value::Int(1)][..]));
        let row = db.engine.execute(t.select()).await?.one()?;
        assert_eq!(row.get::<String>("status")?, "new");
        assert_eq!(row.get::<i64>("score")?, 7);
        assert_eq!(row.get::<String>("note")?, "it's");
        Ok(())
    }
}

backend_test! {
    async fn explicit_primary_key_is_reported(db) {
        let users = db.users_table().await?;
        let r = db.engine.execute(users.insert().value("id", 40).value("name", "x")).await?;
        assert_eq!(r.inserted_primary_key(), Some(&[Value::Int(40)][..]));
        // a generated key is reported too (PostgreSQL's sequence does not skip past 40)
        let r = db.engine.execute(users.insert().value("name", "y")).await?;
        let pk = r.inserted_primary_key().expect("a generated key")[0].clone();
        let row = db.engine.execute(users.select().where_(users.c("id").eq(pk))).await?.one()?;
        assert_eq!(row.get::<String>("name")?, "y");
        Ok(())
    }
}

backend_test! {
    async fn constraint_violations_have_kinds_and_lose_nothing(db) {
        let (users, posts) = db.users_and_posts().await?;
        let checked = philtre::Table::builder(db.name("checked"))
            .column(Column::new("id", Integer).primary_key())
            .column(Column::new("qty", Integer))
            .check(Some("qty_positive"), "qty > 0")
            .register(&db.metadata);
        db.metadata.create_all(&db.engine).await?;
        let mut conn = db.engine.connect().await?;
        conn.execute(users.insert().value("name", "ann")).await?;

        let kind = |r: philtre::Result<philtre::CursorResult>| r.expect_err("must fail").db_kind();
        assert_eq!(kind(conn.execute(users.insert().value("name", "ann")).await), Some(DbErrorKind::UniqueViolation));
        assert_eq!(kind(conn.execute(users.insert().value("age", 3)).await), Some(DbErrorKind::NotNullViolation));
        assert_eq!(
            kind(conn.execute(posts.insert().value("user_id", 999).value("title", "t")).await),
            Some(DbErrorKind::ForeignKeyViolation)
        );
        assert_eq!(kind(conn.execute(checked.insert().value("qty", 0)).await), Some(DbErrorKind::CheckViolation));

        // a failure inside a transaction rolls all of it back
        {
            let mut tx = conn.begin().await?;
            tx.execute(users.insert().value("name", "bob")).await?;
            let err = tx.execute(users.insert().value("name", "ann")).await.unwrap_err();
            assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation));
            tx.rollback().await?;
        }
        let names: Vec<String> = conn.execute(select([users.c("name")])).await?.scalars()?;
        assert_eq!(names, ["ann"]);
        Ok(())
    }
}

backend_test! {
    async fn missing_tables_and_bad_sql_are_typed(db) {
        let err = db.engine.execute("select * from no_such_table_here").await.unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::UndefinedTable), "{err:?}");
        let err = db.engine.execute("selec nothing").await.unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::Syntax), "{err:?}");
        let users = db.users_table().await?;
        let err = db.engine.execute(format!("select nope from {}", users.name())).await.unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::UndefinedColumn), "{err:?}");
        let err = Table::autoload("no_such_table_here", &MetaData::new(), &db.engine).await.unwrap_err();
        assert!(matches!(err, Error::NoSuchTable(_)), "{err:?}");
        Ok(())
    }
}

backend_test! {
    async fn on_delete_set_null(db) {
        let md = &db.metadata;
        let parent = Table::new(db.name("p"), md, [Column::new("id", Integer).primary_key()]);
        let child = Table::new(db.name("c"), md, [
            Column::new("id", Integer).primary_key(),
            Column::new("p_id", Integer)
                .foreign_key(&format!("{}.id", parent.name()))
                .on_delete(ReferentialAction::SetNull),
        ]);
        md.create_all(&db.engine).await?;
        db.engine.execute(parent.insert().value("id", 1)).await?;
        db.engine.execute(child.insert().value("p_id", 1)).await?;
        db.engine.execute(parent.delete()).await?;
        let p: Option<i64> = db.engine.execute(select([child.c("p_id")])).await?.scalar_one()?;
        assert_eq!(p, None);
        Ok(())
    }
}
