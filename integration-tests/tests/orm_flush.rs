//! The unit of work: foreign-key order, changed columns only, generated keys, autoflush,
//! and all-or-nothing flushes.

#[macro_use]
mod orm_support;

use orm_support::count_rows;
use philtre::{DbErrorKind, Error};
use philtre_integration_tests::backend_test;
use philtre_orm::prelude::*;

backend_test! {
    async fn flush_orders_by_foreign_keys(db) {
        #[derive(Debug, Clone)]
        struct Parent { id: i64, name: String }
        impl Mapped for Parent {
            const COLUMNS: &'static [&'static str] = &["id", "name"];
            fn from_row(row: &Row) -> philtre::Result<Self> { Ok(Parent { id: row.get(0)?, name: row.get(1)? }) }
            fn to_values(&self) -> Vec<Value> { field_values![self.id, self.name] }
        }
        #[derive(Debug, Clone)]
        struct Child { id: Option<i64>, parent_id: i64, name: String }
        impl Mapped for Child {
            const COLUMNS: &'static [&'static str] = &["id", "parent_id", "name"];
            fn from_row(row: &Row) -> philtre::Result<Self> {
                Ok(Child { id: row.get(0)?, parent_id: row.get(1)?, name: row.get(2)? })
            }
            fn to_values(&self) -> Vec<Value> { field_values![self.id, self.parent_id, self.name] }
        }
        let parents = Table::new(db.name("parents"), &db.metadata, [
            Column::new("id", Integer).primary_key().autoincrement(false),
            Column::new("name", String(50)).not_null(),
        ]);
        // no ON DELETE CASCADE: deleting the parent first would fail
        let children = Table::new(db.name("children"), &db.metadata, [
            Column::new("id", Integer).primary_key(),
            Column::new("parent_id", Integer).not_null().foreign_key(&format!("{}.id", parents.name())),
            Column::new("name", String(50)).not_null(),
        ]);
        db.metadata.create_all(&db.engine).await?;
        mapper::<Parent>(&parents)?;
        mapper::<Child>(&children)?;

        let mut session = sessionmaker(&db.engine).session();
        // the child is added first; the flush still inserts the parent first
        let kid = session.add(Child { id: None, parent_id: 7, name: "kid".into() })?;
        let mum = session.add(Parent { id: 7, name: "mum".into() })?;
        session.commit().await?;
        assert_eq!(count_rows(&db.engine, &parents).await?, 1);
        assert_eq!(count_rows(&db.engine, &children).await?, 1);

        // deleted parent first; the flush deletes the child first
        session.delete(&mum)?;
        session.delete(&kid)?;
        session.commit().await?;
        assert_eq!(count_rows(&db.engine, &children).await?, 0);
        assert_eq!(count_rows(&db.engine, &parents).await?, 0);
        Ok(())
    }
}

backend_test! {
    async fn update_sets_only_changed_columns(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let mut session = sessionmaker(&db.engine).expire_on_commit(false).session();
        let ann = session.add(User::new("ann", "ann@x"))?;
        session.commit().await?;
        assert!(!session.is_modified(&ann)?);

        // someone else changes the email meanwhile
        db.engine
            .execute(users.update().value("email", "new@x").where_(users.c("name").eq("ann")))
            .await?;
        ann.write().name = "anna".into();
        assert!(session.is_modified(&ann)?);
        session.commit().await?;

        // the UPDATE set only the name: the other change survives
        let row = db.engine.execute(users.select()).await?.one()?;
        assert_eq!(row.get::<String>("name")?, "anna");
        assert_eq!(row.get::<String>("email")?, "new@x");
        // (the object still has its own view of the email until refreshed)
        assert_eq!(ann.read().email.as_deref(), Some("ann@x"));
        session.refresh(&ann).await?;
        assert_eq!(ann.read().email.as_deref(), Some("new@x"));
        session.rollback().await?;

        // nothing changed: commit writes nothing and opens no transaction
        session.commit().await?;
        assert!(!session.in_transaction());
        Ok(())
    }
}

