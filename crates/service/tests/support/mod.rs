//! The small simulated world the façade's tests share: a simulated task force's feeds
//! ingested into a fresh SQLite store, the demo directory seeded (accounts, agreements,
//! most criminal intelligence validated), and the façade over it.
#![allow(dead_code)] // each test file uses some of it

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use model::Schema;
use service::demo::{DEMO_PASSWORD, seed_demo};
use service::{Actor, LogonRequest, Service, Settings};
use simulator::{Scale, SimulationConfig};
use store::Store;
use store_sqlite::SqliteStore;

pub struct World {
    pub folder: tempfile::TempDir,
    pub store: Arc<dyn Store>,
    pub service: Service,
}

impl World {
    /// Where the simulated feeds and their profiles are.
    pub fn feeds(&self) -> PathBuf {
        self.folder.path().join("world")
    }
}

/// One small world for every test of a file (simulating and ingesting it is the slow
/// part).
pub fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let folder = tempfile::tempdir().expect("temp folder");
        let world = folder.path().join("world");
        simulator::simulate(&SimulationConfig::new(3, Scale::Small), &world, &mut |_| {})
            .expect("simulating");
        let store: Arc<dyn Store> = Arc::new(
            SqliteStore::open(&folder.path().join("store.sqlite").display().to_string())
                .expect("opening the store"),
        );
        for job in ingest::discover(&world).expect("finding feeds") {
            for file in &job.files {
                ingest::ingest_file(
                    store.as_ref(),
                    &job.profile,
                    file,
                    &ingest::IngestOptions::new(chrono::Utc::now()),
                    &mut |_| {},
                )
                .expect("ingesting");
            }
        }
        seed_demo(store.as_ref()).expect("seeding the demo task force");
        let service = Service::open(
            store.clone(),
            Arc::new(Schema::builtin().clone()),
            Settings {
                require_second_factor: false,
                ..Settings::default()
            },
        )
        .expect("opening the service");
        World {
            folder,
            store,
            service,
        }
    })
}

/// A session of a demo user.
pub fn sign_on(user: &str) -> Actor {
    let service = &world().service;
    let granted = service
        .log_on(
            &LogonRequest {
                user: user.to_string(),
                password: DEMO_PASSWORD.to_string(),
                totp: None,
            },
            "test",
        )
        .unwrap_or_else(|error| panic!("{user} signs on: {error}"));
    service
        .session_actor(&granted.session, "test")
        .expect("session")
}
