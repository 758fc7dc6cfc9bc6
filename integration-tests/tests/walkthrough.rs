//! The seed's "SQL Abstraction Layer" walkthrough, on every backend.

use philtre::prelude::*;
use philtre_integration_tests::backend_test;

backend_test! {
    async fn seed_sql_abstraction_layer(db) {
        let declared = db.users_table().await?;
        let engine = &db.engine;

        // users = Table('users', metadata, autoload=True)
        let metadata = MetaData::new();
        let users = Table::autoload(declared.name(), &metadata, engine).await?;
        assert_eq!(users.columns().len(), 3);

        // con.execute(users.insert(), name='admin', email='admin@localhost'): committed at once
        let mut con = engine.connect().await?;
        let res = con
            .execute(users.insert().values(values! { "name" => "admin", "email" => "admin@localhost" }))
            .await?;
        assert_eq!(res.rows_affected(), 1);
        assert_eq!(res.inserted_primary_key(), Some(&[Value::Int(1)][..]));

        // seen from another connection: autocommit
        let row = users.select().where_(users.c("id").eq(1)).execute(engine).await?.first();
        let row = row.expect("the inserted row");
        assert_eq!(format!("{row:?}"), "(1, 'admin', 'admin@localhost')");
        assert_eq!(format!("{:?}", row["name"]), "'admin'");
        assert_eq!(row.get::<String>("email")?, "admin@localhost");

        // engine.execute('select * from users where id = :1', [1]).first()
        let sql = format!("select * from {} where id = :1", users.name());
        let row = engine.execute(text(sql).params(params![1])).await?.first();
        assert_eq!(format!("{:?}", row.expect("a row")), "(1, 'admin', 'admin@localhost')");
        Ok(())
    }
}
