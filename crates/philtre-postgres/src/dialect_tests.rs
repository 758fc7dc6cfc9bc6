//! Golden SQL: what the PostgreSQL dialect compiles each statement to.

use philtre_core::types::*;
use philtre_core::{
    params, text, Column, CreateTable, Executable, ForeignKey, InsertedKey, ReferentialAction,
    Table, Value,
};

use super::POSTGRES_DIALECT as PG;

fn users() -> Table {
    Table::builder("users")
        .column(Column::new("id", Integer).primary_key())
        .column(Column::new("name", String(50)).not_null())
        .column(Column::new("email", String(120)).unique())
        .build()
}

#[test]
fn create_table_with_constraints_and_defaults() {
    let posts = Table::builder("posts")
        .column(Column::new("id", BigInteger).primary_key())
        .column(Column::new("user_id", Integer).not_null())
        .column(Column::new("title", Text).server_default("untitled"))
        .column(Column::new("score", Numeric(10, 2)).server_default_sql("0"))
        .column(Column::new("ratio", Float))
        .column(Column::new("published", Boolean).server_default(false))
        .column(Column::new("created", DateTime).server_default_sql("CURRENT_TIMESTAMP"))
        .column(Column::new("body", Json))
        .column(Column::new("token", Uuid))
        .column(Column::new("blob", LargeBinary).server_default(vec![0xde_u8, 0xad]))
        .column(Column::new("day", Date))
        .column(Column::new("at", Time))
        .column(Column::new("small", SmallInteger))
        .column(Column::new("code", philtre_core::SqlType::String(None)))
        .unique(["user_id", "title"])
        .foreign_key(
            ForeignKey::new(["user_id"], "users", ["id"])
                .on_delete(ReferentialAction::Cascade)
                .on_update(ReferentialAction::SetNull),
        )
        .check(Some("score_positive"), "score >= 0")
        .build();
    let sql = CreateTable(posts).to_sql(&PG).unwrap();
    assert_eq!(
        sql,
        "CREATE TABLE \"posts\" (\n\
         \t\"id\" BIGSERIAL NOT NULL,\n\
         \t\"user_id\" INTEGER NOT NULL,\n\
         \t\"title\" TEXT DEFAULT 'untitled',\n\
         \t\"score\" NUMERIC(10, 2) DEFAULT (0),\n\
         \t\"ratio\" DOUBLE PRECISION,\n\
         \t\"published\" BOOLEAN DEFAULT FALSE,\n\
         \t\"created\" TIMESTAMP DEFAULT (CURRENT_TIMESTAMP),\n\
         \t\"body\" JSONB,\n\
         \t\"token\" UUID,\n\
         \t\"blob\" BYTEA DEFAULT decode('dead', 'hex'),\n\
         \t\"day\" DATE,\n\
         \t\"at\" TIME,\n\
         \t\"small\" SMALLINT,\n\
         \t\"code\" VARCHAR,\n\
         \tPRIMARY KEY (\"id\"),\n\
         \tUNIQUE (\"user_id\", \"title\"),\n\
         \tFOREIGN KEY (\"user_id\") REFERENCES \"users\" (\"id\") ON DELETE CASCADE ON UPDATE SET NULL,\n\
         \tCONSTRAINT \"score_positive\" CHECK (score >= 0)\n\
         )"
    );
}

#[test]
fn serial_types_follow_integer_width() {
    for (ty, serial) in [
        (SmallInteger, "SMALLSERIAL"),
        (Integer, "SERIAL"),
        (BigInteger, "BIGSERIAL"),
    ] {
        let t = Table::builder("t")
            .column(Column::new("id", ty).primary_key())
            .build();
        let sql = CreateTable(t).to_sql(&PG).unwrap();
        assert!(sql.contains(&format!("\"id\" {serial} NOT NULL")), "{sql}");
    }
    // Autoincrement turned off: the plain type.
    let t = Table::builder("t")
        .column(
            Column::new("id", Integer)
                .primary_key()
                .autoincrement(false),
        )
        .build();
    assert!(CreateTable(t)
        .to_sql(&PG)
        .unwrap()
        .contains("\"id\" INTEGER NOT NULL"));
}

