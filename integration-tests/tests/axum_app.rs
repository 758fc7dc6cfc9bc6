//! The web layer (philtre-axum) over a real axum server on 127.0.0.1, on every backend:
//! CRUD, 404s, failed requests and clients that hang up mid-request leave nothing behind,
//! concurrent requests have their own sessions, and the pool is clean after many requests.

#[macro_use]
mod orm_support;
#[macro_use]
mod axum_support;

use std::sync::Arc;

use axum_support::{app_db, http, serve};
use orm_support::count_rows;
use philtre_integration_tests::backend_test;
use philtre_orm::prelude::*;

backend_test! {
    async fn crud_over_http(db) {
        test_app!();
        let app = app_db(&db)?;
        let users = db.users_table_on(app.engine()).await?;
        mapper::<User>(&users)?;
        let server = serve(router(&app)).await?;
        let c = server.client;

        // create
        for (name, email) in [("admin", "admin@localhost"), ("ann", "ann@example.org"), ("bob", "bob@example.org")] {
            let r = c.post_json("/users", &json!({"name": name, "email": email})).await.map_err(http)?;
            assert_eq!(r.status, 201, "{}", r.text());
            assert_eq!(r.json().map_err(http)?["name"], name);
        }
        assert_eq!(count_rows(app.engine(), &users).await?, 3);

        // a taken name is a 409, and nothing is added
        let r = c.post_json("/users", &json!({"name": "ann", "email": "other@example.org"})).await.map_err(http)?;
        assert_eq!(r.status, 409, "{}", r.text());
        assert_eq!(count_rows(app.engine(), &users).await?, 3);

        // list, paginated
        let r = c.get("/users?per_page=2").await.map_err(http)?;
        assert_eq!(r.status, 200);
        let page = r.json().map_err(http)?;
        assert_eq!(page["total"], 3);
        assert_eq!(page["pages"], 2);
        assert_eq!(page["has_next"], true);
        assert_eq!(page["next_num"], 2);
        assert_eq!(page["items"][0]["name"], "admin");
        assert_eq!(page["items"][1]["name"], "ann");
        assert_eq!(page["iter_pages"], json!([1, 2]));
        let page = c.get("/users?page=2&per_page=2").await.map_err(http)?.json().map_err(http)?;
        assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
        assert_eq!(page["items"][0]["name"], "bob");
        assert_eq!(page["has_prev"], true);
        assert_eq!(page["has_next"], false);

        let locked = c.get("/users-locked?per_page=2").await.map_err(http)?.json().map_err(http)?;
        assert_eq!(locked, json!({"total": 3, "pages": 2, "names": ["bob", "ann"]}));

        // show, by name (one_or_404), by e-mail domain (first_or_404)
        let admin_id = page["items"][0]["id"].as_i64().unwrap() - 2;
        let r = c.get(&format!("/users/{admin_id}")).await.map_err(http)?;
        assert_eq!(r.status, 200);
        assert_eq!(r.json().map_err(http)?["email"], "admin@localhost");
        let r = c.get("/by-name/bob").await.map_err(http)?;
        assert_eq!(r.json().map_err(http)?["email"], "bob@example.org");
        let r = c.get("/by-domain/example.org").await.map_err(http)?;
        assert_eq!(r.json().map_err(http)?["name"], "ann");

        // update
        let r = c.patch_json(&format!("/users/{admin_id}"), &json!({"email": "root@localhost"})).await.map_err(http)?;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json().map_err(http)?["email"], "root@localhost");
        let stored = engine_email(app.engine(), &users, admin_id).await?;
        assert_eq!(stored.as_deref(), Some("root@localhost"));

        // delete
        let r = c.delete(&format!("/users/{admin_id}")).await.map_err(http)?;
        assert_eq!(r.status, 204);
        assert_eq!(count_rows(app.engine(), &users).await?, 2);
        let r = c.get(&format!("/users/{admin_id}")).await.map_err(http)?;
        assert_eq!(r.status, 404);

        assert_eq!(app.engine().pool_status().checked_out(), 0);
        drop(server);
        app.dispose();
        Ok(())
    }
}

async fn engine_email(engine: &Engine, users: &Table, id: i64) -> philtre::Result<Option<String>> {
    engine
        .execute(select([users.c("email")]).where_(users.c("id").eq(id)))
        .await?
        .scalar_one::<Option<String>>()
}

