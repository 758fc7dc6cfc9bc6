//! Raw SQL with bound parameters.

use philtre::prelude::*;
use philtre::Error;
use philtre_integration_tests::backend_test;

backend_test! {
    async fn positional_and_named_binds(db) {
        let users = db.users_table().await?;
        let t = users.name();
        db.engine
            .execute(text(format!("insert into {t} (name, email) values (:name, :email)"))
                .bind("name", "admin")
                .bind("email", "a:b@localhost"))
            .await?;
        let row = db
            .engine
            .execute(text(format!("select name, email from {t} where id = :1 and name = :2")).params(params![1, "admin"]))
            .await?
            .one()?;
        assert_eq!(row.get::<String>("email")?, "a:b@localhost");

        // a named bind used twice
        let n: i64 = db
            .engine
            .execute(text(format!("select count(*) from {t} where name = :n or email = :n")).bind("n", "admin"))
            .await?
            .scalar_one()?;
        assert_eq!(n, 1);

        // colons inside quotes and comments are not binds
        let s: String = db
            .engine
            .execute(text("select 'at 10:30 :not_a_bind' -- :nor_this\n").params(philtre::Params::None))
            .await?
            .scalar_one()?;
        assert_eq!(s, "at 10:30 :not_a_bind");
        Ok(())
    }
}

backend_test! {
    async fn missing_and_extra_parameters_are_errors(db) {
        let err = db.engine.execute(text("select :a, :b").bind("a", 1)).await.unwrap_err();
        assert!(matches!(&err, Error::MissingParameter(n) if n == "b"), "{err:?}");
        let err = db.engine.execute(text("select :a").bind("a", 1).bind("b", 2)).await.unwrap_err();
        assert!(matches!(err, Error::UnexpectedParameter(_)), "{err:?}");
        let err = db.engine.execute(text("select :1").params(params![1, 2])).await.unwrap_err();
        assert!(matches!(err, Error::UnexpectedParameter(_)), "{err:?}");
        Ok(())
    }
}

backend_test! {
    async fn raw_statements_report_rows_affected(db) {
        let users = db.users_table().await?;
        let t = users.name();
        let r = db
            .engine
            .execute(text(format!("insert into {t} (name) values (:1), (:2)")).params(params!["a", "b"]))
            .await?;
        assert_eq!(r.rows_affected(), 2);
        let r = db.engine.execute(text(format!("update {t} set name = upper(name) where id <= :n")).bind("n", 5)).await?;
        assert_eq!(r.rows_affected(), 2);
        Ok(())
    }
}

// A statement the connection prepared and cached before its table was recreated reads the
// new table's columns, by name and in order, not the old ones.
backend_test! {
    async fn a_query_after_its_table_is_recreated_reads_the_new_columns(db) {
        let t = db.name("recreated");
        let mut conn = db.engine.connect().await?;
        conn.execute(text(format!("create table {t} (a integer, b varchar(10))"))).await?;
        conn.execute(text(format!("insert into {t} values (1, 'x')"))).await?;
        let select = format!("select * from {t}");
        let before = conn.execute(text(select.clone())).await?;
        assert_eq!(before.columns(), ["a", "b"]);
        conn.execute(text(format!("drop table {t}"))).await?;
        conn.execute(text(format!("create table {t} (b varchar(10), c integer, a integer)")))
            .await?;
        conn.execute(text(format!("insert into {t} values ('y', 7, 2)"))).await?;
        let after = conn.execute(text(select)).await?;
        assert_eq!(after.columns(), ["b", "c", "a"]);
        let row = after.one()?;
        assert_eq!(
            (row.get::<String>("b")?, row.get::<i64>("c")?, row.get::<i64>("a")?),
            ("y".to_owned(), 7, 2)
        );
        Ok(())
    }
}