#[test]
fn select_where_in_like_order_limit_offset() {
    let u = users();
    let q = u
        .select()
        .where_(
            u.c("id")
                .in_([1, 2, 3])
                .and(u.c("name").like("a%"))
                .and(u.c("email").ilike("%@X.org")),
        )
        .order_by(u.c("name").desc())
        .limit(10)
        .offset(20);
    let c = q.compile(&PG).unwrap();
    assert_eq!(
        c.sql,
        "SELECT \"users\".\"id\", \"users\".\"name\", \"users\".\"email\" FROM \"users\" \
         WHERE \"users\".\"id\" IN ($1, $2, $3) AND \"users\".\"name\" LIKE $4 \
         AND \"users\".\"email\" ILIKE $5 ORDER BY \"users\".\"name\" DESC LIMIT 10 OFFSET 20"
    );
    assert_eq!(c.params, params![1, 2, 3, "a%", "%@X.org"]);
}

#[test]
fn offset_without_limit_and_not_ilike() {
    let u = users();
    let q = u
        .select()
        .where_(philtre_core::not_(u.c("name").ilike("x")))
        .offset(5);
    let sql = q.to_sql(&PG).unwrap();
    assert!(sql.ends_with(" OFFSET 5"), "{sql}");
    assert!(!sql.contains("LIMIT"), "{sql}");
    assert!(sql.contains("ILIKE $1"), "{sql}");
}

#[test]
fn insert_reads_generated_key_through_returning() {
    let u = users();
    let c = u
        .insert()
        .value("name", "admin")
        .value("email", "admin@localhost")
        .compile(&PG)
        .unwrap();
    assert_eq!(
        c.sql,
        "INSERT INTO \"users\" (\"name\", \"email\") VALUES ($1, $2) RETURNING \"id\""
    );
    assert_eq!(c.params, params!["admin", "admin@localhost"]);
    assert_eq!(c.primary_key, Some(InsertedKey::Returning));

    // implicit_returning(false): no RETURNING, and no key to read back.
    let c = u
        .insert()
        .implicit_returning(false)
        .value("name", "admin")
        .compile(&PG)
        .unwrap();
    assert_eq!(c.sql, "INSERT INTO \"users\" (\"name\") VALUES ($1)");
    assert_eq!(c.primary_key, Some(InsertedKey::LastInsertId));

    // A given key needs no RETURNING.
    let c = u
        .insert()
        .value("id", 7)
        .value("name", "x")
        .compile(&PG)
        .unwrap();
    assert_eq!(
        c.sql,
        "INSERT INTO \"users\" (\"id\", \"name\") VALUES ($1, $2)"
    );
    assert_eq!(c.primary_key, Some(InsertedKey::Given(vec![Value::Int(7)])));
}

#[test]
fn update_and_delete() {
    let u = users();
    let c = u
        .update()
        .value("name", "root")
        .where_(u.c("id").eq(1))
        .compile(&PG)
        .unwrap();
    assert_eq!(
        c.sql,
        "UPDATE \"users\" SET \"name\" = $1 WHERE \"users\".\"id\" = $2"
    );
    assert_eq!(c.params, params!["root", 1]);

    let c = u.delete().where_(u.c("id").gt(5)).compile(&PG).unwrap();
    assert_eq!(c.sql, "DELETE FROM \"users\" WHERE \"users\".\"id\" > $1");
    assert_eq!(c.params, params![5]);
}

#[test]
fn text_reuses_the_number_of_a_repeated_name() {
    let t = text("select * from users where name = :name or email = :name and id > :id::int")
        .bind("name", "admin")
        .bind("id", 3);
    let c = t.compile(&PG).unwrap();
    assert_eq!(
        c.sql,
        "select * from users where name = $1 or email = $1 and id > $2::int"
    );
    assert_eq!(c.params, params!["admin", 3]);
}

