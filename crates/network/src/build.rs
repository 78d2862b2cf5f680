//! Building the network from records and an entity assignment (see the crate doc for
//! what becomes a node and a link, and how links are weighted).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use chrono::{DateTime, NaiveDate};
use graph::{Graph, GraphBuilder, NodeIndex};
use model::{EntityKey, KindCategory, PropertyType, RecordId, Schema, SourceRecord};
use serde::Serialize;
use store::{RecordQuery, Store};

use crate::{NetworkError, NetworkResult};

/// How to build a network.
#[derive(Debug, Clone, Copy)]
pub struct BuildOptions {
    /// Keep dated records at or after this Unix time.
    pub since: Option<i64>,
    /// Keep dated records before this Unix time; also the reference time of recency.
    pub until: Option<i64>,
    /// Recency half-life of link weights, in days.
    pub half_life_days: f64,
    /// Cases naming more people than this give no co-arrest links.
    pub max_case_size: usize,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            since: None,
            until: None,
            half_life_days: 365.0,
            max_case_size: 20,
        }
    }
}

/// A record as evidence: where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordRef {
    pub record_id: String,
    pub kind: String,
    pub agency: String,
    pub feed: String,
    pub source_record_id: String,
    /// The record's own date or time (RFC 3339 / ISO date as stored), when it has one.
    pub time: Option<String>,
}

/// One hop of a path: the links between two adjacent nodes with their evidence.
#[derive(Debug, Clone, Serialize)]
pub struct Hop {
    pub from: String,
    pub to: String,
    pub to_label: String,
    pub links: Vec<HopLink>,
}

/// One link of a hop.
#[derive(Debug, Clone, Serialize)]
pub struct HopLink {
    pub relation: String,
    /// `forward` (from → to), `backward`, or `undirected`.
    pub direction: &'static str,
    pub count: u32,
    pub weight: f64,
    /// Up to [`EVIDENCE_KEPT`] records behind the link.
    pub evidence: Vec<RecordRef>,
}

/// One node: a resolved entity, an identified thing, or an event.
#[derive(Debug, Clone)]
pub struct Node {
    pub id: String,
    pub kind: String,
    pub label: String,
    /// Indices into [`Network::records`] of the records this node stands for.
    pub records: Vec<u32>,
}

/// The merged evidence of one relation between two nodes.
#[derive(Debug, Clone)]
pub struct Link {
    pub source: u32,
    pub target: u32,
    pub relation: String,
    pub directed: bool,
    pub count: u32,
    /// Indices into [`Network::records`] of the records behind this link.
    pub evidence: Vec<u32>,
    pub first: Option<i64>,
    pub last: Option<i64>,
    /// Summed `amount` of the evidence (money transfers), 0 otherwise.
    pub amount: f64,
    pub weight: f64,
}

impl Link {
    /// The other end of the link seen from `node`.
    pub fn other(&self, node: u32) -> u32 {
        if self.source == node {
            self.target
        } else {
            self.source
        }
    }
}

/// Which links a traversal may follow.
#[derive(Debug, Clone, Default)]
pub struct LinkFilter {
    /// Relation names (`Communication`) or their prefixes (`Seizure` matches
    /// `Seizure.seized_from`); empty: all.
    pub relations: Vec<String>,
    /// Only links with evidence from one of these agencies; empty: all.
    pub agencies: Vec<String>,
}

/// The network: nodes, links with evidence, and the undirected analytics graph whose
/// node `i` is `nodes[i]`.
#[derive(Debug)]
pub struct Network {
    pub nodes: Vec<Node>,
    pub links: Vec<Link>,
    pub records: Vec<SourceRecord>,
    pub record_times: Vec<Option<i64>>,
    pub graph: Graph,
    /// Records left out by the time window.
    pub records_outside_window: u64,
    /// References naming a source entity with no stored record.
    pub dangling_references: u64,
    node_index: HashMap<String, u32>,
    node_of_record: Vec<u32>,
    incident: Vec<Vec<u32>>,
}

/// Records read from the store per page.
const PAGE: u64 = 20_000;

/// At most this many evidence records are kept per link (the count keeps the total).
pub const EVIDENCE_KEPT: usize = 50;

