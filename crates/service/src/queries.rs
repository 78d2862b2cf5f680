//! Search, entity profiles, the link chart, paths, rings, key players, traces, the map
//! and exports: each on the asking user's view (see the crate doc).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use access::Role;
use chrono::{DateTime, NaiveDate, Utc};
use graph::paths::k_shortest_paths;
use graph::traversal::Cost;
use network::LinkFilter;
use store::{AuditAction, AuditOutcome, NewAuditEntry};

use crate::snapshot::{Seen, Snapshot, View, tokenize};
use crate::*;

/// Search hits returned by default and at most.
const DEFAULT_HITS: usize = 50;
const MAX_HITS: usize = 500;
/// Link-chart nodes by default and at most.
const DEFAULT_NODES: usize = 150;
const MAX_NODES: usize = 1000;
const MAX_DEPTH: u32 = 3;
/// Records per hit whose matching values are quoted.
const QUOTED_RECORDS: usize = 3;
/// Neighbours listed on a profile.
const PROFILE_NEIGHBOURS: usize = 100;

/// Whether the actor holds a law-enforcement role.
pub(crate) fn is_law_enforcement(actor: &Actor) -> bool {
    actor
        .user
        .roles
        .iter()
        .any(|role| role.is_law_enforcement())
}

/// Whether the actor holds a role that reads records (analysts, investigators,
/// supervisors and epidemiologists).
pub(crate) fn reads_records(actor: &Actor) -> bool {
    actor.user.roles.iter().any(|role| {
        matches!(
            role,
            Role::Analyst | Role::Investigator | Role::Supervisor | Role::Epidemiologist
        )
    })
}

/// Whether the actor may use `scope`: a session may use all, a token its own.
pub(crate) fn has_scope(actor: &Actor, scope: auth::Scope) -> bool {
    actor
        .scopes
        .as_ref()
        .is_none_or(|scopes| scopes.contains(&scope))
}

/// Refuses a token without `scope` ("this token has no … scope").
pub(crate) fn require_scope(actor: &Actor, scope: auth::Scope) -> ServiceResult<()> {
    if has_scope(actor, scope) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(format!(
            "this token has no {} scope",
            scope.as_str()
        )))
    }
}

impl Service {
    /// Records are read by analysts, investigators, supervisors and epidemiologists.
    pub(crate) fn require_records(&self, actor: &Actor) -> ServiceResult<()> {
        if !reads_records(actor) {
            return Err(ServiceError::Forbidden(
                "your roles do not read records".to_string(),
            ));
        }
        require_scope(actor, auth::Scope::Read)
    }

    /// Link analysis (charts, paths, rings, key players, traces) is for law
    /// enforcement: public-health users get aggregates.
    pub(crate) fn require_link_analysis(&self, actor: &Actor) -> ServiceResult<()> {
        self.require_records(actor)?;
        if !is_law_enforcement(actor) {
            return Err(ServiceError::Forbidden(
                "link analysis is for law-enforcement roles".to_string(),
            ));
        }
        Ok(())
    }

    pub(crate) fn view_of(&self, actor: &Actor) -> (Arc<Snapshot>, Arc<View>) {
        let snapshot = self.current();
        let view = snapshot.view(&actor.user, &self.schema);
        if !Self::public_health_only(actor) {
            View::warm(&view);
        }
        (snapshot, view)
    }

    /// Whether the actor only sees public-health aggregates (small counts suppressed).
    fn public_health_only(actor: &Actor) -> bool {
        !is_law_enforcement(actor)
    }

    fn count_view(&self, actor: &Actor, count: u64) -> CountView {
        if Self::public_health_only(actor)
            && access::suppress_small_count(count, self.settings.suppression_threshold)
                == access::PublishedCount::Suppressed
        {
            CountView::Suppressed(SuppressedMarker::Suppressed)
        } else {
            CountView::Count(count)
        }
    }

