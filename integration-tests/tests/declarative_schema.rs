//! Declarative schemas: a base's metadata sees every model, and the tables the database
//! reflects back are the ones the attributes declared.

mod declarative_support;

use chrono::{NaiveDate, NaiveDateTime};
use declarative_support::create_fresh;
use philtre::{ReferentialAction, SqlType};
use philtre_integration_tests::backend_test;
use philtre_orm::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

backend_test! {
    async fn base_metadata_holds_every_model(db) {
        declarative_base!(Base);
        declarative_base!(OtherBase);

        // Declared children first: the metadata still creates parents first.
        #[derive(Model, Debug)]
        #[model(table = "decl_meta_comments")]
        struct Comment {
            #[column(primary_key)]
            id: Option<i64>,
            #[column(foreign_key = Post)]
            post_id: i64,
        }

        #[derive(Model, Debug)]
        #[model(table = "decl_meta_posts")]
        struct Post {
            #[column(primary_key)]
            id: Option<i64>,
            #[column(foreign_key = "decl_meta_users.id")]
            user_id: Option<i64>,
        }

        #[derive(Model, Debug)]
        #[model(table = "decl_meta_users")]
        struct User {
            #[column(primary_key)]
            id: Option<i64>,
        }

        #[derive(Model, Debug)]
        #[model(base = OtherBase, table = "decl_meta_elsewhere")]
        struct Elsewhere {
            #[column(primary_key)]
            id: Option<i64>,
        }

        let names = |md: &MetaData| -> Vec<String> {
            md.sorted_tables().iter().map(|t| t.name().to_owned()).collect()
        };
        assert_eq!(
            names(Base::metadata()),
            ["decl_meta_users", "decl_meta_posts", "decl_meta_comments"]
        );
        assert_eq!(names(OtherBase::metadata()), ["decl_meta_elsewhere"]);
        // The metadata holds the models' own tables, not copies.
        let users = Base::metadata().table("decl_meta_users").unwrap();
        assert!(users.same_as(User::table_ref()));
        assert_eq!(Comment::TABLE_NAME, "decl_meta_comments");

        create_fresh(&db, Base::metadata()).await?;
        let mut inspector = db.engine.inspect().await?;
        for name in names(Base::metadata()) {
            assert!(inspector.has_table(&name).await?, "{name} was created");
        }
        assert!(!inspector.has_table("decl_meta_elsewhere").await?);
        let comments = inspector.table("decl_meta_comments").await?;
        assert_eq!(comments.foreign_keys()[0].ref_table, "decl_meta_posts");
        assert_eq!(comments.foreign_keys()[0].ref_columns, ["id"]);

        Base::metadata().drop_all(&db.engine).await?;
        assert!(!inspector.has_table("decl_meta_users").await?);
        Ok(())
    }
}

