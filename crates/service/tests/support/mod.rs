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
    pub service: Arc<Service>,
}

impl World {
    /// Where the simulated feeds and their profiles are.
    pub fn feeds(&self) -> PathBuf {
        self.folder.path().join("world")
    }
}

/// One small world for every test of a file (simulating and ingesting it is the slow
/// part): seed 3, no background jobs.
pub fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| build_world(3, false))
}

/// A world simulated from `seed` in SQLite, its façade running jobs if `jobs`.
pub fn build_world(seed: u64, jobs: bool) -> World {
    build_world_in(seed, jobs, |folder| {
        Arc::new(
            SqliteStore::open(&folder.join("store.sqlite").display().to_string())
                .expect("opening the store"),
        )
    })
}

/// A world simulated from `seed` in the store `open` gives (it is handed the world's
/// temporary folder).
pub fn build_world_in(
    seed: u64,
    jobs: bool,
    open: impl FnOnce(&std::path::Path) -> Arc<dyn Store>,
) -> World {
    let folder = tempfile::tempdir().expect("temp folder");
    let world = folder.path().join("world");
    simulator::simulate(
        &SimulationConfig::new(seed, Scale::Small),
        &world,
        &mut |_| {},
    )
    .expect("simulating");
    let store = open(folder.path());
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
    let service = Arc::new(open_service(store.clone(), false));
    if jobs {
        service.enable_jobs();
    }
    World {
        folder,
        store,
        service,
    }
}

/// The façade over `store` with the built-in schema, asking for a second factor if
/// `require_second_factor`.
pub fn open_service(store: Arc<dyn Store>, require_second_factor: bool) -> Service {
    Service::open(
        store,
        Arc::new(Schema::builtin().clone()),
        Settings {
            require_second_factor,
            ..Settings::default()
        },
    )
    .expect("opening the service")
}

/// Every record of the world's store, page by page.
pub fn all_records() -> Vec<model::SourceRecord> {
    let mut records = Vec::new();
    let mut after = None;
    loop {
        let page = world()
            .store
            .records(&store::RecordQuery {
                after,
                limit: 10_000,
                ..store::RecordQuery::default()
            })
            .expect("records");
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        records.extend(page);
    }
    records
}

/// A session of a demo user in the shared world.
pub fn sign_on(user: &str) -> Actor {
    sign_on_to(&world().service, user)
}

/// A session of a demo user on `service`.
pub fn sign_on_to(service: &Service, user: &str) -> Actor {
    session(
        service,
        &LogonRequest {
            user: user.to_string(),
            password: DEMO_PASSWORD.to_string(),
            totp: None,
        },
    )
}

/// The session `request` signs on to on `service`.
pub fn session(service: &Service, request: &LogonRequest) -> Actor {
    let granted = service
        .log_on(request, "test")
        .unwrap_or_else(|error| panic!("{} signs on: {error}", request.user));
    service
        .session_actor(&granted.session, "test")
        .expect("session")
}

/// A Person entity only DEA holds, found by `dea.analyst`, that `sheriff.investigator` is
/// pointed to when searching the last word of its label: (node, word).
pub fn dea_person_the_sheriff_is_pointed_to(service: &Service) -> (String, String) {
    let dea = sign_on_to(service, "dea.analyst");
    let sheriff = sign_on_to(service, "sheriff.investigator");
    let search = |actor: &Actor, q: &str, limit: usize| {
        service.search(
            actor,
            &service::SearchRequest {
                q: q.to_string(),
                limit: Some(limit),
                ..service::SearchRequest::default()
            },
        )
    };
    search(&dea, "ma", 500)
        .expect("search")
        .hits
        .into_iter()
        .filter(|hit| hit.kind == "Person" && hit.agencies == vec!["dea".to_string()])
        .find_map(|hit| {
            let word = hit.label.split_whitespace().last()?.to_lowercase();
            let pointed = search(&sheriff, &word, 50)
                .ok()?
                .pointers
                .iter()
                .any(|pointer| pointer.agency == "dea");
            pointed.then_some((hit.node, word))
        })
        .expect("a DEA person the Sheriff is pointed to")
}
