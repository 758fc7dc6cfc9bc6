//! Statements compiled once with named parameters (`bindparam` and `prepare`), run many
//! times against live databases.

use philtre::compiler::SqlWriter;
use philtre::prelude::*;
use philtre::{Dialect, Error, Prepared, SqlType};
use philtre_integration_tests::{backend_test, TestDb};

/// `users` with three rows, and a prepared insert of one more.
async fn seeded(db: &TestDb) -> philtre::Result<(Table, Prepared)> {
    let (users, _) = db.users_and_posts().await?;
    let insert = users
        .insert()
        .value("name", bindparam("name"))
        .value("age", bindparam("age"))
        .prepare(db.engine.dialect())?;
    let mut conn = db.engine.connect().await?;
    for (name, age) in [("ann", 31), ("bob", 25), ("cy", 40)] {
        let result = conn
            .execute(insert.bind("name", name).bind("age", age))
            .await?;
        assert_eq!(result.rows_affected(), 1);
        // The generated key is read back as it is for a literal insert.
        assert!(result
            .inserted_primary_key()
            .is_some_and(|k| !k[0].is_null()));
    }
    Ok((users, insert))
}

async fn count(conn: &mut Connection, table: &Table) -> philtre::Result<i64> {
    conn.execute(select([func::count_star()]).select_from(table))
        .await?
        .scalar_one()
}

/// A dialect no engine here speaks.
#[derive(Debug)]
struct Elsewhere;

impl Dialect for Elsewhere {
    fn name(&self) -> &'static str {
        "elsewhere"
    }
    fn write_type(&self, w: &mut SqlWriter<'_>, ty: &SqlType) -> philtre::Result<()> {
        w.push(&ty.to_string());
        Ok(())
    }
}

backend_test! {
    async fn a_prepared_select_runs_with_each_value(db) {
        let (users, _) = seeded(&db).await?;
        let older_than = select([users.c("name")])
            .where_(users.c("age").gt(bindparam("age")))
            .order_by(users.c("name"))
            .prepare(db.engine.dialect())?;
        let mut conn = db.engine.connect().await?;
        for (age, expected) in [(30, &["ann", "cy"][..]), (35, &["cy"]), (50, &[])] {
            let names: Vec<String> = conn.scalars(older_than.bind("age", age)).await?;
            assert_eq!(names, expected);
        }

        // Rows decode by name and as tuples, through the engine and in a transaction.
        let by_name = users
            .select()
            .where_(users.c("name").eq(bindparam("name")))
            .prepare(db.engine.dialect())?;
        let row = db.engine.execute(by_name.bind("name", "bob")).await?.one()?;
        assert_eq!(row.get::<i64>("age")?, 25);
        let mut tx = db.engine.begin().await?;
        let rows: Vec<(i64, String, Option<i64>)> = tx.query_as(by_name.bind("name", "cy")).await?;
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].1.as_str(), rows[0].2), ("cy", Some(40)));
        tx.rollback().await?;

        // A NULL bound to `= :name` matches no row, as in SQL (a literal None would have
        // been written `IS NULL`).
        let none = db.engine.execute(by_name.bind("name", Value::Null)).await?.all();
        assert!(none.is_empty());
        Ok(())
    }
}

backend_test! {
    async fn prepared_writes_change_what_they_name(db) {
        let (users, insert) = seeded(&db).await?;
        let dialect = db.engine.dialect();
        let set_age = users
            .update()
            .value("age", bindparam("age"))
            .where_(users.c("name").eq(bindparam("name")))
            .prepare(dialect)?;
        let remove = users
            .delete()
            .where_(users.c("age").lt(bindparam("age")))
            .prepare(dialect)?;
        let mut conn = db.engine.connect().await?;
        for (name, age) in [("ann", 20), ("bob", 21)] {
            let n = conn.execute(set_age.bind("age", age).bind("name", name)).await?.rows_affected();
            assert_eq!(n, 1);
        }
        let gone = conn.execute(remove.bind("age", 30)).await?.rows_affected();
        assert_eq!(gone, 2);
        let left: Vec<String> = conn.scalars(select([users.c("name")])).await?;
        assert_eq!(left, ["cy"]);

        // A key given as a parameter is the key the insert reports.
        let with_key = users
            .insert()
            .value("id", bindparam("id"))
            .value("name", bindparam("name"))
            .prepare(dialect)?;
        let result = conn.execute(with_key.bind("id", 77).bind("name", "dee")).await?;
        assert_eq!(result.inserted_primary_key(), Some(&[Value::from(77)][..]));
        let again = conn.execute(insert.bind("name", "eve").bind("age", 5)).await?;
        assert_eq!(again.rows_affected(), 1);
        assert_eq!(count(&mut conn, &users).await?, 3);
        Ok(())
    }
}

backend_test! {
    async fn a_bad_binding_is_refused_before_anything_is_sent(db) {
        let (users, insert) = seeded(&db).await?;
        let recorder = philtre::QueryRecorder::new();
        let mut conn = db.engine.connect().await?;
        let missing = recorder.scope(conn.execute(insert.bind("name", "fay"))).await;
        assert!(matches!(&missing, Err(Error::MissingParameter(name)) if name == "age"), "{missing:?}");
        let mismatch = recorder
            .scope(conn.execute(insert.bind("name", "fay").bind("age", "old")))
            .await;
        assert!(matches!(mismatch, Err(Error::TypeMismatch { .. })), "{mismatch:?}");
        let unknown = recorder
            .scope(conn.execute(insert.bind("name", "fay").bind("age", 3).bind("agee", 4)))
            .await;
        assert!(matches!(&unknown, Err(Error::UnexpectedParameter(name)) if name == "agee"), "{unknown:?}");
        // Executed without `prepare`, the named parameter has no value.
        let unprepared = recorder
            .scope(conn.execute(users.delete().where_(users.c("id").eq(bindparam("id")))))
            .await;
        assert!(matches!(unprepared, Err(Error::MissingParameter(_))), "{unprepared:?}");
        assert!(recorder.take().is_empty());

        // Prepared for another dialect, it is refused.
        let foreign = users.select().where_(users.c("id").eq(bindparam("id"))).prepare(&Elsewhere)?;
        let refused = conn.execute(foreign.bind("id", 1)).await;
        assert!(matches!(refused, Err(Error::InvalidStatement(_))), "{refused:?}");

        // The connection is as usable as before, and nothing was written.
        assert_eq!(count(&mut conn, &users).await?, 3);
        Ok(())
    }
}
