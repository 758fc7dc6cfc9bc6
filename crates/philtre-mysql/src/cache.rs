//! The connection's prepared statements by SQL text.
//!
//! philtre keeps them itself, with mysql_async's own cache turned off: asking mysql_async
//! for a statement by text parses the text for named parameters on every call, hit or
//! miss, which cost more than the rest of a primary-key lookup on the client. What the
//! cache pushes out, the caller closes on the server.

/// Prepared statements by SQL text; the least recently used one makes room for a new one.
pub(crate) type StatementCache =
    philtre_core::statement_cache::StatementCache<mysql_async::Statement>;
