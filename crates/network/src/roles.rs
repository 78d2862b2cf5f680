//! Roles in the supply chain — importer, supplier, hub (stash), street dealer, money
//! handler — from explainable features of each person and organisation.
//!
//! An actor's features count what the network links to it and to the means it holds
//! (phones, accounts and wallets linked to it by ownership, a phone or address property,
//! or a money transfer it made directly):
//!
//! | feature | from |
//! |---|---|
//! | foreign parcels | parcels it is consignee of whose origin country is not the home country, and those with contraband found |
//! | precursor and press links | precursor transactions a person bought; unregistered, seized or stolen presses it holds; presses it received undeclared |
//! | calls out / in, contacts out / in | communications of its phones: counts and distinct other phones |
//! | money out / in | money transfers from / to it or its accounts: sums and counts; cash deposits |
//! | seizures | seizures from it: count and largest quantity in grams |
//! | arrests, sale and possession arrests | arrest records naming it; those whose charge names a drug sale, or drug possession ([`RoleRules`] words and statutes) |
//! | stash address | address links with role `stash_house` |
//!
//! Count thresholds are calibrated on the network itself ([`RoleRules::calibrated`]: the
//! larger of the fixed value and the 98th percentile among actors with any such
//! activity). Each role has a score, a sum of documented terms ([`RoleRules`]); the role is the
//! highest score of at least [`RoleRules::min_score`] (1.0; ties: the order of [`Role`]), and every term that counted is
//! a reason. Thresholds are parameters, not fitted to any data set.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::Network;

/// A role in the chain, upstream first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Importer,
    Supplier,
    Hub,
    MoneyHandler,
    StreetDealer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Importer => "importer",
            Role::Supplier => "supplier",
            Role::Hub => "hub",
            Role::MoneyHandler => "money_handler",
            Role::StreetDealer => "street_dealer",
        }
    }

    pub const ALL: [Role; 5] = [
        Role::Importer,
        Role::Supplier,
        Role::Hub,
        Role::MoneyHandler,
        Role::StreetDealer,
    ];
}

/// The thresholds of the role rules.
#[derive(Debug, Clone)]
pub struct RoleRules {
    /// Parcels from any other origin count as foreign (ISO alpha-2, lower case).
    pub home_country: String,
    /// A seizure at least this large (grams) is wholesale.
    pub wholesale_grams: f64,
    /// A seizure below this (grams) is retail.
    pub retail_grams: f64,
    /// Foreign parcels that make an importer on their own (score 1 + ln(count /
    /// threshold)); two or more with other drug evidence (seizures, drug arrests, press or
    /// precursor links) also count.
    pub repeat_parcels: u32,
    /// Distinct phones called that make a fan-out.
    pub fan_out: usize,
    /// Money transfers that make a money handler.
    pub money_transfers: u32,
    /// Money volume (sum in and out) that makes a money handler.
    pub money_volume: f64,
    /// Words or statute numbers (lower case) whose presence in an arrest's charge makes
    /// it a drug-sale arrest. Defaults: sale words, California Health and Safety Code
    /// sale and transport sections (11351, 11352, 11359, 11360, 11378, 11379) and
    /// 21 U.S.C. 841; set your jurisdiction's.
    pub sale_charge_words: Vec<String>,
    /// The same for drug possession (defaults: `narcotic`, `controlled`, H&S 11350 and
    /// 11377, 21 U.S.C. 844).
    pub possession_charge_words: Vec<String>,
    /// A role needs at least this score; weaker evidence leaves the actor without one.
    pub min_score: f64,
    /// A role needs drug evidence on the actor or on an actor this many hops away.
    pub context_hops: u32,
    /// Count thresholds (parcels, fan-out, transfers, money volume) are raised to this
    /// quantile of the network's own actors that have any such activity, so that what
    /// counts as "many" follows the data's size and time span ([`RoleRules::calibrated`]).
    pub rarity: f64,
}

