//! A flush sends the statements of one table and one column set together, compiled once:
//! each object still gets its own key and its own row check, and a failure anywhere in a
//! group writes nothing.

#[macro_use]
mod orm_support;

use orm_support::{count_rows, names_by_id};
use philtre::Error;
use philtre_integration_tests::backend_test;
use philtre_orm::prelude::*;

backend_test! {
    async fn groups_of_several_shapes_keep_order_keys_and_values(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let mut session = sessionmaker(&db.engine).expire_on_commit(false).session();
        // two column sets interleaved: a key given, and one the database generates
        let objs = session.add_all((0..9).map(|i| {
            let id = (i % 3 == 0).then_some(100 + i);
            let email = (i % 3 != 1).then(|| format!("u{i}@x"));
            User { id, name: format!("u{i}"), email }
        }))?;
        session.commit().await?;
        let ids: Vec<i64> = objs.iter().map(|o| o.read().id.unwrap_or(-1)).collect();
        for (i, id) in ids.iter().enumerate() {
            if i % 3 == 0 {
                assert_eq!(*id, 100 + i as i64);
            }
            let row = db.engine.execute(users.select().where_(users.c("id").eq(*id))).await?.one()?;
            assert_eq!(row.get::<String>("name")?, format!("u{i}"), "the key set back is the row's");
            let email: Option<String> = row.get("email")?;
            assert_eq!(email, (i % 3 != 1).then(|| format!("u{i}@x")));
        }
        let generated: Vec<i64> = ids.iter().enumerate().filter(|(i, _)| i % 3 != 0).map(|(_, id)| *id).collect();
        assert!(generated.windows(2).all(|w| w[0] < w[1]), "generated in the order added: {generated:?}");

        // updates of different column sets, and deletes, in one flush
        for (i, o) in objs.iter().enumerate() {
            match i % 3 {
                0 => o.write().name = format!("n{i}"),
                1 => o.write().email = Some(format!("e{i}@x")),
                _ => {
                    let mut u = o.write();
                    u.name = format!("n{i}");
                    u.email = None;
                }
            }
        }
        session.delete(&objs[7])?;
        session.delete(&objs[8])?;
        session.commit().await?;
        assert_eq!(count_rows(&db.engine, &users).await?, 7);
        for (i, id) in ids.iter().enumerate().take(7) {
            let row = db.engine.execute(users.select().where_(users.c("id").eq(*id))).await?.one()?;
            let (name, email): (String, Option<String>) = (row.get("name")?, row.get("email")?);
            match i % 3 {
                0 => assert_eq!((name, email), (format!("n{i}"), Some(format!("u{i}@x")))),
                1 => assert_eq!((name, email), (format!("u{i}"), Some(format!("e{i}@x")))),
                _ => assert_eq!((name, email), (format!("n{i}"), None)),
            }
        }
        Ok(())
    }
}

backend_test! {
    async fn a_stale_row_inside_a_group_writes_nothing(db) {
        user_model!();
        let users = db.users_table().await?;
        mapper::<User>(&users)?;
        let mut session = sessionmaker(&db.engine).expire_on_commit(false).session();
        let objs = session.add_all((0..5).map(|i| User::new(&format!("u{i}"), &format!("u{i}@x"))))?;
        session.commit().await?;
        // the middle row goes behind the session's back
        db.engine.execute(users.delete().where_(users.c("id").eq(3))).await?;
        for o in &objs {
            o.write().name.push('!');
        }
        let err = session.commit().await.unwrap_err();
        assert!(matches!(err, Error::Orm(OrmError::StaleData { found: 0, .. })), "{err}");
        assert!(err.to_string().contains("(3,)"), "names the stale key: {err}");
        session.rollback().await?;
        // no UPDATE of the group stayed, and the objects are back to their values
        assert_eq!(names_by_id(&db.engine, &users).await?, ["u0", "u1", "u3", "u4"]);
        assert!(objs.iter().enumerate().all(|(i, o)| o.read().name == format!("u{i}")));
        assert_eq!(count_rows(&db.engine, &users).await?, 4);
        Ok(())
    }
}
