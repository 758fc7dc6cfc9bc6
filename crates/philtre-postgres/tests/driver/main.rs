//! philtre-postgres against a real server (`PHILTRE_TEST_POSTGRES_URL`, default
//! `postgresql://postgres@127.0.0.1:5432/test`). Every test makes its own uniquely named
//! tables and drops them at the end.
#![allow(clippy::unwrap_used)]

mod common;
mod errors;
mod lifecycle;
mod reflect;
mod values;
