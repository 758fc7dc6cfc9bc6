//! The subjects: each library's implementation of [`Subject`](crate::subject::Subject).
//!
//! Every module exposes `pub async fn connect(target: &Target, pool_size: usize)
//! -> BenchResult<Box<dyn Subject>>`. SQLite connections of every subject use the same
//! settings: WAL journal, `foreign_keys=ON`, default `synchronous`, a 5 s busy timeout.

#[cfg(feature = "peers")]
pub mod diesel;
pub mod philtre_core;
pub mod philtre_orm;
pub mod raw;
#[cfg(feature = "peers")]
pub mod sea_orm;
#[cfg(feature = "peers")]
pub mod sqlx;

use crate::subject::{BenchResult, Subject};
use crate::target::Target;

/// Every subject's name, in report order.
#[cfg(feature = "peers")]
pub const NAMES: &[&str] = &[
    "raw",
    "philtre-core",
    "philtre-orm",
    "sqlx",
    "sea-orm",
    "diesel",
];
#[cfg(not(feature = "peers"))]
pub const NAMES: &[&str] = &["raw", "philtre-core", "philtre-orm"];

/// Opens the named subject against `target` with a pool of `pool_size` connections.
pub async fn connect(
    name: &str,
    target: &Target,
    pool_size: usize,
) -> BenchResult<Box<dyn Subject>> {
    match name {
        "raw" => raw::connect(target, pool_size).await,
        "philtre-core" => philtre_core::connect(target, pool_size).await,
        "philtre-orm" => philtre_orm::connect(target, pool_size).await,
        #[cfg(feature = "peers")]
        "sqlx" => sqlx::connect(target, pool_size).await,
        #[cfg(feature = "peers")]
        "sea-orm" => sea_orm::connect(target, pool_size).await,
        #[cfg(feature = "peers")]
        "diesel" => diesel::connect(target, pool_size).await,
        other => Err(format!("unknown subject {other}").into()),
    }
}

/// The medium select's values: hair colour, minimum id, minimum post count; then LIMIT 10
/// OFFSET 5 (bound or literal, as the library writes them).
pub const MEDIUM: (&str, i64, i64) = ("red", 10, 0);
pub const MEDIUM_LIMIT: u64 = 10;
pub const MEDIUM_OFFSET: u64 = 5;