backend_test! {
    async fn missing_rows_and_bad_pages_are_http_errors(db) {
        test_app!();
        let app = app_db(&db)?;
        let users = db.users_table_on(app.engine()).await?;
        mapper::<User>(&users)?;
        let server = serve(router(&app)).await?;
        let c = server.client;

        for (method, path) in [("GET", "/users/999"), ("PATCH", "/users/999"), ("DELETE", "/users/999"),
                               ("GET", "/by-name/nobody"), ("GET", "/by-domain/nowhere.org")] {
            let body = (method == "PATCH").then(|| json!({"name": "x"}));
            let r = c.request(method, path, body.as_ref()).await.map_err(http)?;
            assert_eq!(r.status, 404, "{method} {path}: {}", r.text());
            assert_eq!(r.header("content-type"), Some("application/json"));
            let body = r.json().map_err(http)?;
            assert_eq!(body["status"], 404);
            assert_eq!(body["error"], "User not found");
        }
        // an empty table has a page 1, but no page 2
        let r = c.get("/users").await.map_err(http)?;
        assert_eq!(r.status, 200);
        assert_eq!(r.json().map_err(http)?["total"], 0);
        assert_eq!(c.get("/users?page=2").await.map_err(http)?.status, 404);
        for bad in ["page=0", "page=-3", "page=two", "per_page=0", "per_page=1.5"] {
            let r = c.get(&format!("/users?{bad}")).await.map_err(http)?;
            assert_eq!(r.status, 400, "{bad}");
        }
        // one_or_404: two matches are a 404 too (Flask-SQLAlchemy's rule)
        let mut conn = app.engine().connect().await?;
        conn.execute(users.insert().values(values! {"name" => "twin", "email" => "a@t"})).await?;
        drop(conn);
        assert_eq!(c.get("/by-name/twin").await.map_err(http)?.status, 200);
        drop(server);
        app.dispose();
        Ok(())
    }
}

backend_test! {
    async fn a_request_that_fails_half_way_leaves_no_row(db) {
        test_app!();
        let app = app_db(&db)?;
        let users = db.users_table_on(app.engine()).await?;
        mapper::<User>(&users)?;
        let server = serve(router(&app)).await?;
        let c = server.client;

        // an error response after the INSERT ran: rolled back at teardown
        let r = c.request("POST", "/fail/error/ann", None).await.map_err(http)?;
        assert_eq!(r.status, 500);
        assert_eq!(r.json().map_err(http)?["error"], "internal server error");
        assert_eq!(count_rows(app.engine(), &users).await?, 0);
        assert_eq!(app.engine().pool_status().checked_out(), 0);

        // a panic after the INSERT ran: a 500 that does not leak the panic, rolled back
        let r = c.request("POST", "/fail/panic/bob", None).await.map_err(http)?;
        assert_eq!(r.status, 500);
        assert!(!r.text().contains("secret"), "the panic leaked: {}", r.text());
        assert_eq!(count_rows(app.engine(), &users).await?, 0);
        assert_eq!(app.engine().pool_status().checked_out(), 0);

        // the server and the pool are fine afterwards, and the same names can be used
        for name in ["ann", "bob"] {
            let r = c.post_json("/users", &json!({"name": name, "email": format!("{name}@ok")})).await.map_err(http)?;
            assert_eq!(r.status, 201, "{}", r.text());
        }
        assert_eq!(count_rows(app.engine(), &users).await?, 2);
        let r = c.get("/engine").await.map_err(http)?;
        let body = r.json().map_err(http)?;
        assert_eq!(body["users"], 2);
        // Only the request asking holds one; on SQLite not even it, since a session that
        // has only read holds no transaction, nor a connection between its statements.
        let held = if db.backend.is_sqlite() { 0 } else { 1 };
        assert_eq!(body["checked_out"], held, "only the request asking may hold one");
        assert_eq!(app.engine().pool_status().checked_out(), 0);
        drop(server);
        app.dispose();
        Ok(())
    }
}

