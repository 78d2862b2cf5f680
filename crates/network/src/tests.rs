//! Small hand-built networks whose answers can be checked by hand.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeZone, Utc};
use model::{DataClass, EntityKey, RecordId, Schema, SecurityLabels, Sensitivity, SourceRecord};

use crate::roles::{Role, RoleAssignment, RoleRules, infer_roles};
use crate::trace::{TraceOptions, trace};
use crate::{BuildOptions, LinkFilter, Network};

/// Builds records of one agency and feed; references name other records' keys.
struct World {
    records: Vec<SourceRecord>,
}

fn key(name: &str) -> EntityKey {
    EntityKey::new("test", "any", "test", &[name])
}

impl World {
    fn new() -> World {
        World {
            records: Vec::new(),
        }
    }

    fn add(&mut self, kind: &str, name: &str, properties: &[(&str, &str)]) -> &mut World {
        let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (property, value) in properties {
            let value = match value.strip_prefix('@') {
                Some(target) => key(target).to_hex(),
                None => value.to_string(),
            };
            values.entry(property.to_string()).or_default().push(value);
        }
        let provenance = model::Provenance {
            agency: "test".into(),
            feed: "feed".into(),
            source_record_id: name.into(),
            batch_id: model::BatchId::new("test", "feed", "x"),
            source_file: "f.csv".into(),
            line: 2,
            reported_at: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
        };
        let record = SourceRecord::new(
            kind,
            key(name),
            values,
            SecurityLabels::new(
                Sensitivity::LawEnforcement,
                Vec::new(),
                DataClass::InvestigativeCase,
                None,
                None,
                NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            )
            .unwrap(),
            provenance,
        );
        self.records.push(record);
        self
    }

    fn build(&self) -> Network {
        Network::build(
            self.records.clone(),
            &BTreeMap::<RecordId, String>::new(),
            Schema::builtin(),
            &BuildOptions::default(),
        )
    }
}

/// A supplier with three foreign parcels and a wholesale seizure of another product calls
/// a dealer's phone; a seizure from the dealer and an overdose share a chemical profile.
fn chain() -> World {
    let mut world = World::new();
    world
        .add("Person", "supplier", &[("name", "Sam Supplier")])
        .add("Person", "dealer", &[("name", "Dee Dealer")])
        .add("Phone", "phone-s", &[("number", "+14155550001")])
        .add("Phone", "phone-d", &[("number", "+14155550002")])
        .add(
            "Ownership",
            "own-s",
            &[("owner", "@supplier"), ("asset", "@phone-s")],
        )
        .add(
            "Ownership",
            "own-d",
            &[("owner", "@dealer"), ("asset", "@phone-d")],
        )
        .add(
            "Communication",
            "call-1",
            &[
                ("caller", "@phone-s"),
                ("receiver", "@phone-d"),
                ("datetime", "2024-01-02T10:00:00Z"),
            ],
        )
        .add(
            "Parcel",
            "parcel-1",
            &[
                ("tracking_number", "LX1CN"),
                ("date", "2024-01-01"),
                ("consignee", "@supplier"),
                ("origin_country", "cn"),
            ],
        )
        .add(
            "Parcel",
            "parcel-2",
            &[
                ("tracking_number", "LX2CN"),
                ("date", "2024-01-01"),
                ("consignee", "@supplier"),
                ("origin_country", "cn"),
            ],
        )
        .add(
            "Parcel",
            "parcel-3",
            &[
                ("tracking_number", "LX3CN"),
                ("date", "2024-01-01"),
                ("consignee", "@supplier"),
                ("origin_country", "cn"),
            ],
        )
        .add(
            "ProductFingerprint",
            "fp-seizure",
            &[("chemical_profile", "CP1")],
        )
        .add(
            "ProductFingerprint",
            "fp-overdose",
            &[("chemical_profile", "CP1")],
        )
        .add(
            "ProductFingerprint",
            "fp-other",
            &[("chemical_profile", "CP2")],
        )
        .add(
            "Seizure",
            "seizure-1",
            &[
                ("date", "2024-01-05"),
                ("drug", "fentanyl"),
                ("quantity_g", "12"),
                ("seized_from", "@dealer"),
                ("fingerprint", "@fp-seizure"),
                ("latitude", "34.0"),
                ("longitude", "-118.0"),
            ],
        )
        .add(
            "Seizure",
            "seizure-2",
            &[
                ("date", "2024-01-05"),
                ("drug", "fentanyl"),
                ("quantity_g", "5000"),
                ("seized_from", "@supplier"),
                ("fingerprint", "@fp-other"),
                ("latitude", "34.0"),
                ("longitude", "-118.0"),
            ],
        )
        .add(
            "OverdoseIncident",
            "od-1",
            &[
                ("datetime", "2024-01-09T00:00:00Z"),
                ("outcome", "fatal"),
                ("county_fips", "06037"),
                ("fingerprint", "@fp-overdose"),
                ("latitude", "34.01"),
                ("longitude", "-118.01"),
            ],
        );
    world
}