impl RoleRules {
    /// These rules with count thresholds raised to the [`RoleRules::rarity`] quantile of
    /// the actors' features (never lowered).
    pub fn calibrated(&self, features: &BTreeMap<u32, Features>) -> RoleRules {
        let quantile = |values: Vec<f64>| -> f64 {
            let mut values: Vec<f64> = values.into_iter().filter(|&value| value > 0.0).collect();
            if values.is_empty() {
                return 0.0;
            }
            values.sort_by(f64::total_cmp);
            let at = ((values.len() - 1) as f64 * self.rarity.clamp(0.0, 1.0)).round() as usize;
            values[at]
        };
        let of = |pick: fn(&Features) -> f64| quantile(features.values().map(pick).collect());
        let mut rules = self.clone();
        rules.repeat_parcels = rules
            .repeat_parcels
            .max(of(|f| f64::from(f.foreign_parcels)).ceil() as u32);
        rules.fan_out = rules
            .fan_out
            .max(of(|f| f.contacts_out.max(f.contacts_in) as f64).ceil() as usize);
        rules.money_transfers = rules
            .money_transfers
            .max(of(|f| f64::from(f.transfers)).ceil() as u32);
        rules.money_volume = rules.money_volume.max(of(|f| f.money_in + f.money_out));
        rules
    }
}

impl Default for RoleRules {
    fn default() -> Self {
        RoleRules {
            home_country: "us".to_string(),
            repeat_parcels: 3,
            wholesale_grams: 1_000.0,
            retail_grams: 100.0,
            fan_out: 5,
            money_transfers: 5,
            money_volume: 50_000.0,
            sale_charge_words: [
                "sale",
                "sell",
                "distribut",
                "traffick",
                "deliver",
                "11351",
                "11352",
                "11359",
                "11360",
                "11378",
                "11379",
                "841",
            ]
            .map(String::from)
            .to_vec(),
            possession_charge_words: ["narcotic", "controlled", "11350", "11377", "844"]
                .map(String::from)
                .to_vec(),
            min_score: 1.0,
            context_hops: 2,
            rarity: 0.98,
        }
    }
}

/// The features of one actor.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Features {
    pub foreign_parcels: u32,
    pub contraband_parcels: u32,
    pub precursor_links: u32,
    pub press_links: u32,
    pub calls_out: u32,
    pub calls_in: u32,
    pub contacts_out: usize,
    pub contacts_in: usize,
    pub money_out: f64,
    pub money_in: f64,
    pub transfers: u32,
    pub cash_deposits: u32,
    pub seizures: u32,
    pub largest_seizure_g: f64,
    pub arrests: u32,
    /// Arrests whose charge names a sale (see [`RoleRules::sale_charge_words`]).
    pub sale_arrests: u32,
    /// Other drug arrests (see [`RoleRules::possession_charge_words`]).
    pub possession_arrests: u32,
    pub stash_addresses: u32,
}

impl Features {
    /// Whether the actor itself is tied to drugs: a seizure, a drug arrest, a press or
    /// precursor link, or a parcel with contraband.
    pub fn drug_evidence(&self) -> bool {
        self.seizures > 0
            || self.sale_arrests > 0
            || self.possession_arrests > 0
            || self.precursor_links > 0
            || self.press_links > 0
            || self.contraband_parcels > 0
    }
}

impl Features {
    /// Evidence from the supply side of the chain: a parcel with contraband, a press or
    /// precursor link, or a wholesale seizure ([`RoleRules::wholesale_grams`]).
    pub fn supply_side(&self, rules: &RoleRules) -> bool {
        self.contraband_parcels > 0
            || self.press_links > 0
            || self.precursor_links > 0
            || (self.seizures > 0 && self.largest_seizure_g >= rules.wholesale_grams)
    }

    /// Evidence from the street: a drug sale or possession arrest, or a retail seizure
    /// ([`RoleRules::retail_grams`]).
    pub fn street_side(&self, rules: &RoleRules) -> bool {
        self.sale_arrests > 0
            || self.possession_arrests > 0
            || (self.seizures > 0 && self.largest_seizure_g < rules.retail_grams)
    }
}

/// An actor's inferred role with its reasons.
#[derive(Debug, Clone, Serialize)]
pub struct RoleAssignment {
    pub node: u32,
    pub role: Option<Role>,
    pub score: f64,
    pub scores: BTreeMap<Role, f64>,
    pub reasons: Vec<String>,
    pub features: Features,
}

/// Means an actor holds: nodes of these kinds linked to it by these relations.
const MEANS: [&str; 4] = ["Phone", "BankAccount", "CryptoWallet", "OnlineAccount"];

/// Features of every actor of the network, by node.
pub fn features(network: &Network, rules: &RoleRules) -> BTreeMap<u32, Features> {
    let mut all = BTreeMap::new();
    for node in 0..network.nodes.len() as u32 {
        if network.is_actor(node) {
            all.insert(node, actor_features(network, node, rules));
        }
    }
    all
}

