//! The seed's `database.py`: the engine, the scoped session, `Base`, and `init_db` —
//! configured the Flask-SQLAlchemy way, from `DATABASE_URL`.

use std::sync::LazyLock;

use philtre_axum::Db;
use philtre_orm::prelude::*;
use philtre_orm::SessionConfig;

/// `db_session = scoped_session(sessionmaker(autocommit=False, autoflush=False, bind=engine))`:
/// a `static`, bound to the engine by [`connect`]. Inside a request it is that request's
/// session; the layer removes it when the request ends.
pub static DB_SESSION: LazyLock<ScopedSession> = LazyLock::new(ScopedSession::unbound);

declarative_base! {
    /// `Base = declarative_base()`: every `#[derive(Model)]` that sees this `Base` joins it.
    pub Base
}

/// `engine = create_engine(...)` and the rest of the seed's module, from the environment:
/// `DATABASE_URL` (default `sqlite:///instance/flask-app.db`, the `instance/` folder made
/// if missing), `DATABASE_ECHO=1` to log every statement. `Base.query =
/// db_session.query_property()` is `.base::<Base>()`.
pub fn connect() -> philtre_orm::Result<Db> {
    Db::from_env("flask-app")
        .scoped_session(&DB_SESSION)
        .session_options(SessionConfig {
            autoflush: false,
            ..SessionConfig::default()
        })
        .base::<Base>()
        .build()
}

/// `init_db()`: `Base.metadata.create_all(bind=engine)`. Every model linked into the
/// program has registered with `Base` already; the seed has to import them first.
pub async fn init_db(db: &Db) -> philtre_orm::Result<()> {
    db.create_all().await
}
