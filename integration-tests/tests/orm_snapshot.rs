//! Change detection with snapshots taken at the first write: a loaded object that is only
//! read holds no copy of its values, yet every change is found, flushed and rolled back
//! as before.

#[macro_use]
mod orm_support;

use orm_support::names_by_id;

use philtre_integration_tests::backend_test;
use philtre_orm::prelude::*;

backend_test! {
    async fn the_first_write_keeps_what_the_database_has(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let maker = sessionmaker(&db.engine);
        let mut setup = maker.session();
        setup.add_all([User::new("ann", "ann@x"), User::new("bob", "bob@x")])?;
        setup.commit().await?;

        let mut session = maker.session();
        let all = session.query::<User>().order_by(users.c("id")).all().await?;
        let (ann, bob) = (all[0].clone(), all[1].clone());
        assert!(!session.is_modified(&ann)?, "loaded and only read");
        // a write that changes nothing is no change
        bob.write().name = "bob".into();
        assert!(!session.is_modified(&bob)?);
        ann.write().name = "anna".into();
        assert!(session.is_modified(&ann)?);
        // a second write keeps the first snapshot: back to the loaded value is no change
        ann.write().name = "ann".into();
        assert!(!session.is_modified(&ann)?);
        ann.write().email = Some("anna@x".into());
        session.flush().await?;
        assert!(!session.is_modified(&ann)?, "the flush brought it in step");
        session.commit().await?;
        let row = db.engine.execute(users.select().where_(users.c("id").eq(1))).await?.one()?;
        assert_eq!(row.get::<String>("name")?, "ann");
        assert_eq!(row.get::<String>("email")?, "anna@x");

        // rollback restores an unflushed change, and a flushed one
        let ann = session.get::<User>(1).await?.unwrap();
        ann.write().name = "unflushed".into();
        session.rollback().await?;
        assert_eq!(ann.read().name, "ann");
        assert!(ann.is_expired());
        let ann = session.get::<User>(1).await?.unwrap();
        ann.write().name = "flushed".into();
        session.flush().await?;
        ann.write().name = "then more".into();
        session.rollback().await?;
        assert_eq!(ann.read().name, "ann");
        assert_eq!(ann.read().email.as_deref(), Some("anna@x"));
        let row = db.engine.execute(users.select().where_(users.c("id").eq(1))).await?.one()?;
        assert_eq!(row.get::<String>("name")?, "ann");
        // after that rollback the object is in step again: nothing to flush
        session.get::<User>(1).await?;
        assert!(!session.is_modified(&ann)?);
        session.close().await?;
        Ok(())
    }
}

backend_test! {
    async fn reloaded_or_deleted_objects_still_roll_back(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let maker = sessionmaker(&db.engine);
        let mut setup = maker.session();
        setup.add_all([User::new("ann", "ann@x"), User::new("bob", "bob@x")])?;
        setup.commit().await?;

        // flushed, expired, reloaded from the flushed row, then rolled back: the value goes
        // back to what it was before the transaction
        let mut session = maker.session();
        let ann = session.get::<User>(1).await?.unwrap();
        ann.write().name = "flushed".into();
        session.flush().await?;
        session.expire(&ann);
        session.query::<User>().all().await?;
        assert_eq!(ann.read().name, "flushed");
        assert!(!session.is_modified(&ann)?);
        session.rollback().await?;
        assert_eq!(ann.read().name, "ann");

        // deleted (never written before), flushed, written, rolled back
        let bob = session.get::<User>(2).await?.unwrap();
        session.delete(&bob)?;
        session.flush().await?;
        assert_eq!(bob.state(), ObjectState::Deleted);
        bob.write().name = "ghost".into();
        session.rollback().await?;
        assert_eq!(bob.state(), ObjectState::Persistent);
        assert_eq!(bob.read().name, "bob");
        assert!(!session.is_modified(&bob)?);
        session.commit().await?;
        assert_eq!(names_by_id(&db.engine, &users).await?, ["ann", "bob"]);

        // refresh discards changes; the object is in step afterwards
        let ann = session.get::<User>(1).await?.unwrap();
        ann.write().name = "discarded".into();
        session.refresh(&ann).await?;
        assert_eq!(ann.read().name, "ann");
        assert!(!session.is_modified(&ann)?);
        session.close().await?;
        Ok(())
    }
}

