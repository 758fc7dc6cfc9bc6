//! The identity map and object states.

#[macro_use]
mod orm_support;

use philtre_integration_tests::backend_test;
use philtre_orm::prelude::*;

backend_test! {
    async fn one_object_per_primary_key(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        db.engine
            .execute(users.insert().values(values! { "name" => "ann", "email" => "ann@x" }))
            .await?;

        let maker = sessionmaker(&db.engine);
        let mut session = maker.session();
        let a = session.get::<User>(1).await?.unwrap();
        let b = session.get::<User>(1).await?.unwrap();
        assert!(Obj::ptr_eq(&a, &b));
        let c = session.query::<User>().filter_by("name", "ann").one().await?;
        assert!(Obj::ptr_eq(&a, &c));
        assert_eq!(session.len(), 1);

        // a change through one handle is seen through the others
        a.write().name = "anna".into();
        assert_eq!(b.read().name, "anna");
        assert!(session.is_modified(&c)?);

        // a re-query keeps the in-memory state of an object that is not expired
        session.set_autoflush(false);
        let d = session.query::<User>().one().await?;
        assert!(Obj::ptr_eq(&a, &d));
        assert_eq!(d.read().name, "anna");
        assert!(session.get::<User>(2).await?.is_none());
        session.commit().await?;

        // another session has objects of its own
        let mut other = maker.session();
        let e = other.get::<User>(1).await?.unwrap();
        assert!(!Obj::ptr_eq(&a, &e));
        assert_eq!(e.read().name, "anna");
        other.rollback().await?;
        Ok(())
    }
}

backend_test! {
    async fn states_through_the_lifecycle(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let mut session = sessionmaker(&db.engine).session();

        let u = Obj::transient(User::new("ann", "ann@x"));
        assert_eq!(u.state(), ObjectState::Transient);
        session.add_obj(&u)?;
        assert_eq!(session.state(&u), ObjectState::Pending);
        assert!(session.contains(&u));
        session.flush().await?;
        assert_eq!(u.state(), ObjectState::Persistent);
        session.delete(&u)?;
        assert_eq!(u.state(), ObjectState::Persistent, "marked, not yet flushed");
        assert!(session.get::<User>(1).await?.is_none(), "get skips an object marked deleted");
        session.flush().await?;
        assert_eq!(u.state(), ObjectState::Deleted);
        session.commit().await?;
        assert_eq!(u.state(), ObjectState::Detached);
        assert!(!session.contains(&u));

        // expunge detaches; add_obj attaches again; close detaches everything
        let v = session.add(User::new("bob", "bob@x"))?;
        session.commit().await?;
        session.expunge(&v)?;
        assert_eq!(v.state(), ObjectState::Detached);
        session.add_obj(&v)?;
        assert_eq!(v.state(), ObjectState::Persistent);
        // (take the id first: a read guard alive across the get would lock the object)
        let id = v.read().id.unwrap();
        let again = session.get::<User>(id).await?.unwrap();
        assert!(Obj::ptr_eq(&again, &v));
        session.close().await?;
        assert_eq!(v.state(), ObjectState::Detached);
        assert!(session.is_empty());

        // rollback sends a pending object back to transient
        let w = session.add(User::new("cy", "cy@x"))?;
        session.rollback().await?;
        assert_eq!(w.state(), ObjectState::Transient);

        // wrong states are typed errors
        let p = session.add(User::new("dee", "dee@x"))?;
        assert!(matches!(
            session.delete(&p),
            Err(philtre::Error::Orm(OrmError::InvalidState { state: "pending", .. }))
        ));
        let mut other = sessionmaker(&db.engine).session();
        assert!(matches!(
            other.add_obj(&p),
            Err(philtre::Error::Orm(OrmError::InvalidState { .. }))
        ));
        assert!(matches!(
            other.expunge(&p),
            Err(philtre::Error::Orm(OrmError::InvalidState { .. }))
        ));
        // dropping a session detaches its objects
        drop(session);
        assert_eq!(p.state(), ObjectState::Transient);
        assert_eq!(v.state(), ObjectState::Detached);
        Ok(())
    }
}

