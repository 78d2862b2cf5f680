//! `interdict graph … --db`, `graph roles`, `graph trace` and `eval network` end to end
//! on a small simulated world (simulate, ingest, resolve --db) in SQLite and in
//! PostgreSQL: paths whose hops carry evidence records that exist in the store,
//! filtered neighbourhoods, rings that gather one ring's members, and an overdose
//! traced to a seizure of its product. Each check runs on both backends; each backend's
//! world is built once and shared by its tests (the graph commands only read).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;
use store::Store;

use crate::{interdict, run_ok};

/// A resolved small world in a store, and the folder that holds the simulated feeds
/// (and, for SQLite, the store itself).
struct World {
    url: String,
    folder: tempfile::TempDir,
}

impl World {
    /// Simulates the small world into `folder`, ingests it into the store at `url`
    /// and resolves it there.
    fn build(url: String, folder: tempfile::TempDir) -> World {
        let world = folder.path().join("world");
        run_ok(
            interdict()
                .args(["simulate", "--scale", "small", "--seed", "3", "--out"])
                .arg(&world),
        );
        for arguments in [
            vec!["ingest", "--db", &url, world.to_str().unwrap()],
            vec!["resolve", "--db", &url],
        ] {
            run_ok(interdict().args(arguments).env_remove("INTERDICT_DB"));
        }
        World { url, folder }
    }

    fn world(&self) -> PathBuf {
        self.folder.path().join("world")
    }

    fn json(&self, arguments: &[&str]) -> Value {
        let output = run_ok(
            interdict()
                .args(arguments)
                .args(["--db", &self.url, "--json"])
                .env_remove("INTERDICT_DB"),
        );
        serde_json::from_slice(&output.stdout).expect("JSON output")
    }

    /// The store itself, opened directly rather than through the command line.
    fn store(&self) -> Box<dyn Store> {
        if self.url.starts_with("postgres://") || self.url.starts_with("postgresql://") {
            Box::new(store_postgres::PostgresStore::open(&self.url).unwrap())
        } else {
            Box::new(store_sqlite::SqliteStore::open(&self.url).unwrap())
        }
    }
}

/// The small world in its own SQLite store, built once for every test of this file.
fn sqlite_world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let folder = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", folder.path().join("store.sqlite").display());
        World::build(url, folder)
    })
}

/// The small world in a fresh database of the throwaway PostgreSQL cluster, built
/// once for every test of this file.
fn postgres_world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        World::build(
            pg_throwaway::fresh_database_url(),
            tempfile::tempdir().unwrap(),
        )
    })
}

/// Rows of a truth CSV as (header → value) maps.
fn truth_rows(world: &Path, file: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(world.join("truth").join(file)).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|row| {
            let row = row.unwrap();
            headers
                .iter()
                .zip(row.iter())
                .map(|(header, value)| (header.to_string(), value.to_string()))
                .collect()
        })
        .collect()
}

fn check_store_paths_carry_evidence_records_that_exist_in_the_store(world: &World) {
    let rings = world.json(&["graph", "communities"]);
    let members = rings["rings"][0]["members"].as_array().unwrap();
    assert!(members.len() >= 3, "{rings}");
    // Leiden communities are connected, so two members of one have a path.
    let from = members[0]["node"].as_str().unwrap();
    let to = members[members.len() - 1]["node"].as_str().unwrap();
    let result = world.json(&["graph", "path", "--from", from, "--to", to, "--k", "2"]);
    let paths = result["paths"].as_array().unwrap();
    assert!(!paths.is_empty(), "{result}");
    let store = world.store();
    for path in paths {
        let hops = path["hops"].as_array().unwrap();
        assert_eq!(hops.len() + 1, path["nodes"].as_array().unwrap().len());
        assert_eq!(hops[0]["from"], from);
        assert_eq!(hops[hops.len() - 1]["to"], to);
        for hop in hops {
            let links = hop["links"].as_array().unwrap();
            assert!(!links.is_empty(), "{hop}");
            for link in links {
                let evidence = link["evidence"].as_array().unwrap();
                assert!(!evidence.is_empty(), "{link}");
                for record in evidence {
                    let id = record["record_id"].as_str().unwrap().parse().unwrap();
                    let stored = store.record(id).unwrap().expect("evidence is stored");
                    assert_eq!(stored.provenance.agency, record["agency"].as_str().unwrap());
                    assert_eq!(
                        stored.provenance.source_record_id,
                        record["source_record_id"].as_str().unwrap()
                    );
                }
            }
        }
    }
    // Two paths are distinct and the first is no longer than the second.
    if paths.len() == 2 {
        assert!(paths[0]["cost"].as_f64() <= paths[1]["cost"].as_f64());
        assert_ne!(paths[0]["nodes"], paths[1]["nodes"]);
    }
}