#[test]
fn identified_things_merge_and_links_keep_their_evidence() {
    let mut world = chain();
    // Another record of the same phone number becomes the same node.
    world.add("Phone", "phone-d-again", &[("number", "+14155550002")]);
    let network = world.build();
    let phone = network.node_by_id("Phone:+14155550002").unwrap();
    assert_eq!(network.node(phone).records.len(), 2);
    let supplier = network.find("test/feed/supplier").unwrap();
    let dealer = network.find("test/feed/dealer").unwrap();
    let path = graph::paths::shortest_path(
        &network.graph,
        supplier,
        dealer,
        graph::traversal::Cost::Hops,
    )
    .unwrap();
    let hops = network.hops(&path.nodes);
    assert_eq!(hops.len(), 3, "{hops:#?}");
    assert_eq!(hops[1].links[0].relation, "Communication");
    assert_eq!(hops[1].links[0].evidence[0].source_record_id, "call-1");
    assert_eq!(hops[1].links[0].direction, "forward");
    // The seizure and the overdose meet at one product feature.
    let product = network.node_by_id("Product:chem:cp1").unwrap();
    assert_eq!(network.links_at(product).len(), 2);
}

#[test]
fn neighbourhood_filters_by_relation() {
    let network = chain().build();
    let dealer = network.find("test/feed/dealer").unwrap();
    let all = network.neighbourhood(dealer, 1, &LinkFilter::default());
    assert_eq!(all.len(), 2, "phone and seizure");
    let only_seizures = network.neighbourhood(
        dealer,
        1,
        &LinkFilter {
            relations: vec!["Seizure".into()],
            agencies: Vec::new(),
        },
    );
    assert_eq!(only_seizures.len(), 1);
    assert_eq!(network.node(only_seizures[0].0).kind, "Seizure");
}

#[test]
fn time_window_leaves_out_dated_records() {
    let world = chain();
    let network = Network::build(
        world.records.clone(),
        &BTreeMap::new(),
        Schema::builtin(),
        &BuildOptions {
            since: Some(
                Utc.with_ymd_and_hms(2024, 1, 3, 0, 0, 0)
                    .unwrap()
                    .timestamp(),
            ),
            ..BuildOptions::default()
        },
    );
    // The call (2 Jan) and the three parcels (1 Jan) are out.
    assert_eq!(network.records_outside_window, 4);
    assert!(
        network
            .links
            .iter()
            .all(|link| link.relation != "Communication")
    );
}

/// The role assignment of the record `name`'s node.
fn role_of(network: &Network, roles: &[RoleAssignment], name: &str) -> RoleAssignment {
    let node = network.find(&format!("test/feed/{name}")).unwrap();
    roles.iter().find(|role| role.node == node).unwrap().clone()
}

