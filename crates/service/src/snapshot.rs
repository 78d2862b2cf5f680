//! The loaded data and the per-access-profile views built from it.
//!
//! A [`Snapshot`] is every stored record, the latest entity assignment, the Part 23
//! validations, the cases registered in the directory and a token index for search.
//! A [`View`] is what one access profile may read of it: a decision per record and the
//! network built from the readable records only, protected properties removed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use access::{CaseId, Decision, Part23Status, Policy, RecordFacts, User};
use chrono::{DateTime, Utc};
use model::{DataClass, RecordId, Schema, SourceRecord};
use network::roles::{RoleAssignment, RoleRules, infer_roles};
use network::{BuildOptions, Network};
use store::{PairRole, RecordQuery, RunPair, Store, Validation};

use crate::ServiceResult;

/// Records read from the store per page.
const PAGE: u64 = 20_000;

/// A view built once, shared by every request of its access profile.
type ViewCell = Arc<OnceLock<Arc<View>>>;

/// Views kept at once: each holds a network of up to every record.
const MAX_VIEWS: usize = 8;

/// Tokens shorter than this are not indexed (too common to narrow a search).
const MIN_TOKEN: usize = 2;

/// The property that ties a record to a case.
pub(crate) const CASE_PROPERTY: &str = "case_number";

/// Every record and what is known about it, as loaded.
pub struct Snapshot {
    pub records: Vec<SourceRecord>,
    pub(crate) index_of: HashMap<RecordId, u32>,
    pub(crate) assignment: BTreeMap<RecordId, String>,
    /// Entity id → indices of its records (resolved people).
    pub(crate) entity_records: HashMap<String, Vec<u32>>,
    pub(crate) validations: BTreeMap<RecordId, Validation>,
    /// Per record: the registered cases it names (need-to-know).
    pub(crate) record_cases: Vec<BTreeSet<CaseId>>,
    /// Token → record indices, ascending; ordered for prefix search.
    pub(crate) tokens: BTreeMap<String, Vec<u32>>,
    /// Per record: its kind and owning agency as indices into `facet_kinds` and
    /// `facet_agencies`, so facets count without touching the records.
    pub(crate) kind_of: Vec<u16>,
    pub(crate) agency_of: Vec<u16>,
    pub(crate) facet_kinds: Vec<String>,
    pub(crate) facet_agencies: Vec<String>,
    /// Resolution pairs of the latest run by record index (both ends).
    pub(crate) pairs: HashMap<u32, Vec<Arc<RunPair>>>,
    pub(crate) latest_run: Option<u64>,
    pub(crate) policy: Policy,
    pub(crate) agency_names: BTreeMap<String, String>,
    pub loaded_at: DateTime<Utc>,
    /// Views by access-profile key, each built once (concurrent first requests wait
    /// for the one build), with the tick of their last use.
    views: Mutex<HashMap<String, (ViewCell, u64)>>,
    ticks: std::sync::atomic::AtomicU64,
}

