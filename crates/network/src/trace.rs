//! Overdose → supplier trace: from one overdose incident, rank the seizures that may
//! share its source, then the people linked to those seizures, then the actors above
//! them in the network, as chains with the evidence of every hop.
//!
//! 1. **Seizures.** A seizure is a candidate when it shares a product feature with the
//!    overdose (see the crate doc: chemical profile, die marks, pill imprint and
//!    colour). Its product match is the noisy-or of the shared features' strengths
//!    ([`TraceOptions::feature_strength`]: chemical profile 0.9, die marks 0.7, imprint
//!    and colour 0.3). Nearness in space is `exp(−km / distance_scale_km)` (haversine
//!    between coordinates; without coordinates, the same county counts as one scale
//!    away and another county as far), nearness in time `exp(−days / time_scale_days)`.
//!    `score = match × (0.5 + 0.5 × space) × (0.5 + 0.5 × time)`: the product decides,
//!    place and time order candidates of equal product evidence.
//! 2. **People at the seizure.** Those it was seized from, and those arrested in an
//!    arrest that names the seizure.
//! 3. **Above them.** Actors within [`TraceOptions::upstream_depth`] hops of each such
//!    person over actor links (calls via phones, transfers via accounts, shared
//!    addresses, associations, co-arrests, seizures and arrests, and the chemical
//!    profiles and die marks of seized batches — not pill imprints, not overdoses),
//!    whose inferred role is importer, supplier or hub, ranked by `role weight × (0.5 + key-player score) / hops` (importer and
//!    supplier 1.0, hub 0.8).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::DateTime;
use serde::Serialize;

use crate::roles::{Role, RoleAssignment};
use crate::{Hop, Network, NetworkError, NetworkResult, RecordRef};

/// Parameters of a trace.
#[derive(Debug, Clone, Copy)]
pub struct TraceOptions {
    pub distance_scale_km: f64,
    pub time_scale_days: f64,
    /// How many seizures to follow.
    pub seizures: usize,
    pub upstream_depth: u32,
    /// Upstream actors listed per person.
    pub upstream_per_person: usize,
}

impl Default for TraceOptions {
    fn default() -> Self {
        TraceOptions {
            distance_scale_km: 50.0,
            time_scale_days: 90.0,
            seizures: 5,
            upstream_depth: 5,
            upstream_per_person: 3,
        }
    }
}

impl TraceOptions {
    /// How strongly sharing one product feature (by its link relation) ties two events.
    pub fn feature_strength(relation: &str) -> f64 {
        match relation {
            "Product.chem" => 0.9,
            "Product.die" => 0.7,
            "Product.pill" => 0.3,
            _ => 0.0,
        }
    }
}

/// The trace of one overdose.
#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    pub overdose: String,
    pub overdose_records: Vec<RecordRef>,
    pub product_features: Vec<String>,
    pub candidates: Vec<SeizureCandidate>,
}

/// A seizure that may share the overdose's source, and the people behind it.
#[derive(Debug, Clone, Serialize)]
pub struct SeizureCandidate {
    pub rank: usize,
    pub seizure: String,
    pub label: String,
    pub records: Vec<RecordRef>,
    pub score: f64,
    pub shared_features: Vec<String>,
    pub distance_km: Option<f64>,
    pub days_apart: Option<f64>,
    pub reasons: Vec<String>,
    pub people: Vec<TracedPerson>,
}

/// A person linked to a candidate seizure.
#[derive(Debug, Clone, Serialize)]
pub struct TracedPerson {
    pub node: String,
    pub label: String,
    pub role: Option<&'static str>,
    /// From the seizure to the person.
    pub hops: Vec<Hop>,
    pub upstream: Vec<UpstreamActor>,
}

/// An actor above a traced person.
#[derive(Debug, Clone, Serialize)]
pub struct UpstreamActor {
    pub node: String,
    pub label: String,
    pub role: &'static str,
    pub score: f64,
    pub reason: String,
    /// From the traced person to this actor.
    pub hops: Vec<Hop>,
}

