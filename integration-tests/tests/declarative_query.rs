//! The seed's "Declarative" walkthrough on every backend, and the query property of
//! several bases. Each backend gets its own base (`per_backend_test!`): a base's query
//! session is process-wide.

#[macro_use]
mod declarative_support;

use std::fmt;
use std::sync::LazyLock;

use declarative_support::create_fresh;
use philtre::Error;
use philtre_orm::prelude::*;

per_backend_test! {
    async fn seed_walkthrough(db) {
        // database.py: db_session = scoped_session(sessionmaker(autocommit=False, autoflush=False, bind=engine))
        static DB_SESSION: LazyLock<ScopedSession> = LazyLock::new(ScopedSession::unbound);
        // Base = declarative_base()
        declarative_base!(Base);

        // models.py: class User(Base)
        #[derive(Model, Clone)]
        #[model(table = "decl_seed_users")]
        struct User {
            #[column(primary_key)]
            id: Option<i64>,
            #[column(length = 50, unique)]
            name: Option<String>,
            #[column(length = 120, unique)]
            email: Option<String>,
        }

        impl User {
            fn new(name: &str, email: &str) -> Self {
                User { id: None, name: Some(name.into()), email: Some(email.into()) }
            }
        }

        impl fmt::Debug for User {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "<User {:?}>", Value::from(self.name.clone()))
            }
        }

        DB_SESSION.configure(sessionmaker(&db.engine).autocommit(false).autoflush(false));
        // Before `Base.query = db_session.query_property()`, the query says what is missing.
        let err = DB_SESSION.scope(async { User::query().all().await }).await.unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if m.contains("Base::set_session(&db_session)")),
            "{err}"
        );
        Base::set_session(&DB_SESSION);
        // init_db()
        create_fresh(&db, Base::metadata()).await?;

        DB_SESSION.scope(async {
            // u = User('admin', 'admin@localhost'); db_session.add(u); db_session.commit()
            let u = DB_SESSION.add(User::new("admin", "admin@localhost")).await?;
            assert!(User::query().all().await?.is_empty(), "autoflush is off");
            DB_SESSION.commit().await?;
            assert_eq!(u.read().id, Some(1));

            // User.query.all() == [<User 'admin'>]
            let all = User::query().all().await?;
            assert_eq!(format!("{all:?}"), "[<User 'admin'>]");
            assert!(Obj::ptr_eq(&all[0], &u));
            // User.query.filter(User.name == 'admin').first() == <User 'admin'>
            let admin = User::query().filter(User::name.eq("admin")).first().await?.unwrap();
            assert_eq!(format!("{admin:?}"), "<User 'admin'>");
            assert!(Obj::ptr_eq(&admin, &u));
            assert!(User::query().filter(User::name.eq("nobody")).first().await?.is_none());
            assert_eq!(User::query().filter(User::email.like("%@localhost")).count().await?, 1);
            // teardown: db_session.remove()
            DB_SESSION.remove().await
        }).await?;

        // Another request sees what the first committed.
        DB_SESSION.scope(async {
            let admin = User::query().get(1).await?.unwrap();
            assert_eq!(admin.read().email.as_deref(), Some("admin@localhost"));
            DB_SESSION.remove().await
        }).await?;

        assert!(matches!(User::query().all().await, Err(Error::Orm(OrmError::NoScope))));
        Ok(())
    }
}

per_backend_test! {
    async fn each_base_queries_through_its_own_session(db) {
        declarative_base!(Base);
        declarative_base!(AuditBase);

        #[derive(Model, Debug, Clone)]
        #[model(table = "decl_bases_users")]
        struct User {
            #[column(primary_key)]
            id: Option<i64>,
            #[column(length = 50)]
            name: String,
        }

        #[derive(Model, Debug, Clone)]
        #[model(base = AuditBase, table = "decl_bases_events")]
        struct Event {
            #[column(primary_key)]
            id: Option<i64>,
            #[column(length = 50)]
            what: String,
        }

        // autoflush on for the app's session, off for the audit one
        let app = scoped_session(sessionmaker(&db.engine));
        let audit = scoped_session(sessionmaker(&db.engine).autoflush(false));
        Base::set_session(&app);
        AuditBase::set_session(&audit);
        assert!(Base::scoped_session().same_registry(&app));
        create_fresh(&db, Base::metadata()).await?;
        create_fresh(&db, AuditBase::metadata()).await?;
        assert!(!Base::metadata().contains("decl_bases_events"));

        // One transaction at a time: SQLite has one writer, and in memory one connection.
        app.scope(async {
            // Event::query() runs on `audit`, which does not flush before a query ...
            audit.add(Event { id: None, what: "signup".into() }).await?;
            assert_eq!(Event::query().count().await?, 0);
            audit.commit().await?;
            assert_eq!(Event::query().count().await?, 1);
            audit.remove().await?;
            // ... and User::query() on `app`, which does.
            app.add(User { id: None, name: "ann".into() }).await?;
            assert_eq!(User::query().count().await?, 1);
            app.remove().await
        }).await?;

        // Setting another session replaces the first.
        AuditBase::set_session(&app);
        app.scope(async {
            assert_eq!(Event::query().count().await?, 1);
            app.add(Event { id: None, what: "login".into() }).await?;
            assert_eq!(Event::query().count().await?, 2, "the app's session autoflushes");
            app.remove().await
        }).await?;
        Ok(())
    }
}
