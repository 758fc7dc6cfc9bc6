//! Reflection: a table created from a core `Table` (with the dialect's DDL) reads back with
//! the same shape.

mod common;

use philtre_core::types::*;
use philtre_core::{
    Column, CreateIndex, CreateTable, Executable, ForeignKey, ReferentialAction, Result,
    ServerDefault, SqlType, Table, UniqueConstraint,
};
use philtre_sqlite::SQLITE;

use common::TempDb;

fn authors() -> Table {
    Table::builder("authors")
        .column(Column::new("id", BigInteger).primary_key())
        .column(Column::new("email", String(120)).not_null().unique())
        .build()
}

fn books() -> Table {
    Table::builder("books")
        .column(Column::new("id", Integer).primary_key())
        .column(Column::new("author_id", Integer).not_null())
        .column(Column::new("title", String(200)).not_null())
        .column(Column::new("isbn", String(13)))
        .column(Column::new("price", Numeric(10, 2)).server_default_sql("0"))
        .column(Column::new("status", Text).server_default("draft"))
        .column(Column::new("added", DateTime).server_default_sql("CURRENT_TIMESTAMP"))
        .column(Column::new("ref", Uuid))
        .column(Column::new("cover", LargeBinary))
        .column(Column::new("in_print", Boolean))
        .unique(["author_id", "title"])
        .unique(["isbn"])
        .foreign_key(
            ForeignKey::new(["author_id"], "authors", ["id"])
                .on_delete(ReferentialAction::Cascade)
                .on_update(ReferentialAction::Restrict),
        )
        .index("ix_books_title", ["title"], false)
        .index("ix_books_added_price", ["added", "price"], true)
        .build()
}

#[tokio::test]
async fn reflects_what_was_created() -> Result<()> {
    let db = TempDb::new("reflect");
    let mut conn = db.connect().await?;
    for table in [authors(), books()] {
        conn.batch(&CreateTable(table.clone()).to_sql(&SQLITE)?)
            .await?;
        for index in table.indexes() {
            let create = CreateIndex {
                table: table.clone(),
                index: index.clone(),
            };
            conn.batch(&create.to_sql(&SQLITE)?).await?;
        }
    }
    // A child table of a composite key, and SQLite's own sqlite_sequence, for table_names.
    conn.batch(
        "CREATE TABLE reviews (book_id INTEGER, n INTEGER, author_ref INTEGER REFERENCES authors,
                               PRIMARY KEY (n, book_id),
                               FOREIGN KEY (book_id) REFERENCES books (id) ON DELETE SET NULL);
         CREATE TABLE seq (id INTEGER PRIMARY KEY AUTOINCREMENT);
         INSERT INTO seq DEFAULT VALUES;",
    )
    .await?;
    assert_eq!(
        conn.table_names().await?,
        ["authors", "books", "reviews", "seq"]
    );
    assert!(conn.reflect_table("missing").await?.is_none());

    let authors = conn
        .reflect_table("authors")
        .await?
        .expect("authors exists");
    assert_eq!(authors.primary_key(), ["id"]);
    let id = authors.column("id").expect("id column");
    // A BigInteger key is written as INTEGER, the rowid alias, so it autoincrements.
    assert_eq!(
        (&id.ty, id.autoincrement, id.is_nullable()),
        (&SqlType::Integer, Some(true), false)
    );
    assert_eq!(
        authors.autoincrement_column().map(|c| c.name.as_str()),
        Some("id")
    );
    assert_eq!(
        authors.uniques(),
        [UniqueConstraint {
            name: None,
            columns: vec!["email".into()]
        }]
    );

    let books = conn.reflect_table("books").await?.expect("books exists");
    let names: Vec<&str> = books.columns().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "id",
            "author_id",
            "title",
            "isbn",
            "price",
            "status",
            "added",
            "ref",
            "cover",
            "in_print"
        ]
    );
    let types: Vec<&SqlType> = books.columns().iter().map(|c| &c.ty).collect();
    assert_eq!(
        types,
        [
            &SqlType::Integer,
            &SqlType::Integer,
            &SqlType::String(Some(200)),
            &SqlType::String(Some(13)),
            &SqlType::Numeric(Some((10, 2))),
            &SqlType::Text,
            &SqlType::DateTime,
            &SqlType::Uuid,
            &SqlType::LargeBinary,
            &SqlType::Boolean,
        ]
    );
    let nullable: Vec<Option<bool>> = books.columns().iter().map(|c| c.nullable).collect();
    assert_eq!(
        nullable[..4],
        [Some(false), Some(false), Some(false), Some(true)]
    );
    let default = |name: &str| books.column(name).and_then(|c| c.server_default.clone());
    assert_eq!(default("price"), Some(ServerDefault::Sql("0".into())));
    assert_eq!(
        default("status"),
        Some(ServerDefault::Sql("'draft'".into()))
    );
    assert_eq!(
        default("added"),
        Some(ServerDefault::Sql("CURRENT_TIMESTAMP".into()))
    );
    assert_eq!(default("title"), None);
    let uniques: Vec<&[String]> = books
        .uniques()
        .iter()
        .map(|u| u.columns.as_slice())
        .collect();
    assert_eq!(
        uniques,
        [
            &["author_id".to_owned(), "title".to_owned()][..],
            &["isbn".to_owned()]
        ]
    );
    let mut indexes = books.indexes().to_vec();
    indexes.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(indexes.len(), 2);
    assert_eq!(
        (indexes[0].name.as_str(), indexes[0].unique),
        ("ix_books_added_price", true)
    );
    assert_eq!(indexes[0].columns, ["added", "price"]);
    assert_eq!(
        (indexes[1].name.as_str(), indexes[1].unique),
        ("ix_books_title", false)
    );
    let fk = &books.foreign_keys()[0];
    assert_eq!(books.foreign_keys().len(), 1);
    assert_eq!(
        (fk.columns.as_slice(), fk.ref_table.as_str()),
        (&["author_id".to_owned()][..], "authors")
    );
    assert_eq!(fk.ref_columns, ["id"]);
    assert_eq!(
        (fk.on_delete, fk.on_update),
        (
            Some(ReferentialAction::Cascade),
            Some(ReferentialAction::Restrict)
        )
    );

    let reviews = conn
        .reflect_table("reviews")
        .await?
        .expect("reviews exists");
    // Key order, not column order; a composite key is not autoincrementing.
    assert_eq!(reviews.primary_key(), ["n", "book_id"]);
    assert!(reviews.autoincrement_column().is_none());
    let fks: Vec<(&str, &[String], Option<ReferentialAction>)> = reviews
        .foreign_keys()
        .iter()
        .map(|f| (f.ref_table.as_str(), f.ref_columns.as_slice(), f.on_delete))
        .collect();
    assert_eq!(
        fks,
        [
            // `REFERENCES authors` without columns points at the parent's primary key.
            ("authors", &["id".to_owned()][..], None),
            (
                "books",
                &["id".to_owned()][..],
                Some(ReferentialAction::SetNull)
            ),
        ]
    );
    // The reflected table compiles back into DDL SQLite accepts.
    let copy = Table::builder("books_copy");
    let copy = books
        .columns()
        .iter()
        .cloned()
        .fold(copy, |b, c| b.column(c))
        .primary_key(["id"])
        .build();
    conn.batch(&CreateTable(copy).to_sql(&SQLITE)?).await?;
    Ok(())
}
