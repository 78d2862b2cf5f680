//! The server storage backend: PostgreSQL 15.
