//! [`SessionMaker`]: the session factory that carries the bind and the options.

use philtre::Engine;

use crate::session::{Session, SessionConfig};

/// Makes sessions bound to one engine with the same options:
/// `sessionmaker(&engine).autocommit(false).autoflush(false)`.
#[derive(Debug, Clone)]
#[must_use]
pub struct SessionMaker {
    engine: Engine,
    config: SessionConfig,
}

/// SQLAlchemy's `sessionmaker(bind=engine)`, with the default options
/// (`autocommit=false`, `autoflush=true`, `expire_on_commit=true`).
pub fn sessionmaker(engine: &Engine) -> SessionMaker {
    SessionMaker::builder(engine)
}

impl SessionMaker {
    /// The same as [`sessionmaker`]; set options with the methods below.
    pub fn builder(engine: &Engine) -> SessionMaker {
        SessionMaker {
            engine: engine.clone(),
            config: SessionConfig::default(),
        }
    }

    /// Every flush in a transaction of its own that commits; default `false`.
    pub fn autocommit(mut self, on: bool) -> Self {
        self.config.autocommit = on;
        self
    }

    /// Flush before queries; default `true` (the seed turns it off).
    pub fn autoflush(mut self, on: bool) -> Self {
        self.config.autoflush = on;
        self
    }

    /// Expire every object after a commit; default `true`.
    pub fn expire_on_commit(mut self, on: bool) -> Self {
        self.config.expire_on_commit = on;
        self
    }

    /// Another engine to bind the sessions to.
    pub fn bind(mut self, engine: &Engine) -> Self {
        self.engine = engine.clone();
        self
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn config(&self) -> SessionConfig {
        self.config
    }

    /// A new session. No connection is taken until it first needs the database.
    pub fn session(&self) -> Session {
        Session::with_config(&self.engine, self.config)
    }
}
