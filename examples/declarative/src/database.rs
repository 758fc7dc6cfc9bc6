//! The seed's `database.py`: the engine, the scoped session, `Base`, and `init_db`.

use std::sync::LazyLock;

use philtre_orm::prelude::*;

/// `db_session = scoped_session(sessionmaker(autocommit=False, autoflush=False, bind=engine))`:
/// a `static`, bound to the engine once the program knows its URL.
pub static DB_SESSION: LazyLock<ScopedSession> = LazyLock::new(ScopedSession::unbound);

declarative_base! {
    /// `Base = declarative_base()`: every `#[derive(Model)]` that sees this `Base` joins it.
    pub Base
}

/// Where `engine = create_engine(...)` points without `DATABASE_URL`: a SQLite file in the
/// current directory.
const DEFAULT_URL: &str = "sqlite:///philtre-declarative.db";

/// `engine = create_engine(...)` on `DATABASE_URL`, the session bound to it, and
/// `Base.query = db_session.query_property()`.
pub fn connect() -> philtre_orm::Result<Engine> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
    let engine = create_engine(&url)?;
    DB_SESSION.configure(sessionmaker(&engine).autocommit(false).autoflush(false));
    Base::set_session(&DB_SESSION);
    Ok(engine)
}

/// `init_db()`: `Base.metadata.create_all(bind=engine)`. The seed imports the models module
/// first so that they register; here every model linked into the program already has.
pub async fn init_db(engine: &Engine) -> philtre_orm::Result<()> {
    Base::metadata().create_all(engine).await
}
