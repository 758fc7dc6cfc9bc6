//! What the web-layer tests share: a real axum server on 127.0.0.1, and the test
//! application over the seed's `users` table (a macro, so each test has its own `User`
//! type, as `orm_support` does).

#![allow(unused_macros, dead_code)]

use std::net::SocketAddr;

use philtre_axum::test_client::TestClient;
use philtre_axum::Db;
use philtre_integration_tests::TestDb;

/// A running server; aborted when dropped.
pub struct Server {
    pub client: TestClient,
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `router` on a free port of 127.0.0.1.
pub async fn serve(router: axum::Router) -> philtre::Result<Server> {
    let io = |e: std::io::Error| philtre::Error::Config(format!("test server: {e}"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(io)?;
    let addr = listener.local_addr().map_err(io)?;
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(Server {
        client: TestClient::new(addr),
        addr,
        task,
    })
}

/// The application's `Db` on the test's database, with a small pool.
pub fn app_db(db: &TestDb) -> philtre::Result<Db> {
    Db::builder("test")
        .database_url(&db.url)
        .pool_size(3)
        .max_overflow(3)
        .build()
}

/// Maps a test client's I/O error into the suite's error type.
pub fn http(e: std::io::Error) -> philtre::Error {
    philtre::Error::Config(format!("HTTP request failed: {e}"))
}

/// The test application: `User` (from `user_model!`) and its routes, defined where
/// called; `router(&db)` builds it.
macro_rules! test_app {
    () => {
        user_model!();

        use axum::extract::{Extension, Path};
        use axum::http::StatusCode;
        use axum::routing::{get, post};
        use axum::{Json, Router};
        use philtre_axum::{
            first_or_404, get_or_404, one_or_404, paginate, paginate_session, Db, DbEngine, DbSession, HttpError,
            PageParams, QueryExt, RecordedQueries, SessionGuard,
        };
        use serde_json::{json, Value as JsonValue};

        fn user_json(u: &User) -> JsonValue {
            json!({"id": u.id, "name": u.name, "email": u.email})
        }

        fn field(body: &JsonValue, name: &str) -> Result<String, HttpError> {
            body[name]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| HttpError::bad_request(format!("{name} is required")))
        }

        async fn create(
            session: DbSession,
            Json(body): Json<JsonValue>,
        ) -> Result<(StatusCode, Json<JsonValue>), HttpError> {
            let u = session
                .add(User::new(&field(&body, "name")?, &field(&body, "email")?))
                .await?;
            session.commit().await?;
            let out = user_json(&u.read());
            Ok((StatusCode::CREATED, Json(out)))
        }

        async fn list(session: DbSession, page: PageParams) -> Result<Json<JsonValue>, HttpError> {
            let id = User::table()?.c("id");
            let p = paginate(&page, || session.query::<User>().order_by(id.clone())).await?;
            let pages: Vec<Option<u32>> = p.iter_pages_default().collect();
            let p = p.map(|u| user_json(&u.read()));
            let mut out = serde_json::to_value(&p).map_err(|e| HttpError::internal(e.to_string()))?;
            out["iter_pages"] = json!(pages);
            Ok(Json(out))
        }

        /// The same list through a locked `Session` (`SessionGuard`) and `paginate_session`.
        async fn list_locked(
            mut session: SessionGuard,
            page: PageParams,
        ) -> Result<Json<JsonValue>, HttpError> {
            let id = User::table()?.c("id");
            let p = paginate_session(&mut session, &page, |s| {
                s.query::<User>().order_by(id.clone().desc())
            })
            .await?;
            let names: Vec<String> = p.items.iter().map(|u| u.read().name.clone()).collect();
            Ok(Json(json!({"total": p.total, "pages": p.pages(), "names": names})))
        }

        async fn show(session: DbSession, Path(id): Path<i64>) -> Result<Json<JsonValue>, HttpError> {
            let u = get_or_404::<User>(&session, id).await?;
            let out = user_json(&u.read());
            Ok(Json(out))
        }

        async fn by_name(session: DbSession, Path(name): Path<String>) -> Result<Json<JsonValue>, HttpError> {
            let u = one_or_404(session.query::<User>().filter_by("name", name)).await?;
            let out = user_json(&u.read());
            Ok(Json(out))
        }

        async fn by_email_domain(
            mut session: SessionGuard,
            Path(domain): Path<String>,
        ) -> Result<Json<JsonValue>, HttpError> {
            let email = User::table()?.c("email");
            let u = first_or_404(
                session
                    .query::<User>()
                    .filter(email.like(format!("%@{domain}")))
                    .order_by(User::table()?.c("id")),
            )
            .await?;
            let out = user_json(&u.read());
            Ok(Json(out))
        }

        async fn update(
            session: DbSession,
            Path(id): Path<i64>,
            Json(body): Json<JsonValue>,
        ) -> Result<Json<JsonValue>, HttpError> {
            let u = session.query::<User>().get_or_404(id).await?;
            {
                let mut w = u.write();
                if let Some(name) = body["name"].as_str() {
                    w.name = name.to_owned();
                }
                if let Some(email) = body["email"].as_str() {
                    w.email = Some(email.to_owned());
                }
            }
            session.commit().await?;
            let out = user_json(&u.read());
            Ok(Json(out))
        }

        async fn remove(session: DbSession, Path(id): Path<i64>) -> Result<StatusCode, HttpError> {
            let u = get_or_404::<User>(&session, id).await?;
            session.delete(&u).await?;
            session.commit().await?;
            Ok(StatusCode::NO_CONTENT)
        }

        /// Inserts (flushed: the INSERT has run in the request's transaction), then fails.
        async fn fail_with_error(session: DbSession, Path(name): Path<String>) -> Result<StatusCode, HttpError> {
            session.add(User::new(&name, &format!("{name}@fail"))).await?;
            session.flush().await?;
            Err(HttpError::internal("the handler gave up half way"))
        }

        /// Inserts (flushed), says so, then never answers: the client gives up and leaves.
        async fn hang(
            session: DbSession,
            Extension(flushed): Extension<std::sync::Arc<tokio::sync::Notify>>,
            Path(name): Path<String>,
        ) -> Result<StatusCode, HttpError> {
            session.add(User::new(&name, &format!("{name}@hang"))).await?;
            session.flush().await?;
            flushed.notify_one();
            std::future::pending::<()>().await;
            Ok(StatusCode::OK)
        }

        /// Inserts (flushed), then panics.
        async fn fail_with_panic(session: DbSession, Path(name): Path<String>) -> StatusCode {
            session.add(User::new(&name, &format!("{name}@panic"))).await.unwrap();
            session.flush().await.unwrap();
            panic!("secret detail of {name}");
        }

        /// Adds a pending object, waits until every other request did too, then reports
        /// the pending objects its session holds.
        async fn mine(
            session: DbSession,
            Extension(barrier): Extension<std::sync::Arc<tokio::sync::Barrier>>,
            Path(marker): Path<String>,
        ) -> Result<Json<JsonValue>, HttpError> {
            session.add(User::new(&marker, &format!("{marker}@x"))).await?;
            tokio::time::timeout(std::time::Duration::from_secs(20), barrier.wait())
                .await
                .map_err(|_| HttpError::internal("not every request arrived"))?;
            let pending = session.session().await?.pending::<User>();
            let names: Vec<String> = pending.iter().map(|u| u.read().name.clone()).collect();
            Ok(Json(json!({ "pending": names })))
        }

        async fn recorded(
            session: DbSession,
            queries: RecordedQueries,
            Path(name): Path<String>,
        ) -> Result<Json<JsonValue>, HttpError> {
            let n = session.query::<User>().filter_by("name", name).count().await?;
            let list: Vec<JsonValue> = queries
                .queries()
                .iter()
                .map(|q| json!({
                    "statement": q.statement,
                    "parameters": q.parameters.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>(),
                    "micros": q.duration.as_micros() as u64,
                }))
                .collect();
            Ok(Json(json!({"count": n, "enabled": queries.enabled(), "queries": list})))
        }

        /// Queries through the request's session (which keeps its connection until the
        /// teardown), then reports the pool.
        async fn engine_status(
            session: DbSession,
            DbEngine(engine): DbEngine,
        ) -> Result<Json<JsonValue>, HttpError> {
            let n = session.query::<User>().count().await?;
            Ok(Json(json!({"users": n, "checked_out": engine.pool_status().checked_out()})))
        }

        fn router(db: &Db) -> Router {
            Router::new()
                .route("/users", get(list).post(create))
                .route("/users-locked", get(list_locked))
                .route("/users/{id}", get(show).patch(update).delete(remove))
                .route("/by-name/{name}", get(by_name))
                .route("/by-domain/{domain}", get(by_email_domain))
                .route("/fail/error/{name}", post(fail_with_error))
                .route("/fail/panic/{name}", post(fail_with_panic))
                .route("/hang/{name}", post(hang))
                .route("/mine/{marker}", get(mine))
                .route("/recorded/{name}", get(recorded))
                .route("/engine", get(engine_status))
                .layer(db.layer())
        }
    };
}