backend_test! {
    async fn detached_writes_are_flushed_after_add(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let maker = sessionmaker(&db.engine);
        let mut setup = maker.session();
        setup.add(User::new("ann", "ann@x"))?;
        setup.commit().await?;

        let mut first = maker.session();
        let ann = first.get::<User>(1).await?.unwrap();
        first.close().await?;
        assert_eq!(ann.state(), ObjectState::Detached);
        // written while detached: the snapshot is the loaded row
        ann.write().name = "anna".into();
        let mut second = maker.session();
        second.add_obj(&ann)?;
        assert!(second.is_modified(&ann)?);
        // a change made in the database meanwhile to a column the object did not change
        // survives: only the changed column is updated
        db.engine.execute(users.update().value("email", "new@x")).await?;
        second.commit().await?;
        let row = db.engine.execute(users.select()).await?.one()?;
        assert_eq!(row.get::<String>("name")?, "anna");
        assert_eq!(row.get::<String>("email")?, "new@x");

        // closing a session whose transaction wrote restores what its rollback restores
        let mut third = maker.session();
        let ann = third.get::<User>(1).await?.unwrap();
        ann.write().name = "temp".into();
        third.flush().await?;
        third.close().await?;
        assert_eq!(ann.read().name, "anna");
        assert_eq!(ann.state(), ObjectState::Detached);
        // and one that did not write drops unflushed changes the same way
        let mut fourth = maker.session();
        let ann = fourth.get::<User>(1).await?.unwrap();
        ann.write().name = "temp".into();
        fourth.close().await?;
        assert_eq!(ann.read().name, "anna");
        assert!(ann.is_expired());
        Ok(())
    }
}

backend_test! {
    async fn hand_written_from_values_loads_the_same(db) {
        // a manual mapping that moves the driver's values out (the documented one-liner)
        member_model! {
            fn from_values(
                values: &mut [Value],
                columns: &std::sync::Arc<[String]>,
            ) -> philtre::Result<Self> {
                let (id, name, email) = philtre::FromValues::from_values(values, columns)?;
                Ok(Member { id, name, email })
            }
        }
        let users = db.users_table().await?;
        mapper::<Member>(&users)?;
        let mut session = sessionmaker(&db.engine).session();
        session.add_all((0..5).map(|i| Member { id: None, name: format!("m{i}"), email: None }))?;
        session.commit().await?;
        let all = session.query::<Member>().order_by(users.c("id")).all().await?;
        assert_eq!(all.len(), 5);
        assert_eq!(all[3].read().clone(), Member { id: Some(4), name: "m3".into(), email: None });
        // the same rows again: the same objects
        let again = session.query::<Member>().order_by(users.c("id")).all().await?;
        assert!(all.iter().zip(&again).all(|(a, b)| Obj::ptr_eq(a, b)));
        assert!(Obj::ptr_eq(&session.get::<Member>(2).await?.unwrap(), &all[1]));
        session.close().await?;
        Ok(())
    }
}

// A write made while a flush is on its way (after it read the values it writes) is not
// lost: the object stays changed, and the next flush writes it. Polled once by hand, the
// flush has read its values and waits on the database (on the servers).
backend_test! {
    async fn a_write_made_while_a_flush_runs_is_flushed_next(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let maker = sessionmaker(&db.engine);
        let mut setup = maker.session();
        setup.add(User::new("ann", "ann@x"))?;
        setup.commit().await?;

        let mut session = maker.session();
        let ann = session.get::<User>(1).await?.unwrap();
        ann.write().name = "anna".into();
        let carl = session.add(User::new("carl", "carl@x"))?;
        {
            let mut flush = std::pin::pin!(session.flush());
            let done = tokio::select! {
                biased;
                r = &mut flush => Some(r),
                _ = std::future::ready(()) => None,
            };
            ann.write().email = Some("late@x".into());
            carl.write().email = Some("late-carl@x".into());
            match done {
                Some(r) => r?,
                None => flush.await?,
            }
        }
        assert!(session.is_modified(&ann)?, "the late write is still to flush");
        assert!(session.is_modified(&carl)?, "the late write is still to flush");
        session.commit().await?;
        let rows = db
            .engine
            .execute(users.select().order_by(users.c("id")))
            .await?
            .all();
        let got: Vec<(String, String)> = rows
            .iter()
            .map(|r| Ok((r.get::<String>("name")?, r.get::<String>("email")?)))
            .collect::<philtre::Result<_>>()?;
        assert_eq!(
            got,
            [
                ("anna".to_owned(), "late@x".to_owned()),
                ("carl".to_owned(), "late-carl@x".to_owned()),
            ]
        );
        // After the commit both are in step: closing compares nothing.
        assert!(!session.is_modified(&ann)?);
        session.close().await?;
        Ok(())
    }
}

// A merged change whose autocommit flush failed is written by the next flush, once the
// cause is gone (as any other change kept for another try).
backend_test! {
    async fn a_merged_change_is_kept_for_another_try(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let maker = sessionmaker(&db.engine);
        let mut setup = maker.session();
        setup.add_all([User::new("ann", "ann@x"), User::new("bob", "bob@x")])?;
        setup.commit().await?;

        let mut session = sessionmaker(&db.engine).autocommit(true).session();
        let taken = User { id: Some(1), name: "ann".into(), email: Some("bob@x".into()) };
        session.merge(taken).await?;
        assert!(session.flush().await.is_err(), "bob@x is taken");
        db.engine
            .execute(users.update().values([("email", "bob@y")]).where_(users.c("id").eq(2)))
            .await?;
        session.flush().await?;
        let email: String = db
            .engine
            .execute(select([users.c("email")]).where_(users.c("id").eq(1)))
            .await?
            .scalar_one()?;
        assert_eq!(email, "bob@x");
        Ok(())
    }
}
