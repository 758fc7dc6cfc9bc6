//! Declarative models through sessions: CRUD, typed filters, renamed columns, and keys
//! that are composite or not integers.

mod declarative_support;

use declarative_support::create_fresh;
use philtre_integration_tests::backend_test;
use philtre_orm::prelude::*;
use uuid::Uuid;

backend_test! {
    async fn crud_through_a_session(db) {
        declarative_base!(Base);

        #[derive(Model, Debug, Clone, PartialEq)]
        #[model(table = "decl_crud_users")]
        struct User {
            #[column(primary_key)]
            id: Option<i64>,
            #[column(length = 50, unique)]
            name: String,
            #[column(default = 18)]
            age: Option<i32>,
        }

        /// The row as another session sees it, in a transaction of its own (closed, so
        /// that it neither holds locks nor, in memory, shares the connection's transaction).
        async fn stored(engine: &Engine, id: i64) -> philtre::Result<Option<User>> {
            let mut other = sessionmaker(engine).session();
            let found = other.get::<User>(id).await?.map(|u| u.read().clone());
            other.close().await?;
            Ok(found)
        }

        create_fresh(&db, Base::metadata()).await?;
        let mut session = sessionmaker(&db.engine).session();
        let ann = session.add(User { id: None, name: "ann".into(), age: Some(30) })?;
        let bob = session.add(User { id: None, name: "bob".into(), age: None })?;
        session.commit().await?;
        assert_eq!(ann.read().id, Some(1), "the generated key is set back");
        assert_eq!(bob.read().age, Some(18), "the column default, read back");

        // get by key, through the identity map
        let again = session.get::<User>(1).await?.unwrap();
        assert!(Obj::ptr_eq(&again, &ann));

        // update: only the changed column
        ann.write().age = Some(31);
        session.commit().await?;
        assert_eq!(stored(&db.engine, 1).await?.unwrap().age, Some(31));

        // delete
        session.delete(&bob)?;
        session.commit().await?;
        assert!(stored(&db.engine, 2).await?.is_none());
        assert_eq!(session.query::<User>().count().await?, 1);
        session.commit().await?;

        // Core statements on the model's table
        let users = User::table_ref();
        let n = db.engine.execute(select([func::count_star()]).select_from(users)).await?.scalar_one::<i64>()?;
        assert_eq!(n, 1);

        // a unique violation is an error, never a panic
        session.add(User { id: None, name: "ann".into(), age: None })?;
        assert!(session.commit().await.is_err());
        session.rollback().await?;
        // A pooled connection left inside a transaction would hold its locks until its
        // next checkout, and the harness drops the tables after the test.
        session.close().await
    }
}

backend_test! {
    async fn typed_filters_and_ordering(db) {
        declarative_base!(Base);

        #[derive(Model, Debug, Clone)]
        #[model(table = "decl_filter_items")]
        struct Item {
            #[column(primary_key)]
            id: Option<i64>,
            #[column(length = 50)]
            name: String,
            price: f64,
            ceiling: f64,
            note: Option<String>,
        }

        create_fresh(&db, Base::metadata()).await?;
        let mut session = sessionmaker(&db.engine).session();
        for (name, price, ceiling, note) in [
            ("apple", 1.5, 2.0, Some("red")),
            ("banana", 0.5, 0.25, None),
            ("cherry", 3.0, 5.0, Some("sour")),
            ("date", 2.0, 1.0, None),
        ] {
            session.add(Item { id: None, name: name.into(), price, ceiling, note: note.map(Into::into) })?;
        }
        session.commit().await?;

        fn names(items: Vec<Obj<Item>>) -> Vec<String> {
            items.iter().map(|i| i.read().name.clone()).collect()
        }
        async fn q(session: &mut Session, cond: Expr) -> philtre::Result<Vec<String>> {
            let found = session.query::<Item>().filter(cond).order_by(Item::name).all().await?;
            Ok(names(found))
        }
        assert_eq!(q(&mut session, Item::name.eq("apple")).await?, ["apple"]);
        assert_eq!(q(&mut session, Item::name.ne("apple")).await?, ["banana", "cherry", "date"]);
        assert_eq!(q(&mut session, Item::price.gt(1)).await?, ["apple", "cherry", "date"]);
        assert_eq!(q(&mut session, Item::price.le(1.5)).await?, ["apple", "banana"]);
        assert_eq!(q(&mut session, Item::price.between(1, 2)).await?, ["apple", "date"]);
        assert_eq!(q(&mut session, Item::name.in_(["date", "apple", "zzz"])).await?, ["apple", "date"]);
        assert_eq!(q(&mut session, Item::name.not_in(["date", "apple"])).await?, ["banana", "cherry"]);
        assert_eq!(q(&mut session, Item::name.like("%an%")).await?, ["banana"]);
        assert_eq!(q(&mut session, Item::note.is_null()).await?, ["banana", "date"]);
        assert_eq!(q(&mut session, Item::note.eq(None::<String>)).await?, ["banana", "date"]);
        assert_eq!(q(&mut session, Item::note.eq("red")).await?, ["apple"]);
        // a column compared with another column of the same type
        assert_eq!(q(&mut session, Item::price.lt(Item::ceiling)).await?, ["apple", "cherry"]);
        assert_eq!(q(&mut session, Item::price.gt(1).and(Item::note.is_not_null())).await?, ["apple", "cherry"]);

        let by_price = session.query::<Item>().order_by(Item::price.desc()).limit(2).all().await?;
        assert_eq!(names(by_price), ["cherry", "date"]);
        let first = session.query::<Item>().filter(Item::name.ilike("CH%")).first().await?.unwrap();
        assert_eq!(first.read().name, "cherry");
        assert_eq!(format!("{:?}", Item::price), "Item::price");
        session.close().await
    }
}