    pub fn search(&self, actor: &Actor, request: &SearchRequest) -> ServiceResult<SearchResponse> {
        self.require_records(actor)?;
        let words: Vec<String> = tokenize(&request.q).collect();
        if words.is_empty() {
            return Err(ServiceError::BadRequest(
                "give at least one word of two or more letters or digits".to_string(),
            ));
        }
        let (snapshot, view) = self.view_of(actor);
        let matching = matching_records(&snapshot, &words);
        // Filters and facets work on the dense kind and agency codes.
        let wanted_codes = |names: &[String], wanted: &[String]| -> Vec<bool> {
            names
                .iter()
                .map(|name| wanted.is_empty() || wanted.contains(name))
                .collect()
        };
        let kind_wanted = wanted_codes(&snapshot.facet_kinds, &request.kinds);
        let agency_wanted = wanted_codes(&snapshot.facet_agencies, &request.agencies);
        let wanted = |index: u32| {
            kind_wanted[snapshot.kind_of[index as usize] as usize]
                && agency_wanted[snapshot.agency_of[index as usize] as usize]
        };
        let mut kind_counts = vec![0u64; snapshot.facet_kinds.len()];
        let mut agency_counts = vec![0u64; snapshot.facet_agencies.len()];
        let mut pointers: BTreeMap<String, usize> = BTreeMap::new();
        // Per node: matching readable records, and the first few of them (their
        // matching values are quoted for the hits shown, not for every match).
        let mut found: Vec<(u32, u32)> = Vec::with_capacity(matching.len());
        for &index in &matching {
            match view.seen[index as usize] {
                Seen::Readable => {
                    // Facets count every readable match, before the filters narrow.
                    kind_counts[snapshot.kind_of[index as usize] as usize] += 1;
                    agency_counts[snapshot.agency_of[index as usize] as usize] += 1;
                    if !wanted(index) {
                        continue;
                    }
                    let inner = view.inner_of[index as usize];
                    let Some(node) = view.network.node_of_record(inner) else {
                        continue;
                    };
                    found.push((node, inner));
                }
                Seen::Pointer if wanted(index) => {
                    *pointers
                        .entry(snapshot.records[index as usize].provenance.agency.clone())
                        .or_default() += 1;
                }
                Seen::Pointer | Seen::Denied => {}
            }
        }
        let network = &view.network;
        // Grouped by node without hashing or an allocation per node: sorting a few
        // thousand pairs is cheaper. Each group is (node, matches, where it starts).
        found.sort_unstable();
        let mut ranked: Vec<(u32, usize, usize)> = Vec::with_capacity(found.len());
        for (position, &(node, _)) in found.iter().enumerate() {
            match ranked.last_mut() {
                Some((last, count, _)) if *last == node => *count += 1,
                _ => ranked.push((node, 1, position)),
            }
        }
        let total = ranked.len();
        // The most matching records first; among equals, network order picks which
        // are shown, then the shown ones are ordered by label.
        let limit = request.limit.unwrap_or(DEFAULT_HITS).clamp(1, MAX_HITS);
        if ranked.len() > limit {
            ranked.select_nth_unstable_by_key(limit, |&(node, count, _)| {
                (std::cmp::Reverse(count), node)
            });
            ranked.truncate(limit);
        }
        ranked.sort_unstable_by(|(left, left_count, _), (right, right_count, _)| {
            right_count
                .cmp(left_count)
                .then_with(|| network.node(*left).label.cmp(&network.node(*right).label))
                .then_with(|| network.node(*left).id.cmp(&network.node(*right).id))
        });
        let hits: Vec<SearchHit> = ranked
            .into_iter()
            .map(|(node, records, start)| {
                let mut matched = BTreeSet::new();
                let quoted = found[start..start + records.min(QUOTED_RECORDS)]
                    .iter()
                    .map(|&(_, inner)| inner);
                for inner in quoted {
                    for (property, values) in &network.records[inner as usize].properties {
                        for value in values {
                            let quotes = tokenize(value)
                                .any(|token| words.iter().any(|word| token.starts_with(word)));
                            if quotes && matched.len() < 5 {
                                matched.insert(format!("{property}: {value}"));
                            }
                        }
                    }
                }
                let agencies = network
                    .agencies(node)
                    .into_iter()
                    .map(str::to_string)
                    .collect();
                let node = network.node(node);
                SearchHit {
                    node: node.id.clone(),
                    kind: node.kind.clone(),
                    label: node.label.clone(),
                    agencies,
                    records,
                    matched: matched.into_iter().collect(),
                }
            })
            .collect();
        let named = |names: &[String], counts: Vec<u64>| -> BTreeMap<String, u64> {
            names
                .iter()
                .zip(counts)
                .filter(|(_, count)| *count > 0)
                .map(|(name, count)| (name.clone(), count))
                .collect()
        };
        let kinds = named(&snapshot.facet_kinds, kind_counts);
        let agencies = named(&snapshot.facet_agencies, agency_counts);
        let pointers: Vec<PointerView> = pointers
            .into_iter()
            .map(|(agency, records)| self.pointer(&snapshot, &agency, records))
            .collect();
        let facet = |counts: BTreeMap<String, u64>| {
            counts
                .into_iter()
                .map(|(value, count)| FacetCount {
                    value,
                    count: self.count_view(actor, count),
                })
                .collect()
        };
        let response = SearchResponse {
            query: request.q.clone(),
            total,
            hits,
            facets: Facets {
                kind: facet(kinds),
                agency: facet(agencies),
            },
            pointers,
        };
        let mut entries = vec![Self::audit_entry(
            actor,
            AuditAction::Search,
            format!("query={:?}", request.q),
            "",
            AuditOutcome::Allowed,
        )];
        // The owners learn that someone inquired about their records.
        for pointer in &response.pointers {
            entries.push(Self::audit_entry(
                actor,
                AuditAction::Search,
                format!("inquiry;to={};records={}", pointer.agency, pointer.records),
                "pointer returned",
                AuditOutcome::Allowed,
            ));
        }
        self.audit_all(entries)?;
        Ok(response)
    }