/// Traces one overdose node.
pub fn trace(
    network: &Network,
    overdose: u32,
    roles: &[RoleAssignment],
    key_player_scores: &BTreeMap<u32, f64>,
    options: &TraceOptions,
) -> NetworkResult<Trace> {
    if network.node(overdose).kind != "OverdoseIncident" {
        return Err(NetworkError::NotFound(format!(
            "{} is a {}, not an overdose incident",
            network.node(overdose).id,
            network.node(overdose).kind
        )));
    }
    let role_of: BTreeMap<u32, Role> = roles
        .iter()
        .filter_map(|assignment| Some((assignment.node, assignment.role?)))
        .collect();
    // Seizures sharing a product feature, with the strengths of what they share.
    let mut shared: BTreeMap<u32, Vec<(String, f64)>> = BTreeMap::new();
    let mut product_features = Vec::new();
    for &link in network.links_at(overdose) {
        let link = &network.links[link as usize];
        let strength = TraceOptions::feature_strength(&link.relation);
        if strength == 0.0 {
            continue;
        }
        let feature = link.other(overdose);
        product_features.push(network.node(feature).id.clone());
        for &other_link in network.links_at(feature) {
            let other = network.links[other_link as usize].other(feature);
            if network.node(other).kind == "Seizure" {
                shared
                    .entry(other)
                    .or_default()
                    .push((network.node(feature).id.clone(), strength));
            }
        }
    }
    let mut candidates: Vec<SeizureCandidate> = shared
        .into_iter()
        .map(|(seizure, features)| candidate(network, overdose, seizure, features, options))
        .collect();
    candidates.sort_by(|left, right| {
        right
            .score
            .total_cmp(&left.score)
            .then_with(|| left.seizure.cmp(&right.seizure))
    });
    candidates.truncate(options.seizures);
    for (rank, candidate) in candidates.iter_mut().enumerate() {
        candidate.rank = rank + 1;
        let seizure = network
            .node_by_id(&candidate.seizure)
            .expect("candidates are nodes");
        candidate.people = people_at(network, seizure)
            .into_iter()
            .map(|path| {
                let person = *path.last().expect("paths end at a person");
                TracedPerson {
                    node: network.node(person).id.clone(),
                    label: network.node(person).label.clone(),
                    role: role_of.get(&person).map(|role| role.as_str()),
                    hops: network.hops(&path),
                    upstream: upstream(network, person, &role_of, key_player_scores, options),
                }
            })
            .collect();
    }
    Ok(Trace {
        overdose: network.node(overdose).id.clone(),
        overdose_records: network
            .node(overdose)
            .records
            .iter()
            .map(|&record| network.record_ref(record))
            .collect(),
        product_features,
        candidates,
    })
}

fn candidate(
    network: &Network,
    overdose: u32,
    seizure: u32,
    features: Vec<(String, f64)>,
    options: &TraceOptions,
) -> SeizureCandidate {
    let product = 1.0
        - features
            .iter()
            .map(|(_, strength)| 1.0 - strength)
            .product::<f64>();
    let mut reasons = vec![format!(
        "product match {product:.2} from {}",
        features
            .iter()
            .map(|(feature, strength)| format!("{feature} ({strength})"))
            .collect::<Vec<_>>()
            .join(", ")
    )];
    let coordinates = |node: u32| -> Option<(f64, f64)> {
        Some((
            network.value(node, "latitude")?.parse().ok()?,
            network.value(node, "longitude")?.parse().ok()?,
        ))
    };
    let distance_km = match (coordinates(overdose), coordinates(seizure)) {
        (Some(from), Some(to)) => Some(haversine_km(from, to)),
        _ => None,
    };
    let space = match distance_km {
        Some(km) => {
            reasons.push(format!("{km:.1} km apart"));
            (-km / options.distance_scale_km).exp()
        }
        None => {
            let same_county = network.value(overdose, "county_fips").is_some()
                && network.value(overdose, "county_fips") == network.value(seizure, "county_fips");
            reasons.push(if same_county {
                "same county (no coordinates)".to_string()
            } else {
                "no coordinates, other county".to_string()
            });
            if same_county { (-1.0f64).exp() } else { 0.0 }
        }
    };
    let time = |node: u32| {
        network
            .node(node)
            .records
            .iter()
            .find_map(|&record| network.record_times[record as usize])
    };
    let days_apart = match (time(overdose), time(seizure)) {
        (Some(from), Some(to)) => Some((from - to).abs() as f64 / 86_400.0),
        _ => None,
    };
    let when = match days_apart {
        Some(days) => {
            reasons.push(format!("{days:.0} days apart"));
            (-days / options.time_scale_days).exp()
        }
        None => 0.0,
    };
    let score = product * (0.5 + 0.5 * space) * (0.5 + 0.5 * when);
    SeizureCandidate {
        rank: 0,
        seizure: network.node(seizure).id.clone(),
        label: network.node(seizure).label.clone(),
        records: network
            .node(seizure)
            .records
            .iter()
            .map(|&record| network.record_ref(record))
            .collect(),
        score,
        shared_features: features.into_iter().map(|(feature, _)| feature).collect(),
        distance_km,
        days_apart,
        reasons,
        people: Vec::new(),
    }
}

