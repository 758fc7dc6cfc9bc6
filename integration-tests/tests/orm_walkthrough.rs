//! The seed's "Manual Object Relational Mapping" walkthrough, on every backend: a plain
//! struct, a table defined apart, `mapper`, a scoped session with autoflush off, and
//! `User.query` through a query property.

#[macro_use]
mod orm_support;

use std::sync::LazyLock;

use orm_support::count_rows;
use philtre_integration_tests::{run, TestBackend, TestDb, TestFuture};
use philtre_orm::prelude::*;

/// `User::query()` reads a `static` registry, so each backend gets a `User` type (and a
/// registry) of its own: a plain `cargo test` runs the backends in one process.
macro_rules! seed_walkthrough {
    ($($backend:ident),+) => {$(
        mod $backend {
            use super::*;

            user_model!();

            // class User(object): query = db_session.query_property()
            impl QueryProperty for User {
                fn scoped_session() -> &'static ScopedSession {
                    static DB_SESSION: LazyLock<ScopedSession> = LazyLock::new(ScopedSession::unbound);
                    &DB_SESSION
                }
            }

            #[allow(clippy::unwrap_used)]
            async fn body(db: TestDb) -> philtre::Result<()> {
                // users = Table('users', metadata, ...); init_db()
                let users = db.users_table().await?;
                // mapper(User, users)
                mapper::<User>(&users)?;
                // db_session = scoped_session(sessionmaker(autocommit=False, autoflush=False, bind=engine))
                let db_session = User::scoped_session();
                db_session.configure(sessionmaker(&db.engine).autocommit(false).autoflush(false));

                db_session.scope(async {
                    // u = User('admin', 'admin@localhost'); db_session.add(u); db_session.commit()
                    let u = db_session.add(User::new("admin", "admin@localhost")).await?;
                    assert_eq!(u.state(), ObjectState::Pending);
                    // autoflush is off: a query does not see the pending object
                    assert!(User::query().all().await?.is_empty());
                    db_session.commit().await?;
                    assert_eq!(u.state(), ObjectState::Persistent);
                    assert_eq!(u.read().id, Some(1));

                    // User.query.all() == [<User 'admin'>]
                    let all = User::query().all().await?;
                    assert_eq!(all.len(), 1);
                    assert!(Obj::ptr_eq(&all[0], &u));
                    assert_eq!(all[0].read().name, "admin");

                    // User.query.filter(User.name == 'admin').first()
                    let admin = User::query().filter(users.c("name").eq("admin")).first().await?;
                    assert!(Obj::ptr_eq(&admin.unwrap(), &u));
                    assert!(User::query().filter(users.c("name").eq("nobody")).first().await?.is_none());

                    // @app.teardown_appcontext: db_session.remove()
                    db_session.remove().await?;
                    assert!(!db_session.has_session());
                    Ok::<(), philtre::Error>(())
                }).await?;

                assert_eq!(count_rows(&db.engine, &users).await?, 1);
                // outside a scope, the query property says so
                assert!(matches!(
                    User::query().all().await,
                    Err(philtre::Error::Orm(OrmError::NoScope))
                ));
                Ok(())
            }

            fn boxed(db: TestDb) -> TestFuture {
                Box::pin(body(db))
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $backend() {
                run(TestBackend::$backend, module_path!(), boxed).await;
            }
        }
    )+};
}

mod seed_manual_mapping {
    use super::*;
    seed_walkthrough!(sqlite, sqlite_memory, postgres, mysql);
}