    fn pointer(&self, snapshot: &Snapshot, agency: &str, records: usize) -> PointerView {
        PointerView {
            agency: agency.to_string(),
            agency_name: snapshot.agency_name(agency),
            contact: snapshot.policy.contacts.get(agency).cloned(),
            records,
        }
    }

    pub fn entity(&self, actor: &Actor, node_id: &str) -> ServiceResult<EntityProfile> {
        self.require_records(actor)?;
        let (snapshot, view) = self.view_of(actor);
        let Some(node) = view.network.node_by_id(node_id) else {
            // Nothing readable: pointers only when the user may know of the records.
            return Err(ServiceError::NotFound(format!("no entity {node_id:?}")));
        };
        let network = &view.network;
        let outer_records: Vec<u32> = network
            .node(node)
            .records
            .iter()
            .map(|&inner| view.outer_of[inner as usize])
            .collect();
        let records: Vec<RecordView> = outer_records
            .iter()
            .map(|&outer| record_view(&snapshot, &view, outer))
            .collect();
        // Other records of the same resolved person that the user may only know of.
        let entity = outer_records.first().and_then(|&outer| {
            snapshot
                .assignment
                .get(&snapshot.records[outer as usize].id)
        });
        let mut pointer_counts: BTreeMap<String, usize> = BTreeMap::new();
        if let Some(entity) = entity {
            for &index in snapshot.entity_records.get(entity).into_iter().flatten() {
                if view.seen[index as usize] == Seen::Pointer {
                    *pointer_counts
                        .entry(snapshot.records[index as usize].provenance.agency.clone())
                        .or_default() += 1;
                }
            }
        }
        let pointers = pointer_counts
            .into_iter()
            .map(|(agency, count)| self.pointer(&snapshot, &agency, count))
            .collect();
        let mut neighbours: BTreeMap<u32, NeighbourView> = BTreeMap::new();
        for &link in network.links_at(node) {
            let link = &network.links[link as usize];
            let other = link.other(node);
            let other_node = network.node(other);
            let entry = neighbours.entry(other).or_insert_with(|| NeighbourView {
                node: other_node.id.clone(),
                kind: other_node.kind.clone(),
                label: other_node.label.clone(),
                relations: Vec::new(),
                count: 0,
                weight: 0.0,
            });
            entry.relations.push(link.relation.clone());
            entry.count += link.count;
            entry.weight += link.weight;
        }
        let mut neighbours: Vec<NeighbourView> = neighbours.into_values().collect();
        neighbours.sort_by(|left, right| right.weight.total_cmp(&left.weight));
        neighbours.truncate(PROFILE_NEIGHBOURS);
        let is_law_enforcement = !Self::public_health_only(actor);
        // Annotations only once computed: a profile never waits for the analytics.
        let analytics = if is_law_enforcement {
            view.analytics_ready()
        } else {
            None
        };
        let role = analytics.and_then(|analytics| {
            let assignment = &analytics.roles[*analytics.role_of.get(&node)?];
            Some(RoleView {
                role: assignment.role.map(|role| role.as_str().to_string()),
                score: assignment.score,
                reasons: assignment.reasons.clone(),
            })
        });
        let resolution = entity.map(|entity| ResolutionView {
            entity: entity.clone(),
            run: snapshot.latest_run,
            pairs: resolution_pairs(&snapshot, &view, &outer_records),
        });
        let profile = EntityProfile {
            node: network.node(node).id.clone(),
            kind: network.node(node).kind.clone(),
            label: network.node(node).label.clone(),
            records,
            pointers,
            neighbours,
            ring: analytics.and_then(|analytics| View::ring_of(analytics, node)),
            role,
            key_player_score: analytics.and_then(|analytics| analytics.scores.get(&node).copied()),
            resolution,
        };
        let ids: Vec<String> = profile
            .records
            .iter()
            .map(|record| record.id.clone())
            .collect();
        let mut entries = vec![Self::audit_entry(
            actor,
            AuditAction::View,
            format!("entity={};records={}", profile.node, ids.join(",")),
            "",
            AuditOutcome::Allowed,
        )];
        entries.extend(Self::dissemination_entries(
            actor,
            &snapshot,
            &outer_records,
            "entity profile",
        ));
        self.audit_all(entries)?;
        Ok(profile)
    }

