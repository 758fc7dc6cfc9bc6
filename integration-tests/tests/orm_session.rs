//! Session operations: merge, expunge, refresh, expiry, execute, autocommit.

#[macro_use]
mod orm_support;

use orm_support::{count_rows, names_by_id};
use philtre::{DbErrorKind, Error};
use philtre_integration_tests::backend_test;
use philtre_orm::prelude::*;

backend_test! {
    async fn merge_expunge_refresh(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let mut session = sessionmaker(&db.engine).session();
        let ann = session.add(User::new("ann", "ann@x"))?;
        session.commit().await?;

        // merge: a plain value with a known key updates the session's object
        let merged = session
            .merge(User { id: Some(1), name: "anna".into(), email: Some("ann@x".into()) })
            .await?;
        assert!(Obj::ptr_eq(&merged, &ann));
        assert_eq!(ann.read().name, "anna");
        // merge: an unknown key or none is added as new
        let new = session.merge(User { id: Some(5), name: "eve".into(), email: None }).await?;
        assert_eq!(new.state(), ObjectState::Pending);
        let keyless = session.merge(User::new("bob", "bob@x")).await?;
        assert_eq!(keyless.state(), ObjectState::Pending);
        session.commit().await?;
        assert_eq!(count_rows(&db.engine, &users).await?, 3);
        let row = db.engine.execute(users.select().where_(users.c("id").eq(1))).await?.one()?;
        assert_eq!(row.get::<String>("name")?, "anna");

        // expunge: changes of an expunged object are not written
        let eve = session.get::<User>(5).await?.unwrap();
        session.expunge(&eve)?;
        eve.write().name = "evil".into();
        session.commit().await?;
        let row = db.engine.execute(users.select().where_(users.c("id").eq(5))).await?.one()?;
        assert_eq!(row.get::<String>("name")?, "eve");

        // refresh: unflushed changes give way to the row as the transaction sees it
        let ann = session.get::<User>(1).await?.unwrap();
        session.execute(users.update().value("email", "a@y").where_(users.c("id").eq(1))).await?;
        ann.write().name = "scribble".into();
        session.refresh(&ann).await?;
        assert_eq!(ann.read().name, "anna");
        assert_eq!(ann.read().email.as_deref(), Some("a@y"));
        assert!(!session.is_modified(&ann)?);
        // refresh of an object not in the session is a typed error
        assert!(matches!(
            session.refresh(&eve).await,
            Err(Error::Orm(OrmError::InvalidState { state: "detached", .. }))
        ));
        session.rollback().await?;
        Ok(())
    }
}

backend_test! {
    async fn expire_on_commit_and_reload(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;

        // expire_on_commit (the default): the next load overwrites the object
        let mut session = sessionmaker(&db.engine).session();
        let ann = session.add(User::new("ann", "ann@x"))?;
        session.commit().await?;
        assert!(ann.is_expired());
        db.engine.execute(users.update().value("name", "changed")).await?;
        let again = session.query::<User>().one().await?;
        assert!(Obj::ptr_eq(&again, &ann));
        assert_eq!(ann.read().name, "changed");
        assert!(!ann.is_expired());
        // get() of an expired object reloads it too
        session.commit().await?;
        db.engine.execute(users.update().value("name", "again")).await?;
        session.get::<User>(1).await?;
        assert_eq!(ann.read().name, "again");
        session.commit().await?;

        // expire_on_commit off: objects keep their state until refreshed or expired
        let mut keep = sessionmaker(&db.engine).expire_on_commit(false).session();
        let bob = keep.add(User::new("bob", "bob@x"))?;
        keep.commit().await?;
        assert!(!bob.is_expired());
        db.engine
            .execute(users.update().value("name", "robert").where_(users.c("name").eq("bob")))
            .await?;
        keep.query::<User>().all().await?;
        assert_eq!(bob.read().name, "bob", "not expired: the in-memory state stays");
        keep.expire(&bob);
        keep.query::<User>().all().await?;
        assert_eq!(bob.read().name, "robert");
        keep.rollback().await?;
        Ok(())
    }
}

backend_test! {
    async fn execute_runs_in_the_session_transaction(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let mut session = sessionmaker(&db.engine).session();
        session.add(User::new("ann", "ann@x"))?;
        // autoflush before execute: the pending object is visible to the statement
        let n: i64 = session
            .execute(select([func::count_star()]).select_from(&users))
            .await?
            .scalar_one()?;
        assert_eq!(n, 1);
        session
            .execute(users.insert().values(values! { "name" => "bob", "email" => "bob@x" }))
            .await?;
        assert!(session.in_transaction());
        session.rollback().await?;
        assert_eq!(count_rows(&db.engine, &users).await?, 0);
        Ok(())
    }
}

