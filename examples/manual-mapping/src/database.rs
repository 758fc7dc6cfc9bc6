//! The seed's `database.py`: the engine, the metadata, the scoped session, `init_db`.

use std::sync::LazyLock;

use philtre_orm::prelude::*;

/// `db_session = scoped_session(sessionmaker(autocommit=False, autoflush=False, bind=engine))`:
/// a `static`, bound to the engine once the program knows its URL.
pub static DB_SESSION: LazyLock<ScopedSession> = LazyLock::new(ScopedSession::unbound);

/// `engine = create_engine(...)`, `metadata = MetaData()`, and the session bound to them.
pub fn connect(url: &str) -> philtre_orm::Result<(Engine, MetaData)> {
    let engine = create_engine(url)?;
    DB_SESSION.configure(sessionmaker(&engine).autocommit(false).autoflush(false));
    Ok((engine, MetaData::new()))
}

/// `init_db()`: `metadata.create_all(bind=engine)`.
pub async fn init_db(engine: &Engine, metadata: &MetaData) -> philtre_orm::Result<()> {
    metadata.create_all(engine).await
}
