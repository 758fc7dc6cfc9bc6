//! `session.query::<T>()`: every method, its errors, and the bulk update / delete.

#[macro_use]
mod orm_support;

use orm_support::count_rows;
use philtre::Error;
use philtre_integration_tests::backend_test;
use philtre_orm::prelude::*;

backend_test! {
    async fn every_query_method(db) {
        person_post_models!();
        let (users, _posts) = db.users_and_posts().await?;
        mapper::<Person>(&users)?;
        let mut session = sessionmaker(&db.engine).session();
        session.add_all([
            Person::new("ann", 31),
            Person::new("bob", 25),
            Person::new("cy", 40),
            Person::new("dee", 25),
            Person::new("eve", 19),
        ])?;
        session.commit().await?;
        let names = |objs: &[Obj<Person>]| objs.iter().map(|p| p.read().name.clone()).collect::<Vec<_>>();

        let all = session.query::<Person>().order_by(users.c("id")).all().await?;
        assert_eq!(names(&all), ["ann", "bob", "cy", "dee", "eve"]);
        let young = session
            .query::<Person>()
            .filter(users.c("age").lt(30))
            .order_by(users.c("name").desc())
            .all()
            .await?;
        assert_eq!(names(&young), ["eve", "dee", "bob"]);
        let page = session
            .query::<Person>()
            .order_by(users.c("name"))
            .limit(2)
            .offset(1)
            .all()
            .await?;
        assert_eq!(names(&page), ["bob", "cy"]);
        let twenty_five = session
            .query::<Person>()
            .filter_by("age", 25)
            .filter(users.c("name").like("d%"))
            .all()
            .await?;
        assert_eq!(names(&twenty_five), ["dee"]);

        // first
        let first = session.query::<Person>().order_by(users.c("age")).first().await?.unwrap();
        assert_eq!(first.read().name, "eve");
        assert!(session.query::<Person>().filter_by("name", "zed").first().await?.is_none());
        // one / one_or_none and their errors
        let cy = session.query::<Person>().filter_by("name", "cy").one().await?;
        assert_eq!(cy.read().age, Some(40));
        assert!(matches!(
            session.query::<Person>().filter_by("name", "zed").one().await,
            Err(Error::NoResultFound)
        ));
        assert!(matches!(
            session.query::<Person>().filter_by("age", 25).one().await,
            Err(Error::MultipleResultsFound)
        ));
        assert!(session.query::<Person>().filter_by("name", "zed").one_or_none().await?.is_none());
        assert!(session.query::<Person>().filter_by("name", "cy").one_or_none().await?.is_some());
        assert!(matches!(
            session.query::<Person>().one_or_none().await,
            Err(Error::MultipleResultsFound)
        ));
        // get, through the identity map
        let got = session.query::<Person>().get(3).await?.unwrap();
        assert!(Obj::ptr_eq(&got, &cy));
        assert!(session.query::<Person>().get(99).await?.is_none());
        assert!(matches!(session.get::<Person>((1, 2)).await, Err(Error::InvalidStatement(_))));
        // count / exists
        assert_eq!(session.query::<Person>().count().await?, 5);
        assert_eq!(session.query::<Person>().filter(users.c("age").eq(25)).count().await?, 2);
        assert_eq!(session.query::<Person>().order_by(users.c("id")).limit(3).count().await?, 3);
        assert!(session.query::<Person>().filter_by("name", "ann").exists().await?);
        assert!(!session.query::<Person>().filter_by("name", "zed").exists().await?);
        // an unknown column is reported when the query runs
        assert!(matches!(
            session.query::<Person>().filter_by("nope", 1).all().await,
            Err(Error::NoSuchColumn { .. })
        ));
        // values are bound, never spliced
        assert!(session.query::<Person>().filter_by("name", "x' OR '1'='1").first().await?.is_none());
        session.rollback().await?;
        Ok(())
    }
}

