//! Connections: autocommit, transactions, executemany, killed sessions and dropped futures.

use std::time::{Duration, Instant};

use philtre_core::{Connection, Driver, Error, ExecResult, Result, Value};
use philtre_mysql::MysqlDriver;

use crate::{connect, driver, scalar, unique, url, Cleanup};

fn ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

#[tokio::test]
async fn writes_commit_alone_and_transactions_roll_back() -> Result<()> {
    let name = unique("life");
    let _cleanup = Cleanup::new(&[&name]);
    let mut a = connect().await?;
    autocommit_and_transactions(&mut *a, &name).await
}

async fn autocommit_and_transactions(a: &mut dyn Connection, name: &str) -> Result<()> {
    let t = ident(name);
    let mut b = connect().await?;
    a.batch(&format!(
        "CREATE TABLE {t} (id INTEGER PRIMARY KEY AUTO_INCREMENT, name VARCHAR(20))"
    ))
    .await?;
    let insert = format!("INSERT INTO {t} (name) VALUES (?)");
    let r = a.execute(&insert, vec!["one".into()]).await?;
    assert_eq!(
        r,
        ExecResult {
            rows_affected: 1,
            last_insert_id: Some(1)
        }
    );
    // Autocommit: another session sees the row at once.
    let count = format!("SELECT COUNT(*) FROM {t}");
    assert_eq!(scalar(&mut *b, &count, vec![]).await?, Value::Int(1));

    // executemany inside a transaction, then rolled back.
    a.batch("START TRANSACTION").await?;
    let sets = vec![
        vec!["two".into()],
        vec!["three".into()],
        vec!["four".into()],
    ];
    let many = a.execute_many(&insert, sets).await?;
    assert_eq!(many.rows_affected, 3);
    assert_eq!(many.last_insert_id, Some(4));
    assert_eq!(scalar(a, &count, vec![]).await?, Value::Int(4));
    assert_eq!(
        scalar(&mut *b, &count, vec![]).await?,
        Value::Int(1),
        "uncommitted rows are private"
    );
    a.batch("ROLLBACK").await?;
    assert_eq!(scalar(a, &count, vec![]).await?, Value::Int(1));
    assert_eq!(
        a.execute_many(&insert, vec![]).await?,
        ExecResult::default()
    );

    // UPDATE counts the rows it matched, even when nothing changes.
    let same = a
        .execute(
            &format!("UPDATE {t} SET name = ? WHERE id = ?"),
            vec!["one".into(), Value::Int(1)],
        )
        .await?;
    assert_eq!(same.rows_affected, 1);
    // `query` on a statement without rows gives no rows; a statement MySQL cannot prepare
    // runs as text.
    let rows = a
        .query(&format!("DELETE FROM {t} WHERE id = 99"), vec![])
        .await?;
    assert!(rows.rows.is_empty() && rows.columns.is_empty());
    a.execute(
        "PREPARE ph_probe FROM 'SELECT 1 AS one, CAST(2.5 AS DECIMAL(3, 1)) AS d'",
        vec![],
    )
    .await?;
    let rows = a.query("EXECUTE ph_probe", vec![]).await?;
    assert_eq!(
        rows.rows[0].values(),
        [
            Value::Int(1),
            Value::Decimal(rust_decimal::Decimal::new(25, 1))
        ]
    );
    a.execute("DEALLOCATE PREPARE ph_probe", vec![]).await?;
    a.ping().await?;
    assert!(a.is_usable());
    Ok(())
}

#[tokio::test]
async fn a_killed_session_is_connection_lost() -> Result<()> {
    let mut victim = connect().await?;
    let mut killer = connect().await?;
    let id = scalar(&mut *victim, "SELECT CONNECTION_ID()", vec![]).await?;
    let Value::Int(id) = id else {
        panic!("CONNECTION_ID() gave {id:?}");
    };
    killer.batch(&format!("KILL {id}")).await?;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let got = victim.query("SELECT 1", vec![]).await;
    assert!(matches!(got, Err(Error::ConnectionLost(_))), "{got:?}");
    assert!(!victim.is_usable());
    // It stays lost: the next call fails without touching the network.
    assert!(matches!(victim.ping().await, Err(Error::ConnectionLost(_))));
    assert!(killer.is_usable());
    Ok(())
}

#[tokio::test]
async fn a_future_dropped_midway_makes_the_connection_unusable() -> Result<()> {
    let mut conn = connect().await?;
    assert!(conn.is_usable());
    let started = Instant::now();
    let timed_out = tokio::time::timeout(
        Duration::from_millis(100),
        conn.query("SELECT SLEEP(5)", vec![]),
    )
    .await;
    assert!(
        timed_out.is_err(),
        "the query should still be running: {timed_out:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        !conn.is_usable(),
        "an abandoned query leaves the session out of step"
    );
    let next = conn.query("SELECT 1", vec![]).await;
    assert!(matches!(next, Err(Error::ConnectionLost(_))), "{next:?}");
    Ok(())
}

