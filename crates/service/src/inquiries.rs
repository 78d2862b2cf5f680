//! What an owning agency learns of the interest others take in its records (pointer
//! inquiries), and the associates several entities have in common.

use std::collections::HashMap;

use access::Role;
use store::{AuditAction, AuditOutcome, AuditQuery};

use crate::queries::graph_node;
use crate::*;

/// Audit entries read, newest first, when listing inquiries.
const INQUIRY_WINDOW: u64 = 20_000;

impl Service {
    /// Searches by other agencies' users that matched records of the actor's agency
    /// which they could not read (they were pointed to it), newest first: who asked,
    /// from which agency, when, under which case, and how many records matched — never
    /// the words they searched for. Supervisors of the owning agency only; audited.
    pub fn inquiries(&self, actor: &Actor, limit: usize) -> ServiceResult<Vec<InquiryView>> {
        if !actor.user.has_role(Role::Supervisor) {
            return Err(ServiceError::Forbidden(
                "only supervisors see the inquiries about their agency's records".to_string(),
            ));
        }
        let marker = format!("inquiry;to={};records=", actor.user.agency);
        let entries = self.store.audit().entries(&AuditQuery {
            newest_first: true,
            limit: INQUIRY_WINDOW,
            ..AuditQuery::default()
        })?;
        let inquiries: Vec<InquiryView> = entries
            .into_iter()
            .filter(|entry| entry.entry.action == AuditAction::Search)
            // The agency's own users pointed to its caveated or case records are its
            // own business, not an inquiry from outside.
            .filter(|entry| entry.entry.actor_agency != actor.user.agency)
            .filter_map(|entry| {
                let records = entry.entry.target.strip_prefix(&marker)?.parse().ok()?;
                Some(InquiryView {
                    at: entry.recorded_at.to_rfc3339(),
                    user: entry.entry.actor.clone(),
                    agency: entry.entry.actor_agency.clone(),
                    case: entry.entry.case_number.clone(),
                    records,
                })
            })
            .take(limit.clamp(1, 1000))
            .collect();
        self.audit(
            actor,
            AuditAction::AuditAccess,
            format!(
                "inquiries;agency={};listed={}",
                actor.user.agency,
                inquiries.len()
            ),
            "",
            AuditOutcome::Allowed,
        )?;
        Ok(inquiries)
    }

    /// The entities within `depth` hops (default 2, at most 3) of every one of
    /// `nodes`, nearest overall first, on the actor's view.
    pub fn common_associates(
        &self,
        actor: &Actor,
        nodes: &[String],
        depth: Option<u32>,
    ) -> ServiceResult<Vec<CommonAssociateView>> {
        self.require_link_analysis(actor)?;
        if nodes.len() < 2 {
            return Err(ServiceError::BadRequest(
                "name at least two entities".to_string(),
            ));
        }
        let (_, view) = self.view_of(actor);
        let network = &view.network;
        let starts = nodes
            .iter()
            .map(|id| {
                network
                    .node_by_id(id)
                    .ok_or_else(|| ServiceError::NotFound(format!("no entity {id:?}")))
            })
            .collect::<ServiceResult<Vec<u32>>>()?;
        let analytics = view.analytics_ready();
        let found = network.common_associates(
            &starts,
            depth.unwrap_or(2).clamp(1, 3),
            &network::LinkFilter::default(),
        );
        let mut relations: HashMap<u32, Vec<String>> = HashMap::new();
        for (node, ways) in &found {
            for (_, link) in ways {
                relations
                    .entry(*node)
                    .or_default()
                    .push(network.links[*link as usize].relation.clone());
            }
        }
        let associates = found
            .iter()
            .take(COMMON_LIMIT)
            .map(|(node, ways)| CommonAssociateView {
                node: graph_node(&view, analytics, *node, 0),
                hops: ways.iter().map(|(hops, _)| *hops).collect(),
                relations: relations.remove(node).unwrap_or_default(),
            })
            .collect();
        self.audit(
            actor,
            AuditAction::Search,
            format!("common={}", nodes.join(",")),
            "",
            AuditOutcome::Allowed,
        )?;
        Ok(associates)
    }
}

/// Common associates listed at most.
const COMMON_LIMIT: usize = 200;
