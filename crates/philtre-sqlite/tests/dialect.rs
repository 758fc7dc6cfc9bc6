//! Golden SQL: statements built with the core API, compiled with the SQLite dialect.

use philtre_core::types::*;
use philtre_core::{
    select, text, Column, CreateIndex, CreateTable, Executable, ForeignKey, InsertedKey, MetaData,
    ReferentialAction, SqlType, Table, Value,
};
use philtre_sqlite::SQLITE;

fn users() -> Table {
    Table::new(
        "users",
        &MetaData::new(),
        [
            Column::new("id", Integer).primary_key(),
            Column::new("name", String(50)).unique(),
            Column::new("email", String(120)),
        ],
    )
}

#[test]
fn create_table_with_every_constraint() {
    let orders = Table::builder("orders")
        .column(Column::new("id", BigInteger).primary_key())
        .column(Column::new("user_id", Integer).not_null())
        .column(Column::new("total", Numeric(10, 2)).server_default(Value::Int(0)))
        .column(Column::new("paid", Boolean).server_default(false))
        .column(Column::new("placed", DateTime).server_default_sql("CURRENT_TIMESTAMP"))
        .column(Column::new("note", Text).server_default("it's"))
        .column(Column::new("ref", Uuid))
        .column(Column::new("data", Json))
        .column(Column::new("scan", LargeBinary))
        .column(Column::new("day", Date))
        .column(Column::new("at", Time))
        .column(Column::new("ratio", Float))
        .column(Column::new("rank", SmallInteger))
        .unique(["user_id", "placed"])
        .foreign_key(
            ForeignKey::new(["user_id"], "users", ["id"])
                .on_delete(ReferentialAction::Cascade)
                .on_update(ReferentialAction::SetNull),
        )
        .check(Some("positive"), "total >= 0")
        .build();
    let sql = CreateTable(orders).to_sql(&SQLITE).expect("compiles");
    assert_eq!(
        sql,
        "CREATE TABLE \"orders\" (\n\
         \t\"id\" INTEGER NOT NULL,\n\
         \t\"user_id\" INTEGER NOT NULL,\n\
         \t\"total\" NUMERIC(10, 2) DEFAULT 0,\n\
         \t\"paid\" BOOLEAN DEFAULT 0,\n\
         \t\"placed\" DATETIME DEFAULT (CURRENT_TIMESTAMP),\n\
         \t\"note\" TEXT DEFAULT 'it''s',\n\
         \t\"ref\" CHAR(36),\n\
         \t\"data\" JSON,\n\
         \t\"scan\" BLOB,\n\
         \t\"day\" DATE,\n\
         \t\"at\" TIME,\n\
         \t\"ratio\" FLOAT,\n\
         \t\"rank\" SMALLINT,\n\
         \tPRIMARY KEY (\"id\"),\n\
         \tUNIQUE (\"user_id\", \"placed\"),\n\
         \tFOREIGN KEY (\"user_id\") REFERENCES \"users\" (\"id\") ON DELETE CASCADE ON UPDATE SET NULL,\n\
         \tCONSTRAINT \"positive\" CHECK (total >= 0)\n\
         )"
    );
}

#[test]
fn non_autoincrement_types_and_index() {
    let t = Table::builder("t\"x")
        .column(Column::new("code", String(10)).primary_key())
        .column(Column::new("n", BigInteger).index())
        .column(Column::new("v", SqlType::String(None)))
        .column(Column::new("g", SqlType::Other("GEOMETRY".into())))
        .build();
    assert_eq!(
        CreateTable(t.clone()).to_sql(&SQLITE).expect("compiles"),
        "CREATE TABLE \"t\"\"x\" (\n\t\"code\" VARCHAR(10) NOT NULL,\n\t\"n\" BIGINT,\n\t\
         \"v\" VARCHAR,\n\t\"g\" GEOMETRY,\n\tPRIMARY KEY (\"code\")\n)"
    );
    let index = t.indexes()[0].clone();
    assert_eq!(
        CreateIndex { table: t, index }
            .to_sql(&SQLITE)
            .expect("compiles"),
        "CREATE INDEX \"ix_t\"\"x_n\" ON \"t\"\"x\" (\"n\")"
    );
}