    /// Content of another agency's records shown to the actor is a dissemination
    /// (28 CFR 23.20(g)): one entry per owning agency.
    pub(crate) fn log_dissemination(
        &self,
        actor: &Actor,
        snapshot: &Snapshot,
        records: &[u32],
        via: &str,
    ) -> ServiceResult<()> {
        self.audit_all(Self::dissemination_entries(actor, snapshot, records, via))
    }

    /// The dissemination entries of showing `records` to the actor.
    fn dissemination_entries(
        actor: &Actor,
        snapshot: &Snapshot,
        records: &[u32],
        via: &str,
    ) -> Vec<NewAuditEntry> {
        let mut by_owner: BTreeMap<&str, Vec<model::RecordId>> = BTreeMap::new();
        for &index in records {
            let record = &snapshot.records[index as usize];
            if record.provenance.agency != actor.user.agency {
                by_owner
                    .entry(record.provenance.agency.as_str())
                    .or_default()
                    .push(record.id);
            }
        }
        by_owner
            .into_iter()
            .map(|(owner, ids)| {
                let target = store::DisseminationTarget {
                    recipient_agency: actor.user.agency.clone(),
                    recipient_user: actor.user.id.clone(),
                    records: ids,
                    via: via.to_string(),
                };
                Self::audit_entry(
                    actor,
                    AuditAction::Dissemination,
                    target.to_target(),
                    format!("owner {owner}"),
                    AuditOutcome::Allowed,
                )
            })
            .collect()
    }

    pub fn neighbourhood(&self, actor: &Actor, request: &GraphRequest) -> ServiceResult<GraphView> {
        self.require_link_analysis(actor)?;
        let (_, view) = self.view_of(actor);
        let result = neighbourhood_view(&view, request)?;
        self.audit(
            actor,
            AuditAction::Search,
            format!(
                "neighbourhood={};depth={}",
                request.node,
                request.depth.unwrap_or(1)
            ),
            "",
            AuditOutcome::Allowed,
        )?;
        Ok(result)
    }

    /// Up to `k` shortest paths (default 3) with the evidence of every hop.
    pub fn paths(
        &self,
        actor: &Actor,
        from: &str,
        to: &str,
        k: usize,
    ) -> ServiceResult<PathsResponse> {
        self.require_link_analysis(actor)?;
        let (_, view) = self.view_of(actor);
        let network = &view.network;
        let find = |id: &str| {
            network
                .node_by_id(id)
                .ok_or_else(|| ServiceError::NotFound(format!("no entity {id:?}")))
        };
        let (source, target) = (find(from)?, find(to)?);
        let analytics = view.analytics_ready();
        let found = k_shortest_paths(
            &network.graph,
            source,
            target,
            k.clamp(1, 10),
            Cost::InverseWeight,
        )
        .map_err(|error| ServiceError::Internal(error.to_string()))?;
        let paths = found
            .iter()
            .map(|path| PathView {
                cost: path.cost,
                nodes: path
                    .nodes
                    .iter()
                    .enumerate()
                    .map(|(position, &node)| graph_node(&view, analytics, node, position as u32))
                    .collect(),
                hops: network.hops(&path.nodes),
            })
            .collect();
        self.audit(
            actor,
            AuditAction::Search,
            format!("paths={from}..{to}"),
            "",
            AuditOutcome::Allowed,
        )?;
        Ok(PathsResponse {
            from: from.to_string(),
            to: to.to_string(),
            paths,
        })
    }

