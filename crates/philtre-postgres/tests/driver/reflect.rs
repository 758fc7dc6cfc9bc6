//! `table_names` and `reflect_table` against live catalogs.

use philtre_core::types::*;
use philtre_core::{
    Column, Connection, CreateTable, Executable, ReferentialAction, ServerDefault, SqlType, Table,
};
use philtre_postgres::POSTGRES_DIALECT;

use crate::common::{connect, unique, Cleanup};

#[tokio::test]
async fn reflects_keys_constraints_indexes_and_defaults() {
    let parent = unique("rf_parent");
    let child = unique("rf_child");
    let _cleanup = Cleanup::tables(&[&child, &parent]);
    let mut conn = connect().await;
    conn.batch(&format!(
        "CREATE TABLE \"{parent}\" (
            id SERIAL PRIMARY KEY,
            code VARCHAR(10) NOT NULL UNIQUE,
            a INTEGER, b INTEGER,
            CONSTRAINT \"{parent}_ab\" UNIQUE (b, a)
         );
         CREATE TABLE \"{child}\" (
            region SMALLINT,
            seq BIGINT,
            parent_id INTEGER REFERENCES \"{parent}\" (id) ON DELETE CASCADE ON UPDATE SET NULL,
            amount NUMERIC(10, 2) NOT NULL DEFAULT 0,
            created TIMESTAMP DEFAULT now(),
            note TEXT, ratio DOUBLE PRECISION, flag BOOLEAN, body JSONB, token UUID, raw BYTEA,
            day DATE, at TIME, stamp TIMESTAMPTZ, span INTERVAL,
            PRIMARY KEY (seq, region),
            CONSTRAINT \"{child}_positive\" CHECK (amount >= 0)
         );
         CREATE INDEX \"{child}_note\" ON \"{child}\" (note, created);
         CREATE UNIQUE INDEX \"{child}_token\" ON \"{child}\" (token);
         CREATE INDEX \"{child}_lower\" ON \"{child}\" (lower(note));"
    ))
    .await
    .unwrap();

    let names = conn.table_names().await.unwrap();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert!(
        names.contains(&parent) && names.contains(&child),
        "{names:?}"
    );

    let p = conn
        .reflect_table(&parent)
        .await
        .unwrap()
        .expect("parent exists");
    assert_eq!(p.name(), parent);
    assert_eq!(p.primary_key(), ["id"]);
    let id = p.column("id").unwrap();
    assert_eq!(
        (id.ty.clone(), id.autoincrement, id.nullable),
        (SqlType::Integer, Some(true), Some(false))
    );
    assert_eq!(
        id.server_default, None,
        "a serial's nextval is autoincrement, not a default"
    );
    let code = p.column("code").unwrap();
    assert_eq!(
        (code.ty.clone(), code.nullable, code.autoincrement),
        (SqlType::String(Some(10)), Some(false), Some(false))
    );
    assert_eq!(p.column("a").unwrap().nullable, Some(true));
    let uniques: Vec<Vec<String>> = p.uniques().iter().map(|u| u.columns.clone()).collect();
    assert_eq!(
        uniques,
        [
            vec!["b".to_owned(), "a".to_owned()],
            vec!["code".to_owned()]
        ]
    );
    assert!(
        p.indexes().is_empty(),
        "constraint indexes are not reported: {:?}",
        p.indexes()
    );
    assert_eq!(
        p.autoincrement_column().map(|c| c.name.as_str()),
        Some("id")
    );

    let c = conn
        .reflect_table(&child)
        .await
        .unwrap()
        .expect("child exists");
    assert_eq!(
        c.primary_key(),
        ["seq", "region"],
        "primary key in declared order"
    );
    let types: Vec<(&str, SqlType)> = c
        .columns()
        .iter()
        .map(|c| (c.name.as_str(), c.ty.clone()))
        .collect();
    assert_eq!(
        types,
        [
            ("region", SqlType::SmallInteger),
            ("seq", SqlType::BigInteger),
            ("parent_id", SqlType::Integer),
            ("amount", SqlType::Numeric(Some((10, 2)))),
            ("created", SqlType::DateTime),
            ("note", SqlType::Text),
            ("ratio", SqlType::Float),
            ("flag", SqlType::Boolean),
            ("body", SqlType::Json),
            ("token", SqlType::Uuid),
            ("raw", SqlType::LargeBinary),
            ("day", SqlType::Date),
            ("at", SqlType::Time),
            ("stamp", SqlType::Other("timestamp with time zone".into())),
            ("span", SqlType::Other("interval".into())),
        ]
    );
    assert_eq!(c.autoincrement_column(), None);
    assert_eq!(
        c.column("amount").unwrap().server_default,
        Some(ServerDefault::Sql("0".into()))
    );
    assert_eq!(
        c.column("created").unwrap().server_default,
        Some(ServerDefault::Sql("now()".into()))
    );
    assert_eq!(c.column("amount").unwrap().nullable, Some(false));
    assert_eq!(c.column("seq").unwrap().nullable, Some(false));

    let [fk] = c.foreign_keys() else {
        panic!("one foreign key: {:?}", c.foreign_keys())
    };
    assert_eq!(
        (
            fk.columns.as_slice(),
            fk.ref_table.as_str(),
            fk.ref_columns.as_slice()
        ),
        (
            &["parent_id".to_owned()][..],
            parent.as_str(),
            &["id".to_owned()][..]
        )
    );
    assert_eq!(
        (fk.on_delete, fk.on_update),
        (
            Some(ReferentialAction::Cascade),
            Some(ReferentialAction::SetNull)
        )
    );

    let [check] = c.checks() else {
        panic!("one check: {:?}", c.checks())
    };
    assert_eq!(
        check.name.as_deref(),
        Some(format!("{child}_positive").as_str())
    );
    assert!(check.sql.contains("amount >= "), "{}", check.sql);

    let indexes: Vec<(String, Vec<String>, bool)> = c
        .indexes()
        .iter()
        .map(|i| (i.name.clone(), i.columns.clone(), i.unique))
        .collect();
    assert_eq!(
        indexes,
        [
            (
                format!("{child}_note"),
                vec!["note".to_owned(), "created".to_owned()],
                false
            ),
            (format!("{child}_token"), vec!["token".to_owned()], true),
        ],
        "the expression index is left out"
    );

    assert!(conn
        .reflect_table(&unique("missing"))
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn created_table_reflects_back_the_same_columns() {
    let users = unique("rt_users");
    let posts = unique("rt_posts");
    let _cleanup = Cleanup::tables(&[&posts, &users]);
    let users_t = Table::builder(&users)
        .column(Column::new("id", BigInteger).primary_key())
        .column(Column::new("name", String(50)).not_null().unique())
        .build();
    let posts_t = Table::builder(&posts)
        .column(Column::new("id", Integer).primary_key())
        .column(
            Column::new("user_id", BigInteger)
                .foreign_key(&format!("{users}.id"))
                .on_delete_cascade(),
        )
        .column(Column::new("title", Text).server_default("untitled"))
        .column(Column::new("score", Numeric(8, 3)))
        .column(Column::new("created", DateTime).server_default_sql("CURRENT_TIMESTAMP"))
        .column(Column::new("body", Json))
        .column(Column::new("blob", LargeBinary).server_default(vec![1_u8, 2]))
        .index(format!("ix_{posts}_title"), ["title"], false)
        .build();
    let mut conn = connect().await;
    for t in [&users_t, &posts_t] {
        let sql = CreateTable(t.clone()).to_sql(&POSTGRES_DIALECT).unwrap();
        conn.batch(&sql).await.unwrap();
    }
    let index = philtre_core::CreateIndex {
        table: posts_t.clone(),
        index: posts_t.indexes()[0].clone(),
    };
    conn.execute(&index.to_sql(&POSTGRES_DIALECT).unwrap(), vec![])
        .await
        .unwrap();

    let back = conn.reflect_table(&posts).await.unwrap().unwrap();
    for (declared, reflected) in posts_t.columns().iter().zip(back.columns()) {
        assert_eq!(declared.name, reflected.name);
        assert_eq!(declared.ty, reflected.ty, "{}", declared.name);
        assert_eq!(
            declared.is_nullable(),
            reflected.is_nullable(),
            "{}",
            declared.name
        );
    }
    assert_eq!(back.primary_key(), posts_t.primary_key());
    assert_eq!(
        back.autoincrement_column().map(|c| c.name.clone()),
        Some("id".to_owned())
    );
    assert_eq!(back.indexes(), posts_t.indexes());
    assert_eq!(
        back.foreign_keys()[0].on_delete,
        Some(ReferentialAction::Cascade)
    );
    assert_eq!(back.foreign_keys()[0].ref_table, users);
    assert_eq!(
        back.column("title").unwrap().server_default,
        Some(ServerDefault::Sql("'untitled'::text".into()))
    );
    // The server default is live: an insert that omits the columns gets them.
    let compiled = back
        .insert()
        .value("user_id", philtre_core::Value::Null)
        .compile(&POSTGRES_DIALECT)
        .unwrap();
    assert!(
        compiled.sql.ends_with("RETURNING \"id\""),
        "{}",
        compiled.sql
    );
    let rows = conn.query(&compiled.sql, compiled.params).await.unwrap();
    assert_eq!(rows.rows[0].get::<i64>("id").unwrap(), 1);
    let row = &conn
        .query(&format!("SELECT title, blob FROM \"{posts}\""), vec![])
        .await
        .unwrap()
        .rows[0];
    assert_eq!(
        row.values(),
        [
            philtre_core::Value::from("untitled"),
            philtre_core::Value::Bytes(vec![1, 2])
        ]
    );

    let users_back = conn.reflect_table(&users).await.unwrap().unwrap();
    assert_eq!(users_back.uniques()[0].columns, ["name"]);
    assert_eq!(users_back.column("id").unwrap().ty, SqlType::BigInteger);
}