#[test]
fn roles_come_with_reasons() {
    let network = chain().build();
    let roles = infer_roles(&network, &RoleRules::default());
    let of = |name: &str| role_of(&network, &roles, name);
    let supplier = of("supplier");
    assert_eq!(supplier.role, Some(Role::Importer));
    assert!(
        supplier.reasons[0].contains("3 parcels received from abroad (≥ 3)"),
        "{:?}",
        supplier.reasons
    );
    let dealer = of("dealer");
    assert_eq!(
        dealer.role,
        Some(Role::StreetDealer),
        "{:?}",
        dealer.reasons
    );
}

#[test]
fn trace_ranks_the_seizure_of_the_same_product_and_climbs_to_the_importer() {
    let network = chain().build();
    let roles = infer_roles(&network, &RoleRules::default());
    let overdose = network.find("test/feed/od-1").unwrap();
    let traced = trace(
        &network,
        overdose,
        &roles,
        &BTreeMap::new(),
        &TraceOptions::default(),
    )
    .unwrap();
    assert_eq!(
        traced.candidates.len(),
        1,
        "the other product does not match"
    );
    let first = &traced.candidates[0];
    assert_eq!(first.records[0].source_record_id, "seizure-1");
    assert_eq!(first.shared_features, ["Product:chem:cp1"]);
    let person = &first.people[0];
    assert_eq!(person.label, "Dee Dealer");
    assert_eq!(person.upstream[0].label, "Sam Supplier");
    assert_eq!(person.upstream[0].role, "importer");
    assert_eq!(person.upstream[0].hops.len(), 3);
}

#[test]
fn parcels_alone_make_no_role_without_drug_evidence_nearby() {
    let mut world = World::new();
    world.add("Person", "shopper", &[("name", "Sam Shopper")]);
    for parcel in 0..5 {
        let name = format!("order-{parcel}");
        let tracking = format!("LX{parcel}CN");
        world.add(
            "Parcel",
            &name,
            &[
                ("tracking_number", &tracking),
                ("date", "2024-01-01"),
                ("consignee", "@shopper"),
                ("origin_country", "cn"),
            ],
        );
    }
    let network = world.build();
    let roles = infer_roles(&network, &RoleRules::default());
    let shopper = network.find("test/feed/shopper").unwrap();
    let shopper = roles.iter().find(|role| role.node == shopper).unwrap();
    assert_eq!(shopper.role, None, "{:?}", shopper.reasons);
    assert!(shopper.scores[&Role::Importer] >= 1.0);
    assert!(
        shopper
            .reasons
            .iter()
            .any(|reason| reason.starts_with("no role"))
    );
}

/// An importer (a wholesale seizure) calls a boss, who calls a dealer (a retail seizure)
/// with six customers of his own.
fn hierarchy() -> World {
    let mut world = World::new();
    let people = [
        "importer", "boss", "dealer", "c1", "c2", "c3", "c4", "c5", "c6",
    ];
    for (index, person) in people.iter().enumerate() {
        let phone = format!("phone-{person}");
        let number = format!("+1415555{index:04}");
        world
            .add("Person", person, &[("name", person)])
            .add("Phone", &phone, &[("number", &number)])
            .add(
                "Ownership",
                &format!("own-{person}"),
                &[
                    ("owner", &format!("@{person}")),
                    ("asset", &format!("@{phone}")),
                ],
            );
    }
    let mut call = |from: &str, to: &str| {
        world.add(
            "Communication",
            &format!("call-{from}-{to}"),
            &[
                ("caller", &format!("@phone-{from}")),
                ("receiver", &format!("@phone-{to}")),
                ("datetime", "2024-01-02T10:00:00Z"),
            ],
        );
    };
    call("importer", "boss");
    call("boss", "dealer");
    for customer in ["c1", "c2", "c3", "c4", "c5", "c6"] {
        call("dealer", customer);
    }
    for (name, grams, from) in [
        ("wholesale", "5000", "importer"),
        ("retail", "12", "dealer"),
    ] {
        world.add(
            "Seizure",
            name,
            &[
                ("date", "2024-01-05"),
                ("drug", "fentanyl"),
                ("quantity_g", grams),
                ("seized_from", &format!("@{from}")),
            ],
        );
    }
    world
}

