//! What the façade answers: plain serialisable views, the JSON of the HTTP API.
//! Nothing here carries a value the asking user may not read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The signed-on user as the UI shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub user: String,
    pub display_name: String,
    pub agency: String,
    pub agency_name: String,
    pub roles: Vec<String>,
    pub clearance: String,
    pub caveats: Vec<String>,
    pub cases: Vec<String>,
    /// What the user may do, for the UI to show or hide pages (the server checks
    /// again on every call): `records`, `link_analysis`, `operations`, `audit`, `admin`.
    pub abilities: Vec<String>,
    /// Seconds of inactivity before the session locks.
    pub idle_timeout_seconds: i64,
    /// RFC 3339; when the session ends whatever the activity.
    pub session_expires_at: Option<String>,
}

/// A log-on request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogonRequest {
    pub user: String,
    pub password: String,
    /// The current TOTP code, when the account has a second factor.
    #[serde(default)]
    pub totp: Option<String>,
}

/// A successful log-on: the session secret goes to the client once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogonGranted {
    pub session: String,
    pub me: Me,
}

/// A count as the user may see it: public-health users get small counts suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CountView {
    Count(u64),
    /// `"<11"`-style marker: between 1 and the suppression threshold.
    Suppressed(SuppressedMarker),
}

/// Serialises as the string `"suppressed"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressedMarker {
    Suppressed,
}

/// A search.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SearchRequest {
    /// Words; every word must match a token of a record (prefix match on the last).
    pub q: String,
    /// Only these entity kinds; empty: all.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Only records of these agencies; empty: all.
    #[serde(default)]
    pub agencies: Vec<String>,
    /// At most this many hits (default 50, at most 500).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// One facet value and how many readable matching records have it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacetCount {
    pub value: String,
    pub count: CountView,
}

/// Search results: entities the user may read, and pointers for the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResponse {
    pub query: String,
    /// Matching entities the user may read (before `limit`).
    pub total: usize,
    pub hits: Vec<SearchHit>,
    pub facets: Facets,
    /// Matches in records the user may not read: who holds them, whom to call.
    pub pointers: Vec<PointerView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facets {
    pub kind: Vec<FacetCount>,
    pub agency: Vec<FacetCount>,
}

/// An entity (a network node) found by a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub node: String,
    pub kind: String,
    pub label: String,
    pub agencies: Vec<String>,
    /// Readable records behind the entity.
    pub records: usize,
    /// `property: value` of the matching values.
    pub matched: Vec<String>,
}

/// That records exist which the user may not read: never their content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointerView {
    pub agency: String,
    pub agency_name: String,
    pub contact: Option<String>,
    pub records: usize,
}

/// One source record as the user may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordView {
    pub id: String,
    pub kind: String,
    pub agency: String,
    pub feed: String,
    pub source_record_id: String,
    pub batch: String,
    pub reported_at: Option<String>,
    pub sensitivity: String,
    pub caveats: Vec<String>,
    pub data_class: String,
    pub criminal_predicate: Option<String>,
    pub review_by: Option<String>,
    /// `pending`, `validated` or `rejected` for criminal intelligence; `None` otherwise.
    pub part23: Option<String>,
    pub properties: BTreeMap<String, serde_json::Value>,
    /// Protected properties withheld from this user.
    pub redacted: Vec<String>,
}

/// A neighbour of an entity, for its profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeighbourView {
    pub node: String,
    pub kind: String,
    pub label: String,
    pub relations: Vec<String>,
    pub count: u32,
    pub weight: f64,
}

/// One compared pair of resolution, with per-field evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolutionPairView {
    pub left: String,
    pub right: String,
    pub weight: Option<f64>,
    pub probability: Option<f64>,
    /// `link` (merged), `review` (borderline, for a reviewer).
    pub role: String,
    pub evidence: serde_json::Value,
}

/// Why the records of a person entity are one person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolutionView {
    pub entity: String,
    pub run: Option<u64>,
    pub pairs: Vec<ResolutionPairView>,
}

/// An inferred chain role with its reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleView {
    pub role: Option<String>,
    pub score: f64,
    pub reasons: Vec<String>,
}

/// Everything the user may see about one entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityProfile {
    pub node: String,
    pub kind: String,
    pub label: String,
    pub records: Vec<RecordView>,
    pub pointers: Vec<PointerView>,
    pub neighbours: Vec<NeighbourView>,
    pub ring: Option<u32>,
    pub role: Option<RoleView>,
    pub key_player_score: Option<f64>,
    pub resolution: Option<ResolutionView>,
}