fn actor_features(network: &Network, actor: u32, rules: &RoleRules) -> Features {
    let mut features = Features::default();
    let mut held: BTreeSet<u32> = BTreeSet::from([actor]);
    for &link in network.links_at(actor) {
        let link = &network.links[link as usize];
        let other = link.other(actor);
        let holds = link.relation == "Ownership"
            || link.relation.ends_with(".phone")
            || link.relation == "MoneyTransfer";
        if holds && MEANS.contains(&network.node(other).kind.as_str()) {
            held.insert(other);
        }
        match link.relation.as_str() {
            "Parcel.consignee" => {
                let foreign = network
                    .value(other, "origin_country")
                    .is_some_and(|country| country != rules.home_country);
                if foreign {
                    features.foreign_parcels += link.count;
                }
                if network.value(other, "contraband_found") == Some("true") {
                    features.contraband_parcels += link.count;
                }
            }
            // Companies buy precursors and hold registered presses as a matter of
            // business; a person buying precursors, an unregistered or seized press, or
            // an undeclared transfer is the signal.
            "PrecursorTransaction.buyer" if network.node(actor).kind == "Person" => {
                features.precursor_links += link.count;
            }
            "PillPress.holder" => {
                let registered = network.value(other, "registered") == Some("true")
                    && !matches!(
                        network.value(other, "status"),
                        Some("seized" | "reported_stolen")
                    );
                if !registered {
                    features.press_links += link.count;
                }
            }
            "PressTransfer" if link.target == actor => {
                let undeclared = link.evidence.iter().any(|&record| {
                    network.records[record as usize]
                        .properties
                        .get("declared")
                        .is_none_or(|declared| declared.iter().all(|value| value != "true"))
                });
                if undeclared {
                    features.press_links += link.count;
                }
            }
            "Seizure.seized_from" => {
                features.seizures += link.count;
                let grams = network
                    .value(other, "quantity_g")
                    .and_then(|grams| grams.parse::<f64>().ok())
                    .unwrap_or(0.0);
                features.largest_seizure_g = features.largest_seizure_g.max(grams);
            }
            "Arrest.person" => {
                features.arrests += link.count;
                let charged = |words: &[String]| {
                    network.node(other).records.iter().any(|&record| {
                        network.records[record as usize]
                            .properties
                            .get("charge")
                            .is_some_and(|charges| {
                                charges.iter().any(|charge| {
                                    let charge = charge.to_lowercase();
                                    words.iter().any(|word| charge.contains(word.as_str()))
                                })
                            })
                    })
                };
                if charged(&rules.sale_charge_words) {
                    features.sale_arrests += link.count;
                } else if charged(&rules.possession_charge_words) {
                    features.possession_arrests += link.count;
                }
            }
            "Residence" => {
                let stash = link.evidence.iter().any(|&record| {
                    network.records[record as usize]
                        .properties
                        .get("role")
                        .is_some_and(|roles| roles.iter().any(|role| role == "stash_house"))
                });
                if stash {
                    features.stash_addresses += 1;
                }
            }
            _ => {}
        }
    }
    let mut contacts_out = BTreeSet::new();
    let mut contacts_in = BTreeSet::new();
    for &means in &held {
        for &link in network.links_at(means) {
            let link = &network.links[link as usize];
            let outgoing = link.source == means;
            let other = link.other(means);
            if held.contains(&other) {
                continue;
            }
            match link.relation.as_str() {
                "Communication" if outgoing => {
                    features.calls_out += link.count;
                    contacts_out.insert(other);
                }
                "Communication" => {
                    features.calls_in += link.count;
                    contacts_in.insert(other);
                }
                "MoneyTransfer" => {
                    features.transfers += link.count;
                    if outgoing {
                        features.money_out += link.amount;
                    } else {
                        features.money_in += link.amount;
                    }
                    features.cash_deposits += link
                        .evidence
                        .iter()
                        .filter(|&&record| {
                            network.records[record as usize]
                                .properties
                                .get("channel")
                                .is_some_and(|channel| {
                                    channel.iter().any(|value| value == "cash_deposit")
                                })
                        })
                        .count() as u32;
                }
                _ => {}
            }
        }
    }
    features.contacts_out = contacts_out.len();
    features.contacts_in = contacts_in.len();
    features
}

