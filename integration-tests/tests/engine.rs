//! Engine, pool, connections and transactions.

use std::time::Duration;

use philtre::prelude::*;
use philtre::Error;
use philtre_integration_tests::backend_test;

async fn count(conn: &mut Connection, table: &Table) -> philtre::Result<i64> {
    conn.execute(select([func::count_star()]).select_from(table))
        .await?
        .scalar_one()
}

backend_test! {
    async fn autocommit_outside_transactions(db) {
        let users = db.users_table().await?;
        let mut a = db.engine.connect().await?;
        a.execute(users.insert().value("name", "x")).await?;
        drop(a);
        let mut b = db.engine.connect().await?;
        assert_eq!(count(&mut b, &users).await?, 1);
        Ok(())
    }
}

backend_test! {
    async fn commit_rollback_and_dropped_guard(db) {
        let users = db.users_table().await?;
        let mut conn = db.engine.connect().await?;

        let mut tx = conn.begin().await?;
        tx.execute(users.insert().value("name", "committed")).await?;
        tx.commit().await?;

        let mut tx = conn.begin().await?;
        tx.execute(users.insert().value("name", "rolled back")).await?;
        tx.rollback().await?;

        {
            let mut tx = conn.begin().await?;
            tx.execute(users.insert().value("name", "dropped")).await?;
            // dropped without commit
        }
        assert!(!conn.in_transaction());
        let names: Vec<String> = conn
            .execute(select([users.c("name")]).order_by(users.c("id")))
            .await?
            .scalars()?;
        assert_eq!(names, ["committed"]);
        Ok(())
    }
}

backend_test! {
    async fn connection_dropped_mid_transaction_is_rolled_back_before_reuse(db) {
        let engine = db.engine_builder().pool_size(1).max_overflow(0).build()?;
        let users = db.users_table_on(&engine).await?;
        {
            let mut conn = engine.connect().await?;
            let mut tx = conn.begin().await?;
            tx.execute(users.insert().value("name", "lost")).await?;
            std::mem::forget(tx); // even a leaked guard must not leak its transaction
        }
        let mut conn = engine.connect().await?;
        assert!(!conn.in_transaction());
        assert_eq!(count(&mut conn, &users).await?, 0);
        // and the connection works normally afterwards
        conn.execute(users.insert().value("name", "kept")).await?;
        drop(conn);
        let mut other = engine.connect().await?;
        assert_eq!(count(&mut other, &users).await?, 1);
        Ok(())
    }
}

backend_test! {
    async fn savepoints(db) {
        let users = db.users_table().await?;
        let mut tx = db.engine.begin().await?;
        tx.execute(users.insert().value("name", "outer")).await?;
        {
            let mut sp = tx.begin_nested().await?;
            assert!(sp.is_nested());
            sp.execute(users.insert().value("name", "inner rolled back")).await?;
            sp.rollback().await?;
        }
        {
            let mut sp = tx.begin_nested().await?;
            sp.execute(users.insert().value("name", "inner kept")).await?;
            sp.commit().await?;
        }
        {
            let mut sp = tx.begin_nested().await?;
            sp.execute(users.insert().value("name", "inner dropped")).await?;
        }
        tx.commit().await?;
        let mut conn = db.engine.connect().await?;
        let names: Vec<String> = conn
            .execute(select([users.c("name")]).order_by(users.c("id")))
            .await?
            .scalars()?;
        assert_eq!(names, ["outer", "inner kept"]);
        Ok(())
    }
}

