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