    /// Rings found in the user's view, largest first.
    pub fn rings(&self, actor: &Actor) -> ServiceResult<Vec<network::rings::Ring>> {
        self.require_link_analysis(actor)?;
        let (_, view) = self.view_of(actor);
        let rings = view.analytics()?.rings.clone();
        self.audit(
            actor,
            AuditAction::Search,
            "rings",
            "",
            AuditOutcome::Allowed,
        )?;
        Ok(rings)
    }

    pub fn key_players(&self, actor: &Actor, top: usize) -> ServiceResult<Vec<KeyPlayerView>> {
        self.require_link_analysis(actor)?;
        let (_, view) = self.view_of(actor);
        let analytics = view.analytics()?;
        let network = &view.network;
        let mut ranked: Vec<(u32, f64)> = analytics
            .scores
            .iter()
            .filter(|(node, _)| network.is_actor(**node))
            .map(|(&node, &score)| (node, score))
            .collect();
        ranked.sort_by(|left, right| right.1.total_cmp(&left.1).then(left.0.cmp(&right.0)));
        let players = ranked
            .into_iter()
            .take(top.clamp(1, 500))
            .enumerate()
            .map(|(rank, (node, score))| {
                let assignment = analytics
                    .role_of
                    .get(&node)
                    .map(|&position| &analytics.roles[position]);
                let mut reasons = vec![format!(
                    "key-player score {score:.3}: {} in the network you may read",
                    analytics.key_player_basis
                )];
                reasons.extend(
                    assignment
                        .map(|assignment| assignment.reasons.clone())
                        .unwrap_or_default(),
                );
                KeyPlayerView {
                    rank: rank + 1,
                    node: network.node(node).id.clone(),
                    kind: network.node(node).kind.clone(),
                    label: network.node(node).label.clone(),
                    score,
                    ring: View::ring_of(analytics, node),
                    role: assignment
                        .and_then(|assignment| assignment.role)
                        .map(|role| role.as_str().to_string()),
                    reasons,
                }
            })
            .collect();
        self.audit(
            actor,
            AuditAction::Search,
            "key-players",
            "",
            AuditOutcome::Allowed,
        )?;
        Ok(players)
    }

    /// Overdose incidents the user may see (for the trace page), newest first.
    pub fn overdoses(&self, actor: &Actor, limit: usize) -> ServiceResult<Vec<GraphNode>> {
        self.require_link_analysis(actor)?;
        let (_, view) = self.view_of(actor);
        let network = &view.network;
        let mut found: Vec<(Option<String>, u32)> = (0..network.nodes.len() as u32)
            .filter(|&node| network.node(node).kind == "OverdoseIncident")
            .map(|node| (network::trace::node_time(network, node), node))
            .collect();
        found.sort_by(|left, right| right.cmp(left));
        Ok(found
            .into_iter()
            .take(limit.clamp(1, 1000))
            .map(|(_, node)| graph_node(&view, None, node, 0))
            .collect())
    }

    pub fn trace(&self, actor: &Actor, overdose: &str) -> ServiceResult<network::trace::Trace> {
        self.require_link_analysis(actor)?;
        let (_, view) = self.view_of(actor);
        let node = view
            .network
            .node_by_id(overdose)
            .ok_or_else(|| ServiceError::NotFound(format!("no overdose {overdose:?}")))?;
        let analytics = view.analytics()?;
        let trace = network::trace::trace(
            &view.network,
            node,
            &analytics.roles,
            &analytics.scores,
            &network::trace::TraceOptions::default(),
        )
        .map_err(|error| ServiceError::BadRequest(error.to_string()))?;
        self.audit(
            actor,
            AuditAction::Search,
            format!("trace={overdose}"),
            "",
            AuditOutcome::Allowed,
        )?;
        Ok(trace)
    }

