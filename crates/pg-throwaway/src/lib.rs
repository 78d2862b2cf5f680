//! Throwaway PostgreSQL clusters for tests and benchmarks, started from the server binaries.