backend_test! {
    async fn pool_timeout_is_a_typed_error(db) {
        let engine = db
            .engine_builder()
            .pool_size(1)
            .max_overflow(0)
            .acquire_timeout(Duration::from_millis(200))
            .build()?;
        let held = engine.connect().await?;
        let started = std::time::Instant::now();
        let err = engine.connect().await.expect_err("the only connection is held");
        assert!(matches!(err, Error::PoolTimeout { size: 1, .. }), "{err:?}");
        assert!(started.elapsed() >= Duration::from_millis(150));
        drop(held);
        engine.connect().await?.ping().await?;

        // a caller that has to wait gets the connection as soon as it comes back
        let held = engine.connect().await?;
        let waiter = tokio::spawn({
            let engine = engine.clone();
            async move { engine.connect().await?.ping().await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiter.is_finished(), "the waiter found no free connection");
        drop(held);
        waiter.await.expect("the waiter's task")?;
        Ok(())
    }
}

backend_test! {
    async fn pool_keeps_pool_size_idle_and_closes_overflow(db) {
        let engine = db.engine_builder().pool_size(1).max_overflow(2).build()?;
        let a = engine.connect().await?;
        let b = engine.connect().await?;
        let c = engine.connect().await?;
        assert_eq!(engine.pool_status().checked_out(), 3);
        drop((a, b, c));
        let status = engine.pool_status();
        assert_eq!((status.open, status.idle, status.checked_out()), (1, 1, 0));
        Ok(())
    }
}

backend_test! {
    async fn pre_ping_and_recycle_hand_out_working_connections(db) {
        let engine = db
            .engine_builder()
            .pre_ping(true)
            .recycle(Duration::from_millis(1))
            .build()?;
        for _ in 0..3 {
            let one: i64 = engine.connect().await?.execute("select 1").await?.scalar_one()?;
            assert_eq!(one, 1);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok(())
    }
}

backend_test! {
    async fn echo_logs_do_not_change_results(db) {
        let engine = db.engine_builder().echo(true).build()?;
        let n: i64 = engine.execute(text("select 40 + :b").bind("b", 2)).await?.scalar_one()?;
        assert_eq!(n, 42);
        Ok(())
    }
}

#[test]
fn bad_urls_are_typed_errors() {
    assert!(matches!(
        create_engine("nonsense"),
        Err(Error::InvalidUrl { .. })
    ));
    assert!(matches!(
        create_engine("oracle://scott@h/db"),
        Err(Error::UnknownBackend { .. })
    ));
    assert!(matches!(
        create_engine("postgresql://h:notaport/db"),
        Err(Error::InvalidUrl { .. })
    ));
    assert!(matches!(
        create_engine("sqlite:///x.db?bogus=1"),
        Err(Error::Config(_))
    ));
    let err = create_engine("postgresql://u:hunter2@h:bad/db").unwrap_err();
    assert!(!err.to_string().contains("hunter2"));
}

backend_test! {
    async fn rollback_in_background_undoes_before_the_next_use(db) {
        let users = db.users_table().await?;
        let mut conn = db.engine.connect().await?;
        for round in 0..20 {
            let mut tx = conn.begin().await?;
            tx.execute(users.insert().value("name", format!("gone{round}"))).await?;
            tx.rollback_in_background().await?;
            assert!(!conn.in_transaction());
            // The very next statement on the connection already sees the rollback.
            assert_eq!(count(&mut conn, &users).await?, 0, "round {round}");
        }
        // The connection goes back to the pool and serves a new checkout normally.
        conn.execute(users.insert().value("name", "kept")).await?;
        drop(conn);
        let mut again = db.engine.connect().await?;
        assert_eq!(count(&mut again, &users).await?, 1);
        // A transaction that never ran a statement ends the same way.
        again.begin().await?.rollback_in_background().await?;
        let tx = again.begin().await?;
        tx.commit().await?;
        assert_eq!(count(&mut again, &users).await?, 1);
        Ok(())
    }
}

backend_test! {
    [sqlite, postgres, mysql]
    async fn statements_after_a_transaction_commit_on_their_own(db) {
        // One connection, so every step runs on the same server session (MySQL leaves
        // autocommit off after a transaction and must turn it back on); a second engine
        // sees only what was committed.
        let engine = db.engine_builder().pool_size(1).max_overflow(0).build()?;
        let users = db.users_table_on(&engine).await?;
        let watcher = db.engine_builder().build()?;
        let mut seen = watcher.connect().await?;
        let mut conn = engine.connect().await?;

        let tx = conn.begin().await?;
        tx.commit().await?;
        conn.execute(users.insert().value("name", "after commit")).await?;
        assert_eq!(count(&mut seen, &users).await?, 1);

        let mut tx = conn.begin().await?;
        tx.execute(users.insert().value("name", "rolled back")).await?;
        assert_eq!(count(&mut seen, &users).await?, 1, "uncommitted row seen");
        tx.rollback().await?;
        conn.execute(users.insert().value("name", "after rollback")).await?;
        assert_eq!(count(&mut seen, &users).await?, 2);

        // A rollback nobody waits for, then a statement on its own at once.
        let mut tx = conn.begin().await?;
        tx.execute(select([func::count_star()]).select_from(&users)).await?;
        tx.rollback_in_background().await?;
        conn.execute(users.insert().value("name", "after background")).await?;
        assert_eq!(count(&mut seen, &users).await?, 3);

        // And transactions still begin where they should after those statements.
        let mut tx = conn.begin().await?;
        tx.execute(users.insert().value("name", "pending")).await?;
        assert_eq!(count(&mut seen, &users).await?, 3, "uncommitted row seen");
        tx.commit().await?;
        assert_eq!(count(&mut seen, &users).await?, 4);
        Ok(())
    }
}