backend_test! {
    async fn renamed_columns_in_filters_and_core(db) {
        declarative_base!(Base);

        #[derive(Model, Debug, Clone)]
        #[model(table = "decl_rename_users")]
        struct User {
            #[column(primary_key, name = "user_id")]
            id: Option<i64>,
            #[column(name = "email_address", length = 120, unique)]
            email: String,
            #[column(name = "type")]
            r#type: Option<String>,
        }

        assert_eq!(User::COLUMNS, ["user_id", "email_address", "type"]);
        assert_eq!(User::email.name(), "email_address");
        create_fresh(&db, Base::metadata()).await?;
        let mut session = sessionmaker(&db.engine).session();
        let u = session.add(User { id: None, email: "a@x".into(), r#type: Some("admin".into()) })?;
        session.commit().await?;
        assert_eq!(u.read().id, Some(1));

        let found = session.query::<User>().filter(User::email.eq("a@x")).one().await?;
        assert!(Obj::ptr_eq(&found, &u));
        assert_eq!(session.query::<User>().filter(User::r#type.eq("admin")).count().await?, 1);

        let users = User::table_ref();
        let row = db.engine.execute(users.select().where_(User::id.eq(1))).await?.one()?;
        assert_eq!(row.get::<String>("email_address")?, "a@x");
        assert_eq!(row.get::<String>("type")?, "admin");
        session.close().await
    }
}

backend_test! {
    async fn composite_and_uuid_keys(db) {
        declarative_base!(Base);

        #[derive(Model, Debug, Clone)]
        #[model(table = "decl_keys_enrolments")]
        struct Enrolment {
            #[column(primary_key, length = 20)]
            course: String,
            #[column(primary_key)]
            student: i32,
            grade: Option<i16>,
        }

        #[derive(Model, Debug, Clone)]
        #[model(table = "decl_keys_tokens")]
        struct Token {
            #[column(primary_key)]
            id: Uuid,
            #[column(length = 40)]
            label: String,
        }

        assert_eq!(Enrolment::PRIMARY_KEY, ["course", "student"]);
        assert!(Enrolment::table_ref().autoincrement_column().is_none());
        create_fresh(&db, Base::metadata()).await?;

        let mut session = sessionmaker(&db.engine).session();
        session.add(Enrolment { course: "math".into(), student: 1, grade: None })?;
        session.add(Enrolment { course: "math".into(), student: 2, grade: Some(5) })?;
        session.add(Enrolment { course: "art".into(), student: 1, grade: Some(4) })?;
        let id = Uuid::from_u128(0x1234);
        session.add(Token { id, label: "first".into() })?;
        session.commit().await?;

        let mut other = sessionmaker(&db.engine).session();
        let e = other.get::<Enrolment>(("math", 2)).await?.unwrap();
        assert_eq!(e.read().grade, Some(5));
        e.write().grade = Some(6);
        other.commit().await?;
        let n = other.query::<Enrolment>().filter(Enrolment::grade.ge(5)).count().await?;
        assert_eq!(n, 1);
        assert!(other.get::<Enrolment>(("art", 2)).await?.is_none());

        let t = other.get::<Token>(Value::from(id)).await?.unwrap();
        assert_eq!(t.read().label, "first");
        let by_id = other.query::<Token>().filter(Token::id.eq(id)).one().await?;
        assert!(Obj::ptr_eq(&t, &by_id));
        // two objects with one key: a typed error at flush, not a panic
        other.add(Token { id, label: "again".into() })?;
        assert!(other.flush().await.is_err());
        session.close().await?;
        other.close().await
    }
}