    pub fn map(
        &self,
        actor: &Actor,
        since: Option<&str>,
        until: Option<&str>,
    ) -> ServiceResult<MapResponse> {
        self.require_records(actor)?;
        let since = since.map(parse_moment).transpose()?;
        let until = until.map(parse_moment).transpose()?;
        let (snapshot, view) = self.view_of(actor);
        let mut points = Vec::new();
        let mut counties: BTreeMap<(String, String), u64> = BTreeMap::new();
        let public_health_only = Self::public_health_only(actor);
        for (&outer, &inner) in &view.in_network {
            let record = &snapshot.records[outer as usize];
            if !matches!(
                record.kind.as_str(),
                "Seizure" | "OverdoseIncident" | "Operation" | "Arrest"
            ) {
                continue;
            }
            let time = view
                .network
                .record_times
                .get(inner as usize)
                .copied()
                .flatten();
            if let Some(time) = time
                && (since.is_some_and(|since| time < since)
                    || until.is_some_and(|until| time >= until))
            {
                continue;
            }
            let property = |name: &str| {
                record
                    .properties
                    .get(name)
                    .and_then(|values| values.first())
            };
            if let Some(county) = property("county_fips") {
                *counties
                    .entry((county.clone(), record.kind.clone()))
                    .or_default() += 1;
            }
            if public_health_only {
                continue;
            }
            let (Some(latitude), Some(longitude)) = (
                property("latitude").and_then(|value| value.parse::<f64>().ok()),
                property("longitude").and_then(|value| value.parse::<f64>().ok()),
            ) else {
                continue;
            };
            let Some(node) = view.network.node_of_record(inner) else {
                continue;
            };
            points.push(MapPoint {
                node: view.network.node(node).id.clone(),
                kind: record.kind.clone(),
                label: view.network.node(node).label.clone(),
                latitude,
                longitude,
                time: time
                    .and_then(|seconds| DateTime::<Utc>::from_timestamp(seconds, 0))
                    .map(|moment| moment.to_rfc3339()),
            });
        }
        points.sort_by(|left, right| left.node.cmp(&right.node));
        points.dedup_by(|left, right| left.node == right.node);
        let counties = counties
            .into_iter()
            .map(|((county_fips, kind), count)| CountyCount {
                county_fips,
                kind,
                count: self.count_view(actor, count),
            })
            .collect();
        self.audit(actor, AuditAction::Search, "map", "", AuditOutcome::Allowed)?;
        Ok(MapResponse { points, counties })
    }

    /// GraphML of a neighbourhood (audited as an export).
    pub fn export_graphml(&self, actor: &Actor, request: &GraphRequest) -> ServiceResult<String> {
        self.require_link_analysis(actor)?;
        let (_, view) = self.view_of(actor);
        let subgraph = neighbourhood_view(&view, request)?;
        let mut builder = graph::GraphBuilder::new(false);
        for node in &subgraph.nodes {
            builder.node(&node.id);
        }
        for link in &subgraph.links {
            builder
                .add_edge(&link.source, &link.target, link.weight)
                .map_err(|error| ServiceError::Internal(error.to_string()))?;
        }
        let built = builder.build();
        let by_id: HashMap<&str, &GraphNode> = subgraph
            .nodes
            .iter()
            .map(|node| (node.id.as_str(), node))
            .collect();
        let column =
            |name: &str, value: &dyn Fn(&GraphNode) -> String| graph::export::NodeAttribute {
                name: name.to_string(),
                values: graph::export::AttributeValues::Text(
                    built
                        .ids()
                        .iter()
                        .map(|id| value(by_id[id.as_str()]))
                        .collect(),
                ),
            };
        let attributes = vec![
            column("kind", &|node| node.kind.clone()),
            column("label", &|node| node.label.clone()),
            column("role", &|node| node.role.clone().unwrap_or_default()),
            column("ring", &|node| {
                node.ring.map(|ring| ring.to_string()).unwrap_or_default()
            }),
        ];
        let mut out = Vec::new();
        graph::export::write_graphml(&built, &attributes, &mut out)
            .map_err(|error| ServiceError::Internal(error.to_string()))?;
        self.audit(
            actor,
            AuditAction::Export,
            format!(
                "graphml;neighbourhood={};nodes={}",
                request.node,
                subgraph.nodes.len()
            ),
            "",
            AuditOutcome::Allowed,
        )?;
        String::from_utf8(out).map_err(|error| ServiceError::Internal(error.to_string()))
    }

    /// The access decision for one record and the actor, with the record's Part 23
    /// status and case ties as loaded (the reference the views are built from).
    pub fn decision(&self, actor: &Actor, record: model::RecordId) -> access::Decision {
        let snapshot = self.current();
        match snapshot.index_of.get(&record) {
            Some(&index) => snapshot.decide(&actor.user, &self.schema, index),
            None => access::Decision::Deny,
        }
    }

