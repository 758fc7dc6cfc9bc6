//! Locked databases, killed sessions and cancelled futures: typed errors, nothing lost.

use std::time::Duration;

use philtre::prelude::*;
use philtre::DbErrorKind;
use philtre_integration_tests::{backend_test, TestBackend, TestDb};

fn slow_query(backend: TestBackend) -> &'static str {
    match backend {
        TestBackend::postgres => "select pg_sleep(3)",
        TestBackend::mysql => "select sleep(3)",
        _ => "with recursive c(x) as (select 1 union all select x + 1 from c where x < 5000000) select count(*) from c",
    }
}

async fn count(db: &TestDb, t: &Table) -> philtre::Result<i64> {
    db.engine
        .execute(select([func::count_star()]).select_from(t))
        .await?
        .scalar_one()
}

backend_test! {
    async fn cancelled_future_mid_transaction_loses_nothing_and_leaks_nothing(db) {
        let engine = db.engine_builder().pool_size(1).max_overflow(0).build()?;
        let users = db.users_table_on(&engine).await?;
        {
            let mut conn = engine.connect().await?;
            let mut tx = conn.begin().await?;
            tx.execute(users.insert().value("name", "uncommitted")).await?;
            let slow = tx.execute(slow_query(db.backend));
            let timed_out = tokio::time::timeout(Duration::from_millis(100), slow).await;
            assert!(timed_out.is_err(), "the slow query should still be running");
            // tx and conn are dropped here, mid-transaction, after a cancelled query
        }
        // the pool hands out a clean connection, outside any transaction
        let mut conn = engine.connect().await?;
        assert!(!conn.in_transaction());
        let one: i64 = conn.execute("select 1").await?.scalar_one()?;
        assert_eq!(one, 1);
        assert_eq!(conn.execute(select([func::count_star()]).select_from(&users)).await?.scalar_one::<i64>()?, 0);
        drop(conn);
        assert!(engine.pool_status().open <= 1);
        Ok(())
    }
}

backend_test! {
    [postgres, mysql]
    async fn killed_session_is_connection_lost_and_replaced(db) {
        let engine = db.engine_builder().pool_size(2).max_overflow(0).build()?;
        let mut victim = engine.connect().await?;
        let (id_sql, kill_sql) = match db.backend {
            TestBackend::postgres => ("select pg_backend_pid()", "select pg_terminate_backend(:1)"),
            _ => ("select connection_id()", "kill :1"),
        };
        let id: i64 = victim.execute(id_sql).await?.scalar_one()?;
        let mut killer = db.engine.connect().await?;
        killer.execute(text(kill_sql).params(params![id])).await?;
        tokio::time::sleep(Duration::from_millis(200)).await;

        let err = victim.execute("select 1").await.unwrap_err();
        assert!(err.is_connection_lost(), "{err:?}");
        let err = victim.execute("select 1").await.unwrap_err();
        assert!(err.is_connection_lost(), "a broken connection stays broken: {err:?}");
        drop(victim);

        // the pool replaced it: every checkout works
        for _ in 0..3 {
            let mut c = engine.connect().await?;
            let new_id: i64 = c.execute(id_sql).await?.scalar_one()?;
            assert_ne!(new_id, id);
        }
        assert!(engine.pool_status().open <= 2);
        Ok(())
    }
}

backend_test! {
    [postgres, mysql]
    async fn rollback_nobody_waits_for_on_a_killed_session_is_connection_lost(db) {
        // The rollback runs after the call returns (queued on PostgreSQL, in a task of its
        // own on MySQL); its failure shows at the connection's next use, typed.
        let engine = db.engine_builder().pool_size(1).max_overflow(0).build()?;
        let users = db.users_table_on(&engine).await?;
        let (id_sql, kill_sql) = match db.backend {
            TestBackend::postgres => ("select pg_backend_pid()", "select pg_terminate_backend(:1)"),
            _ => ("select connection_id()", "kill :1"),
        };
        let mut victim = engine.connect().await?;
        let mut tx = victim.begin().await?;
        tx.execute(users.insert().value("name", "never")).await?;
        let id: i64 = tx.execute(id_sql).await?.scalar_one()?;
        db.engine.execute(text(kill_sql).params(params![id])).await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        tx.rollback_in_background().await?;
        let err = victim.execute("select 1").await.unwrap_err();
        assert!(err.is_connection_lost(), "{err:?}");
        drop(victim);
        // Nothing was written, and the pool's next connection is a new, working one.
        let mut fresh = engine.connect().await?;
        let new_id: i64 = fresh.execute(id_sql).await?.scalar_one()?;
        assert_ne!(new_id, id);
        drop(fresh);
        assert_eq!(count(&db, &users).await?, 0);
        Ok(())
    }
}