backend_test! {
    async fn autocommit_flushes_commit_by_themselves(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let mut session = sessionmaker(&db.engine).autocommit(true).session();
        let ann = session.add(User::new("ann", "ann@x"))?;
        session.flush().await?;
        assert!(!session.in_transaction());
        assert_eq!(count_rows(&db.engine, &users).await?, 1);
        assert_eq!(ann.state(), ObjectState::Persistent);

        // a failed autocommit flush leaves the objects as they were, ready for another try
        let dup = session.add(User::new("ann", "other@x"))?;
        let bob = session.add(User::new("bob", "bob@x"))?;
        let err = session.flush().await.unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation));
        assert!(!session.needs_rollback());
        assert_eq!(dup.state(), ObjectState::Pending);
        assert_eq!(bob.state(), ObjectState::Pending);
        dup.write().name = "ann2".into();
        session.flush().await?;
        assert_eq!(count_rows(&db.engine, &users).await?, 3);

        // an explicit begin() groups flushes until commit
        session.begin().await?;
        session.add(User::new("cy", "cy@x"))?;
        session.flush().await?;
        assert!(session.in_transaction());
        session.rollback().await?;
        assert_eq!(count_rows(&db.engine, &users).await?, 3);
        Ok(())
    }
}

backend_test! {
    async fn close_after_reading_or_writing_leaves_the_connection_clean(db) {
        user_model!();
        let engine = db.engine_builder().pool_size(1).max_overflow(0).build()?;
        let users = db.users_table_on(&engine).await?;
        mapper::<User>(&users)?;
        let maker = sessionmaker(&engine);
        {
            let mut s = maker.session();
            s.add(User::new("ann", "ann@x"))?;
            s.commit().await?;
        }
        for round in 0..10 {
            // A session that only read: its rollback is not waited on (PostgreSQL), yet
            // the one connection's next user finds no transaction open.
            let mut reader = maker.session();
            assert_eq!(reader.query::<User>().count().await?, 1);
            reader.close().await?;
            // A session that wrote through a Core statement and closes: rolled back.
            let mut writer = maker.session();
            writer
                .execute(users.update().values(values! { "name" => format!("gone{round}") }))
                .await?;
            writer.close().await?;
            let mut conn = engine.connect().await?;
            assert!(!conn.in_transaction());
            let name: String = conn.execute(select([users.c("name")])).await?.scalar_one()?;
            assert_eq!(name, "ann", "round {round}");
            // The connection is out of any transaction: this commits on its own.
            conn.execute(users.update().values(values! { "email" => format!("r{round}@x") })).await?;
        }
        let email: String = engine.execute(select([users.c("email")])).await?.scalar_one()?;
        assert_eq!(email, "r9@x");
        assert_eq!(engine.pool_status().checked_out(), 0);
        Ok(())
    }
}

backend_test! {
    async fn a_session_that_read_can_still_write_after_another_commits(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let maker = sessionmaker(&db.engine);
        let mut setup = maker.session();
        setup.add_all([User::new("ann", "ann@x"), User::new("bob", "bob@x")])?;
        setup.commit().await?;

        // A request's session reads, then another connection commits a change...
        let mut session = maker.session();
        let ann = session.get::<User>(1).await?.unwrap();
        db.engine
            .execute(users.update().values(values! { "name" => "robert" }).where_(users.c("id").eq(2)))
            .await?;
        // ...and the session's own write still commits. A SQLite read transaction kept
        // open since the `get` would hold a snapshot older than that commit, and SQLite
        // refuses to turn such a transaction into a write (`SQLITE_BUSY`).
        ann.write().name = "anna".into();
        session.commit().await?;
        assert_eq!(names_by_id(&db.engine, &users).await?, ["anna", "robert"]);

        // The same through a Core SELECT run by execute(): it reads, so it begins nothing.
        let mut session = maker.session();
        let n: i64 = session
            .execute(select([func::count_star()]).select_from(&users))
            .await?
            .scalar_one()?;
        assert_eq!(n, 2);
        db.engine
            .execute(users.update().values(values! { "name" => "bobby" }).where_(users.c("id").eq(2)))
            .await?;
        session.add(User::new("cy", "cy@x"))?;
        session.commit().await?;
        assert_eq!(count_rows(&db.engine, &users).await?, 3);

        // begin() starts the transaction at once, for reads that must see one snapshot:
        // on every backend the session is then in a transaction before any write.
        let mut session = maker.session();
        session.begin().await?;
        assert!(session.get::<User>(2).await?.is_some());
        assert!(session.in_transaction());
        session.close().await?;
        Ok(())
    }
}