    /// The ids of every record the actor may read (content shown, possibly redacted),
    /// for access reviews: what a user's rights add up to.
    pub fn readable_records(&self, actor: &Actor) -> ServiceResult<Vec<model::RecordId>> {
        self.require_records(actor)?;
        let (snapshot, view) = self.view_of(actor);
        let mut ids: Vec<model::RecordId> = view
            .in_network
            .keys()
            .map(|&index| snapshot.records[index as usize].id)
            .collect();
        ids.sort();
        Ok(ids)
    }

    pub fn status(&self, actor: &Actor) -> ServiceResult<StatusView> {
        self.require_records(actor)?;
        let (snapshot, view) = self.view_of(actor);
        let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
        for &outer in view.in_network.keys() {
            *kinds
                .entry(snapshot.records[outer as usize].kind.clone())
                .or_default() += 1;
        }
        Ok(StatusView {
            backend: self.store.backend().to_string(),
            records_by_kind: kinds
                .into_iter()
                .map(|(value, count)| FacetCount {
                    value,
                    count: self.count_view(actor, count),
                })
                .collect(),
            nodes: view.network.nodes.len(),
            links: view.network.links.len(),
            loaded_at: snapshot.loaded_at.to_rfc3339(),
        })
    }
}

/// Records holding every word (the last one as a prefix), ascending.
pub(crate) fn matching_records(snapshot: &Snapshot, words: &[String]) -> Vec<u32> {
    let mut result: Option<Vec<u32>> = None;
    for (position, word) in words.iter().enumerate() {
        let mut found: Vec<u32> = if position + 1 == words.len() {
            let mut union: Vec<u32> = snapshot
                .tokens
                .range(word.clone()..)
                .take_while(|(token, _)| token.starts_with(word.as_str()))
                .flat_map(|(_, records)| records.iter().copied())
                .collect();
            union.sort_unstable();
            union.dedup();
            union
        } else {
            snapshot.tokens.get(word).cloned().unwrap_or_default()
        };
        if let Some(previous) = result {
            let keep: HashSet<u32> = previous.into_iter().collect();
            found.retain(|index| keep.contains(index));
        }
        result = Some(found);
    }
    result.unwrap_or_default()
}

pub(crate) fn record_view(snapshot: &Snapshot, view: &View, outer: u32) -> RecordView {
    let record = &snapshot.records[outer as usize];
    let redacted = view.redacted.get(&outer).cloned().unwrap_or_default();
    let part23 =
        (record.labels.data_class == model::DataClass::CriminalIntelligence).then(
            || match snapshot.validations.get(&record.id) {
                Some(validation) => validation.decision.clone(),
                None => "pending".to_string(),
            },
        );
    RecordView::of(record, part23, redacted)
}

impl RecordView {
    /// A record as shown, but for the `redacted` properties (no access decided here:
    /// the caller has), with its Part 23 validation status when it has one.
    pub fn of(
        record: &model::SourceRecord,
        part23: Option<String>,
        redacted: Vec<String>,
    ) -> RecordView {
        let properties = record
            .properties
            .iter()
            .filter(|(name, _)| !redacted.contains(name))
            .map(|(name, values)| {
                let value = match values.as_slice() {
                    [single] => serde_json::Value::String(single.clone()),
                    many => serde_json::json!(many),
                };
                (name.clone(), value)
            })
            .collect();
        RecordView {
            id: record.id.to_string(),
            kind: record.kind.clone(),
            agency: record.provenance.agency.clone(),
            feed: record.provenance.feed.clone(),
            source_record_id: record.provenance.source_record_id.clone(),
            batch: record.provenance.batch_id.to_string(),
            reported_at: Some(record.provenance.reported_at.to_rfc3339()),
            sensitivity: record.labels.sensitivity.to_string(),
            caveats: record.labels.caveats.iter().cloned().collect(),
            data_class: record.labels.data_class.to_string(),
            criminal_predicate: record
                .labels
                .predicate
                .as_ref()
                .map(|predicate| predicate.as_str().to_string()),
            review_by: record.labels.review_by.map(|date| date.to_string()),
            part23,
            properties,
            redacted,
        }
    }
}

