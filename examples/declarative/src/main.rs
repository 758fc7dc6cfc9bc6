//! The seed's "Declarative" walkthrough, step for step.
//!
//! ```text
//! cargo run -p example-declarative                       # embedded SQLite file (./philtre-declarative.db)
//! DATABASE_URL=sqlite:////tmp/test.db cargo run -p example-declarative
//! DATABASE_URL=postgresql://postgres@127.0.0.1/test cargo run -p example-declarative
//! DATABASE_URL=mysql://root@127.0.0.1/test cargo run -p example-declarative
//! ```
//!
//! `database.rs` and `models.rs` are the seed's `database.py` and `models.py`. The program
//! creates the tables of every model, adds admin in one "request" (a session scope torn
//! down with `remove()`), queries it in another through `User::query()`, and drops the
//! tables so it can be run again.

mod database;
mod models;

use database::{connect, init_db, Base, DB_SESSION};
use models::User;
use philtre_orm::prelude::*;

#[tokio::main(flavor = "current_thread")]
async fn main() -> philtre_orm::Result<()> {
    let engine = connect()?;
    println!("engine: {}", engine.url());

    // >>> from yourapplication.database import init_db
    // >>> init_db()
    init_db(&engine).await?;

    // One request:
    // >>> u = User('admin', 'admin@localhost')
    // >>> db_session.add(u)
    // >>> db_session.commit()
    DB_SESSION
        .scope(async {
            let u = DB_SESSION
                .add(User::new("admin", "admin@localhost"))
                .await?;
            DB_SESSION.commit().await?;
            println!("added {u:?} with id {}", u.read().id.unwrap_or_default());
            // @app.teardown_appcontext: db_session.remove()
            DB_SESSION.remove().await
        })
        .await?;

    // Another request: querying is simple as well.
    DB_SESSION
        .scope(async {
            // >>> User.query.all()
            let all = User::query().all().await?;
            println!("{all:?}");
            // >>> User.query.filter(User.name == 'admin').first()
            let admin = User::query().filter(User::name.eq("admin")).first().await?;
            println!("{}", show(admin.as_ref()));
            DB_SESSION.remove().await
        })
        .await?;

    Base::metadata().drop_all(&engine).await?;
    Ok(())
}

/// Prints like Python's REPL: the object, or `None`.
fn show(obj: Option<&Obj<User>>) -> String {
    obj.map_or_else(|| "None".to_owned(), |o| format!("{o:?}"))
}
