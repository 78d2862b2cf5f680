//! The conformance suite every backend runs (see `conformance_tests!`).