#[test]
fn select_where_order_limit_offset() {
    let users = users();
    let c = users
        .select()
        .where_(users.c("id").eq(1).and(users.c("name").like("a%")))
        .order_by(users.c("name").desc())
        .limit(10)
        .offset(20)
        .compile(&SQLITE)
        .expect("compiles");
    assert_eq!(
        c.sql,
        "SELECT \"users\".\"id\", \"users\".\"name\", \"users\".\"email\" FROM \"users\" \
         WHERE \"users\".\"id\" = ? AND \"users\".\"name\" LIKE ? \
         ORDER BY \"users\".\"name\" DESC LIMIT 10 OFFSET 20"
    );
    assert_eq!(c.params, [Value::Int(1), Value::from("a%")]);
    assert!(c.returns_rows);
}

/// `posts.user_id` references `users.id`; `tags` has a two-column key that
/// `post_tags` references.
fn blog() -> (Table, Table, Table, Table) {
    let md = MetaData::new();
    let users = users();
    let posts = Table::new(
        "posts",
        &md,
        [
            Column::new("id", Integer).primary_key(),
            Column::new("user_id", Integer).foreign_key("users.id"),
            Column::new("title", Text),
        ],
    );
    let tags = Table::new(
        "tags",
        &md,
        [
            Column::new("ns", Text).primary_key(),
            Column::new("name", Text).primary_key(),
        ],
    );
    let post_tags = Table::builder("post_tags")
        .column(Column::new("post_id", Integer).foreign_key("posts.id"))
        .column(Column::new("tag_ns", Text))
        .column(Column::new("tag_name", Text))
        .foreign_key(ForeignKey::new(
            ["tag_ns", "tag_name"],
            "tags",
            ["ns", "name"],
        ))
        .build();
    (users, posts, tags, post_tags)
}

#[test]
fn joins_infer_from_and_on_from_the_foreign_keys() {
    let (users, posts, tags, post_tags) = blog();
    let sql = select([users.c("name"), posts.c("title")])
        .where_(users.c("id").gt(1))
        .to_sql(&SQLITE)
        .expect("compiles");
    assert_eq!(
        sql,
        "SELECT \"users\".\"name\", \"posts\".\"title\" FROM \"users\", \"posts\" \
         WHERE \"users\".\"id\" > ?"
    );
    // FROM keeps the table it was given and adds none the joins name
    let sql = select([users.c("name"), posts.c("title"), tags.c("name")])
        .select_from(&users)
        .outerjoin(&posts)
        .join(&post_tags)
        .join(&tags)
        .to_sql(&SQLITE)
        .expect("compiles");
    assert_eq!(
        sql,
        "SELECT \"users\".\"name\", \"posts\".\"title\", \"tags\".\"name\" FROM \"users\" \
         LEFT OUTER JOIN \"posts\" ON \"posts\".\"user_id\" = \"users\".\"id\" \
         JOIN \"post_tags\" ON \"post_tags\".\"post_id\" = \"posts\".\"id\" \
         JOIN \"tags\" ON \"post_tags\".\"tag_ns\" = \"tags\".\"ns\" \
         AND \"post_tags\".\"tag_name\" = \"tags\".\"name\""
    );
    // an alias is joined under its own name
    let author = users.alias("author");
    let sql = select([posts.c("title"), author.c("name")])
        .select_from(&posts)
        .join(&author)
        .to_sql(&SQLITE)
        .expect("compiles");
    assert_eq!(
        sql,
        "SELECT \"posts\".\"title\", \"author\".\"name\" FROM \"posts\" \
         JOIN \"users\" AS \"author\" ON \"posts\".\"user_id\" = \"author\".\"id\""
    );
}