backend_test! {
    async fn generated_keys_are_set_back(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let mut session = sessionmaker(&db.engine).session();
        let added = session.add_all((0..3).map(|i| User::new(&format!("u{i}"), &format!("u{i}@x"))))?;
        assert!(added.iter().all(|u| u.read().id.is_none()));
        session.flush().await?;
        let ids: Vec<i64> = added.iter().map(|u| u.read().id.unwrap()).collect();
        assert_eq!(ids, [1, 2, 3]);
        // they are in the identity map under those keys
        let second = session.get::<User>(2).await?.unwrap();
        assert!(Obj::ptr_eq(&second, &added[1]));
        // and in the database, within the session's transaction
        let names: Vec<String> = session
            .execute(select([users.c("name")]).order_by(users.c("id")))
            .await?
            .scalars()?;
        assert_eq!(names, ["u0", "u1", "u2"]);
        session.commit().await?;
        assert_eq!(count_rows(&db.engine, &users).await?, 3);
        Ok(())
    }
}

backend_test! {
    async fn a_large_flush_gives_every_new_object_its_own_row_and_key(db) {
        // 1,500 objects: more than one multi-row INSERT where the database returns keys.
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let mut session = sessionmaker(&db.engine).session();
        let added = session.add_all((0..1500).map(|i| User::new(&format!("u{i}"), &format!("u{i}@x"))))?;
        session.commit().await?;
        let rows: std::collections::HashMap<i64, String> = db
            .engine
            .execute(select([users.c("id"), users.c("name")]))
            .await?
            .all()
            .into_iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .collect::<philtre::Result<_>>()?;
        assert_eq!(rows.len(), 1500);
        let mut ids = std::collections::HashSet::new();
        for user in &added {
            let user = user.read();
            let id = user.id.expect("a generated key");
            assert_eq!(rows.get(&id), Some(&user.name), "object {} got the key of another row", user.name);
            assert!(ids.insert(id));
        }
        // in step with the database: a change writes that one row only
        assert!(!session.is_modified(&added[1234])?);
        added[1234].write().name = "changed".into();
        session.commit().await?;
        let id = added[1234].read().id;
        let name: String = db
            .engine
            .execute(select([users.c("name")]).where_(users.c("id").eq(id)))
            .await?
            .scalar_one()?;
        assert_eq!(name, "changed");
        Ok(())
    }
}

backend_test! {
    async fn new_objects_that_name_no_column_are_inserted_too(db) {
        // Every column is left to the database: an INSERT of defaults only, per object.
        #[derive(Debug, Clone)]
        struct Stamp { id: Option<i64>, qty: Option<i64> }
        impl Mapped for Stamp {
            const COLUMNS: &'static [&'static str] = &["id", "qty"];
            fn from_row(row: &Row) -> philtre::Result<Self> { Ok(Stamp { id: row.get(0)?, qty: row.get(1)? }) }
            fn to_values(&self) -> Vec<Value> { field_values![self.id, self.qty] }
        }
        let stamps = Table::new(db.name("stamps"), &db.metadata, [
            Column::new("id", Integer).primary_key(),
            Column::new("qty", Integer).not_null().server_default(5),
        ]);
        db.metadata.create_all(&db.engine).await?;
        mapper::<Stamp>(&stamps)?;
        let mut session = sessionmaker(&db.engine).session();
        let added = session.add_all([Stamp { id: None, qty: None }, Stamp { id: None, qty: None }])?;
        session.flush().await?;
        let ids: Vec<Option<i64>> = added.iter().map(|s| s.read().id).collect();
        assert!(ids[0].is_some() && ids[1].is_some() && ids[0] != ids[1], "{ids:?}");
        assert!(added.iter().all(|s| s.read().qty == Some(5)));
        session.commit().await?;
        assert_eq!(count_rows(&db.engine, &stamps).await?, 2);
        Ok(())
    }
}