#[test]
fn identifiers_are_quoted_and_escaped() {
    let t = Table::builder("we\"ird")
        .column(Column::new("co\"l", Integer))
        .build();
    let sql = t.select().to_sql(&PG).unwrap();
    assert_eq!(sql, "SELECT \"we\"\"ird\".\"co\"\"l\" FROM \"we\"\"ird\"");
}

#[test]
fn create_and_drop_index() {
    let t = Table::builder("users")
        .column(Column::new("name", Text))
        .index("ix_users_name", ["name"], true)
        .build();
    let index = t.indexes()[0].clone();
    let create = philtre_core::CreateIndex {
        table: t.clone(),
        index: index.clone(),
    };
    assert_eq!(
        create.to_sql(&PG).unwrap(),
        "CREATE UNIQUE INDEX \"ix_users_name\" ON \"users\" (\"name\")"
    );
    let drop = philtre_core::DropIndex { table: t, index };
    assert_eq!(drop.to_sql(&PG).unwrap(), "DROP INDEX \"ix_users_name\"");
}

/// `execute(stmt)` compiles an insert by value, moving its bound values into the
/// parameters: the SQL, the parameters (in `$n` order) and the key must be exactly what
/// compiling by reference gives, and so must the errors.
#[test]
fn owned_insert_compiles_like_borrowed() {
    let t = Table::builder("notes")
        .column(Column::new("id", Integer).primary_key())
        .column(Column::new("title", String(50)))
        .column(Column::new("body", Text))
        .column(Column::new("kind", String(10)).default("memo"))
        .build();
    let same = |ins: philtre_core::Insert| {
        let borrowed = ins.compile(&PG);
        let owned = ins.into_compiled(&PG);
        match (borrowed, owned) {
            (Ok(b), Ok(o)) => {
                assert_eq!(b, o);
                b
            }
            (b, o) => panic!("borrowed {b:?}, owned {o:?}"),
        }
    };
    // Rows naming their columns in different orders, an expression among the values, the
    // default filled in for every row, and RETURNING.
    let c = same(
        t.insert()
            .rows([
                vec![
                    ("title", philtre_core::Expr::from("a")),
                    ("body", "x".into()),
                ],
                vec![
                    ("body", philtre_core::Expr::from("y")),
                    (
                        "title",
                        philtre_core::func::call("lower", [philtre_core::lit("B")]),
                    ),
                ],
            ])
            .returning([t.c("id")]),
    );
    assert_eq!(
        c.sql,
        "INSERT INTO \"notes\" (\"title\", \"body\", \"kind\") VALUES ($1, $2, $3), (lower($4), $5, $6) RETURNING \"notes\".\"id\""
    );
    assert_eq!(c.params, params!["a", "x", "memo", "B", "y", "memo"]);
    // One row with a given key, and one with the key generated.
    let c = same(t.insert().value("id", 3).value("title", "t"));
    assert_eq!(c.primary_key, Some(InsertedKey::Given(vec![Value::Int(3)])));
    assert_eq!(c.params, params![3, "t", "memo"]);
    let c = same(t.insert().value("title", "t"));
    assert_eq!(c.primary_key, Some(InsertedKey::Returning));
    // Errors are the same errors.
    let mismatch = t.insert().value("id", "not a number");
    assert_eq!(
        mismatch.compile(&PG).unwrap_err().to_string(),
        mismatch.into_compiled(&PG).unwrap_err().to_string()
    );
    // A later row naming other columns, one more, one fewer; a value set on the last row.
    for ragged in [
        t.insert().rows([vec![("title", "a")], vec![("body", "b")]]),
        t.insert()
            .rows([vec![("title", "a")], vec![("title", "b"), ("body", "c")]]),
        t.insert()
            .rows([vec![("title", "a"), ("body", "c")], vec![("title", "b")]]),
        t.insert()
            .rows([vec![("title", "a")], vec![("title", "b")]])
            .value("body", "c"),
    ] {
        let e = ragged.compile(&PG).unwrap_err().to_string();
        assert!(e.contains("must name the same columns"), "{e}");
        assert_eq!(e, ragged.into_compiled(&PG).unwrap_err().to_string());
    }
}
