//! Each documented MySQL error number arrives as its `DbErrorKind`, and the connection lives on.

use std::time::Duration;

use philtre_core::{Connection, DbErrorKind, Error, Result, Value};

use crate::{connect, unique, Cleanup};

fn ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// The kind and code of a database error, or a description of what came instead.
fn kind_and_code<T: std::fmt::Debug>(
    r: Result<T>,
) -> std::result::Result<(DbErrorKind, String), String> {
    match r {
        Err(Error::Database(e)) => {
            assert_eq!(e.backend, "mysql");
            Ok((e.kind, e.code))
        }
        other => Err(format!("{other:?}")),
    }
}

/// What is run, its SQL and parameters, and the kind and MySQL codes it must fail with.
type Case<'a> = (&'a str, String, Vec<Value>, DbErrorKind, &'a [&'a str]);

#[tokio::test]
async fn constraint_and_statement_errors_have_kinds() -> Result<()> {
    let (parent, child) = (unique("err_parent"), unique("err_child"));
    let _cleanup = Cleanup::new(&[&child, &parent]);
    let mut conn = connect().await?;
    constraint_errors(&mut *conn, &parent, &child).await
}

async fn constraint_errors(c: &mut dyn Connection, parent: &str, child: &str) -> Result<()> {
    let (p, ch) = (ident(parent), ident(child));
    c.batch(&format!(
        "CREATE TABLE {p} (id INTEGER PRIMARY KEY, code VARCHAR(5) NOT NULL UNIQUE)"
    ))
    .await?;
    c.batch(&format!(
        "CREATE TABLE {ch} (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES {p} (id), \
         qty INTEGER CHECK (qty > 0))"
    ))
    .await?;
    let insert_parent = format!("INSERT INTO {p} (id, code) VALUES (?, ?)");
    c.execute(&insert_parent, vec![Value::Int(1), "a".into()])
        .await?;

    let cases: Vec<Case<'_>> = vec![
        (
            "duplicate",
            insert_parent.clone(),
            vec![Value::Int(2), "a".into()],
            DbErrorKind::UniqueViolation,
            &["1062"],
        ),
        (
            "not null",
            insert_parent.clone(),
            vec![Value::Int(3), Value::Null],
            DbErrorKind::NotNullViolation,
            &["1048"],
        ),
        (
            "missing parent",
            format!("INSERT INTO {ch} (id, parent_id) VALUES (1, 99)"),
            vec![],
            DbErrorKind::ForeignKeyViolation,
            &["1452"],
        ),
        (
            "check",
            format!("INSERT INTO {ch} (id, qty) VALUES (2, -1)"),
            vec![],
            DbErrorKind::CheckViolation,
            &["4025", "3819"],
        ),
        (
            "no table",
            "SELECT * FROM ph_surely_missing_table".into(),
            vec![],
            DbErrorKind::UndefinedTable,
            &["1146"],
        ),
        (
            "no column",
            format!("SELECT nope FROM {p}"),
            vec![],
            DbErrorKind::UndefinedColumn,
            &["1054"],
        ),
        (
            "syntax",
            "SELEKT 1".into(),
            vec![],
            DbErrorKind::Syntax,
            &["1064"],
        ),
        (
            "too long",
            insert_parent.clone(),
            vec![Value::Int(4), "toolong".into()],
            DbErrorKind::Other,
            &["1406"],
        ),
    ];
    for (what, sql, params, kind, codes) in cases {
        let got = kind_and_code(c.execute(&sql, params).await);
        assert!(
            matches!(&got, Ok((k, code)) if *k == kind && codes.contains(&code.as_str())),
            "{what}: expected {kind:?} {codes:?}, got {got:?}"
        );
        assert!(
            c.is_usable(),
            "{what}: a statement error must not break the connection"
        );
    }
    // The referenced row cannot go while a child points at it.
    c.batch(&format!("INSERT INTO {ch} (id, parent_id) VALUES (3, 1)"))
        .await?;
    let got = kind_and_code(c.execute(&format!("DELETE FROM {p}"), vec![]).await);
    assert!(
        matches!(&got, Ok((DbErrorKind::ForeignKeyViolation, code)) if code == "1451"),
        "{got:?}"
    );
    // A read-only transaction refuses writes.
    c.batch("START TRANSACTION READ ONLY").await?;
    let got = kind_and_code(
        c.execute(&insert_parent, vec![Value::Int(5), "e".into()])
            .await,
    );
    c.batch("ROLLBACK").await?;
    assert!(
        matches!(&got, Ok((DbErrorKind::ReadOnly, code)) if code == "1792"),
        "{got:?}"
    );
    // Wrong parameter count is caught before the server runs anything.
    let got = c.execute(&insert_parent, vec![Value::Int(6)]).await;
    assert!(matches!(got, Err(Error::InvalidStatement(_))), "{got:?}");
    assert!(c.is_usable());
    c.ping().await?;
    Ok(())
}

