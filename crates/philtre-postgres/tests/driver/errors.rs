//! Each error kind, with its SQLSTATE kept; connect-time and configuration errors.

use philtre_core::{params, Connection, DbErrorKind, Driver, Error};
use philtre_postgres::PostgresDriver;

use crate::common::{connect, unique, url_with, url_with_database, Cleanup};

fn expect_db(result: philtre_core::Result<impl std::fmt::Debug>, kind: DbErrorKind, code: &str) {
    match result {
        Err(Error::Database(e)) => {
            assert_eq!(e.kind, kind, "{e}");
            assert_eq!(e.code, code, "{e}");
            assert_eq!(e.backend, "postgresql");
            assert!(!e.message.is_empty());
        }
        other => panic!("expected {kind:?} ({code}), got {other:?}"),
    }
}

#[tokio::test]
async fn constraint_and_statement_errors() {
    let parent = unique("err_parent");
    let child = unique("err_child");
    let _cleanup = Cleanup::tables(&[&child, &parent]);
    let mut conn = connect().await;
    conn.batch(&format!(
        "CREATE TABLE \"{parent}\" (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
         CREATE TABLE \"{child}\" (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES \"{parent}\" (id),
                                  qty INTEGER CHECK (qty > 0))"
    ))
    .await
    .unwrap();
    let ins_parent = format!("INSERT INTO \"{parent}\" (id, name) VALUES ($1, $2)");
    let ins_child = format!("INSERT INTO \"{child}\" (id, pid, qty) VALUES ($1, $2, $3)");
    conn.execute(&ins_parent, params![1, "a"]).await.unwrap();

    expect_db(
        conn.execute(&ins_parent, params![2, "a"]).await,
        DbErrorKind::UniqueViolation,
        "23505",
    );
    expect_db(
        conn.execute(&ins_parent, params![1, "b"]).await,
        DbErrorKind::UniqueViolation,
        "23505",
    );
    expect_db(
        conn.execute(&ins_parent, vec![3.into(), philtre_core::Value::Null])
            .await,
        DbErrorKind::NotNullViolation,
        "23502",
    );
    expect_db(
        conn.execute(&ins_child, params![1, 99, 1]).await,
        DbErrorKind::ForeignKeyViolation,
        "23503",
    );
    expect_db(
        conn.execute(&ins_child, params![1, 1, 0]).await,
        DbErrorKind::CheckViolation,
        "23514",
    );
    expect_db(
        conn.query("SELECT * FROM pt_no_such_table_anywhere", vec![])
            .await,
        DbErrorKind::UndefinedTable,
        "42P01",
    );
    expect_db(
        conn.query(&format!("SELECT nope FROM \"{parent}\""), vec![])
            .await,
        DbErrorKind::UndefinedColumn,
        "42703",
    );
    expect_db(
        conn.query("SELEC 1", vec![]).await,
        DbErrorKind::Syntax,
        "42601",
    );
    expect_db(conn.batch("SELEC 1").await, DbErrorKind::Syntax, "42601");
    expect_db(
        conn.query("SELECT 1 / 0", vec![]).await,
        DbErrorKind::Other,
        "22012",
    );

    // Read-only transaction.
    conn.batch("BEGIN READ ONLY").await.unwrap();
    expect_db(
        conn.execute(&ins_parent, params![5, "ro"]).await,
        DbErrorKind::ReadOnly,
        "25006",
    );
    conn.batch("ROLLBACK").await.unwrap();

    // None of these broke the connection.
    assert!(conn.is_usable());
    conn.ping().await.unwrap();
    let n = conn
        .query(&format!("SELECT count(*) FROM \"{parent}\""), vec![])
        .await
        .unwrap();
    assert_eq!(n.rows[0].get::<i64>(0).unwrap(), 1);
}