backend_test! {
    [sqlite]
    async fn locked_database_waits_then_reports_busy(db) {
        let users = db.users_table().await?;
        let mut holder = db.engine.connect().await?;
        holder.execute("BEGIN IMMEDIATE").await?;
        holder.execute(users.insert().value("name", "held")).await?;

        let impatient = Engine::builder(&format!("{}?timeout=0.2", db.url)).build()?;
        let started = std::time::Instant::now();
        let err = impatient.execute(users.insert().value("name", "blocked")).await.unwrap_err();
        let waited = started.elapsed();
        assert_eq!(err.db_kind(), Some(DbErrorKind::Busy), "{err:?}");
        assert!(waited >= Duration::from_millis(150) && waited < Duration::from_secs(3), "{waited:?}");

        holder.execute("COMMIT").await?;
        impatient.execute(users.insert().value("name", "after")).await?;
        assert_eq!(count(&db, &users).await?, 2);
        Ok(())
    }
}

backend_test! {
    [sqlite]
    async fn a_transaction_whose_snapshot_is_stale_cannot_write_and_says_so(db) {
        let users = db.users_table().await?;
        db.engine.execute(users.insert().value("name", "ann")).await?;
        let mut reader = db.engine.connect().await?;
        let mut tx = reader.begin().await?;
        assert_eq!(tx.execute(select([func::count_star()]).select_from(&users)).await?.scalar_one::<i64>()?, 1);
        // another connection commits after the transaction's first read...
        db.engine.execute(users.insert().value("name", "bob")).await?;
        // ...so SQLite will not let it write: a typed busy error at once (waiting cannot
        // help, so the busy timeout is not spent), and nothing of it is kept
        let started = std::time::Instant::now();
        let err = tx.execute(users.insert().value("name", "cy")).await.unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::Busy), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
        tx.rollback().await?;
        // begun again, it sees the new row and can write
        let mut tx = reader.begin().await?;
        tx.execute(users.insert().value("name", "cy")).await?;
        tx.commit().await?;
        assert_eq!(count(&db, &users).await?, 3);
        Ok(())
    }
}

backend_test! {
    [sqlite]
    async fn read_only_mode_rejects_writes(db) {
        let users = db.users_table().await?;
        let ro = Engine::builder(&format!("{}?mode=ro", db.url)).build()?;
        let err = ro.execute(users.insert().value("name", "x")).await.unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::ReadOnly), "{err:?}");
        assert_eq!(ro.execute(select([func::count_star()]).select_from(&users)).await?.scalar_one::<i64>()?, 0);
        Ok(())
    }
}

backend_test! {
    [sqlite_memory]
    async fn memory_engines_share_one_database_each(db) {
        let users = db.users_table().await?;
        db.engine.execute(users.insert().value("name", "a")).await?;
        // every checkout of this engine sees the table
        for _ in 0..3 {
            assert_eq!(count(&db, &users).await?, 1);
        }
        // another memory engine is another database
        let other = create_engine("sqlite:///:memory:")?;
        let err = other.execute(users.select()).await.unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::UndefinedTable), "{err:?}");
        Ok(())
    }
}

backend_test! {
    [sqlite, postgres, mysql]
    async fn a_dropped_transaction_releases_its_locks_at_once(db) {
        let users = db.users_table().await?;
        db.engine.execute(users.insert().values(values! { "id" => 1, "name" => "ann" })).await?;
        {
            let mut tx = db.engine.begin().await?;
            tx.execute(users.update().where_(users.c("id").eq(1)).values(values! { "name" => "locked" })).await?;
            // dropped without commit: the row (or, on SQLite, the database) stays locked
            // until the rollback runs
        }
        // Another engine (another pool) writes the same row; it would wait for the lock if
        // the rollback waited for the connection's next checkout.
        let other = db.engine_builder().build()?;
        let write = other.execute(users.update().where_(users.c("id").eq(1)).values(values! { "name" => "bob" }));
        let done = tokio::time::timeout(Duration::from_secs(4), write).await;
        assert!(done.is_ok(), "the dropped transaction still holds its lock");
        done.unwrap()?;
        let name: String = other.execute(select([users.c("name")])).await?.scalar_one()?;
        assert_eq!(name, "bob");
        Ok(())
    }
}