backend_test! {
    async fn autoflush_on_and_off(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;

        // on (the default): a query flushes pending objects first
        let mut on = sessionmaker(&db.engine).session();
        let ann = on.add(User::new("ann", "ann@x"))?;
        assert_eq!(on.query::<User>().count().await?, 1);
        assert_eq!(ann.state(), ObjectState::Persistent);
        on.rollback().await?;
        assert_eq!(ann.state(), ObjectState::Transient);

        // off (the seed's setting): pending objects wait for flush or commit
        let mut off = sessionmaker(&db.engine).autoflush(false).session();
        let bob = off.add(User::new("bob", "bob@x"))?;
        assert_eq!(off.query::<User>().count().await?, 0);
        assert!(off.get::<User>(1).await?.is_none());
        assert_eq!(off.pending::<User>().len(), 1);
        assert_eq!(bob.state(), ObjectState::Pending);
        off.flush().await?;
        assert_eq!(off.query::<User>().count().await?, 1);
        off.commit().await?;
        assert_eq!(count_rows(&db.engine, &users).await?, 1);
        Ok(())
    }
}

backend_test! {
    async fn autoflush_finds_writes_made_after_a_flush_that_found_none(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let mut setup = sessionmaker(&db.engine).session();
        setup.add_all(["ann", "bob", "cy", "dee"].map(|n| User::new(n, &format!("{n}@x"))))?;
        setup.commit().await?;

        let mut session = sessionmaker(&db.engine).session();
        let all = session.query::<User>().order_by(users.c("id")).all().await?;
        // Nothing written: this autoflush finds nothing, and the next ones may skip looking.
        assert_eq!(session.query::<User>().filter_by("name", "ann").count().await?, 1);

        // A write after that is still found by the next autoflush.
        all[0].write().name = "anna".into();
        assert_eq!(session.query::<User>().filter_by("name", "anna").count().await?, 1);
        assert_eq!(session.query::<User>().filter_by("name", "anna").count().await?, 1);

        // So is a merge onto an object the session holds.
        let bob_id = all[1].read().id;
        session.merge(User { id: bob_id, name: "bobby".into(), email: Some("bob@x".into()) }).await?;
        assert_eq!(session.query::<User>().filter_by("name", "bobby").count().await?, 1);

        // And an object written while detached, then attached again after a flush that
        // found nothing written (its write was counted before that flush looked).
        let cy = all[2].clone();
        session.expunge(&cy)?;
        cy.write().name = "cyd".into();
        assert_eq!(session.query::<User>().filter_by("name", "cy").count().await?, 1);
        session.add_obj(&cy)?;
        assert_eq!(session.query::<User>().filter_by("name", "cyd").count().await?, 1);

        // An object outside the session written in between is no concern of this one's,
        // but this one's own later write is.
        let elsewhere = Obj::transient(User::new("eve", "eve@x"));
        assert_eq!(session.query::<User>().filter_by("name", "dee").count().await?, 1);
        elsewhere.write().name = "evie".into();
        all[3].write().name = "deedee".into();
        assert_eq!(session.query::<User>().filter_by("name", "deedee").count().await?, 1);

        session.commit().await?;
        let names: Vec<String> = db
            .engine
            .scalars(philtre::select([users.c("name")]).order_by(users.c("id")))
            .await?;
        assert_eq!(names, ["anna", "bobby", "cyd", "deedee"]);
        Ok(())
    }
}

backend_test! {
    async fn failed_flush_writes_nothing_and_needs_rollback(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let mut session = sessionmaker(&db.engine).session();
        // 50 new users; the 26th repeats the 10th's name (a unique column)
        let batch: Vec<User> = (0..50)
            .map(|i| {
                let name = if i == 25 { "u9".to_owned() } else { format!("u{i}") };
                User::new(&name, &format!("u{i}@x"))
            })
            .collect();
        let objs = session.add_all(batch)?;
        let err = session.commit().await.unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation), "{err}");

        // none of them is in the database
        assert_eq!(count_rows(&db.engine, &users).await?, 0);
        // the session says it needs a rollback, whatever is asked of it
        assert!(session.needs_rollback());
        for result in [
            session.query::<User>().count().await.map(|_| ()),
            session.flush().await,
            session.commit().await,
            session.execute(users.select()).await.map(|_| ()),
        ] {
            assert!(
                matches!(result, Err(Error::Orm(OrmError::NeedsRollback { .. }))),
                "{result:?}"
            );
        }

        // after rollback: every object is transient again, and the session works
        session.rollback().await?;
        assert!(!session.needs_rollback());
        assert!(session.is_empty());
        assert!(objs.iter().all(|u| u.state() == ObjectState::Transient));
        assert!(objs.iter().all(|u| u.read().id.is_none()), "generated keys are taken back");
        let ok = session.add(User::new("fine", "fine@x"))?;
        session.commit().await?;
        assert_eq!(ok.read().id.map(|_| ()), Some(()));
        assert_eq!(count_rows(&db.engine, &users).await?, 1);
        Ok(())
    }
}

