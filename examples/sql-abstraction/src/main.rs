//! The seed's "SQL Abstraction Layer" walkthrough, step for step.
//!
//! ```text
//! cargo run -p example-sql-abstraction                       # embedded SQLite file (./philtre-walkthrough.db)
//! DATABASE_URL=sqlite:////tmp/test.db cargo run -p example-sql-abstraction
//! DATABASE_URL=postgresql://postgres@127.0.0.1/test cargo run -p example-sql-abstraction
//! DATABASE_URL=mysql://root@127.0.0.1/test cargo run -p example-sql-abstraction
//! ```
//!
//! The same program runs on each: only the URL changes. It creates `users` if it is missing,
//! loads it back from the database (autoload), inserts admin, queries it three ways, and
//! drops the table at the end so it can be run again.

use philtre::prelude::*;

#[tokio::main(flavor = "current_thread")]
async fn main() -> philtre::Result<()> {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "sqlite:///philtre-walkthrough.db".to_owned());

    // engine = create_engine('sqlite:////tmp/test.db')
    let engine = create_engine(&url)?;
    println!("engine: {}", engine.url());

    // The table, declared in code as in the other walkthroughs, then created.
    let declared = MetaData::new();
    Table::new(
        "users",
        &declared,
        [
            Column::new("id", Integer).primary_key(),
            Column::new("name", String(50)).unique(),
            Column::new("email", String(120)).unique(),
        ],
    );
    declared.create_all(&engine).await?;

    // metadata = MetaData(bind=engine); users = Table('users', metadata, autoload=True)
    let metadata = MetaData::new();
    let users = Table::autoload("users", &metadata, &engine).await?;
    println!(
        "autoloaded: {} ({} columns)",
        users.name(),
        users.columns().len()
    );

    // con = engine.connect(); con.execute(users.insert(), name='admin', email='admin@localhost')
    let mut con = engine.connect().await?;
    con.execute(
        users
            .insert()
            .values(values! { "name" => "admin", "email" => "admin@localhost" }),
    )
    .await?;
    // SQLAlchemy will automatically commit for us.

    // users.select(users.c.id == 1).execute().first()
    let row = users
        .select()
        .where_(users.c("id").eq(1))
        .execute(&engine)
        .await?
        .first();
    println!("{}", show(&row));

    // r = users.select(users.c.id == 1).execute().first(); r['name']
    if let Some(r) = &row {
        println!("{:?}", r["name"]);
    }

    // engine.execute('select * from users where id = :1', [1]).first()
    let row = engine
        .execute(text("select * from users where id = :1").params(params![1]))
        .await?
        .first();
    println!("{}", show(&row));

    // Beyond the page: a statement run in a loop is built and compiled once, with a
    // named parameter (SQLAlchemy's bindparam), and given its value at each run.
    let by_name = users
        .select()
        .where_(users.c("name").eq(bindparam("name")))
        .prepare(engine.dialect())?;
    for name in ["admin", "nobody"] {
        let row = engine.execute(by_name.bind("name", name)).await?.first();
        println!("{name}: {}", show(&row));
    }

    drop(con);
    declared.drop_all(&engine).await?;
    Ok(())
}

/// Prints like Python's REPL: the row, or `None`.
fn show(row: &Option<Row>) -> String {
    row.as_ref()
        .map_or_else(|| "None".to_owned(), |r| format!("{r:?}"))
}