#[test]
fn a_join_with_no_or_two_foreign_keys_asks_for_join_on() {
    let (users, _, tags, _) = blog();
    let none = select([users.c("name")])
        .select_from(&users)
        .join(&tags)
        .to_sql(&SQLITE)
        .unwrap_err();
    assert!(
        matches!(&none, philtre_core::Error::InvalidStatement(m) if m.contains("no foreign key")),
        "{none:?}"
    );
    let editors = Table::builder("edits")
        .column(Column::new("author_id", Integer).foreign_key("users.id"))
        .column(Column::new("editor_id", Integer).foreign_key("users.id"))
        .build();
    let two = select([users.c("name")])
        .select_from(&users)
        .join(&editors)
        .to_sql(&SQLITE)
        .unwrap_err();
    assert!(
        matches!(&two, philtre_core::Error::InvalidStatement(m) if m.contains("more than one")),
        "{two:?}"
    );
    // join_on settles it
    let sql = select([users.c("name")])
        .select_from(&users)
        .join_on(&editors, editors.c("editor_id").eq(users.c("id")))
        .to_sql(&SQLITE)
        .expect("compiles");
    assert!(
        sql.ends_with("JOIN \"edits\" ON \"edits\".\"editor_id\" = \"users\".\"id\""),
        "{sql}"
    );
    // a foreign key naming a column its table lacks is reported, not written
    let broken = Table::builder("broken")
        .column(Column::new("user_id", Integer))
        .foreign_key(ForeignKey::new(["user_ref"], "users", ["id"]))
        .build();
    let err = select([users.c("name")])
        .select_from(&users)
        .join(&broken)
        .to_sql(&SQLITE)
        .unwrap_err();
    assert!(
        matches!(&err, philtre_core::Error::NoSuchColumn { table, column } if table == "broken" && column == "user_ref"),
        "{err:?}"
    );
}

#[test]
fn offset_without_limit_needs_limit_minus_one() {
    let users = users();
    let sql = users.select().offset(5).to_sql(&SQLITE).expect("compiles");
    assert!(sql.ends_with(" FROM \"users\" LIMIT -1 OFFSET 5"), "{sql}");
    let sql = users.select().limit(3).to_sql(&SQLITE).expect("compiles");
    assert!(sql.ends_with(" FROM \"users\" LIMIT 3"), "{sql}");
}

#[test]
fn ilike_lowers_both_sides() {
    let users = users();
    let c = users
        .select()
        .where_(users.c("name").ilike("AD%"))
        .compile(&SQLITE)
        .expect("compiles");
    assert!(
        c.sql
            .ends_with(" WHERE lower(\"users\".\"name\") LIKE lower(?)"),
        "{}",
        c.sql
    );
}

#[test]
fn insert_update_delete() {
    let users = users();
    let c = users
        .insert()
        .value("name", "admin")
        .value("email", "admin@localhost")
        .compile(&SQLITE)
        .expect("compiles");
    assert_eq!(
        c.sql,
        "INSERT INTO \"users\" (\"name\", \"email\") VALUES (?, ?)"
    );
    assert_eq!(
        c.params,
        [Value::from("admin"), Value::from("admin@localhost")]
    );
    assert_eq!(c.primary_key, Some(InsertedKey::LastInsertId));

    let c = users
        .update()
        .value("email", "root@localhost")
        .where_(users.c("name").eq("admin"))
        .compile(&SQLITE)
        .expect("compiles");
    assert_eq!(
        c.sql,
        "UPDATE \"users\" SET \"email\" = ? WHERE \"users\".\"name\" = ?"
    );
    assert_eq!(
        c.params,
        [Value::from("root@localhost"), Value::from("admin")]
    );

    let c = users
        .delete()
        .where_(users.c("id").gt(5))
        .returning([users.c("id")])
        .compile(&SQLITE)
        .expect("compiles");
    assert_eq!(
        c.sql,
        "DELETE FROM \"users\" WHERE \"users\".\"id\" > ? RETURNING \"users\".\"id\""
    );
    assert!(c.returns_rows);
}

#[test]
fn text_binds_become_question_marks() {
    let c = text("SELECT * FROM users WHERE name = :name AND note = ':not' AND id > :id")
        .bind("name", "admin")
        .bind("id", 3)
        .compile(&SQLITE)
        .expect("compiles");
    assert_eq!(
        c.sql,
        "SELECT * FROM users WHERE name = ? AND note = ':not' AND id > ?"
    );
    assert_eq!(c.params, [Value::from("admin"), Value::Int(3)]);
}
