//! What the declarative tests share: a fresh schema from a base's metadata, and a test
//! macro that gives each backend its own base and models.
//!
//! Declarative tables have fixed names (`#[model(table = "...")]`), so each test names its
//! tables after itself (`decl_<test>_...`), drops leftovers of an interrupted run first,
//! and has the harness drop them afterwards.

#![allow(unused_macros, dead_code)]

use philtre::prelude::*;
use philtre_integration_tests::TestDb;

/// Creates every table of `metadata` from scratch; the harness drops them after the test.
pub async fn create_fresh(db: &TestDb, metadata: &MetaData) -> philtre::Result<()> {
    for table in metadata.tables() {
        db.track(table.name());
    }
    metadata.drop_all(&db.engine).await?;
    metadata.create_all(&db.engine).await
}

/// Like `backend_test!`, but the body is expanded once per backend, so the items it
/// declares are the backend's own: a `Base` holds its query session in a `static`, and a
/// plain `cargo test` runs every backend in one process.
macro_rules! per_backend_test {
    (async fn $name:ident($db:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            per_backend_test!(@each $db $body [sqlite, sqlite_memory, postgres, mysql]);
        }
    };
    (@each $db:ident $body:block [$($backend:ident),+]) => {$(
        mod $backend {
            #[allow(unused_imports)]
            use super::*;

            // Test code: a failed unwrap is a failed test.
            #[allow(clippy::unwrap_used)]
            async fn body($db: philtre_integration_tests::TestDb) -> philtre::Result<()> $body

            pub fn boxed(db: philtre_integration_tests::TestDb) -> philtre_integration_tests::TestFuture {
                Box::pin(body(db))
            }
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $backend() {
            philtre_integration_tests::run(
                philtre_integration_tests::TestBackend::$backend,
                module_path!(),
                $backend::boxed,
            )
            .await;
        }
    )+};
}
