//! `reflect_table` reads back what philtre's DDL created.

use philtre_core::types::*;
use philtre_core::{
    Column, Connection, CreateIndex, CreateTable, ForeignKey, Index, ReferentialAction, Result,
    ServerDefault, SqlType, Table,
};

use crate::{connect, run, unique, Cleanup};

#[tokio::test]
async fn reflects_keys_constraints_indexes_and_defaults() -> Result<()> {
    let (owners, pets) = (unique("owners"), unique("pets"));
    let copy = unique("copy");
    let _cleanup = Cleanup::new(&[&copy, &pets, &owners]);
    let mut conn = connect().await?;
    reflect(&mut *conn, &owners, &pets, &copy).await
}

async fn reflect(c: &mut dyn Connection, owners: &str, pets: &str, copy_name: &str) -> Result<()> {
    let parent = Table::builder(owners)
        .column(Column::new("id", Integer).primary_key())
        .column(Column::new("region", String(10)).primary_key())
        .column(Column::new("email", String(120)).unique().not_null())
        .build();
    let fk_name = format!("fk_{pets}");
    let child = Table::builder(pets)
        .column(Column::new("id", BigInteger).primary_key())
        .column(Column::new("name", String(50)).not_null())
        .column(Column::new("nick", String(20)).server_default("it's"))
        .column(Column::new("age", SmallInteger).server_default(1))
        .column(Column::new("owner_id", Integer))
        .column(Column::new("owner_region", String(10)))
        .column(Column::new("vet_id", Integer).foreign_key(&format!("{owners}.id")))
        .column(Column::new("weight", Numeric(6, 2)))
        .column(Column::new("ratio", Float))
        .column(Column::new("alive", Boolean).server_default(true))
        .column(Column::new("born", Date))
        .column(Column::new("fed_at", Time))
        .column(Column::new("created", DateTime).server_default_sql("CURRENT_TIMESTAMP"))
        .column(Column::new("notes", Text))
        .column(Column::new("photo", LargeBinary))
        .column(Column::new("extra", Json))
        .column(Column::new("tag", Uuid))
        .unique(["name", "owner_id"])
        .foreign_key(
            ForeignKey::new(["owner_id", "owner_region"], owners, ["id", "region"])
                .named(&fk_name)
                .on_delete(ReferentialAction::Cascade)
                .on_update(ReferentialAction::SetNull),
        )
        .check(Some("age_positive"), "age > 0")
        .build();
    // `vet_id` references only `id`: MySQL needs an index whose first column is `id` (the
    // primary key), which it has.
    run(c, CreateTable(parent)).await?;
    run(c, CreateTable(child.clone())).await?;
    let index = Index {
        name: format!("ix_{pets}_born"),
        columns: vec!["born".into(), "age".into()],
        unique: false,
    };
    run(
        c,
        CreateIndex {
            table: child.clone(),
            index: index.clone(),
        },
    )
    .await?;

    let t = c
        .reflect_table(pets)
        .await?
        .ok_or(philtre_core::Error::NoSuchTable(pets.into()))?;
    assert_eq!(t.name(), pets);
    let names: Vec<&str> = t.columns().iter().map(|c| c.name.as_str()).collect();
    let declared: Vec<&str> = child.columns().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, declared);
    for declared in child.columns() {
        let got = t
            .column(&declared.name)
            .ok_or(philtre_core::Error::NoSuchTable(declared.name.clone()))?;
        assert_eq!(got.ty, declared.ty, "type of {}", declared.name);
        assert_eq!(
            got.is_nullable(),
            declared.is_nullable(),
            "nullability of {}",
            declared.name
        );
    }
    assert_eq!(t.primary_key(), ["id"]);
    assert!(t
        .column("id")
        .is_some_and(|c| c.autoincrement == Some(true)));
    assert_eq!(
        t.autoincrement_column().map(|c| c.name.as_str()),
        Some("id")
    );
    assert!(t
        .column("age")
        .is_some_and(|c| c.autoincrement == Some(false)));

    let default = |col: &str| t.column(col).and_then(|c| c.server_default.clone());
    assert_eq!(default("nick"), Some(ServerDefault::Sql("'it''s'".into())));
    assert_eq!(default("age"), Some(ServerDefault::Sql("1".into())));
    assert_eq!(default("alive"), Some(ServerDefault::Sql("1".into())));
    assert!(
        matches!(default("created"), Some(ServerDefault::Sql(s)) if s.to_ascii_lowercase().starts_with("current_timestamp")),
        "{:?}",
        default("created")
    );
    assert_eq!(default("name"), None);
    assert_eq!(default("notes"), None);

    let uniques: Vec<&[String]> = t.uniques().iter().map(|u| u.columns.as_slice()).collect();
    assert_eq!(uniques, [&["name".to_owned(), "owner_id".to_owned()][..]]);
    assert_eq!(
        t.indexes(),
        [index],
        "only the declared index: FK indexes are InnoDB's"
    );
    assert_eq!(t.foreign_keys().len(), 2, "{:?}", t.foreign_keys());
    let composite = t
        .foreign_keys()
        .iter()
        .find(|fk| fk.name.as_deref() == Some(fk_name.as_str()))
        .ok_or(philtre_core::Error::NoSuchTable(fk_name.clone()))?;
    assert_eq!(composite.columns, ["owner_id", "owner_region"]);
    assert_eq!(
        (
            composite.ref_table.as_str(),
            composite.ref_columns.as_slice()
        ),
        (owners, &["id".to_owned(), "region".to_owned()][..])
    );
    assert_eq!(composite.on_delete, Some(ReferentialAction::Cascade));
    assert_eq!(composite.on_update, Some(ReferentialAction::SetNull));
    let vet = t.foreign_keys().iter().find(|fk| fk.columns == ["vet_id"]);
    assert!(
        vet.is_some_and(|fk| fk.ref_columns == ["id"] && fk.on_delete.is_none()),
        "{vet:?}"
    );
    let checks: Vec<(Option<&str>, &str)> = t
        .checks()
        .iter()
        .map(|c| (c.name.as_deref(), c.sql.as_str()))
        .collect();
    assert_eq!(
        checks.len(),
        1,
        "the JSON column's json_valid check is not a table check: {checks:?}"
    );
    assert_eq!(checks[0].0, Some("age_positive"));
    assert!(
        checks[0].1.contains("age") && checks[0].1.contains('0'),
        "{checks:?}"
    );

    // The parent: composite primary key in declared order, a column-level unique.
    let p = c
        .reflect_table(owners)
        .await?
        .ok_or(philtre_core::Error::NoSuchTable(owners.into()))?;
    assert_eq!(p.primary_key(), ["id", "region"]);
    assert!(p.autoincrement_column().is_none());
    assert_eq!(
        p.column("region").map(|c| c.ty.clone()),
        Some(SqlType::String(Some(10)))
    );
    assert_eq!(p.uniques().len(), 1);
    assert_eq!(p.uniques()[0].columns, ["email"]);
    assert!(p.foreign_keys().is_empty() && p.indexes().is_empty());

    assert!(c.reflect_table(&unique("missing")).await?.is_none());
    // A reflected table compiles back to DDL MySQL accepts.
    let copy = Table::builder(copy_name);
    let copy = t
        .columns()
        .iter()
        .fold(copy, |b, col| b.column(col.clone()))
        .primary_key(["id"])
        .build();
    run(c, CreateTable(copy)).await?;
    Ok(())
}
