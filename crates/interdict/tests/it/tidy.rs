//! House rules as tests: every source file says what it is for, and dependencies point
//! the way ARCHITECTURE.md says they do.

use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/interdict sits two levels below the root")
        .to_path_buf()
}

fn rust_files(folder: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn every_rust_file_starts_with_a_module_doc() {
    let mut files = Vec::new();
    rust_files(&workspace_root().join("crates"), &mut files);
    assert!(files.len() > 30, "found only {} files", files.len());
    let undocumented: Vec<_> = files
        .iter()
        .filter(|path| !std::fs::read_to_string(path).unwrap().starts_with("//!"))
        .collect();
    assert!(
        undocumented.is_empty(),
        "files without a //! line: {undocumented:?}"
    );
}

/// The `[dependencies]` names of a crate's manifest (dev-dependencies excluded).
fn dependencies(krate: &str) -> Vec<String> {
    let manifest = workspace_root()
        .join("crates")
        .join(krate)
        .join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let mut in_dependencies = false;
    let mut names = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
        } else if in_dependencies
            && !line.starts_with('#')
            && let Some((name, _)) = line.split_once(['=', '.'])
        {
            names.push(name.trim().to_string());
        }
    }
    names
}

#[test]
fn dependencies_point_down() {
    let sql_clients = ["rusqlite", "postgres", "sqlx", "tokio-postgres"];
    // The manifest reader sees dependencies where they are.
    assert!(dependencies("store-sqlite").contains(&"rusqlite".to_string()));
    assert!(dependencies("interdict").contains(&"store-postgres".to_string()));
    let backends = ["store-sqlite", "store-postgres", "pg-throwaway"];
    // Engines: no IO, no storage, no backend.
    for engine in ["model", "resolution"] {
        let names = dependencies(engine);
        for forbidden in sql_clients
            .iter()
            .chain(&backends)
            .chain(&["store", "ingest"])
        {
            assert!(
                !names.iter().any(|name| name == forbidden),
                "{engine} depends on {forbidden}"
            );
        }
    }
    // Only the storage crates know SQL.
    for krate in ["store", "ingest", "simulator", "interdict"] {
        let names = dependencies(krate);
        for client in sql_clients {
            assert!(
                !names.iter().any(|name| name == client),
                "{krate} depends on {client}"
            );
        }
    }
    // Libraries never name a concrete backend; only the binary picks one from a URL.
    for library in ["model", "store", "ingest", "simulator", "resolution"] {
        let names = dependencies(library);
        for backend in backends {
            assert!(
                !names.iter().any(|name| name == backend),
                "{library} depends on {backend}"
            );
        }
    }
}
