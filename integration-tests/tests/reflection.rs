//! Tables loaded from the live database.

use philtre::prelude::*;
use philtre::{ReferentialAction, SqlType};
use philtre_integration_tests::backend_test;

backend_test! {
    async fn reflected_table_matches_the_declared_one(db) {
        let md = &db.metadata;
        let parent = Table::new(db.name("owners"), md, [
            Column::new("id", Integer).primary_key(),
            Column::new("email", String(120)).unique().not_null(),
        ]);
        let declared = Table::builder(db.name("pets"))
            .column(Column::new("id", Integer).primary_key())
            .column(Column::new("name", String(50)).not_null().index())
            .column(Column::new("age", Integer).server_default(1))
            .column(
                Column::new("owner_id", Integer)
                    .foreign_key(&format!("{}.id", parent.name()))
                    .on_delete(ReferentialAction::Cascade),
            )
            .column(Column::new("born", Date))
            .unique(["name", "owner_id"])
            .register(md);
        md.create_all(&db.engine).await?;

        let loaded = MetaData::new();
        let pets = Table::autoload(declared.name(), &loaded, &db.engine).await?;
        let names: Vec<&str> = pets.columns().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["id", "name", "age", "owner_id", "born"]);
        assert_eq!(pets.primary_key(), ["id"]);
        let col = |n: &str| pets.column(n).expect("column exists").clone();
        assert_eq!(col("id").ty, SqlType::Integer);
        assert_eq!(col("name").ty, SqlType::String(Some(50)));
        assert_eq!(col("born").ty, SqlType::Date);
        assert!(!col("name").is_nullable());
        assert!(col("age").is_nullable());
        assert!(col("age").server_default.is_some());
        assert!(pets.autoincrement_column().is_some());
        assert!(pets.uniques().iter().any(|u| u.columns == ["name", "owner_id"]), "{:?}", pets.uniques());
        let fk = &pets.foreign_keys()[0];
        assert_eq!((fk.columns.as_slice(), fk.ref_table.as_str()), (&["owner_id".to_owned()][..], parent.name()));
        assert_eq!(fk.ref_columns, ["id"]);
        assert_eq!(fk.on_delete, Some(ReferentialAction::Cascade));
        assert!(pets.indexes().iter().any(|i| i.columns == ["name"] && !i.unique), "{:?}", pets.indexes());
        assert!(loaded.contains(declared.name()));

        // the reflected table works in statements
        db.engine.execute(parent.insert().value("email", "o@x")).await?;
        db.engine.execute(pets.insert().values(values! { "name" => "rex", "owner_id" => 1 })).await?;
        let row = db.engine.execute(pets.select().where_(pets.c("name").eq("rex"))).await?.one()?;
        assert_eq!(row.get::<i64>("age")?, 1);
        let q = select([pets.c("name")]).join(&Table::autoload(parent.name(), &loaded, &db.engine).await?);
        assert_eq!(db.engine.execute(q).await?.scalars::<String>()?, ["rex"]);
        Ok(())
    }
}

backend_test! {
    async fn metadata_reflect_and_inspector(db) {
        let users = db.users_table().await?;
        let mut inspector = db.engine.inspect().await?;
        assert!(inspector.table_names().await?.contains(&users.name().to_owned()));
        assert!(inspector.has_table(users.name()).await?);
        assert!(!inspector.has_table("surely_not_here_x").await?);
        let t = inspector.table(users.name()).await?;
        assert_eq!(t.uniques().len(), 2);

        let everything = MetaData::new();
        let names = everything.reflect(&db.engine).await?;
        assert!(names.contains(&users.name().to_owned()));
        assert!(everything.table(users.name()).is_some());
        Ok(())
    }
}