backend_test! {
    async fn bulk_update_and_delete(db) {
        person_post_models!();
        let (users, _posts) = db.users_and_posts().await?;
        mapper::<Person>(&users)?;
        let mut session = sessionmaker(&db.engine).session();
        let people = session.add_all([
            Person::new("ann", 31),
            Person::new("bob", 25),
            Person::new("cy", 40),
        ])?;
        session.flush().await?;

        // bulk update: the rows matched; objects among them see the new values on next load
        let n = session
            .query::<Person>()
            .filter(users.c("age").lt(35))
            .update([("age", users.c("age") + 1)])
            .await?;
        assert_eq!(n, 2);
        assert!(people[0].is_expired() && people[1].is_expired() && !people[2].is_expired());
        assert_eq!(people[0].read().age, Some(31), "not reloaded yet");
        session.query::<Person>().all().await?;
        assert_eq!(people[0].read().age, Some(32));
        assert_eq!(people[1].read().age, Some(26));

        // bulk delete: objects among the rows deleted become Deleted
        let n = session.query::<Person>().filter(users.c("age").gt(30)).delete().await?;
        assert_eq!(n, 2);
        assert_eq!(people[0].state(), ObjectState::Deleted);
        assert_eq!(people[2].state(), ObjectState::Deleted);
        assert_eq!(people[1].state(), ObjectState::Persistent);
        assert_eq!(session.query::<Person>().count().await?, 1);

        // limit/offset/order_by make no sense in a bulk statement
        assert!(matches!(
            session.query::<Person>().limit(1).delete().await,
            Err(Error::InvalidStatement(_))
        ));
        session.commit().await?;
        assert_eq!(people[0].state(), ObjectState::Detached);
        assert_eq!(count_rows(&db.engine, &users).await?, 1);
        Ok(())
    }
}

backend_test! {
    async fn from_statement_loads_through_the_identity_map(db) {
        person_post_models!();
        let (users, _posts) = db.users_and_posts().await?;
        mapper::<Person>(&users)?;
        let mut session = sessionmaker(&db.engine).session();
        session.add_all([Person::new("ann", 31), Person::new("bob", 25), Person::new("cy", 40)])?;
        session.commit().await?;
        let ann = session.query::<Person>().filter_by("name", "ann").one().await?;

        // A query's statement, prepared once with a named parameter and run per value.
        let older_than = session
            .query::<Person>()
            .filter(users.c("age").gt(bindparam("age")))
            .order_by(users.c("id"))
            .statement()
            .expect("Person is mapped")
            .prepare(db.engine.dialect())?;
        let found = session.query::<Person>().from_statement(older_than.bind("age", 30)).all().await?;
        let names: Vec<String> = found.iter().map(|p| p.read().name.clone()).collect();
        assert_eq!(names, ["ann", "cy"]);
        assert!(Obj::ptr_eq(&found[0], &ann), "the same row gives the same object");
        let none = session.query::<Person>().from_statement(older_than.bind("age", 99)).first().await?;
        assert!(none.is_none());

        // Raw SQL works too, and autoflush shows a pending object to it.
        session.add(Person::new("dee", 50))?;
        let sql = format!("SELECT id, name, age FROM {} WHERE age >= 40 ORDER BY id", users.name());
        let found = session.query::<Person>().from_statement(text(&sql)).all().await?;
        let names: Vec<String> = found.iter().map(|p| p.read().name.clone()).collect();
        assert_eq!(names, ["cy", "dee"]);
        assert!(matches!(
            session.query::<Person>().from_statement(text(&sql)).one().await,
            Err(Error::MultipleResultsFound)
        ));

        // Columns other than the mapping's, or in another order, are refused.
        let swapped = format!("SELECT name, id, age FROM {}", users.name());
        let refused = session.query::<Person>().from_statement(text(&swapped)).all().await;
        assert!(matches!(&refused, Err(Error::InvalidStatement(why)) if why.contains("Person")), "{refused:?}");
        let narrow = select([users.c("id"), users.c("name")]);
        let refused = session.query::<Person>().from_statement(narrow).all().await;
        assert!(matches!(refused, Err(Error::InvalidStatement(_))), "{refused:?}");
        // The session is still usable, and the objects are as the database has them.
        assert_eq!(session.query::<Person>().count().await?, 4);
        session.rollback().await?;
        Ok(())
    }
}