/// Scores every role for one actor's features, with the reasons that counted.
pub fn score(features: &Features, rules: &RoleRules) -> (BTreeMap<Role, f64>, Vec<String>) {
    let mut scores: BTreeMap<Role, f64> = Role::ALL.iter().map(|&role| (role, 0.0)).collect();
    let mut reasons = Vec::new();
    let mut add = |role: Role, points: f64, reason: String| {
        *scores.get_mut(&role).expect("all roles present") += points;
        reasons.push(format!("{}: +{points:.1} {reason}", role.as_str()));
    };
    if features.foreign_parcels >= rules.repeat_parcels.max(2) {
        add(
            Role::Importer,
            1.0 + (f64::from(features.foreign_parcels) / f64::from(rules.repeat_parcels)).ln(),
            format!(
                "{} parcels received from abroad (≥ {})",
                features.foreign_parcels, rules.repeat_parcels
            ),
        );
    }
    if features.foreign_parcels >= 2 && features.drug_evidence() {
        add(
            Role::Importer,
            1.0,
            "repeat parcels from abroad to someone with drug seizures, drug arrests or press and precursor links".to_string(),
        );
    }
    if features.contraband_parcels > 0 {
        add(
            Role::Importer,
            2.0,
            format!(
                "{} parcels received with contraband found",
                features.contraband_parcels
            ),
        );
    }
    if features.precursor_links > 0 {
        add(
            Role::Supplier,
            2.0,
            format!("{} precursor purchases", features.precursor_links),
        );
    }
    if features.press_links > 0 {
        add(
            Role::Supplier,
            2.0,
            format!("{} pill press holdings or transfers", features.press_links),
        );
    }
    if features.largest_seizure_g >= rules.wholesale_grams {
        add(
            Role::Supplier,
            1.5,
            format!(
                "wholesale seizure of {:.0} g (≥ {:.0} g)",
                features.largest_seizure_g, rules.wholesale_grams
            ),
        );
    } else if features.largest_seizure_g >= rules.retail_grams {
        add(
            Role::Hub,
            1.5,
            format!(
                "mid-size seizure of {:.0} g (between {:.0} and {:.0} g)",
                features.largest_seizure_g, rules.retail_grams, rules.wholesale_grams
            ),
        );
    } else if features.seizures > 0 {
        add(
            Role::StreetDealer,
            1.5,
            format!(
                "retail seizures only (largest {:.1} g < {:.0} g)",
                features.largest_seizure_g, rules.retail_grams
            ),
        );
    }
    if features.stash_addresses > 0 {
        add(
            Role::Hub,
            2.0,
            format!("{} stash-house address links", features.stash_addresses),
        );
    }
    let fans_out = features.contacts_out >= rules.fan_out;
    let fans_in = features.contacts_in >= rules.fan_out;
    if fans_out && fans_in {
        add(
            Role::Hub,
            1.0,
            format!(
                "calls to {} and from {} distinct phones (both ≥ {})",
                features.contacts_out, features.contacts_in, rules.fan_out
            ),
        );
    } else if fans_out && features.calls_out > features.calls_in {
        add(
            Role::Supplier,
            1.0,
            format!(
                "calls out to {} distinct phones, more calls out ({}) than in ({})",
                features.contacts_out, features.calls_out, features.calls_in
            ),
        );
    } else if features.calls_in > features.calls_out && features.contacts_in > 0 {
        add(
            Role::StreetDealer,
            0.5,
            format!(
                "called more than calling ({} in, {} out)",
                features.calls_in, features.calls_out
            ),
        );
    }
    let volume = features.money_in + features.money_out;
    if features.transfers >= rules.money_transfers {
        add(
            Role::MoneyHandler,
            1.5,
            format!(
                "{} money transfers (≥ {})",
                features.transfers, rules.money_transfers
            ),
        );
    }
    if volume >= rules.money_volume {
        add(
            Role::MoneyHandler,
            1.0,
            format!("{volume:.0} moved in and out (≥ {:.0})", rules.money_volume),
        );
    }
    if features.cash_deposits >= 3 {
        add(
            Role::MoneyHandler,
            1.0,
            format!("{} cash deposits", features.cash_deposits),
        );
    }
    if features.sale_arrests > 0 {
        add(
            Role::StreetDealer,
            1.0,
            format!("{} arrests for sale or distribution", features.sale_arrests),
        );
    }
    if features.possession_arrests > 0 {
        add(
            Role::StreetDealer,
            0.5,
            format!("{} drug possession arrests", features.possession_arrests),
        );
    }
    (scores, reasons)
}

/// The nearest drug evidence and supply-side evidence around an actor, as reasons.
#[derive(Default)]
struct Context {
    drug: Option<String>,
    supply: Option<String>,
    /// A direct contact with street-side evidence (when it had to be looked for).
    street_contact: Option<String>,
}