/// Pairs of the latest run whose two records the user may both read and whose
/// evidence names no withheld field.
fn resolution_pairs(snapshot: &Snapshot, view: &View, records: &[u32]) -> Vec<ResolutionPairView> {
    let mut seen = HashSet::new();
    let mut pairs = Vec::new();
    for &index in records {
        for pair in snapshot.pairs.get(&index).into_iter().flatten() {
            let both_readable = [pair.left, pair.right].iter().all(|id| {
                snapshot.index_of.get(id).is_some_and(|&other| {
                    view.seen[other as usize] == Seen::Readable
                        && !view.redacted.contains_key(&other)
                })
            });
            if !both_readable || !seen.insert((pair.left, pair.right)) {
                continue;
            }
            pairs.push(ResolutionPairView {
                left: pair.left.to_string(),
                right: pair.right.to_string(),
                weight: pair.weight,
                probability: pair.probability,
                role: pair.role.as_str().to_string(),
                evidence: pair.evidence.clone(),
            });
        }
    }
    pairs
}

pub(crate) fn graph_node(
    view: &View,
    analytics: Option<&crate::snapshot::Analytics>,
    node: u32,
    depth: u32,
) -> GraphNode {
    let network = &view.network;
    GraphNode {
        id: network.node(node).id.clone(),
        kind: network.node(node).kind.clone(),
        label: network.node(node).label.clone(),
        ring: analytics.and_then(|analytics| View::ring_of(analytics, node)),
        key_player_score: analytics.and_then(|analytics| analytics.scores.get(&node).copied()),
        role: analytics.and_then(|analytics| {
            let position = *analytics.role_of.get(&node)?;
            analytics.roles[position]
                .role
                .map(|role| role.as_str().to_string())
        }),
        depth,
    }
}

fn neighbourhood_view(view: &View, request: &GraphRequest) -> ServiceResult<GraphView> {
    let network = &view.network;
    let start = network
        .node_by_id(&request.node)
        .ok_or_else(|| ServiceError::NotFound(format!("no entity {:?}", request.node)))?;
    let depth = request.depth.unwrap_or(1).clamp(1, MAX_DEPTH);
    let limit = request.limit.unwrap_or(DEFAULT_NODES).clamp(1, MAX_NODES);
    let since = request.since.as_deref().map(parse_moment).transpose()?;
    let until = request.until.as_deref().map(parse_moment).transpose()?;
    let filter = LinkFilter {
        relations: request.relations.clone(),
        agencies: Vec::new(),
    };
    let in_window = |link: &network::Link| {
        since.is_none_or(|since| link.last.is_none_or(|last| last >= since))
            && until.is_none_or(|until| link.first.is_none_or(|first| first < until))
    };
    let analytics = view.analytics_ready();
    let mut chosen: Vec<(u32, u32)> = vec![(start, 0)];
    let mut truncated = false;
    for (node, hops, link) in network.neighbourhood(start, depth, &filter) {
        if !in_window(&network.links[link as usize]) {
            continue;
        }
        if chosen.len() >= limit {
            truncated = true;
            break;
        }
        chosen.push((node, hops));
    }
    let members: HashSet<u32> = chosen.iter().map(|(node, _)| *node).collect();
    let mut links = Vec::new();
    let mut seen_links = HashSet::new();
    for &(node, _) in &chosen {
        for &link_index in network.links_at(node) {
            let link = &network.links[link_index as usize];
            if !members.contains(&link.other(node))
                || !network.passes(link, &filter)
                || !in_window(link)
                || !seen_links.insert(link_index)
            {
                continue;
            }
            let time = |seconds: Option<i64>| {
                seconds
                    .and_then(|seconds| DateTime::<Utc>::from_timestamp(seconds, 0))
                    .map(|moment| moment.to_rfc3339())
            };
            links.push(GraphLink {
                source: network.node(link.source).id.clone(),
                target: network.node(link.target).id.clone(),
                relation: link.relation.clone(),
                count: link.count,
                weight: link.weight,
                first: time(link.first),
                last: time(link.last),
            });
        }
    }
    Ok(GraphView {
        nodes: chosen
            .iter()
            .map(|&(node, hops)| graph_node(view, analytics, node, hops))
            .collect(),
        links,
        truncated,
    })
}

/// An ISO date (midnight UTC) or an RFC 3339 moment, as Unix seconds.
pub(crate) fn parse_moment(text: &str) -> ServiceResult<i64> {
    let text = text.trim();
    if let Ok(moment) = DateTime::parse_from_rfc3339(text) {
        return Ok(moment.timestamp());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|moment| moment.and_utc().timestamp())
        .ok_or_else(|| {
            ServiceError::BadRequest(format!(
                "{text:?} is neither a date (YYYY-MM-DD) nor an RFC 3339 time"
            ))
        })
}