backend_test! {
    async fn update_of_a_vanished_row_is_stale_data(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let mut session = sessionmaker(&db.engine).expire_on_commit(false).session();
        let ann = session.add(User::new("ann", "ann@x"))?;
        session.commit().await?;
        db.engine.execute(users.delete()).await?;
        ann.write().name = "anna".into();
        let err = session.commit().await.unwrap_err();
        assert!(matches!(err, Error::Orm(OrmError::StaleData { found: 0, .. })), "{err}");
        assert!(session.needs_rollback());
        session.rollback().await?;
        // rollback discarded the change and expired the object
        assert_eq!(ann.read().name, "ann");
        assert!(ann.is_expired());
        Ok(())
    }
}

backend_test! {
    async fn identity_conflicts_are_caught_before_writing(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let mut session = sessionmaker(&db.engine).session();
        let ann = session.add(User::new("ann", "ann@x"))?;
        session.flush().await?;
        let id = ann.read().id;
        session.add(User { id, name: "other".into(), email: None })?;
        let err = session.flush().await.unwrap_err();
        assert!(matches!(err, Error::Orm(OrmError::IdentityConflict { .. })), "{err}");
        // nothing was sent: no rollback needed
        assert!(!session.needs_rollback());
        session.rollback().await?;
        Ok(())
    }
}

backend_test! {
    async fn defaults_are_read_back_and_composite_keys_work(db) {
        #[derive(Debug, Clone)]
        struct Item { id: Option<i64>, name: String, qty: Option<i64>, note: Option<String> }
        impl Mapped for Item {
            const COLUMNS: &'static [&'static str] = &["id", "name", "qty", "note"];
            fn from_row(row: &Row) -> philtre::Result<Self> {
                Ok(Item { id: row.get(0)?, name: row.get(1)?, qty: row.get(2)?, note: row.get(3)? })
            }
            fn to_values(&self) -> Vec<Value> { field_values![self.id, self.name, self.qty, self.note] }
        }
        #[derive(Debug, Clone)]
        struct Membership { user_id: i64, group_id: i64, role: String }
        impl Mapped for Membership {
            const COLUMNS: &'static [&'static str] = &["user_id", "group_id", "role"];
            fn from_row(row: &Row) -> philtre::Result<Self> {
                Ok(Membership { user_id: row.get(0)?, group_id: row.get(1)?, role: row.get(2)? })
            }
            fn to_values(&self) -> Vec<Value> { field_values![self.user_id, self.group_id, self.role] }
        }
        let items = Table::new(db.name("items"), &db.metadata, [
            Column::new("id", Integer).primary_key(),
            Column::new("name", String(50)).not_null(),
            Column::new("qty", Integer).not_null().server_default(5),
            Column::new("note", String(50)).default("n/a"),
        ]);
        let members = Table::builder(db.name("members"))
            .column(Column::new("user_id", Integer))
            .column(Column::new("group_id", Integer))
            .column(Column::new("role", String(20)).not_null())
            .primary_key(["user_id", "group_id"])
            .register(&db.metadata);
        db.metadata.create_all(&db.engine).await?;
        mapper::<Item>(&items)?;
        mapper::<Membership>(&members)?;

        let mut session = sessionmaker(&db.engine).session();
        // NULL columns with a default are left to it, and read back after the insert
        let added = session.add_all(["pen", "ink"].map(|name| Item { id: None, name: name.into(), qty: None, note: None }))?;
        session.flush().await?;
        for (item, name) in added.iter().zip(["pen", "ink"]) {
            assert_eq!(item.read().name, name);
            assert_eq!(item.read().qty, Some(5));
            assert_eq!(item.read().note.as_deref(), Some("n/a"));
            assert!(!session.is_modified(item)?);
        }
        assert_ne!(added[0].read().id, added[1].read().id);

        // a composite key: get by tuple, update by both columns
        session.add_all([
            Membership { user_id: 1, group_id: 1, role: "owner".into() },
            Membership { user_id: 1, group_id: 2, role: "guest".into() },
        ])?;
        session.commit().await?;
        let m = session.get::<Membership>((1, 2)).await?.unwrap();
        assert_eq!(m.read().role, "guest");
        m.write().role = "admin".into();
        session.commit().await?;
        let roles: Vec<String> = db
            .engine
            .execute(select([members.c("role")]).order_by(members.c("group_id")))
            .await?
            .scalars()?;
        assert_eq!(roles, ["owner", "admin"]);
        Ok(())
    }
}