/// Roles of every actor with any evidence, strongest first.
///
/// A role is only given to an actor in the drug network: one with drug evidence of its
/// own ([`Features::drug_evidence`]) or within [`RoleRules::context_hops`] (2) hops of one
/// that has it on the actor graph (phones and accounts contracted into their holders). Parcels, calls and money
/// alone describe much of ordinary life; the gate keeps them from naming importers and
/// money handlers among people nothing ties to drugs. An importer in direct contact
/// with street-side evidence ([`Features::street_side`]) needs more: drug evidence of
/// its own, or supply-side evidence ([`Features::supply_side`]) within the same hops — a
/// street dealer's customers are one call from drug evidence, and many of them receive
/// parcels from abroad.
pub fn infer_roles(network: &Network, rules: &RoleRules) -> Vec<RoleAssignment> {
    let all = features(network, rules);
    let rules = &rules.calibrated(&all);
    let actor_graph = network.actor_graph();
    let evidence = |node: u32| all.get(&node).is_some_and(Features::drug_evidence);
    let supply = |node: u32| all.get(&node).is_some_and(|f| f.supply_side(rules));
    let street = |node: u32| all.get(&node).is_some_and(|f| f.street_side(rules));
    // Within `rules.context_hops` hops on the actor graph: the nearest actor with drug
    // evidence, and the nearest with supply-side evidence.
    let contexts: BTreeMap<u32, Context> = all
        .keys()
        .map(|&node| {
            let mut context = Context::default();
            if evidence(node) {
                context.drug = Some("drug evidence of its own".to_string());
            }
            if supply(node) {
                context.supply = Some("supply-side evidence of its own".to_string());
            }
            if context.drug.is_none() || context.supply.is_none() {
                let reached =
                    graph::traversal::neighbourhood(&actor_graph, node, rules.context_hops);
                let describe = |(other, hops): (u32, u32), what: &str| {
                    format!("{hops} hops from {} ({what})", network.node(other).id)
                };
                if context.drug.is_none() {
                    context.drug = reached
                        .iter()
                        .find(|&&(other, _)| evidence(other))
                        .map(|&found| describe(found, "drug evidence"));
                }
                context.supply = reached
                    .iter()
                    .find(|&&(other, _)| supply(other))
                    .map(|&found| describe(found, "supply-side evidence"));
                context.street_contact = reached
                    .iter()
                    .find(|&&(other, hops)| hops == 1 && street(other))
                    .map(|&(other, _)| network.node(other).id.clone());
            }
            (node, context)
        })
        .collect();
    let mut roles: Vec<RoleAssignment> = all
        .into_iter()
        .map(|(node, features)| {
            let (scores, mut reasons) = score(&features, rules);
            let context = &contexts[&node];
            match &context.drug {
                Some(drug) => reasons.push(format!("in the drug network: {drug}")),
                None => reasons.push("no role: no drug evidence on it or a direct tie".into()),
            }
            // Parcels from abroad next to a street dealer describe the dealer's customer
            // who shops online as well as an importer: then the importer role needs drug
            // evidence of its own or supply-side evidence nearby.
            let importer_allowed = features.drug_evidence()
                || context.supply.is_some()
                || context.street_contact.is_none();
            if scores[&Role::Importer] > 0.0 {
                reasons.push(match (&context.supply, &context.street_contact) {
                    _ if features.drug_evidence() => "importer: drug evidence of its own".into(),
                    (Some(supply), _) => format!("importer: near the supply side, {supply}"),
                    (None, None) => "importer: no street-side contact".into(),
                    (None, Some(contact)) => format!(
                        "importer: not counted, a direct contact of {contact} (street-side evidence) with no drug evidence of its own and no supply-side evidence within {} hops",
                        rules.context_hops
                    ),
                });
            }
            let best = scores
                .iter()
                .filter(|_| context.drug.is_some())
                .filter(|&(&role, _)| role != Role::Importer || importer_allowed)
                .filter(|&(_, &points)| points >= rules.min_score)
                .fold(None::<(Role, f64)>, |best, (&role, &points)| match best {
                    Some((_, top)) if top >= points => best,
                    _ => Some((role, points)),
                });
            RoleAssignment {
                node,
                role: best.map(|(role, _)| role),
                score: best.map_or(0.0, |(_, points)| points),
                scores,
                reasons,
                features,
            }
        })
        .collect();
    roles.sort_by(|left, right| {
        right
            .score
            .total_cmp(&left.score)
            .then(left.node.cmp(&right.node))
    });
    roles
}
