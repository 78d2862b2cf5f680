//! The embedded storage backend: one SQLite file in WAL mode.