backend_test! {
    async fn mapping_errors_are_typed(db) {
        user_model!();
        #[derive(Debug)]
        struct Wrong { id: i64 }
        impl Mapped for Wrong {
            const COLUMNS: &'static [&'static str] = &["id", "nickname"];
            fn from_row(row: &Row) -> philtre::Result<Self> { Ok(Wrong { id: row.get(0)? }) }
            fn to_values(&self) -> Vec<Value> { field_values![self.id, Value::Null] }
        }
        let users = db.users_table().await?;
        let mut session = sessionmaker(&db.engine).session();
        // never mapped
        assert!(matches!(
            session.add(User::new("ann", "ann@x")),
            Err(philtre::Error::Orm(OrmError::NotMapped { type_name: "User" }))
        ));
        assert!(matches!(
            session.query::<User>().all().await,
            Err(philtre::Error::Orm(OrmError::NotMapped { .. }))
        ));
        // a column the table does not have
        let err = mapper::<Wrong>(&users).unwrap_err();
        assert!(err.to_string().contains("nickname"), "{err}");
        assert!(matches!(err, philtre::Error::Orm(OrmError::InvalidMapping { .. })));
        Ok(())
    }
}

backend_test! {
    async fn a_load_that_fails_part_way_keeps_the_objects_before_the_bad_row(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        // `User::name` is a `String`: the third row's NULL name cannot become one.
        for (name, email) in [(Some("ann"), "ann@x"), (Some("bob"), "bob@x"), (None, "nul@x"), (Some("dan"), "dan@x")] {
            db.engine
                .execute(users.insert().values(values! { "name" => name, "email" => email }))
                .await?;
        }

        let mut session = sessionmaker(&db.engine).session();
        let err = session
            .query::<User>()
            .order_by(users.c("id").asc())
            .all()
            .await
            .unwrap_err();
        assert!(matches!(&err, philtre::Error::Decode { column, .. } if column == "name"), "{err:?}");
        // Rows become objects as they are decoded: the two before the bad row are in the
        // session, as they are in the database; nothing after it.
        assert_eq!(session.len(), 2);
        let ann = session.get::<User>(1).await?.expect("ann was loaded");
        assert_eq!(ann.read().name, "ann");
        assert_eq!(session.len(), 2, "get found ann in the identity map");

        // The session goes on: a later load meets the same objects.
        let rest = session.query::<User>().filter(users.c("name").is_not_null()).order_by(users.c("id").asc()).all().await?;
        let names: Vec<String> = rest.iter().map(|u| u.read().name.clone()).collect();
        assert_eq!(names, ["ann", "bob", "dan"]);
        assert!(Obj::ptr_eq(&rest[0], &ann));
        assert_eq!(session.len(), 3);
        session.close().await?;
        Ok(())
    }
}

backend_test! {
    async fn close_detaches_every_object_and_the_session_starts_afresh(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        for name in ["ann", "bob", "cy"] {
            db.engine
                .execute(users.insert().values(values! { "name" => name, "email" => format!("{name}@x") }))
                .await?;
        }
        let maker = sessionmaker(&db.engine);
        let mut session = maker.session();
        let loaded = session.query::<User>().order_by(users.c("id").asc()).all().await?;
        loaded[1].write().name = "robert".into();
        let pending = session.add(User::new("dee", "dee@x"))?;
        session.close().await?;

        // Read-only objects leave as detached and expired, the written one with its
        // change dropped, the pending one as transient.
        for u in &loaded {
            assert_eq!(u.state(), ObjectState::Detached);
            assert!(u.is_expired());
            assert!(!session.contains(u));
        }
        assert_eq!(loaded[1].read().name, "bob");
        assert_eq!(pending.state(), ObjectState::Transient);
        assert!(session.is_empty());

        // The closed session works again, with objects of its own; a detached object can
        // join another session (or this one) as persistent.
        let again = session.get::<User>(1).await?.expect("ann");
        assert!(!Obj::ptr_eq(&again, &loaded[0]));
        assert_eq!(again.state(), ObjectState::Persistent);
        let mut other = maker.session();
        other.add_obj(&loaded[2])?;
        assert_eq!(loaded[2].state(), ObjectState::Persistent);
        assert!(other.contains(&loaded[2]));
        assert!(!session.contains(&loaded[2]));
        assert!(matches!(
            session.add_obj(&loaded[2]),
            Err(philtre::Error::Orm(OrmError::InvalidState { .. }))
        ));
        other.close().await?;
        session.close().await?;
        assert_eq!(again.state(), ObjectState::Detached);
        Ok(())
    }
}