/// Paths from a seizure to the people it was seized from, and through arrests that name
/// it to the people arrested.
fn people_at(network: &Network, seizure: u32) -> Vec<Vec<u32>> {
    let mut paths = Vec::new();
    let mut seen = BTreeSet::new();
    for &link in network.links_at(seizure) {
        let link = &network.links[link as usize];
        let other = link.other(seizure);
        match link.relation.as_str() {
            "Seizure.seized_from" if seen.insert(other) => paths.push(vec![seizure, other]),
            "Arrest.seizure" => {
                for &arrest_link in network.links_at(other) {
                    let arrest_link = &network.links[arrest_link as usize];
                    let person = arrest_link.other(other);
                    if arrest_link.relation == "Arrest.person" && seen.insert(person) {
                        paths.push(vec![seizure, other, person]);
                    }
                }
            }
            _ => {}
        }
    }
    paths
}

/// Actors above a person: importers, suppliers and hubs near them over actor links.
fn upstream(
    network: &Network,
    person: u32,
    role_of: &BTreeMap<u32, Role>,
    key_player_scores: &BTreeMap<u32, f64>,
    options: &TraceOptions,
) -> Vec<UpstreamActor> {
    let mut predecessor: BTreeMap<u32, u32> = BTreeMap::new();
    let mut queue = VecDeque::from([(person, 0u32)]);
    let mut found = Vec::new();
    predecessor.insert(person, person);
    while let Some((node, hops)) = queue.pop_front() {
        if hops == options.upstream_depth {
            continue;
        }
        for &link in network.links_at(node) {
            let other = network.links[link as usize].other(node);
            let kind = network.node(other).kind.as_str();
            // Walk over actors, their means, enforcement events and batch-specific
            // product features (a chemical profile or die marks seized elsewhere lead
            // to whoever held more of the same batch), never over overdoses or the
            // generic pill imprint-and-colour.
            let walkable = matches!(
                kind,
                "Person"
                    | "Organization"
                    | "Phone"
                    | "BankAccount"
                    | "CryptoWallet"
                    | "OnlineAccount"
                    | "Address"
                    | "Vehicle"
                    | "Seizure"
                    | "Arrest"
            ) || (kind == "Product"
                && !network.node(other).id.starts_with("Product:pill:"));
            if !walkable || predecessor.contains_key(&other) {
                continue;
            }
            predecessor.insert(other, node);
            queue.push_back((other, hops + 1));
            let weight = match role_of.get(&other) {
                Some(Role::Importer | Role::Supplier) => 1.0,
                Some(Role::Hub) => 0.8,
                _ => continue,
            };
            let key_player = key_player_scores.get(&other).copied().unwrap_or(0.0);
            let score = weight * (0.5 + key_player) / f64::from(hops + 1);
            found.push((other, hops + 1, score, key_player));
        }
    }
    found.sort_by(|left, right| right.2.total_cmp(&left.2).then(left.0.cmp(&right.0)));
    found.truncate(options.upstream_per_person);
    found
        .into_iter()
        .map(|(actor, hops, score, key_player)| {
            let mut path = vec![actor];
            while let Some(&previous) = predecessor.get(path.last().expect("non-empty")) {
                if previous == *path.last().expect("non-empty") {
                    break;
                }
                path.push(previous);
            }
            path.reverse();
            let role = role_of[&actor].as_str();
            UpstreamActor {
                node: network.node(actor).id.clone(),
                label: network.node(actor).label.clone(),
                role,
                score,
                reason: format!(
                    "inferred {role}, {hops} hops away, key-player score {key_player:.2}"
                ),
                hops: network.hops(&path),
            }
        })
        .collect()
}

/// Great-circle distance in km between two (latitude, longitude) points.
pub fn haversine_km(from: (f64, f64), to: (f64, f64)) -> f64 {
    let (lat1, lon1) = (from.0.to_radians(), from.1.to_radians());
    let (lat2, lon2) = (to.0.to_radians(), to.1.to_radians());
    let a = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6_371.0 * a.sqrt().asin()
}

/// The time of a node's first dated record, as RFC 3339.
pub fn node_time(network: &Network, node: u32) -> Option<String> {
    network
        .node(node)
        .records
        .iter()
        .find_map(|&record| network.record_times[record as usize])
        .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
        .map(|time| time.to_rfc3339())
}
