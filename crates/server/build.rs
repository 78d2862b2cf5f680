//! Rebuilds the crate when a file of the embedded web UI changes, is added or removed.

fn main() {
    println!("cargo:rerun-if-changed=ui");
    println!("cargo:rerun-if-changed=openapi.json");
}