#[tokio::test]
async fn connect_errors_name_the_server_not_the_password() -> Result<()> {
    let refused = MysqlDriver::from_url("mysql://root:s3cret@127.0.0.1:1/test")?;
    match refused.connect().await {
        Err(Error::Connect { url, message }) => {
            assert!(
                url.contains("127.0.0.1:1") && !url.contains("s3cret"),
                "{url}"
            );
            assert!(!message.is_empty());
        }
        other => panic!("expected Error::Connect, got {other:?}"),
    }
    let base = url();
    let (server, _db) = base.rsplit_once('/').unwrap_or((&base, ""));
    let no_db = MysqlDriver::from_url(&format!("{server}/ph_no_such_database_x"))?;
    assert!(matches!(no_db.connect().await, Err(Error::Connect { .. })));
    let charset = MysqlDriver::from_url(&format!("{base}?charset=utf8mb4&connect_timeout=5"))?;
    let mut c = charset.connect().await?;
    let name = scalar(&mut *c, "SELECT @@character_set_client", vec![]).await?;
    assert_eq!(name, Value::Text("utf8mb4".into()));
    assert_eq!(charset.dialect().name(), "mysql");
    Ok(())
}

#[tokio::test]
async fn table_names_are_sorted_base_tables() -> Result<()> {
    let (b, a) = (unique("names_b"), unique("names_a"));
    let _cleanup = Cleanup::new(&[&a, &b]);
    let mut conn = connect().await?;
    for t in [&b, &a] {
        conn.batch(&format!("CREATE TABLE {} (id INTEGER)", ident(t)))
            .await?;
    }
    let names = conn.table_names().await?;
    let ia = names.iter().position(|n| *n == a);
    let ib = names.iter().position(|n| *n == b);
    assert!(matches!((ia, ib), (Some(x), Some(y)) if x < y), "{names:?}");
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    Ok(())
}

/// With the `tls` feature, `ssl_mode=REQUIRED` either encrypts the session or, on a server
/// without TLS (the project machine's MariaDB), refuses to connect in plain text.
#[cfg(feature = "tls")]
#[tokio::test]
async fn required_tls_encrypts_or_refuses() -> Result<()> {
    let mut plain = connect().await?;
    let have_ssl = plain
        .query("SHOW VARIABLES LIKE 'have_ssl'", vec![])
        .await?;
    let server_has_tls = have_ssl
        .rows
        .first()
        .map(|r| r.get::<String>(1))
        .transpose()?
        == Some("YES".to_owned());
    let tls = MysqlDriver::from_url(&format!("{}?ssl_mode=REQUIRED", url()))?;
    match tls.connect().await {
        Ok(mut c) => {
            assert!(server_has_tls);
            let cipher = c
                .query("SHOW SESSION STATUS LIKE 'Ssl_cipher'", vec![])
                .await?;
            let cipher: String = cipher
                .rows
                .first()
                .map(|r| r.get(1))
                .transpose()?
                .unwrap_or_default();
            assert!(!cipher.is_empty(), "the session is not encrypted");
        }
        Err(Error::Connect { .. }) => {
            assert!(!server_has_tls, "TLS failed on a server that has it")
        }
        Err(other) => panic!("expected Error::Connect, got {other:?}"),
    }
    Ok(())
}

#[tokio::test]
async fn statements_are_cached_and_the_oldest_is_closed_to_make_room() -> Result<()> {
    let mut conn = driver()?.connect_mysql().await?;
    // One statement, run many times: prepared once.
    for i in 0..5 {
        let v = scalar(&mut conn, "SELECT ? + 1", vec![Value::Int(i)]).await?;
        assert_eq!(v, Value::Int(i + 1));
    }
    assert_eq!(conn.cached_statements(), 1);
    // More distinct statements than the cache holds: it stays at its size, the oldest
    // are closed on the server, and both an evicted and a kept statement still run.
    for i in 0..300 {
        let sql = format!("SELECT ? + {i}");
        let v = scalar(&mut conn, &sql, vec![Value::Int(1)]).await?;
        assert_eq!(v, Value::Int(1 + i));
    }
    assert_eq!(conn.cached_statements(), 256);
    let evicted = scalar(&mut conn, "SELECT ? + 0", vec![Value::Int(7)]).await?;
    assert_eq!(evicted, Value::Int(7));
    let kept = scalar(&mut conn, "SELECT ? + 299", vec![Value::Int(1)]).await?;
    assert_eq!(kept, Value::Int(300));
    assert_eq!(conn.cached_statements(), 256);
    // The wrong number of parameters for a cached statement is refused here, not by
    // mysql_async (which would close the connection).
    let err = conn.query("SELECT ? + 299", vec![]).await.unwrap_err();
    assert!(matches!(err, Error::InvalidStatement(_)), "{err:?}");
    assert!(conn.is_usable());
    Ok(())
}