impl Snapshot {
    pub fn load(store: &dyn Store, schema: &Schema) -> ServiceResult<Snapshot> {
        let mut records = Vec::new();
        let mut after = None;
        loop {
            let page = store.records(&RecordQuery {
                after,
                limit: PAGE,
                ..RecordQuery::default()
            })?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            records.extend(page);
        }
        let index_of: HashMap<RecordId, u32> = records
            .iter()
            .enumerate()
            .map(|(index, record)| (record.id, index as u32))
            .collect();
        let assignment = store.resolution().assignment()?;
        let mut entity_records: HashMap<String, Vec<u32>> = HashMap::new();
        for (record, entity) in &assignment {
            if let Some(&index) = index_of.get(record) {
                entity_records
                    .entry(entity.clone())
                    .or_default()
                    .push(index);
            }
        }
        let directory = store.directory();
        let registered: BTreeSet<String> =
            directory.cases()?.into_iter().map(|case| case.id).collect();
        let record_cases = records
            .iter()
            .map(|record| {
                record
                    .properties
                    .get(CASE_PROPERTY)
                    .into_iter()
                    .flatten()
                    .filter(|case| registered.contains(*case))
                    .map(|case| CaseId(case.clone()))
                    .collect()
            })
            .collect();
        let agencies = directory.agencies()?;
        let policy = Policy {
            agreements: directory
                .agreements()?
                .into_iter()
                .map(|agreement| access::SharingAgreement {
                    from_agency: agreement.from_agency,
                    to_agency: agreement.to_agency,
                    data_classes: agreement.data_classes.into_iter().collect(),
                    max_sensitivity: agreement.max_sensitivity,
                })
                .collect(),
            contacts: agencies
                .iter()
                .map(|agency| (agency.id.clone(), agency.contact.clone()))
                .collect(),
        };
        let agency_names = agencies
            .into_iter()
            .map(|agency| (agency.id, agency.name))
            .collect();
        let mut pairs: HashMap<u32, Vec<Arc<RunPair>>> = HashMap::new();
        for role in [PairRole::Link, PairRole::Judged, PairRole::Review] {
            for pair in store.resolution().run_pairs(role)? {
                let pair = Arc::new(pair);
                for end in [pair.left, pair.right] {
                    if let Some(&index) = index_of.get(&end) {
                        pairs.entry(index).or_default().push(pair.clone());
                    }
                }
            }
        }
        let latest_run = store.resolution().latest_run()?.map(|run| run.id);
        let tokens = token_index(&records, schema);
        let (kind_of, facet_kinds) = dense_codes(records.iter().map(|record| record.kind.as_str()));
        let (agency_of, facet_agencies) = dense_codes(
            records
                .iter()
                .map(|record| record.provenance.agency.as_str()),
        );
        Ok(Snapshot {
            kind_of,
            agency_of,
            facet_kinds,
            facet_agencies,
            validations: directory.validations()?,
            records,
            index_of,
            assignment,
            entity_records,
            record_cases,
            tokens,
            pairs,
            latest_run,
            policy,
            agency_names,
            loaded_at: Utc::now(),
            views: Mutex::new(HashMap::new()),
            ticks: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// Where a record stands under Part 23: criminal intelligence is pending until a
    /// validation says `validated` (a rejection keeps it with its owner).
    pub(crate) fn part23(&self, record: &SourceRecord) -> Part23Status {
        if record.labels.data_class != DataClass::CriminalIntelligence {
            return Part23Status::Validated;
        }
        match self.validations.get(&record.id) {
            Some(validation) if validation.decision == "validated" => Part23Status::Validated,
            _ => Part23Status::PendingValidation,
        }
    }

    /// The access decision for one user and one record.
    pub(crate) fn decide(&self, user: &User, schema: &Schema, index: u32) -> Decision {
        let record = &self.records[index as usize];
        let Some(kind) = schema.kind(&record.kind) else {
            return Decision::Deny;
        };
        let facts = RecordFacts {
            kind,
            labels: &record.labels,
            owning_agency: &record.provenance.agency,
            cases: &self.record_cases[index as usize],
            part23: self.part23(record),
        };
        access::decide(user, &facts, &self.policy)
    }

    /// The view of a user's access profile, built on first use. At most
    /// [`MAX_VIEWS`] are kept; the least recently used goes first (requests holding
    /// it keep it alive until they finish).
    pub fn view(&self, user: &User, schema: &Schema) -> Arc<View> {
        let key = profile_key(user);
        let tick = self.ticks.fetch_add(1, Ordering::Relaxed);
        let cell = {
            let mut views = self
                .views
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if !views.contains_key(&key) && views.len() >= MAX_VIEWS {
                let oldest = views
                    .iter()
                    .min_by_key(|(_, (_, used))| *used)
                    .map(|(key, _)| key.clone());
                if let Some(oldest) = oldest {
                    views.remove(&oldest);
                }
            }
            let entry = views.entry(key).or_insert_with(|| (Arc::default(), tick));
            entry.1 = tick;
            entry.0.clone()
        };
        cell.get_or_init(|| Arc::new(View::build(self, user, schema)))
            .clone()
    }

    pub(crate) fn agency_name(&self, agency: &str) -> String {
        self.agency_names
            .get(agency)
            .cloned()
            .unwrap_or_else(|| agency.to_string())
    }
}

/// Users with equal keys are decided alike on every record.
fn profile_key(user: &User) -> String {
    serde_json::json!([
        user.agency,
        user.roles,
        user.clearance,
        user.caveats,
        user.cases
    ])
    .to_string()
}

/// What a view decided for a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen {
    Denied,
    Pointer,
    Readable,
}

/// What one access profile may read, and the network of exactly that.
pub struct View {
    pub(crate) seen: Vec<Seen>,
    /// Snapshot record index → index in `network.records` (readable records only).
    pub(crate) in_network: HashMap<u32, u32>,
    /// Snapshot record index → index in `network.records`, `u32::MAX` when the record
    /// is not in the network (not readable, or a kind the network leaves out); the
    /// same as `in_network` as a vector, for the hot loops.
    pub(crate) inner_of: Vec<u32>,
    /// Network record index → snapshot record index.
    pub(crate) outer_of: Vec<u32>,
    /// Redacted property names per snapshot record index (readable records only).
    pub(crate) redacted: HashMap<u32, Vec<String>>,
    pub network: Network,
    /// Computed once, on a thread of its own, when the view is first used: on a large
    /// world rings and key players take minutes, and a link chart should not wait.
    analytics: OnceLock<Result<Analytics, String>>,
    analytics_started: AtomicBool,
}

/// Rings, roles and key-player scores of a view, computed on first use.
pub(crate) struct Analytics {
    pub roles: Vec<RoleAssignment>,
    pub role_of: HashMap<u32, usize>,
    pub scores: BTreeMap<u32, f64>,
    /// What the scores mean ([`network::rings::KeyPlayerScores::basis`]).
    pub key_player_basis: String,
    pub rings: Vec<network::rings::Ring>,
    pub membership: Vec<u32>,
    /// Community ids of the rings (communities with at least two actors).
    pub ring_ids: BTreeSet<u32>,
}

impl View {
    pub(crate) fn build(snapshot: &Snapshot, user: &User, schema: &Schema) -> View {
        let mut seen = Vec::with_capacity(snapshot.records.len());
        let mut readable = Vec::new();
        let mut in_network = HashMap::with_capacity(snapshot.records.len());
        let mut outer_of = Vec::new();
        let mut redacted = HashMap::new();
        for index in 0..snapshot.records.len() as u32 {
            match snapshot.decide(user, schema, index) {
                Decision::Full => {
                    seen.push(Seen::Readable);
                    outer_of.push(index);
                    readable.push(snapshot.records[index as usize].clone());
                }
                Decision::Redacted { fields } => {
                    seen.push(Seen::Readable);
                    let mut record = snapshot.records[index as usize].clone();
                    // Removed before anything is computed, so no analytic result
                    // can draw on a protected value.
                    for field in &fields {
                        record.properties.remove(field);
                    }
                    let withheld: Vec<String> = fields
                        .into_iter()
                        .filter(|field| {
                            snapshot.records[index as usize]
                                .properties
                                .contains_key(field)
                        })
                        .collect();
                    if !withheld.is_empty() {
                        redacted.insert(index, withheld);
                    }
                    outer_of.push(index);
                    readable.push(record);
                }
                Decision::Pointer { .. } => seen.push(Seen::Pointer),
                Decision::Deny => seen.push(Seen::Denied),
            }
        }
        let network = Network::build(
            readable,
            &snapshot.assignment,
            schema,
            &BuildOptions::default(),
        );
        // The network leaves some kinds out (operations) and orders its records by id.
        // The snapshot's records are in id order too (the store pages by id), so one
        // merge walk maps readable snapshot indices to network positions
        // (`u32::MAX`: readable, not in the network).
        let readable_in_order = std::mem::take(&mut outer_of);
        outer_of = vec![u32::MAX; network.records.len()];
        let mut inner_of = vec![u32::MAX; snapshot.records.len()];
        let mut inner = 0usize;
        for outer in readable_in_order {
            let id = snapshot.records[outer as usize].id;
            while inner < network.records.len() && network.records[inner].id < id {
                inner += 1;
            }
            let at = if inner < network.records.len() && network.records[inner].id == id {
                outer_of[inner] = outer;
                inner as u32
            } else {
                u32::MAX
            };
            inner_of[outer as usize] = at;
            in_network.insert(outer, at);
        }
        View {
            seen,
            in_network,
            inner_of,
            outer_of,
            redacted,
            network,
            analytics: OnceLock::new(),
            analytics_started: AtomicBool::new(false),
        }
    }

    /// Starts computing rings, roles and key players in the background (once).
    pub(crate) fn warm(view: &Arc<View>) {
        if view.analytics_started.swap(true, Ordering::SeqCst) {
            return;
        }
        let view = view.clone();
        std::thread::spawn(move || {
            let _ = view.analytics();
        });
    }

    /// Rings, roles and key players if they are computed already.
    pub(crate) fn analytics_ready(&self) -> Option<&Analytics> {
        self.analytics.get().and_then(|result| result.as_ref().ok())
    }

    /// Rings, roles and key players, computing them first if needed (other callers
    /// wait for the one computation).
    pub(crate) fn analytics(&self) -> ServiceResult<&Analytics> {
        self.analytics
            .get_or_init(|| compute_analytics(&self.network))
            .as_ref()
            .map_err(|error| crate::ServiceError::Internal(error.clone()))
    }

    /// The ring a node belongs to, when its community is a ring.
    pub(crate) fn ring_of(analytics: &Analytics, node: u32) -> Option<u32> {
        let community = *analytics.membership.get(node as usize)?;
        analytics.ring_ids.contains(&community).then_some(community)
    }
}

fn compute_analytics(network: &Network) -> Result<Analytics, String> {
    let rules = RoleRules::default();
    let roles = infer_roles(network, &rules);
    let role_of = roles
        .iter()
        .enumerate()
        .map(|(position, assignment)| (assignment.node, position))
        .collect();
    let threads = std::thread::available_parallelism()
        .map(|count| count.get())
        .unwrap_or(1);
    let key_players = network::rings::key_player_scores(network, &roles, &rules, threads)
        .map_err(|error| error.to_string())?;
    let key_player_basis = key_players.basis();
    let scores = key_players.scores;
    let (rings, membership) = network::rings::rings(
        network,
        &graph::leiden::LeidenParameters::default(),
        &roles,
        &scores,
        2,
    )
    .map_err(|error| error.to_string())?;
    let ring_ids = rings.iter().map(|ring| ring.community).collect();
    Ok(Analytics {
        roles,
        role_of,
        scores,
        key_player_basis,
        rings,
        membership,
        ring_ids,
    })
}

/// Each distinct text as a small number, in order of first appearance, and the texts.
fn dense_codes<'a>(texts: impl Iterator<Item = &'a str>) -> (Vec<u16>, Vec<String>) {
    let mut code_of: HashMap<&str, u16> = HashMap::new();
    let mut names = Vec::new();
    let codes = texts
        .map(|text| {
            *code_of.entry(text).or_insert_with(|| {
                names.push(text.to_string());
                // Kinds come from the schema and agencies from the directory: far
                // fewer than 65,536.
                (names.len() - 1).min(usize::from(u16::MAX)) as u16
            })
        })
        .collect();
    (codes, names)
}

/// Lower-cased alphanumeric tokens of every property value (reference properties,
/// which hold entity-key hashes, left out), with phone numbers also as bare digits.
fn token_index(records: &[SourceRecord], schema: &Schema) -> BTreeMap<String, Vec<u32>> {
    let mut tokens: HashMap<String, Vec<u32>> = HashMap::new();
    for (index, record) in records.iter().enumerate() {
        let kind = schema.kind(&record.kind);
        let mut own: BTreeSet<String> = BTreeSet::new();
        for (property, values) in &record.properties {
            let is_reference = kind
                .and_then(|kind| kind.properties.get(property))
                .is_some_and(|property| property.property_type == model::PropertyType::Reference);
            if is_reference {
                continue;
            }
            for value in values {
                for token in tokenize(value) {
                    own.insert(token);
                }
                let digits: String = value.chars().filter(char::is_ascii_digit).collect();
                if digits.len() >= 7 && value.starts_with('+') {
                    own.insert(digits);
                }
            }
        }
        for token in own {
            tokens.entry(token).or_default().push(index as u32);
        }
    }
    tokens.into_iter().collect()
}

/// The search tokens of a text: lower-case alphanumeric runs of at least two chars.
pub(crate) fn tokenize(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|character: char| !character.is_alphanumeric())
        .filter(|token| token.chars().count() >= MIN_TOKEN)
        .map(str::to_lowercase)
}
