//! Scoped sessions: one session per task scope, `remove()`, and the errors around them.

#[macro_use]
mod orm_support;

use std::sync::Arc;

use orm_support::count_rows;
use philtre::Error;
use philtre_integration_tests::backend_test;
use philtre_orm::prelude::*;

backend_test! {
    async fn tasks_never_see_each_others_pending_objects(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let registry = scoped_session(sessionmaker(&db.engine).autoflush(false));
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let mut tasks = Vec::new();
        for name in ["ann", "bob"] {
            let (registry, barrier) = (registry.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                registry.scope(async {
                    let mine = registry.add(User::new(name, &format!("{name}@x"))).await?;
                    // both tasks now hold a pending object at the same time
                    barrier.wait().await;
                    let pending = registry.session().await?.pending::<User>();
                    assert_eq!(pending.len(), 1);
                    assert!(Obj::ptr_eq(&pending[0], &mine));
                    barrier.wait().await;
                    registry.remove().await
                }).await
            }));
        }
        for t in tasks {
            t.await.unwrap()?;
        }
        assert_eq!(count_rows(&db.engine, &users).await?, 0);
        Ok(())
    }
}

// Not on `sqlite_memory`: every checkout of an in-memory engine is the same connection
// (SQLAlchemy's StaticPool), so two transactions cannot be open at once there.
backend_test! {
    [sqlite, postgres, mysql]
    async fn tasks_never_share_a_transaction(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        // autoflush on: each task's query flushes its own pending object, in its own transaction
        let registry = scoped_session(sessionmaker(&db.engine));
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let mut tasks = Vec::new();
        for name in ["ann", "bob"] {
            let (registry, barrier) = (registry.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                registry.scope(async {
                    let mine = registry.add(User::new(name, &format!("{name}@x"))).await?;
                    barrier.wait().await;
                    let seen = registry.query::<User>().all().await?;
                    assert_eq!(seen.len(), 1, "a task sees only its own objects");
                    assert!(Obj::ptr_eq(&seen[0], &mine));
                    // teardown without commit: the work is rolled back
                    registry.remove().await
                }).await
            }));
        }
        for t in tasks {
            t.await.unwrap()?;
        }
        assert_eq!(count_rows(&db.engine, &users).await?, 0);
        Ok(())
    }
}

backend_test! {
    async fn remove_rolls_back_and_forgets(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let registry = scoped_session(sessionmaker(&db.engine));
        registry.scope(async {
            let ann = registry.add(User::new("ann", "ann@x")).await?;
            registry.flush().await?;
            assert!(registry.session().await?.in_transaction());
            registry.remove().await?;
            // its insert was rolled back: the object is transient again
            assert_eq!(ann.state(), ObjectState::Transient);
            assert!(!registry.has_session());
            // the next session() is a fresh one
            let s = registry.session().await?;
            assert!(s.is_empty() && !s.in_transaction());
            Ok::<(), Error>(())
        }).await?;
        assert_eq!(count_rows(&db.engine, &users).await?, 0);

        // a scope that ends without remove() drops its session, which rolls back too
        registry.scope(async {
            registry.add(User::new("bob", "bob@x")).await?;
            registry.flush().await
        }).await?;
        assert_eq!(count_rows(&db.engine, &users).await?, 0);

        // committed work stays
        registry.scope(async {
            registry.add(User::new("cy", "cy@x")).await?;
            registry.commit().await?;
            registry.remove().await
        }).await?;
        assert_eq!(count_rows(&db.engine, &users).await?, 1);
        Ok(())
    }
}

backend_test! {
    async fn scope_errors_and_several_registries(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let first = scoped_session(sessionmaker(&db.engine).autoflush(false));
        let second = scoped_session(sessionmaker(&db.engine).autoflush(false));

        // outside any scope: typed errors, never a panic
        assert!(matches!(first.session().await, Err(Error::Orm(OrmError::NoScope))));
        assert!(matches!(first.remove().await, Err(Error::Orm(OrmError::NoScope))));
        assert!(matches!(first.query::<User>().count().await, Err(Error::Orm(OrmError::NoScope))));
        assert!(matches!(first.add(User::new("a", "a@x")).await, Err(Error::Orm(OrmError::NoScope))));
        assert!(!first.has_session());

        // an unbound registry says what is missing
        let unbound = ScopedSession::unbound();
        let err = unbound.scope(async { unbound.session().await.map(|_| ()) }).await.unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err}");

        first.scope(async {
            // two registries in one scope: two sessions
            first.add(User::new("ann", "ann@x")).await?;
            assert_eq!(first.session().await?.pending::<User>().len(), 1);
            assert!(second.session().await?.pending::<User>().is_empty());
            // a nested scope is the same scope
            first.scope(async {
                assert_eq!(first.session().await?.pending::<User>().len(), 1);
                Ok::<(), Error>(())
            }).await?;
            // while a guard is held, other uses of the same registry are refused, not deadlocked
            let guard = first.session().await?;
            assert!(matches!(first.query::<User>().all().await, Err(Error::Orm(OrmError::SessionBusy))));
            assert!(matches!(first.remove().await, Err(Error::Orm(OrmError::SessionBusy))));
            drop(guard);
            first.remove().await?;
            second.remove().await
        }).await?;

        // a spawned task is a scope of its own only if it enters one
        let reg = first.clone();
        let outside = tokio::spawn(async move { reg.session().await.map(|_| ()) }).await.unwrap();
        assert!(matches!(outside, Err(Error::Orm(OrmError::NoScope))));
        Ok(())
    }
}