#[test]
fn key_players_rank_who_sits_between_supply_and_street_above_the_busy_dealer() {
    let network = hierarchy().build();
    let rules = RoleRules::default();
    let roles = infer_roles(&network, &rules);
    let scores = crate::rings::key_player_scores(&network, &roles, &rules, 2).unwrap();
    assert!(scores.supply_chain());
    assert_eq!((scores.supply_side, scores.street_side), (1, 1));
    assert!(scores.basis().contains("supply-chain betweenness"));
    let node = |name: &str| network.find(&format!("test/feed/{name}")).unwrap();
    let (boss, dealer) = (node("boss"), node("dealer"));
    assert!(
        scores.scores[&boss] > scores.scores[&dealer],
        "boss {} dealer {}",
        scores.scores[&boss],
        scores.scores[&dealer]
    );
    // Betweenness over all pairs puts the dealer, between his customers, first.
    let generic = graph::keyplayers::key_players(
        &network.actor_graph(),
        &graph::keyplayers::KeyPlayerParameters::default(),
    )
    .unwrap();
    assert_eq!(generic.players[0].node, dealer);

    // Both sides, but no path between them (a view that sees one side of each tie):
    // all pairs count.
    let mut cut = hierarchy();
    cut.records
        .retain(|record| record.provenance.source_record_id != "call-boss-dealer");
    let network = cut.build();
    let roles = infer_roles(&network, &rules);
    let scores = crate::rings::key_player_scores(&network, &roles, &rules, 1).unwrap();
    assert_eq!((scores.supply_side, scores.street_side), (1, 1));
    assert!(!scores.supply_chain());
    assert!(
        scores.basis().contains("no path joins"),
        "{}",
        scores.basis()
    );

    // Without supply-side evidence there is no chain to trace: all pairs count.
    let mut street_only = hierarchy();
    street_only
        .records
        .retain(|record| record.provenance.source_record_id != "wholesale");
    let network = street_only.build();
    let roles = infer_roles(&network, &rules);
    let scores = crate::rings::key_player_scores(&network, &roles, &rules, 1).unwrap();
    assert!(!scores.supply_chain());
    assert!(scores.basis().contains("no supply-side"));
    let dealer = network.find("test/feed/dealer").unwrap();
    let best = scores
        .scores
        .iter()
        .max_by(|left, right| left.1.total_cmp(right.1))
        .unwrap();
    assert_eq!(*best.0, dealer);
}

#[test]
fn a_dealers_customer_with_parcels_from_abroad_is_no_importer() {
    let mut world = hierarchy();
    for (person, count) in [("c1", 4), ("importer", 4)] {
        for parcel in 0..count {
            world.add(
                "Parcel",
                &format!("parcel-{person}-{parcel}"),
                &[
                    ("tracking_number", &format!("LX{person}{parcel}CN")),
                    ("date", "2024-01-01"),
                    ("consignee", &format!("@{person}")),
                    ("origin_country", "cn"),
                ],
            );
        }
    }
    let network = world.build();
    let roles = infer_roles(&network, &RoleRules::default());
    let of = |name: &str| role_of(&network, &roles, name);
    let customer = of("c1");
    assert!(customer.scores[&Role::Importer] >= 1.0);
    assert_ne!(
        customer.role,
        Some(Role::Importer),
        "{:?}",
        customer.reasons
    );
    assert!(
        customer
            .reasons
            .iter()
            .any(|reason| reason.starts_with("importer: not counted")),
        "{:?}",
        customer.reasons
    );
    let importer = of("importer");
    assert_eq!(
        importer.role,
        Some(Role::Importer),
        "{:?}",
        importer.reasons
    );
}