backend_test! {
    async fn close_drops_a_write_made_after_the_load_that_made_the_object(db) {
        // The session closed here holds only loaded objects and nothing pending: what
        // tells close that one of them was written is the write itself.
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        for name in ["ann", "bob"] {
            db.engine
                .execute(users.insert().values(values! { "name" => name, "email" => format!("{name}@x") }))
                .await?;
        }
        let mut session = sessionmaker(&db.engine).session();
        let loaded = session.query::<User>().order_by(users.c("id").asc()).all().await?;
        let again = session.query::<User>().filter_by("name", "ann").one().await?;
        assert!(Obj::ptr_eq(&loaded[0], &again), "a second load meets the same object");
        loaded[1].write().name = "robert".into();
        session.close().await?;
        assert_eq!(loaded[1].read().name, "bob", "the unflushed change was dropped");
        assert!(loaded.iter().all(|u| u.state() == ObjectState::Detached && u.is_expired()));
        let in_db: Vec<String> = db
            .engine
            .execute(users.select().order_by(users.c("id").asc()))
            .await?
            .all()
            .iter()
            .map(|r| r.get::<String>(1))
            .collect::<philtre::Result<_>>()?;
        assert_eq!(in_db, ["ann", "bob"]);
        Ok(())
    }
}

backend_test! {
    async fn a_null_key_finds_nothing_and_spoils_no_later_get(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        db.engine
            .execute(users.insert().values(values! { "name" => "ann", "email" => "ann@x" }))
            .await?;

        let mut session = sessionmaker(&db.engine).session();
        // The first get of a fresh mapping compiles the SQL that later gets reuse: a NULL
        // key must not leave `IS NULL` there.
        assert!(session.get::<User>(Value::Null).await?.is_none());
        let ann = session.get::<User>(1).await?.expect("row 1");
        assert_eq!(ann.read().name, "ann");
        session.close().await?;
        Ok(())
    }
}

// A changed primary key is UPDATEd with the object's other changes, and the identity map
// follows it: the new key finds the same object, the old one finds nothing. A rollback
// puts the old key and values back.
backend_test! {
    async fn a_changed_primary_key_moves_the_object_in_the_identity_map(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let mut session = sessionmaker(&db.engine).autoflush(false).session();
        let objs = session.add_all([User::new("ann", "ann@x"), User::new("bob", "bob@x")])?;
        session.commit().await?;
        let (ann, bob) = (objs[0].clone(), objs[1].clone());
        let (old, bob_id) = (ann.read().id.unwrap(), bob.read().id.unwrap());
        let new = old + 100;
        {
            let mut a = ann.write();
            a.id = Some(new);
            a.name = "anna".into();
        }
        bob.write().name = "robert".into();
        session.flush().await?;
        let found = session.get::<User>(new).await?.unwrap();
        assert!(Obj::ptr_eq(&found, &ann));
        assert!(session.get::<User>(old).await?.is_none());
        let rows = session
            .execute(users.select().order_by(users.c("id")))
            .await?
            .all();
        let got: Vec<(i64, String)> = rows
            .iter()
            .map(|r| Ok((r.get("id")?, r.get("name")?)))
            .collect::<philtre::Result<_>>()?;
        assert_eq!(got, [(bob_id, "robert".to_owned()), (new, "anna".to_owned())]);

        session.rollback().await?;
        assert_eq!((ann.read().id, ann.read().name.as_str()), (Some(old), "ann"));
        let again = session.get::<User>(old).await?.unwrap();
        assert!(Obj::ptr_eq(&again, &ann));
        assert!(session.get::<User>(new).await?.is_none());
        assert_eq!(bob.read().name, "bob");
        session.close().await?;
        Ok(())
    }
}