/// A neighbourhood request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GraphRequest {
    pub node: String,
    /// Hops (default 1, at most 3).
    #[serde(default)]
    pub depth: Option<u32>,
    /// Relation names or prefixes; empty: all.
    #[serde(default)]
    pub relations: Vec<String>,
    /// ISO date or RFC 3339: only links with evidence at or after.
    #[serde(default)]
    pub since: Option<String>,
    /// ISO date or RFC 3339: only links with evidence before.
    #[serde(default)]
    pub until: Option<String>,
    /// At most this many nodes (default 150, at most 1000).
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphNode {
    pub id: String,
    pub kind: String,
    pub label: String,
    pub ring: Option<u32>,
    pub key_player_score: Option<f64>,
    pub role: Option<String>,
    /// Hops from the requested node.
    pub depth: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphLink {
    pub source: String,
    pub target: String,
    pub relation: String,
    pub count: u32,
    pub weight: f64,
    pub first: Option<String>,
    pub last: Option<String>,
}

/// A subgraph for the link chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphView {
    pub nodes: Vec<GraphNode>,
    pub links: Vec<GraphLink>,
    /// Whether nodes were left out by the limit.
    pub truncated: bool,
}

/// One path with the evidence of every hop.
#[derive(Debug, Clone, Serialize)]
pub struct PathView {
    pub cost: f64,
    pub nodes: Vec<GraphNode>,
    pub hops: Vec<network::Hop>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PathsResponse {
    pub from: String,
    pub to: String,
    pub paths: Vec<PathView>,
}

/// A ranked key player with its reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyPlayerView {
    pub rank: usize,
    pub node: String,
    pub kind: String,
    pub label: String,
    pub score: f64,
    pub ring: Option<u32>,
    pub role: Option<String>,
    pub reasons: Vec<String>,
}

/// A planned operation to register.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OperationRequest {
    pub name: String,
    pub latitude: f64,
    pub longitude: f64,
    pub radius_m: f64,
    /// RFC 3339.
    pub starts_at: String,
    /// RFC 3339.
    pub ends_at: String,
    /// Entity ids (`P-…`, node ids) or record ids; may be empty.
    #[serde(default)]
    pub targets: Vec<String>,
    pub contact_name: String,
    pub contact_phone: String,
    #[serde(default)]
    pub case: Option<String>,
}

/// What a party of a conflict is told: the other agency and whom to call, never the
/// other operation's targets, place or name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictView {
    pub other_agency: String,
    pub contact_name: String,
    pub contact_phone: String,
    /// e.g. "within 1 km, overlapping 2026-12-01 06:00 to 08:00 UTC" or "a shared target".
    pub overlap: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationResult {
    pub operation: String,
    pub conflicts: Vec<ConflictView>,
}

/// An alert in a user's inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertView {
    pub id: String,
    /// `deconfliction` or `watch`.
    pub kind: String,
    /// RFC 3339.
    pub at: String,
    /// The agency the alert is addressed to.
    pub agency: String,
    pub summary: String,
    pub other_agency: Option<String>,
    pub contact: Option<String>,
}

/// A point on the map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapPoint {
    pub node: String,
    pub kind: String,
    pub label: String,
    pub latitude: f64,
    pub longitude: f64,
    pub time: Option<String>,
}

/// Counts per county (public-health users see small counts suppressed; they get no
/// points).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountyCount {
    pub county_fips: String,
    pub kind: String,
    pub count: CountView,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapResponse {
    pub points: Vec<MapPoint>,
    pub counties: Vec<CountyCount>,
}

/// An account as administrators see it (no secrets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub agency: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub clearance: String,
    pub caveats: Vec<String>,
    pub second_factor: bool,
    pub locked: bool,
    pub disabled: bool,
}

/// A TOTP secret offered to the signed-on user: shown once, kept pending until a code
/// from it is confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpEnrolment {
    /// Base32, for typing into an authenticator app.
    pub secret: String,
    /// The `otpauth://` provisioning URI (for a QR code).
    pub uri: String,
}

/// A new account or changed rights.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserRequest {
    pub id: String,
    pub agency: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub clearance: String,
    #[serde(default)]
    pub caveats: Vec<String>,
    /// Required for a new account; ignored on update when absent.
    #[serde(default)]
    pub password: Option<String>,
}

/// The audit chain's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifyView {
    pub ok: bool,
    pub entries: u64,
    pub message: String,
}

/// How the loaded data stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusView {
    pub backend: String,
    /// Records the user may read, by kind (small counts suppressed for public health).
    pub records_by_kind: Vec<FacetCount>,
    pub nodes: usize,
    pub links: usize,
    pub loaded_at: String,
}

/// A search by another agency that matched records of the owner's it could not read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InquiryView {
    /// RFC 3339.
    pub at: String,
    pub user: String,
    pub agency: String,
    pub case: Option<String>,
    /// How many of the owner's records matched.
    pub records: u64,
}

/// An entity linked to every one of several entities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommonAssociateView {
    pub node: GraphNode,
    /// Hops from each of the entities asked about, in their order.
    pub hops: Vec<u32>,
    /// The relation by which each of them reaches it, in their order.
    pub relations: Vec<String>,
}
