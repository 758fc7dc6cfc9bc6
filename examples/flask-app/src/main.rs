//! The seed's "SQLAlchemy in Flask" application, laid out as a package, served by axum
//! with philtre-axum (Flask-SQLAlchemy's way: a session per request, removed at teardown).
//!
//! ```text
//! cargo run -p example-flask-app                          # SQLite file instance/flask-app.db, http://127.0.0.1:5000
//! DATABASE_URL=sqlite:////tmp/test.db cargo run -p example-flask-app
//! DATABASE_URL=postgresql://postgres@127.0.0.1/test cargo run -p example-flask-app
//! DATABASE_URL=mysql://root@127.0.0.1/test cargo run -p example-flask-app
//! PORT=8080 DATABASE_ECHO=1 cargo run -p example-flask-app   # another port, statements logged
//! cargo run -p example-flask-app -- --self-check          # serve on a free port, run the requests below, drop the table, exit
//! ```
//!
//! Only `DATABASE_URL` changes between backends. The modules are the seed's:
//! `database.rs` (engine, `DB_SESSION`, `Base`, `init_db`), `models.rs` (`User`), and
//! `app.rs` (the routes):
//!
//! ```text
//! curl -X POST localhost:5000/users -H 'content-type: application/json' -d '{"name":"admin","email":"admin@localhost"}'
//! curl 'localhost:5000/users?page=1&per_page=20'    # paginated JSON
//! curl localhost:5000/users/1                       # 404 when missing
//! curl -X PATCH localhost:5000/users/1 -H 'content-type: application/json' -d '{"email":"root@localhost"}'
//! curl -X DELETE localhost:5000/users/1
//! curl localhost:5000/users.html                    # a plain HTML list
//! ```

mod app;
mod database;
mod models;

use std::net::SocketAddr;

use philtre_axum::test_client::TestClient;
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = database::connect()?;
    database::init_db(&db).await?;
    let self_check = std::env::args().any(|a| a == "--self-check");
    let port: u16 = if self_check {
        0
    } else {
        std::env::var("PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(5000)
    };
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    let addr = listener.local_addr()?;
    println!("engine: {}", db.engine().url());
    let server = axum::serve(listener, app::app(&db));
    if !self_check {
        println!("serving on http://{addr}");
        server
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        return Ok(());
    }
    let task = tokio::spawn(async move { server.await });
    let outcome = self_check_requests(TestClient::new(addr)).await;
    task.abort();
    db.drop_all().await?; // so that the check can run again
    outcome
}

/// Creates, lists, shows, updates and deletes a user over HTTP, printing each step.
async fn self_check_requests(client: TestClient) -> Result<(), Box<dyn std::error::Error>> {
    let r = client
        .post_json(
            "/users",
            &json!({"name": "admin", "email": "admin@localhost"}),
        )
        .await?;
    println!("POST /users -> {} {}", r.status, r.text());
    let id = r.json()?["id"]
        .as_i64()
        .ok_or("no id in the created user")?;

    let r = client.get("/users?page=1&per_page=20").await?;
    let page = r.json()?;
    println!(
        "GET /users -> {} total={} pages={} names={}",
        r.status,
        page["total"],
        page["pages"],
        page["items"].as_array().map_or(0, Vec::len)
    );

    let r = client.get(&format!("/users/{id}")).await?;
    println!("GET /users/{{id}} -> {} {}", r.status, r.json()?["name"]);

    let r = client.get(&format!("/users/{}", id + 1000)).await?;
    println!("GET /users/{{missing}} -> {}", r.status);

    let r = client
        .patch_json(&format!("/users/{id}"), &json!({"email": "root@localhost"}))
        .await?;
    println!("PATCH /users/{{id}} -> {} {}", r.status, r.json()?["email"]);

    let r = client.get("/users.html").await?;
    let item = r
        .text()
        .lines()
        .find(|l| l.starts_with("<li>"))
        .unwrap_or("")
        .to_owned();
    println!("GET /users.html -> {} {item}", r.status);

    let r = client.delete(&format!("/users/{id}")).await?;
    println!("DELETE /users/{{id}} -> {}", r.status);
    let r = client.get(&format!("/users/{id}")).await?;
    println!("GET /users/{{id}} after delete -> {}", r.status);
    Ok(())
}