backend_test! {
    async fn a_large_load_keeps_one_object_per_key_in_row_order(db) {
        // 150 rows: more than any small buffer or first allocation holds, so a load that
        // lost, repeated or reordered objects past its first rows fails here.
        person_post_models!();
        let users = people(&db).await?;
        mapper::<Person>(&users)?;

        let mut session = sessionmaker(&db.engine).session();
        let all = session.query::<Person>().order_by(users.c("id")).all().await?;
        let names: Vec<String> = all.iter().map(|p| p.read().name.clone()).collect();
        let expected: Vec<String> = (0..150).map(|i| format!("p{i:03}")).collect();
        assert_eq!(names, expected);
        assert!(all.windows(2).all(|w| !Obj::ptr_eq(&w[0], &w[1])));
        let again = session.query::<Person>().order_by(users.c("id")).all().await?;
        assert!(all.iter().zip(&again).all(|(a, b)| Obj::ptr_eq(a, b)));
        let id = all[100].read().id.expect("saved");
        assert!(Obj::ptr_eq(&session.get::<Person>(id).await?.unwrap(), &all[100]));
        assert_eq!(session.len(), 150);

        // Expired objects are overwritten by the rows that meet them, all 150. The
        // commit expires them, and ends the transaction whose snapshot (MariaDB's
        // repeatable read) would hide the update.
        session.commit().await?;
        db.engine
            .execute(users.update().values(values! { "age" => 99 }).where_(users.c("id").gt(id)))
            .await?;
        let fresh = session.query::<Person>().order_by(users.c("id")).all().await?;
        assert!(all.iter().zip(&fresh).all(|(a, b)| Obj::ptr_eq(a, b)));
        assert_eq!(all[100].read().age, Some(0));
        assert!(all[101..].iter().all(|p| p.read().age == Some(99)));

        // One object kept outlives its load, its session and the other objects.
        let kept = all[149].clone();
        drop((all, again, fresh));
        session.close().await?;
        drop(session);
        assert_eq!(kept.read().name, "p149");
        assert_eq!(kept.state(), ObjectState::Detached);
        Ok(())
    }
}

backend_test! {
    async fn rows_that_repeat_a_key_give_the_first_rows_object(db) {
        // `age` declared the primary key of a mapping over the same table (as a mapping
        // onto a view may declare a key the database does not enforce): ten ages among
        // 150 rows, so most rows of the load meet an object made by an earlier row.
        let users = people(&db).await?;

        #[derive(Debug)]
        struct ByAge {
            age: Option<i64>,
            name: String,
        }
        impl Mapped for ByAge {
            const COLUMNS: &'static [&'static str] = &["age", "name"];
            fn from_row(row: &philtre::Row) -> philtre::Result<Self> {
                Ok(ByAge { age: row.get(0)?, name: row.get(1)? })
            }
            fn to_values(&self) -> Vec<philtre::Value> {
                philtre_orm::field_values![self.age, self.name]
            }
        }
        let apart = MetaData::new();
        let by_age = Table::new(
            users.name(),
            &apart,
            [Column::new("age", Integer).primary_key(), Column::new("name", String(50))],
        );
        mapper::<ByAge>(&by_age)?;

        let mut session = sessionmaker(&db.engine).session();
        let rows = session.query::<ByAge>().order_by(by_age.c("name")).all().await?;
        assert_eq!(rows.len(), 150);
        assert!(rows.iter().enumerate().all(|(i, o)| Obj::ptr_eq(o, &rows[i % 10])));
        // The first row of each key made its object; later rows did not overwrite it.
        let first: Vec<String> = rows[..10].iter().map(|o| o.read().name.clone()).collect();
        let expected: Vec<String> = (0..10).map(|i| format!("p{i:03}")).collect();
        assert_eq!(first, expected);
        assert_eq!(session.objects::<ByAge>().len(), 10);
        assert_eq!(session.len(), 10);
        session.close().await?;
        Ok(())
    }
}

/// `users(id, name, age)` holding 150 people, `p000` to `p149`, aged 0 to 9 in turn.
async fn people(db: &philtre_integration_tests::TestDb) -> philtre::Result<Table> {
    let (users, _posts) = db.users_and_posts().await?;
    let rows = (0..150_i64).map(|i| {
        [
            ("name", Value::from(format!("p{i:03}"))),
            ("age", Value::from(i % 10)),
        ]
    });
    db.engine
        .connect()
        .await?
        .execute_many(&users.insert(), rows)
        .await?;
    Ok(users)
}