backend_test! {
    async fn a_dropped_flush_is_never_half_committed(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let mut session = sessionmaker(&db.engine).session();
        session.add_all((0..50).map(|i| User::new(&format!("u{i}"), &format!("u{i}@x"))))?;
        // Poll the flush once, then drop it (as a cancelled request would).
        let dropped = tokio::select! {
            biased;
            r = session.flush() => { r?; false }
            () = std::future::ready(()) => true,
        };
        if dropped {
            // Whatever it wrote is still uncommitted, and the session refuses to commit it.
            assert!(session.needs_rollback());
            assert!(matches!(
                session.commit().await,
                Err(philtre::Error::Orm(OrmError::NeedsRollback { .. }))
            ));
            session.rollback().await?;
            assert!(session.is_empty());
            assert_eq!(count_rows(&db.engine, &users).await?, 0);
        } else {
            // It finished in one poll (an inline backend): nothing was interrupted.
            session.commit().await?;
            assert_eq!(count_rows(&db.engine, &users).await?, 50);
        }
        Ok(())
    }
}

// A hand-written mapping that compares field by field (`field_changes!`) updates only the
// changed columns too, including one set to NULL.
backend_test! {
    async fn a_field_by_field_mapping_updates_only_changed_columns(db) {
        member_model! {
            fn changes(&self, snapshot: &[Value]) -> philtre::Result<Changes> {
                Ok(field_changes!(snapshot; self.id, self.name, self.email))
            }
        }
        let users = db.users_table().await?;
        mapper::<Member>(&users)?;
        let mut session = sessionmaker(&db.engine).expire_on_commit(false).session();
        let ann = session.add(Member { id: None, name: "ann".into(), email: Some("ann@x".into()) })?;
        let bob = session.add(Member { id: None, name: "bob".into(), email: Some("bob@x".into()) })?;
        session.commit().await?;

        // someone else changes both rows meanwhile, in the columns the session leaves alone
        db.engine.execute(users.update().value("email", "new@x").where_(users.c("name").eq("ann"))).await?;
        db.engine.execute(users.update().value("name", "robert").where_(users.c("name").eq("bob"))).await?;
        ann.write().name = "anna".into();
        bob.write().email = None;
        // written back to what it was: no change
        let same = ann.read().id;
        ann.write().id = same;
        session.commit().await?;

        let rows = db.engine.execute(users.select().order_by(users.c("id"))).await?.all();
        let got: Vec<(String, Option<String>)> = rows
            .iter()
            .map(|r| Ok((r.get("name")?, r.get("email")?)))
            .collect::<philtre::Result<_>>()?;
        assert_eq!(
            got,
            [("anna".to_owned(), Some("new@x".to_owned())), ("robert".to_owned(), None)]
        );
        assert!(!session.is_modified(&ann)? && !session.is_modified(&bob)?);
        session.close().await?;
        Ok(())
    }
}