#[tokio::test]
async fn serialization_failure_and_deadlock() {
    let table = unique("err_conc");
    let _cleanup = Cleanup::tables(&[&table]);
    let mut a = connect().await;
    let mut b = connect().await;
    a.batch(&format!("CREATE TABLE \"{table}\" (id INTEGER PRIMARY KEY, v INTEGER); INSERT INTO \"{table}\" VALUES (1, 0), (2, 0)"))
        .await
        .unwrap();
    let update = format!("UPDATE \"{table}\" SET v = v + 1 WHERE id = $1");

    // A repeatable-read transaction updating a row changed since its snapshot.
    a.batch("BEGIN ISOLATION LEVEL REPEATABLE READ")
        .await
        .unwrap();
    a.query(&format!("SELECT v FROM \"{table}\""), vec![])
        .await
        .unwrap();
    b.execute(&update, params![1]).await.unwrap();
    expect_db(
        a.execute(&update, params![1]).await,
        DbErrorKind::SerializationFailure,
        "40001",
    );
    a.batch("ROLLBACK").await.unwrap();

    // Two transactions locking two rows in opposite orders.
    a.batch("BEGIN").await.unwrap();
    b.batch("BEGIN").await.unwrap();
    a.execute(&update, params![1]).await.unwrap();
    b.execute(&update, params![2]).await.unwrap();
    let (ra, rb) = tokio::join!(
        a.execute(&update, params![2]),
        b.execute(&update, params![1])
    );
    let errors: Vec<_> = [ra.err(), rb.err()].into_iter().flatten().collect();
    assert_eq!(
        errors.len(),
        1,
        "exactly one side is chosen as the victim: {errors:?}"
    );
    assert_eq!(
        errors[0].db_kind(),
        Some(DbErrorKind::Deadlock),
        "{}",
        errors[0]
    );
    a.batch("ROLLBACK").await.unwrap();
    b.batch("ROLLBACK").await.unwrap();

    // A lock wait that times out.
    b.batch("BEGIN").await.unwrap();
    b.execute(&update, params![1]).await.unwrap();
    a.batch("BEGIN; SET LOCAL lock_timeout = '50ms'")
        .await
        .unwrap();
    expect_db(
        a.execute(&update, params![1]).await,
        DbErrorKind::Busy,
        "55P03",
    );
    a.batch("ROLLBACK").await.unwrap();
    b.batch("ROLLBACK").await.unwrap();
    assert!(a.is_usable() && b.is_usable());
}

#[tokio::test]
async fn connect_and_configuration_errors() {
    // A database that does not exist: the server's refusal, with its SQLSTATE.
    let err = PostgresDriver::from_url(&url_with_database("pt_no_such_database"))
        .unwrap()
        .connect()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Connect { message, .. } if message.contains("3D000")),
        "{err}"
    );

    // Nothing listening.
    let err = PostgresDriver::from_url("postgresql://postgres@127.0.0.1:1/test?connect_timeout=2")
        .unwrap()
        .connect()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err}");

    // The password never shows in the error.
    let err = PostgresDriver::from_url("postgresql://postgres:hunter2@127.0.0.1:1/test")
        .unwrap()
        .connect()
        .await
        .unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");

    let err = PostgresDriver::from_url(&url_with("frobnicate=1")).unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("frobnicate")),
        "{err}"
    );

    #[cfg(not(feature = "tls"))]
    {
        let err = PostgresDriver::from_url(&url_with("sslmode=require")).unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if m.contains("`tls`")),
            "{err}"
        );
    }
    #[cfg(feature = "tls")]
    {
        // The project's server has TLS on (a self-signed certificate): require encrypts.
        let driver = PostgresDriver::from_url(&url_with("sslmode=require")).unwrap();
        let mut conn = driver.connect().await.unwrap();
        let rows = conn
            .query(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(rows.rows[0][0], philtre_core::Value::Bool(true));
        // verify-full checks the certificate: the default server's is self-signed.
        if std::env::var("PHILTRE_TEST_POSTGRES_URL").is_err() {
            let strict = PostgresDriver::from_url(&url_with("sslmode=verify-full")).unwrap();
            let err = strict.connect().await.unwrap_err();
            assert!(
                matches!(&err, Error::Connect { message, .. } if message.contains("certificate")),
                "{err}"
            );
        }
    }

    let disabled =
        PostgresDriver::from_url(&url_with("sslmode=disable&application_name=pt_app")).unwrap();
    let mut conn = disabled.connect().await.unwrap();
    let rows = conn
        .query("SELECT application_name, ssl FROM pg_stat_activity JOIN pg_stat_ssl USING (pid) WHERE pid = pg_backend_pid()", vec![])
        .await
        .unwrap();
    assert_eq!(
        rows.rows[0].values(),
        [
            philtre_core::Value::from("pt_app"),
            philtre_core::Value::Bool(false)
        ]
    );
}