backend_test! {
    async fn a_client_that_leaves_mid_request_leaves_no_row_and_no_checkout(db) {
        use tokio::io::AsyncWriteExt;
        test_app!();
        let app = app_db(&db)?;
        let users = db.users_table_on(app.engine()).await?;
        mapper::<User>(&users)?;
        let flushed = Arc::new(tokio::sync::Notify::new());
        let server = serve(router(&app).layer(axum::Extension(flushed.clone()))).await?;
        let wait = std::time::Duration::from_secs(10);

        // The handler has flushed its INSERT and waits forever; the client hangs up.
        let mut stream = tokio::net::TcpStream::connect(server.addr).await.map_err(http)?;
        stream
            .write_all(b"POST /hang/carl HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n")
            .await
            .map_err(http)?;
        tokio::time::timeout(wait, flushed.notified())
            .await
            .map_err(|_| philtre::Error::Config("the handler never flushed".into()))?;
        assert_eq!(app.engine().pool_status().checked_out(), 1);
        drop(stream);

        // The server drops the request's future: its session is rolled back and its
        // connection goes back to the pool.
        let start = std::time::Instant::now();
        while app.engine().pool_status().checked_out() != 0 {
            assert!(start.elapsed() < wait, "the connection was never returned: {:?}", app.engine().pool_status());
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert_eq!(count_rows(app.engine(), &users).await?, 0);

        // The pool and the same name are usable again.
        let c = server.client;
        let r = c.post_json("/users", &json!({"name": "carl", "email": "carl@ok"})).await.map_err(http)?;
        assert_eq!(r.status, 201, "{}", r.text());
        assert_eq!(count_rows(app.engine(), &users).await?, 1);
        drop(server);
        app.dispose();
        Ok(())
    }
}

backend_test! {
    async fn two_hundred_concurrent_requests_each_see_only_their_session(db) {
        test_app!();
        let app = app_db(&db)?;
        let users = db.users_table_on(app.engine()).await?;
        mapper::<User>(&users)?;
        const N: usize = 200;
        let barrier = Arc::new(tokio::sync::Barrier::new(N));
        let server = serve(router(&app).layer(axum::Extension(barrier))).await?;
        let c = server.client;

        let mut tasks = Vec::new();
        for i in 0..N {
            tasks.push(tokio::spawn(async move { c.get(&format!("/mine/m{i}")).await }));
        }
        for (i, t) in tasks.into_iter().enumerate() {
            let r = t.await.unwrap().map_err(http)?;
            assert_eq!(r.status, 200, "{}", r.text());
            // its own pending object, and no other request's
            assert_eq!(r.json().map_err(http)?["pending"], json!([format!("m{i}")]));
        }
        // nothing was committed
        assert_eq!(count_rows(app.engine(), &users).await?, 0);
        assert_eq!(app.engine().pool_status().checked_out(), 0);
        drop(server);
        app.dispose();
        Ok(())
    }
}

backend_test! {
    async fn the_pool_is_clean_after_two_thousand_requests(db) {
        test_app!();
        let app = app_db(&db)?;
        let users = db.users_table_on(app.engine()).await?;
        mapper::<User>(&users)?;
        let server = serve(router(&app)).await?;
        let c = server.client;

        // 8 clients, 250 requests each: writes that commit, reads, 404s, failures. Every
        // checkout of an in-memory engine is the same connection (SQLAlchemy's StaticPool),
        // so there two requests' transactions cannot be open at once: one client of 2,000.
        let clients = if db.backend == philtre_integration_tests::TestBackend::sqlite_memory { 1 } else { 8 };
        let per_client = 2000 / clients;
        let mut tasks = Vec::new();
        for w in 0..clients {
            tasks.push(tokio::spawn(async move {
                let mut statuses = Vec::new();
                for i in 0..per_client {
                    let r = match i % 5 {
                        0 => c.post_json("/users", &json!({"name": format!("u{w}_{i}"), "email": format!("u{w}_{i}@x")})).await,
                        1 => c.get("/users?per_page=5").await,
                        2 => c.get("/users/1000000").await,
                        3 => c.request("POST", &format!("/fail/error/f{w}_{i}"), None).await,
                        _ => c.get(&format!("/by-name/u{w}_0")).await,
                    };
                    statuses.push((i % 5, r?.status));
                }
                Ok::<_, std::io::Error>(statuses)
            }));
        }
        let mut n = 0;
        for t in tasks {
            for (kind, status) in t.await.unwrap().map_err(http)? {
                let want = [201, 200, 404, 500, 200][kind];
                assert_eq!(status, want, "request kind {kind}");
                n += 1;
            }
        }
        assert_eq!(n, 2000);
        assert_eq!(count_rows(app.engine(), &users).await?, 400);
        let status = app.engine().pool_status();
        assert_eq!(status.checked_out(), 0, "{status:?}");
        assert!(status.open <= status.pool_size, "{status:?}");
        assert!(status.open >= 1, "{status:?}");
        drop(server);
        app.dispose();
        Ok(())
    }
}

backend_test! {
    async fn a_request_records_its_queries_when_asked(db) {
        test_app!();
        let app = philtre_axum::Db::builder("test")
            .database_url(&db.url)
            .record_queries(true)
            .build()?;
        let users = db.users_table_on(app.engine()).await?;
        mapper::<User>(&users)?;
        let server = serve(router(&app)).await?;
        let r = server.client.get("/recorded/O'Brien").await.map_err(http)?;
        assert_eq!(r.status, 200, "{}", r.text());
        let body = r.json().map_err(http)?;
        assert_eq!(body["enabled"], true);
        assert_eq!(body["count"], 0);
        let queries = body["queries"].as_array().unwrap();
        assert_eq!(queries.len(), 1, "{queries:?}");
        let statement = queries[0]["statement"].as_str().unwrap();
        assert!(statement.contains(users.name()), "{statement}");
        // the value is bound, not spliced into the SQL
        assert!(!statement.contains("O'Brien"), "{statement}");
        assert_eq!(queries[0]["parameters"], json!(["'O\\'Brien'"]));
        drop(server);

        // off by default: nothing is recorded
        let quiet = axum_support::app_db(&db)?;
        db.users_table_on(quiet.engine()).await?; // a new in-memory engine is a new database
        let server = serve(router(&quiet)).await?;
        let body = server.client.get("/recorded/x").await.map_err(http)?.json().map_err(http)?;
        assert_eq!(body["enabled"], false);
        assert_eq!(body["queries"], json!([]));
        drop(server);
        app.dispose();
        quiet.dispose();
        Ok(())
    }
}

// A bind: a second database, and a declarative base tied to it.
declarative_base!(AuditBase);

#[derive(Model, Debug, Clone)]
#[model(base = AuditBase, table = "axum_audit_entries")]
struct AuditEntry {
    #[column(primary_key)]
    id: Option<i64>,
    #[column(length = 100)]
    message: Option<String>,
}

// SQLite files only: the audit table's name is fixed by the model, and a file of the
// test's own keeps it apart from every other run.
backend_test! {
    [sqlite]
    async fn a_base_tied_to_a_bind_lives_in_that_database(db) {
        user_model!();
        use axum::extract::Path;
        use axum::http::StatusCode;
        use axum::routing::{get, post};
        use philtre_axum::{Db, DbSession, HttpError};

        async fn audited(db: Db, session: DbSession, Path(name): Path<String>) -> Result<StatusCode, HttpError> {
            session.add(User::new(&name, &format!("{name}@x"))).await?;
            let audit = db.session_for("audit")?;
            audit.add(AuditEntry { id: None, message: Some(format!("created {name}")) }).await?;
            session.flush().await?;
            audit.flush().await?;
            if name == "fail" {
                return Err(HttpError::internal("failed after writing to both databases"));
            }
            session.commit().await?;
            audit.commit().await?;
            Ok(StatusCode::CREATED)
        }

        // AuditEntry::query() runs on the request's session of the audit bind
        async fn audit_count() -> Result<String, HttpError> {
            Ok(AuditEntry::query().count().await?.to_string())
        }

        let audit_path = std::env::temp_dir().join(format!("philtre-axum-audit-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&audit_path);
        let app = Db::builder("test")
            .database_url(&db.url)
            .bind("audit", format!("sqlite:///{}", audit_path.display()))
            .base_on::<AuditBase>("audit")
            .build()?;
        app.create_all().await?;
        let users = db.users_table_on(app.engine()).await?;
        mapper::<User>(&users)?;
        let audit_engine = app.engine_for("audit")?.clone();
        assert!(audit_engine.connect().await?.has_table("axum_audit_entries").await?);
        assert!(!app.engine().connect().await?.has_table("axum_audit_entries").await?);

        let router = axum::Router::new()
            .route("/audited/{name}", post(audited))
            .route("/audit", get(audit_count))
            .layer(app.layer());
        let server = serve(router).await?;
        let c = server.client;
        assert_eq!(c.request("POST", "/audited/ann", None).await.map_err(http)?.status, 201);
        assert_eq!(c.request("POST", "/audited/fail", None).await.map_err(http)?.status, 500);
        assert_eq!(c.get("/audit").await.map_err(http)?.text(), "1");

        let audit_rows = audit_engine.execute("select count(*) from axum_audit_entries").await?.scalar_one::<i64>()?;
        assert_eq!(audit_rows, 1, "the failed request's audit row was rolled back");
        assert_eq!(count_rows(app.engine(), &users).await?, 1);
        for key in ["default", "audit"] {
            assert_eq!(app.engine_for(key)?.pool_status().checked_out(), 0, "{key}");
        }
        assert!(matches!(app.session_for("nope"), Err(philtre::Error::Config(_))));
        drop(server);
        app.dispose();
        let _ = std::fs::remove_file(&audit_path);
        for ext in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", audit_path.display()));
        }
        Ok(())
    }
}