fn check_neighbours_follow_only_the_asked_relations_agencies_and_window(world: &World) {
    let players = world.json(&["graph", "key-players", "--top", "1", "--removals", "0"]);
    let node = players["players"][0]["id"].as_str().unwrap().to_string();
    let all = world.json(&["graph", "neighbours", "--node", &node, "--depth", "2"]);
    let everything = all["neighbours"].as_array().unwrap();
    assert!(!everything.is_empty(), "{all}");
    let calls = world.json(&[
        "graph",
        "neighbours",
        "--node",
        &node,
        "--depth",
        "2",
        "--relation",
        "Communication",
        "--relation",
        "Ownership",
    ]);
    for neighbour in calls["neighbours"].as_array().unwrap() {
        let relation = neighbour["relation"].as_str().unwrap();
        assert!(
            ["Communication", "Ownership"].contains(&relation),
            "{neighbour}"
        );
    }
    assert!(calls["neighbours"].as_array().unwrap().len() <= everything.len());
    let sheriff = world.json(&[
        "graph",
        "neighbours",
        "--node",
        &node,
        "--depth",
        "3",
        "--agency",
        "sheriff",
    ]);
    for neighbour in sheriff["neighbours"].as_array().unwrap() {
        let agencies: BTreeSet<&str> = neighbour["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|record| record["agency"].as_str().unwrap())
            .collect();
        assert!(agencies.contains("sheriff"), "{neighbour}");
    }
    // A window leaves dated records out of the network.
    let early = world.json(&[
        "graph",
        "neighbours",
        "--node",
        &node,
        "--depth",
        "1",
        "--until",
        "2017-01-01",
    ]);
    assert!(
        early["network"]["records_outside_window"].as_u64().unwrap() > 1000,
        "{early}"
    );
}

fn check_communities_gather_ring_members_and_roles_have_reasons(world: &World) {
    let report = run_ok(
        interdict()
            .args(["eval", "network", "--json", "--db", &world.url, "--truth"])
            .arg(world.world())
            .env_remove("INTERDICT_DB"),
    );
    let report: Value = serde_json::from_slice(&report.stdout).unwrap();
    eprintln!("network quality on the small world: {report}");
    let rings = &report["rings"];
    assert_eq!(rings["rings"], 3, "{rings}");
    assert!(
        rings["normalized_mutual_information"].as_f64().unwrap() > 0.3,
        "{rings}"
    );
    for ring in rings["per_ring"].as_array().unwrap() {
        // The community that holds most of a ring is mostly that ring.
        let held = ring["in_community"].as_u64().unwrap();
        let actors = ring["community_actors"].as_u64().unwrap();
        assert!(held * 2 >= actors, "{ring}");
        assert!(held >= 5, "{ring}");
    }
    assert!(
        report["roles"]["accuracy"].as_f64().unwrap() > 0.45,
        "{report}"
    );
    assert!(
        report["trace"]["top_seizure_hit_rate"].as_f64().unwrap() > 0.8,
        "{report}"
    );

    let roles = world.json(&["graph", "roles", "--top", "500"]);
    for role in [
        "importer",
        "street_dealer",
        "money_handler",
        "supplier",
        "hub",
    ] {
        assert!(
            roles["counts"][role].as_u64().unwrap_or(0) > 0,
            "{role}: {}",
            roles["counts"]
        );
    }
    for actor in roles["actors"].as_array().unwrap() {
        let role = actor["role"].as_str().unwrap();
        let reasons = actor["reasons"].as_array().unwrap();
        assert!(
            reasons
                .iter()
                .any(|reason| reason.as_str().unwrap().starts_with(role)),
            "{actor}"
        );
    }
}

fn check_trace_of_a_cluster_overdose_ranks_a_seizure_of_its_product_first(world: &World) {
    let clusters = truth_rows(&world.world(), "overdose_clusters.csv");
    let fingerprints = truth_rows(&world.world(), "fingerprints.csv");
    let entities = truth_rows(&world.world(), "entities.csv");
    let overdose = &clusters[0];
    let reference = format!(
        "{}/{}/{}",
        overdose["agency"], overdose["feed"], overdose["source_record_id"]
    );
    let trace = world.json(&["graph", "trace", "--overdose", &reference]);
    let first = &trace["candidates"][0];
    assert_eq!(first["rank"], 1, "{trace}");
    let features: BTreeSet<&str> = trace["product_features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|feature| feature.as_str().unwrap())
        .collect();
    let shared = first["shared_features"].as_array().unwrap();
    assert!(!shared.is_empty(), "{first}");
    assert!(
        shared
            .iter()
            .all(|feature| features.contains(feature.as_str().unwrap()))
    );
    // The seizure belongs to the ring whose product caused the cluster.
    let ring = &fingerprints
        .iter()
        .find(|row| row["true_id"] == overdose["fingerprint_true_id"])
        .unwrap()["ring_id"];
    let seizure = &first["records"][0];
    let seizure_ring = &entities
        .iter()
        .find(|row| {
            row["agency"] == seizure["agency"].as_str().unwrap()
                && row["source_record_id"] == seizure["source_record_id"].as_str().unwrap()
        })
        .unwrap()["ring_id"];
    assert_eq!(seizure_ring, ring, "{first}");

    // The same world exports for Gephi and networkx.
    for (format, root) in [("graphml", "<graphml"), ("gexf", "<gexf")] {
        let out = world.folder.path().join(format!("network.{format}"));
        run_ok(
            interdict()
                .args([
                    "graph", "export", "--db", &world.url, "--format", format, "--scores", "--out",
                ])
                .arg(&out),
        );
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(text.contains(root) && text.contains("Person:"), "{format}");
    }
}

/// Two entities tied through a third: `graph common` names the third, with the
/// evidence tying each to it, and nothing the two do not both reach.
fn check_common_associates_are_reached_from_every_entity_with_evidence(world: &World) {
    let players = world.json(&["graph", "key-players", "--top", "1", "--removals", "0"]);
    let hub = players["players"][0]["id"].as_str().unwrap().to_string();
    let around = world.json(&["graph", "neighbours", "--node", &hub, "--depth", "1"]);
    let neighbours: Vec<String> = around["neighbours"]
        .as_array()
        .unwrap()
        .iter()
        .map(|neighbour| neighbour["id"].as_str().unwrap().to_string())
        .collect();
    assert!(neighbours.len() >= 2, "{around}");
    let (left, right) = (&neighbours[0], &neighbours[1]);
    let common = world.json(&[
        "graph", "common", "--node", left, "--node", right, "--depth", "1",
    ]);
    let associates = common["associates"].as_array().unwrap();
    assert!(
        associates
            .iter()
            .any(|associate| associate["id"] == hub.as_str()),
        "{hub} ties {left} and {right}: {common}"
    );
    let reach = |node: &str| -> BTreeSet<String> {
        world.json(&["graph", "neighbours", "--node", node, "--depth", "1"])["neighbours"]
            .as_array()
            .unwrap()
            .iter()
            .map(|neighbour| neighbour["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (from_left, from_right) = (reach(left), reach(right));
    for associate in associates {
        let id = associate["id"].as_str().unwrap();
        assert!(
            from_left.contains(id) && from_right.contains(id),
            "{associate}"
        );
        let ties = associate["ties"].as_array().unwrap();
        assert_eq!(ties.len(), 2, "{associate}");
        for tie in ties {
            assert!(!tie["evidence"].as_array().unwrap().is_empty(), "{tie}");
        }
    }
}

#[test]
fn store_paths_carry_evidence_records_that_exist_in_the_store_on_sqlite() {
    check_store_paths_carry_evidence_records_that_exist_in_the_store(sqlite_world());
}

#[test]
fn store_paths_carry_evidence_records_that_exist_in_the_store_on_postgres() {
    check_store_paths_carry_evidence_records_that_exist_in_the_store(postgres_world());
}

#[test]
fn neighbours_follow_only_the_asked_relations_agencies_and_window_on_sqlite() {
    check_neighbours_follow_only_the_asked_relations_agencies_and_window(sqlite_world());
}

#[test]
fn neighbours_follow_only_the_asked_relations_agencies_and_window_on_postgres() {
    check_neighbours_follow_only_the_asked_relations_agencies_and_window(postgres_world());
}

#[test]
fn communities_gather_ring_members_and_roles_have_reasons_on_sqlite() {
    check_communities_gather_ring_members_and_roles_have_reasons(sqlite_world());
}

#[test]
fn communities_gather_ring_members_and_roles_have_reasons_on_postgres() {
    check_communities_gather_ring_members_and_roles_have_reasons(postgres_world());
}

#[test]
fn trace_of_a_cluster_overdose_ranks_a_seizure_of_its_product_first_on_sqlite() {
    check_trace_of_a_cluster_overdose_ranks_a_seizure_of_its_product_first(sqlite_world());
}

#[test]
fn trace_of_a_cluster_overdose_ranks_a_seizure_of_its_product_first_on_postgres() {
    check_trace_of_a_cluster_overdose_ranks_a_seizure_of_its_product_first(postgres_world());
}

#[test]
fn common_associates_are_reached_from_every_entity_with_evidence_on_sqlite() {
    check_common_associates_are_reached_from_every_entity_with_evidence(sqlite_world());
}

#[test]
fn common_associates_are_reached_from_every_entity_with_evidence_on_postgres() {
    check_common_associates_are_reached_from_every_entity_with_evidence(postgres_world());
}