/// The base weight of a relation (see the crate doc).
pub fn base_weight(relation: &str) -> f64 {
    match relation {
        "Ownership" | "Association" | "co_arrest" | "PressTransfer" => 1.0,
        "Residence" => 0.8,
        "MoneyTransfer" => 0.8,
        "Communication" => 0.6,
        "Product.chem" => 0.6,
        "Product.die" => 0.5,
        "Product.pill" => 0.2,
        _ if relation.ends_with(".phone") || relation.ends_with("address") => 0.9,
        _ if PERSON_REFERENCES.iter().any(|end| relation.ends_with(end)) => 1.0,
        _ => 0.7,
    }
}

/// Reference properties that point at people or organisations.
const PERSON_REFERENCES: [&str; 9] = [
    ".seized_from",
    ".person",
    ".consignee",
    ".sender",
    ".holder",
    ".buyer",
    ".seller",
    ".owner",
    ".recipient",
];

impl Network {
    /// Reads every record and the latest entity assignment from the store, then builds.
    pub fn load(
        store: &dyn Store,
        schema: &Schema,
        options: &BuildOptions,
    ) -> NetworkResult<Network> {
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
        let assignment = store.resolution().assignment()?;
        Ok(Network::build(records, &assignment, schema, options))
    }

    /// Builds the network from records and a record → canonical entity assignment.
    pub fn build(
        records: Vec<SourceRecord>,
        assignment: &BTreeMap<RecordId, String>,
        schema: &Schema,
        options: &BuildOptions,
    ) -> Network {
        let mut builder = Builder::default();
        let mut kept = Vec::with_capacity(records.len());
        for record in records {
            let Some(kind) = schema.kind(&record.kind) else {
                continue;
            };
            if record.kind == "Operation" {
                continue;
            }
            let time = record_time(&record, kind);
            let outside = time.is_some_and(|time| {
                options.since.is_some_and(|since| time < since)
                    || options.until.is_some_and(|until| time >= until)
            });
            if outside {
                builder.records_outside_window += 1;
                continue;
            }
            kept.push((record, time));
        }
        kept.sort_by_key(|kept| kept.0.id);
        let (records, record_times): (Vec<SourceRecord>, Vec<Option<i64>>) =
            kept.into_iter().unzip();
        builder.node_of_record = vec![u32::MAX; records.len()];

        // Pass 1: nodes of things and events; fingerprint features by source entity.
        let mut node_of_key: HashMap<EntityKey, u32> = HashMap::new();
        let mut features_of_key: HashMap<EntityKey, Vec<(String, &'static str)>> = HashMap::new();
        for (index, record) in records.iter().enumerate() {
            let kind = schema.kind(&record.kind).expect("kinds checked above");
            match kind.category {
                KindCategory::Relation => {}
                KindCategory::Fingerprint => {
                    features_of_key
                        .entry(record.entity_key)
                        .or_insert_with(|| fingerprint_features(record));
                }
                KindCategory::Thing | KindCategory::Event => {
                    let id = node_id(record, kind, assignment);
                    let node = builder.node(&id, &record.kind, || caption(record, kind));
                    builder.nodes[node as usize].records.push(index as u32);
                    builder.node_of_record[index] = node;
                    node_of_key.entry(record.entity_key).or_insert(node);
                }
            }
        }

        // Pass 2: links.
        let mut cases: BTreeMap<(String, String), Vec<(u32, u32)>> = BTreeMap::new();
        for (index, record) in records.iter().enumerate() {
            let kind = schema.kind(&record.kind).expect("kinds checked above");
            let index = index as u32;
            let time = record_times[index as usize];
            let amount = record
                .properties
                .get("amount")
                .and_then(|values| values.first())
                .and_then(|value| value.parse::<f64>().ok())
                .unwrap_or(0.0);
            let referenced = |builder: &mut Builder, key: &str| -> Option<u32> {
                let key = key.parse::<EntityKey>().ok()?;
                let found = node_of_key.get(&key).copied();
                if found.is_none() && !features_of_key.contains_key(&key) {
                    builder.dangling_references += 1;
                }
                found
            };
            if let (KindCategory::Relation, Some(edge)) = (kind.category, &kind.edge) {
                let first = |name: &str| {
                    record
                        .properties
                        .get(name)
                        .and_then(|values| values.first())
                        .cloned()
                };
                let (Some(source), Some(target)) = (first(&edge.source), first(&edge.target))
                else {
                    continue;
                };
                let (Some(source), Some(target)) = (
                    referenced(&mut builder, &source),
                    referenced(&mut builder, &target),
                ) else {
                    continue;
                };
                builder.link(
                    source,
                    target,
                    &record.kind,
                    edge.directed,
                    index,
                    time,
                    amount,
                );
                for property in kind.properties.values() {
                    if property.property_type != PropertyType::Reference
                        || property.name == edge.source
                        || property.name == edge.target
                    {
                        continue;
                    }
                    for value in record.properties.get(&property.name).into_iter().flatten() {
                        if let Some(other) = referenced(&mut builder, value) {
                            let relation = format!("{}.{}", record.kind, property.name);
                            builder.link(other, target, &relation, true, index, time, 0.0);
                        }
                    }
                }
                continue;
            }
            let node = builder.node_of_record[index as usize];
            if node == u32::MAX {
                continue;
            }
            for property in kind.properties.values() {
                let Some(values) = record.properties.get(&property.name) else {
                    continue;
                };
                for value in values {
                    match property.property_type {
                        PropertyType::Reference => {
                            let Ok(key) = value.parse::<EntityKey>() else {
                                continue;
                            };
                            if let Some(features) = features_of_key.get(&key) {
                                for (feature, relation) in features.clone() {
                                    let product =
                                        builder.node(&feature, "Product", || feature.clone());
                                    builder.link(node, product, relation, true, index, time, 0.0);
                                }
                                continue;
                            }
                            if let Some(other) = referenced(&mut builder, value) {
                                let relation = format!("{}.{}", record.kind, property.name);
                                builder.link(node, other, &relation, true, index, time, 0.0);
                            }
                        }
                        PropertyType::Phone if record.kind != "Phone" => {
                            let id = format!("Phone:{value}");
                            let phone = builder.node(&id, "Phone", || value.clone());
                            let relation = format!("{}.phone", record.kind);
                            builder.link(node, phone, &relation, true, index, time, 0.0);
                        }
                        PropertyType::Text
                            if record.kind != "Address"
                                && (property.name == "address"
                                    || property.name.ends_with("_address")) =>
                        {
                            let Some(normalised) = normalise_address(value) else {
                                continue;
                            };
                            let id = format!("Address:{normalised}");
                            let address = builder.node(&id, "Address", || value.clone());
                            let relation = format!("{}.{}", record.kind, property.name);
                            builder.link(node, address, &relation, true, index, time, 0.0);
                        }
                        _ => {}
                    }
                }
            }
            if record.kind == "Arrest"
                && let Some(case) = record
                    .properties
                    .get("case_number")
                    .and_then(|values| values.first())
            {
                for person in record.properties.get("person").into_iter().flatten() {
                    if let Some(person) = referenced(&mut builder, person) {
                        cases
                            .entry((record.provenance.agency.clone(), case.clone()))
                            .or_default()
                            .push((person, index));
                    }
                }
            }
        }
        for arrested in cases.values() {
            let people: BTreeSet<u32> = arrested.iter().map(|&(person, _)| person).collect();
            if people.len() < 2 || people.len() > options.max_case_size {
                continue;
            }
            for (at, &(left, left_record)) in arrested.iter().enumerate() {
                for &(right, right_record) in &arrested[at + 1..] {
                    if left == right {
                        continue;
                    }
                    let time = record_times[left_record as usize];
                    builder.link(left, right, "co_arrest", false, left_record, time, 0.0);
                    let last = builder.links.len() - 1;
                    let link = &mut builder.links[last];
                    if !link.evidence.contains(&right_record) {
                        link.evidence.push(right_record);
                    }
                }
            }
        }
        builder.finish(records, record_times, options)
    }

    pub fn node(&self, index: u32) -> &Node {
        &self.nodes[index as usize]
    }

    pub fn node_by_id(&self, id: &str) -> Option<u32> {
        self.node_index.get(id).copied()
    }

    /// The node a record belongs to (things and events; relation records have none).
    pub fn node_of_record(&self, record: u32) -> Option<u32> {
        let node = *self.node_of_record.get(record as usize)?;
        (node != u32::MAX).then_some(node)
    }

    /// Indices of the links at a node.
    pub fn links_at(&self, node: u32) -> &[u32] {
        &self.incident[node as usize]
    }

    /// The links between two nodes, either direction.
    pub fn links_between(&self, left: u32, right: u32) -> Vec<&Link> {
        self.incident[left as usize]
            .iter()
            .map(|&link| &self.links[link as usize])
            .filter(|link| link.other(left) == right)
            .collect()
    }

    /// A record as evidence.
    pub fn record_ref(&self, record: u32) -> RecordRef {
        let stored = &self.records[record as usize];
        let time = self.record_times[record as usize]
            .and_then(|seconds| DateTime::from_timestamp(seconds, 0).map(|time| time.to_rfc3339()));
        RecordRef {
            record_id: stored.id.to_hex(),
            kind: stored.kind.clone(),
            agency: stored.provenance.agency.clone(),
            feed: stored.provenance.feed.clone(),
            source_record_id: stored.provenance.source_record_id.clone(),
            time,
        }
    }

    /// The first value of a property over a node's records.
    pub fn value(&self, node: u32, property: &str) -> Option<&str> {
        self.node(node).records.iter().find_map(|&record| {
            self.records[record as usize]
                .properties
                .get(property)
                .and_then(|values| values.first())
                .map(String::as_str)
        })
    }

    /// The node a command-line reference names: a node id (`Person:…`, `Phone:+1…`), a
    /// canonical entity id, a record id (32 hex digits) or `AGENCY/FEED/SOURCE_RECORD_ID`.
    pub fn find(&self, reference: &str) -> NetworkResult<u32> {
        if let Some(node) = self.node_by_id(reference) {
            return Ok(node);
        }
        if let Some(node) = self.node_by_id(&format!("Person:{reference}")) {
            return Ok(node);
        }
        let record = if let Ok(id) = reference.parse::<RecordId>() {
            self.records.iter().position(|record| record.id == id)
        } else {
            let parts: Vec<&str> = reference.splitn(3, '/').collect();
            match parts[..] {
                [agency, feed, source] => self.records.iter().position(|record| {
                    record.provenance.agency == agency
                        && record.provenance.feed == feed
                        && record.provenance.source_record_id == source
                }),
                _ => None,
            }
        };
        record
            .and_then(|record| self.node_of_record(record as u32))
            .ok_or_else(|| {
                NetworkError::NotFound(format!(
                    "{reference:?} names no node: give a node id, an entity id, a record id or AGENCY/FEED/SOURCE_RECORD_ID of a thing or event"
                ))
            })
    }

    /// Nodes within `depth` hops of `start` following only links the filter lets
    /// through, nearest first, each with its hop count and the link it was reached by.
    pub fn neighbourhood(
        &self,
        start: u32,
        depth: u32,
        filter: &LinkFilter,
    ) -> Vec<(u32, u32, u32)> {
        // A set, not a flag per node: a neighbourhood is small next to the network,
        // and zeroing a flag per node on every call showed in server profiles.
        let mut seen = HashSet::from([start]);
        let mut queue = VecDeque::from([(start, 0u32)]);
        let mut found = Vec::new();
        while let Some((node, hops)) = queue.pop_front() {
            if hops == depth {
                continue;
            }
            for &link in &self.incident[node as usize] {
                if !self.passes(&self.links[link as usize], filter) {
                    continue;
                }
                let other = self.links[link as usize].other(node);
                if seen.insert(other) {
                    found.push((other, hops + 1, link));
                    queue.push_back((other, hops + 1));
                }
            }
        }
        found
    }

    /// Nodes within `depth` hops of every one of `starts` (the starts themselves left
    /// out): the associates several entities have in common. Each comes with, per start
    /// in order, the hops to it and the link it was reached by; nearest overall first.
    pub fn common_associates(
        &self,
        starts: &[u32],
        depth: u32,
        filter: &LinkFilter,
    ) -> Vec<(u32, Vec<(u32, u32)>)> {
        let reached: Vec<HashMap<u32, (u32, u32)>> = starts
            .iter()
            .map(|start| {
                self.neighbourhood(*start, depth, filter)
                    .into_iter()
                    .map(|(node, hops, link)| (node, (hops, link)))
                    .collect()
            })
            .collect();
        let Some((first, rest)) = reached.split_first() else {
            return Vec::new();
        };
        let mut common: Vec<(u32, Vec<(u32, u32)>)> = first
            .keys()
            .filter(|node| !starts.contains(node))
            .filter_map(|node| {
                let mut ways = vec![first[node]];
                for other in rest {
                    ways.push(*other.get(node)?);
                }
                Some((*node, ways))
            })
            .collect();
        common.sort_by_key(|(node, ways)| (ways.iter().map(|(hops, _)| hops).sum::<u32>(), *node));
        common
    }

    /// Whether a link passes a filter.
    pub fn passes(&self, link: &Link, filter: &LinkFilter) -> bool {
        let relation_ok = filter.relations.is_empty()
            || filter.relations.iter().any(|wanted| {
                link.relation == *wanted
                    || link
                        .relation
                        .strip_prefix(wanted.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
            });
        let agency_ok = filter.agencies.is_empty()
            || link.evidence.iter().any(|&record| {
                filter
                    .agencies
                    .contains(&self.records[record as usize].provenance.agency)
            });
        relation_ok && agency_ok
    }

    /// The hops of a path of nodes, each with the links between its ends and their
    /// evidence records.
    pub fn hops(&self, path: &[u32]) -> Vec<Hop> {
        path.windows(2)
            .map(|pair| Hop {
                from: self.node(pair[0]).id.clone(),
                to: self.node(pair[1]).id.clone(),
                to_label: self.node(pair[1]).label.clone(),
                links: self
                    .links_between(pair[0], pair[1])
                    .into_iter()
                    .map(|link| HopLink {
                        relation: link.relation.clone(),
                        direction: if !link.directed {
                            "undirected"
                        } else if link.source == pair[0] {
                            "forward"
                        } else {
                            "backward"
                        },
                        count: link.count,
                        weight: link.weight,
                        evidence: link
                            .evidence
                            .iter()
                            .map(|&record| self.record_ref(record))
                            .collect(),
                    })
                    .collect(),
            })
            .collect()
    }

    /// The agencies whose records make up a node.
    pub fn agencies(&self, node: u32) -> BTreeSet<&str> {
        self.node(node)
            .records
            .iter()
            .map(|&record| self.records[record as usize].provenance.agency.as_str())
            .collect()
    }

    /// Whether a node is an actor (a person or an organisation).
    pub fn is_actor(&self, node: u32) -> bool {
        matches!(self.node(node).kind.as_str(), "Person" | "Organization")
    }

    /// The analytics graph of rings and key players: the ties between actors.
    ///
    /// - A phone, account, wallet or online account held by exactly one person or
    ///   organisation (ownership, or a phone property) is contracted into its holder, so
    ///   calls and transfers tie people directly and a person whose phone is the hub is
    ///   the hub. Means held by several actors (or none) stay nodes of their own.
    /// - Overdoses and pill imprint-and-colour features (shared by many unrelated
    ///   products) are left out; chemical profiles and die marks, which name one batch
    ///   or one press, stay.
    ///
    /// Same node indices as [`Network::graph`]; contracted and left-out nodes are
    /// isolated.
    pub fn actor_graph(&self) -> Graph {
        let representative = self.holders();
        let mut builder = GraphBuilder::new(false);
        for node in &self.nodes {
            builder.node(&node.id);
        }
        let tie = |node: u32| {
            let node = self.node(node);
            !(node.kind == "OverdoseIncident" || node.id.starts_with("Product:pill:"))
        };
        for link in &self.links {
            if tie(link.source) && tie(link.target) {
                let source = representative[link.source as usize];
                let target = representative[link.target as usize];
                builder
                    .add_index_edge(source, target, link.weight)
                    .expect("link weights are positive and finite");
            }
        }
        builder.build()
    }

    /// For every node, its sole holder when it is a means (phone, account, wallet,
    /// online account) held by exactly one actor, else itself.
    pub fn holders(&self) -> Vec<u32> {
        const MEANS: [&str; 4] = ["Phone", "BankAccount", "CryptoWallet", "OnlineAccount"];
        (0..self.nodes.len() as u32)
            .map(|node| {
                if !MEANS.contains(&self.node(node).kind.as_str()) {
                    return node;
                }
                let holders: BTreeSet<u32> = self.incident[node as usize]
                    .iter()
                    .map(|&link| &self.links[link as usize])
                    .filter(|link| {
                        link.relation == "Ownership" || link.relation.ends_with(".phone")
                    })
                    .map(|link| link.other(node))
                    .filter(|&other| self.is_actor(other))
                    .collect();
                match holders.len() {
                    1 => *holders.first().expect("one holder"),
                    _ => node,
                }
            })
            .collect()
    }
}

#[derive(Default)]
struct Builder {
    nodes: Vec<Node>,
    node_index: HashMap<String, u32>,
    links: Vec<Link>,
    link_index: HashMap<(u32, u32, String), u32>,
    node_of_record: Vec<u32>,
    records_outside_window: u64,
    dangling_references: u64,
}

impl Builder {
    fn node(&mut self, id: &str, kind: &str, label: impl FnOnce() -> String) -> u32 {
        if let Some(&node) = self.node_index.get(id) {
            return node;
        }
        let node = self.nodes.len() as u32;
        self.nodes.push(Node {
            id: id.to_string(),
            kind: kind.to_string(),
            label: label(),
            records: Vec::new(),
        });
        self.node_index.insert(id.to_string(), node);
        node
    }

    #[allow(clippy::too_many_arguments)]
    fn link(
        &mut self,
        source: u32,
        target: u32,
        relation: &str,
        directed: bool,
        record: u32,
        time: Option<i64>,
        amount: f64,
    ) {
        if source == target {
            return;
        }
        let (source, target) = if directed || source < target {
            (source, target)
        } else {
            (target, source)
        };
        let key = (source, target, relation.to_string());
        let index = *self.link_index.entry(key).or_insert_with(|| {
            self.links.push(Link {
                source,
                target,
                relation: relation.to_string(),
                directed,
                count: 0,
                evidence: Vec::new(),
                first: None,
                last: None,
                amount: 0.0,
                weight: 0.0,
            });
            (self.links.len() - 1) as u32
        });
        let link = &mut self.links[index as usize];
        // Several values of one record (two `seized_from`) count once.
        if link.evidence.last() == Some(&record) {
            return;
        }
        link.count += 1;
        if link.evidence.len() < EVIDENCE_KEPT {
            link.evidence.push(record);
        }
        link.amount += amount;
        if let Some(time) = time {
            link.first = Some(link.first.map_or(time, |first| first.min(time)));
            link.last = Some(link.last.map_or(time, |last| last.max(time)));
        }
    }

    fn finish(
        mut self,
        records: Vec<SourceRecord>,
        record_times: Vec<Option<i64>>,
        options: &BuildOptions,
    ) -> Network {
        let reference_time = options
            .until
            .or_else(|| record_times.iter().flatten().copied().max());
        let half_life = options.half_life_days.max(f64::MIN_POSITIVE) * 86_400.0;
        let mut incident = vec![Vec::new(); self.nodes.len()];
        let mut builder = GraphBuilder::new(false);
        for node in &self.nodes {
            builder.node(&node.id);
        }
        for (index, link) in self.links.iter_mut().enumerate() {
            let recency = match (link.last, reference_time) {
                (Some(last), Some(now)) => {
                    let age = (now - last).max(0) as f64;
                    0.5 + 0.5 * (-age / half_life).exp2()
                }
                _ => 1.0,
            };
            link.weight =
                base_weight(&link.relation) * (1.0 + f64::from(link.count).ln()) * recency;
            incident[link.source as usize].push(index as u32);
            incident[link.target as usize].push(index as u32);
            builder
                .add_index_edge(
                    link.source as NodeIndex,
                    link.target as NodeIndex,
                    link.weight,
                )
                .expect("link weights are positive and finite");
        }
        Network {
            graph: builder.build(),
            nodes: self.nodes,
            links: self.links,
            records,
            record_times,
            records_outside_window: self.records_outside_window,
            dangling_references: self.dangling_references,
            node_index: self.node_index,
            node_of_record: self.node_of_record,
            incident,
        }
    }
}

/// A record's time: its first `date` or `datetime` property, as Unix seconds.
fn record_time(record: &SourceRecord, kind: &model::EntityKind) -> Option<i64> {
    kind.properties.values().find_map(|property| {
        let value = record.properties.get(&property.name)?.first()?;
        match property.property_type {
            PropertyType::Datetime => DateTime::parse_from_rfc3339(value)
                .ok()
                .map(|time| time.timestamp()),
            PropertyType::Date => parse_date(value),
            _ => None,
        }
    })
}

/// A full or partial ISO date (`YYYY`, `YYYY-MM`) as the Unix time of its first day.
fn parse_date(value: &str) -> Option<i64> {
    let padded = match value.len() {
        4 => format!("{value}-01-01"),
        7 => format!("{value}-01"),
        _ => value.to_string(),
    };
    NaiveDate::parse_from_str(&padded, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|time| time.and_utc().timestamp())
}

/// The node id of a thing or event record (see the crate doc).
fn node_id(
    record: &SourceRecord,
    kind: &model::EntityKind,
    assignment: &BTreeMap<RecordId, String>,
) -> String {
    if record.kind == "Person" {
        return match assignment.get(&record.id) {
            Some(entity) => format!("Person:{entity}"),
            None => format!("Person:{}", record.entity_key.to_hex()),
        };
    }
    let identifying = kind.properties.values().find(|property| {
        property.required
            && property.matchable
            && !matches!(property.property_type, PropertyType::Name)
    });
    if let Some(property) = identifying
        && let Some(value) = record
            .properties
            .get(&property.name)
            .and_then(|values| values.first())
    {
        let value = if record.kind == "Address" {
            normalise_address(value).unwrap_or_else(|| value.clone())
        } else {
            value.clone()
        };
        return format!("{}:{value}", record.kind);
    }
    format!("{}:{}", record.kind, record.entity_key.to_hex())
}

/// An address as a comparison key: USPS-standardised (`resolution::Address`: suffixes
/// and directionals abbreviated, units as `#N`), then house number, street, unit and ZIP
/// code (the city when there is no ZIP). `None` without a house number and street.
fn normalise_address(text: &str) -> Option<String> {
    let address = resolution::Address::parse(text);
    let number = address.number.as_ref()?;
    let street = address.street.as_ref()?;
    let place = address.postal_code.as_ref().or(address.city.as_ref());
    let parts: Vec<&str> = [Some(number), Some(street), address.unit.as_ref(), place]
        .into_iter()
        .flatten()
        .map(|part| part.as_str())
        .collect();
    Some(parts.join(" ").to_lowercase())
}

/// A record's caption from the schema's caption properties.
fn caption(record: &SourceRecord, kind: &model::EntityKind) -> String {
    let parts: Vec<&str> = kind
        .caption
        .iter()
        .filter_map(|name| record.properties.get(name)?.first())
        .map(String::as_str)
        .collect();
    if parts.is_empty() {
        record.kind.clone()
    } else {
        parts.join(" ")
    }
}

/// The product features of a fingerprint record: node id and relation.
pub(crate) fn fingerprint_features(record: &SourceRecord) -> Vec<(String, &'static str)> {
    let first = |name: &str| {
        record
            .properties
            .get(name)
            .and_then(|values| values.first())
            .map(|value| value.to_lowercase())
    };
    let mut features = Vec::new();
    if let Some(profile) = first("chemical_profile") {
        features.push((format!("Product:chem:{profile}"), "Product.chem"));
    }
    if let Some(marks) = first("die_marks") {
        features.push((format!("Product:die:{marks}"), "Product.die"));
    }
    if let Some(imprint) = first("imprint") {
        let colour = first("pill_color").unwrap_or_default();
        features.push((format!("Product:pill:{imprint}/{colour}"), "Product.pill"));
    }
    features
}