backend_test! {
    async fn reflected_schema_matches_the_declaration(db) {
        declarative_base!(Base);

        #[derive(Model, Debug, Clone)]
        #[model(table = "decl_refl_owners")]
        struct Owner {
            #[column(primary_key)]
            id: Option<i64>,
            #[column(length = 120, unique)]
            email: String,
        }

        #[derive(Model, Debug, Clone)]
        #[model(table = "decl_refl_pets", unique(name, owner), index(born, weight))]
        struct Pet {
            #[column(primary_key)]
            id: Option<i32>,
            #[column(length = 50, index)]
            name: String,
            nickname: Option<String>,
            #[column(server_default = 1)]
            age: Option<i16>,
            #[column(name = "owner_id", foreign_key = Owner, on_delete = "cascade")]
            owner: i64,
            born: Option<NaiveDate>,
            #[column(precision = 8, scale = 2)]
            weight: Option<Decimal>,
            vaccinated: bool,
            #[column(default = "brown")]
            color: Option<String>,
            photo: Option<Vec<u8>>,
            tag: Option<Uuid>,
            seen_at: Option<NaiveDateTime>,
            score: Option<f64>,
            extra: Option<serde_json::Value>,
        }

        create_fresh(&db, Base::metadata()).await?;
        let pets = db.engine.inspect().await?.table("decl_refl_pets").await?;
        let declared = Pet::table_ref();

        let names: Vec<&str> = pets.columns().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, Pet::COLUMNS);
        assert_eq!(names[4], "owner_id", "the renamed column");
        for col in declared.columns() {
            let found = pets.column(&col.name).unwrap();
            assert_eq!(found.ty, col.ty, "type of {}", col.name);
            assert_eq!(found.is_nullable(), col.is_nullable(), "nullability of {}", col.name);
        }
        let nullable = |n: &str| pets.column(n).unwrap().is_nullable();
        assert!(!nullable("id") && !nullable("name") && !nullable("owner_id") && !nullable("vaccinated"));
        assert!(nullable("nickname") && nullable("age") && nullable("extra"));
        assert_eq!(declared.column("nickname").unwrap().ty, SqlType::Text);
        assert_eq!(declared.column("weight").unwrap().ty, SqlType::Numeric(Some((8, 2))));

        assert_eq!(pets.primary_key(), ["id"]);
        assert!(pets.autoincrement_column().is_some());
        assert!(pets.column("age").unwrap().server_default.is_some());
        assert!(pets.uniques().iter().any(|u| u.columns == ["name", "owner_id"]), "{:?}", pets.uniques());
        assert!(pets.indexes().iter().any(|i| i.columns == ["name"] && !i.unique), "{:?}", pets.indexes());
        assert!(pets.indexes().iter().any(|i| i.columns == ["born", "weight"]), "{:?}", pets.indexes());
        let fk = &pets.foreign_keys()[0];
        assert_eq!(fk.columns, ["owner_id"]);
        assert_eq!((fk.ref_table.as_str(), fk.ref_columns.as_slice()), ("decl_refl_owners", &["id".to_owned()][..]));
        assert_eq!(fk.on_delete, Some(ReferentialAction::Cascade));

        let owners = db.engine.inspect().await?.table("decl_refl_owners").await?;
        assert!(owners.uniques().iter().any(|u| u.columns == ["email"]), "{:?}", owners.uniques());
        assert_eq!(owners.column("email").unwrap().ty, SqlType::String(Some(120)));

        // Defaults fill what an insert leaves out, and the object reads them back.
        let mut session = sessionmaker(&db.engine).session();
        let owner = session.add(Owner { id: None, email: "o@x".into() })?;
        session.flush().await?;
        let pet = session.add(Pet {
            id: None, name: "rex".into(), nickname: None, age: None,
            owner: owner.read().id.unwrap(), born: NaiveDate::from_ymd_opt(2020, 2, 29),
            weight: Some(Decimal::new(1234, 2)), vaccinated: true, color: None, photo: Some(vec![0, 1, 255]),
            tag: Some(Uuid::from_u128(42)), seen_at: None, score: Some(0.5),
            extra: Some(serde_json::json!({"a": [1, 2]})),
        })?;
        session.commit().await?;
        {
            let p = pet.read();
            assert_eq!((p.age, p.color.as_deref()), (Some(1), Some("brown")));
        }
        let mut fresh = sessionmaker(&db.engine).session();
        let pet_id = pet.read().id.unwrap();
        let loaded = fresh.get::<Pet>(pet_id).await?.unwrap();
        let p = loaded.read().clone();
        assert_eq!(p.weight, Some(Decimal::new(1234, 2)));
        assert_eq!(p.photo.as_deref(), Some(&[0u8, 1, 255][..]));
        assert_eq!(p.tag, Some(Uuid::from_u128(42)));
        assert_eq!(p.extra, Some(serde_json::json!({"a": [1, 2]})));
        assert_eq!(p.born, NaiveDate::from_ymd_opt(2020, 2, 29));
        assert!(p.vaccinated);
        session.close().await?;
        fresh.close().await
    }
}