#[tokio::test]
async fn lock_conflicts_are_busy_and_deadlock() -> Result<()> {
    let name = unique("locks");
    let _cleanup = Cleanup::new(&[&name]);
    lock_conflicts(&name).await
}

async fn lock_conflicts(name: &str) -> Result<()> {
    let t = ident(name);
    let (mut a, mut b) = (connect().await?, connect().await?);
    a.batch(&format!(
        "CREATE TABLE {t} (id INTEGER PRIMARY KEY, n INTEGER) ENGINE=InnoDB"
    ))
    .await?;
    a.batch(&format!("INSERT INTO {t} VALUES (1, 0), (2, 0)"))
        .await?;
    let lock = |id: i64| {
        (
            format!("UPDATE {t} SET n = n + 1 WHERE id = ?"),
            vec![Value::Int(id)],
        )
    };

    // Busy: b waits for a's row lock past a one-second (session) lock wait timeout.
    b.batch("SET SESSION innodb_lock_wait_timeout = 1").await?;
    a.batch("START TRANSACTION").await?;
    let (sql, p) = lock(1);
    a.execute(&sql, p.clone()).await?;
    b.batch("START TRANSACTION").await?;
    let got = kind_and_code(b.execute(&sql, p).await);
    assert!(
        matches!(&got, Ok((DbErrorKind::Busy, code)) if code == "1205"),
        "{got:?}"
    );
    b.batch("ROLLBACK").await?;
    a.batch("ROLLBACK").await?;

    // Deadlock: a holds 1 and wants 2, b holds 2 and wants 1; InnoDB kills one of them.
    b.batch("SET SESSION innodb_lock_wait_timeout = 20").await?;
    a.batch("START TRANSACTION").await?;
    b.batch("START TRANSACTION").await?;
    let ((s1, p1), (s2, p2)) = (lock(1), lock(2));
    a.execute(&s1, p1.clone()).await?;
    b.execute(&s2, p2.clone()).await?;
    let a_wants_2 = async {
        let r = a.execute(&s2, p2).await;
        (r, a)
    };
    let b_wants_1 = async {
        tokio::time::sleep(Duration::from_millis(200)).await; // let a start waiting first
        let r = b.execute(&s1, p1).await;
        (r, b)
    };
    let ((ra, mut a), (rb, mut b)) = tokio::join!(a_wants_2, b_wants_1);
    let kinds = [kind_and_code(ra), kind_and_code(rb)];
    a.batch("ROLLBACK").await?;
    b.batch("ROLLBACK").await?;
    assert!(
        kinds
            .iter()
            .any(|k| matches!(k, Ok((DbErrorKind::Deadlock, code)) if code == "1213")),
        "one side is the deadlock victim: {kinds:?}"
    );
    assert!(a.is_usable() && b.is_usable());
    Ok(())
}
