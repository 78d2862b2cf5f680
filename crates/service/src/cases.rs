//! The case workspace (open a case, its members, the records and entities that name
//! it) and the administration of agencies and sharing agreements.
//!
//! A case is need-to-know: once registered, every record whose `case_number` equals
//! it is read only by the case's members (and still only when the rest of the policy
//! lets them), so opening a case, and adding or removing a member, reloads the
//! snapshot. Agreements change every view and reload it too.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use access::Role;
use auth::Scope;
use model::DataClass;
use serde::{Deserialize, Serialize};
use store::{Agency, Agreement, AuditAction, AuditOutcome, CaseFile};

use crate::queries::record_view;
use crate::snapshot::{CASE_PROPERTY, Seen};
use crate::*;

/// A case to open.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseRequest {
    /// The case number records carry (`case_number`).
    pub id: String,
    pub title: String,
    /// The agency that owns the case: a supervisor's own (may be left out); an
    /// administrator names it, else the agency whose records carry the number.
    #[serde(default)]
    pub agency: Option<String>,
}

/// A member of a case as the workspace lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseMemberView {
    pub user: String,
    /// Empty when the account is unknown (members are names).
    pub display_name: String,
    pub agency: String,
}

/// An entity of the actor's view that a case's records belong to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseEntityView {
    pub node: String,
    pub kind: String,
    pub label: String,
    /// The case's records of this entity that the actor reads.
    pub records: usize,
}

/// A registered operation of the case (taken from, or aimed at, one of its records).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseOperationView {
    pub id: u64,
    pub agency: String,
    pub label: String,
    pub starts_at: String,
    pub ends_at: String,
    pub registered_by: String,
}

/// What a case's workspace shows the actor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseWorkspace {
    pub case: CaseFile,
    pub members: Vec<CaseMemberView>,
    /// Whether the actor may add and remove members.
    pub may_manage: bool,
    /// The case's records the actor may read (none for administrators).
    pub records: Vec<RecordView>,
    pub entities: Vec<CaseEntityView>,
    pub operations: Vec<CaseOperationView>,
}

impl Service {
    /// Whether the actor manages a case of `agency`: a supervisor of it, or an
    /// administrator (a token needs the admin or write scope).
    fn manages_case(&self, actor: &Actor, agency: &str) -> bool {
        let user = &actor.user;
        let admin = user.has_role(Role::Administrator) && queries::has_scope(actor, Scope::Admin);
        let supervisor = user.has_role(Role::Supervisor)
            && user.agency == agency
            && queries::has_scope(actor, Scope::Write);
        admin || supervisor
    }

    /// Opens a case of the actor's agency (see [`Service::create_case_for`]).
    pub fn create_case(&self, actor: &Actor, id: &str, title: &str) -> ServiceResult<CaseFile> {
        self.create_case_for(
            actor,
            &CaseRequest {
                id: id.to_string(),
                title: title.to_string(),
                agency: None,
            },
        )
    }

    /// Opens a case: supervisors for their agency (and become its first member),
    /// administrators for any. Records whose `case_number` equals the case become
    /// need-to-know for its members. Audited as a permission change.
    pub fn create_case_for(&self, actor: &Actor, request: &CaseRequest) -> ServiceResult<CaseFile> {
        let id = request.id.trim();
        let title = request.title.trim();
        let target = format!("case={id};open");
        let is_admin = actor.user.has_role(Role::Administrator);
        let agency = match request.agency.as_deref().map(str::trim) {
            Some(agency) if !agency.is_empty() => agency.to_string(),
            _ if is_admin => self
                .case_agency_from_records(id)
                .unwrap_or_else(|| actor.user.agency.clone()),
            _ => actor.user.agency.clone(),
        };
        if !self.manages_case(actor, &agency) {
            self.audit(
                actor,
                AuditAction::PermissionChange,
                &target,
                "not a supervisor of the agency or an administrator",
                AuditOutcome::Denied,
            )?;
            return Err(ServiceError::Forbidden(
                "only a supervisor of the agency or an administrator opens a case".to_string(),
            ));
        }
        if id.is_empty() || id.chars().any(char::is_whitespace) {
            return Err(ServiceError::BadRequest(
                "a case number is one word".to_string(),
            ));
        }
        if title.is_empty() {
            return Err(ServiceError::BadRequest(
                "give the case a title".to_string(),
            ));
        }
        let directory = self.store.directory();
        if !directory.agencies()?.iter().any(|known| known.id == agency) {
            return Err(ServiceError::BadRequest(format!("no agency {agency:?}")));
        }
        if directory.case(id)?.is_some() {
            return Err(ServiceError::BadRequest(format!(
                "case {id:?} is already open"
            )));
        }
        let members = if actor.user.has_role(Role::Supervisor) {
            vec![actor.user.id.clone()]
        } else {
            Vec::new()
        };
        let case = CaseFile {
            id: id.to_string(),
            agency: agency.clone(),
            title: title.to_string(),
            created_by: actor.user.id.clone(),
            created_at: Self::now(),
            members,
        };
        directory.create_case(&case)?;
        self.audit(
            actor,
            AuditAction::PermissionChange,
            format!("case={id};open;agency={agency}"),
            title,
            AuditOutcome::Allowed,
        )?;
        // Its records are need-to-know from now on.
        self.reload()?;
        directory
            .case(id)?
            .ok_or_else(|| ServiceError::Internal(format!("case {id:?} was not stored")))
    }

    /// The agency whose records carry a case number, when exactly one does.
    fn case_agency_from_records(&self, case: &str) -> Option<String> {
        let snapshot = self.current();
        let agencies: BTreeSet<&str> = snapshot
            .records
            .iter()
            .filter(|record| {
                record
                    .properties
                    .get(CASE_PROPERTY)
                    .is_some_and(|values| values.iter().any(|value| value == case))
            })
            .map(|record| record.provenance.agency.as_str())
            .collect();
        match agencies.len() {
            1 => agencies.first().map(|agency| agency.to_string()),
            _ => None,
        }
    }

    /// A case's workspace: for its members, supervisors of its agency and
    /// administrators (who see the members but no records). Records and entities are
    /// the actor's view of the case's records; audited as a view (and as a
    /// dissemination for other agencies' content).
    pub fn case_workspace(&self, actor: &Actor, id: &str) -> ServiceResult<CaseWorkspace> {
        let directory = self.store.directory();
        let case = directory
            .case(id)?
            .ok_or_else(|| ServiceError::NotFound(format!("no case {id:?}")))?;
        let user = &actor.user;
        let is_admin = user.has_role(Role::Administrator);
        let allowed = is_admin
            || (user.has_role(Role::Supervisor) && user.agency == case.agency)
            || case.members.contains(&user.id);
        if !allowed {
            self.audit(
                actor,
                AuditAction::View,
                format!("case={id}"),
                "not a member",
                AuditOutcome::Denied,
            )?;
            // Whether a case exists is itself need-to-know.
            return Err(ServiceError::NotFound(format!("no case {id:?}")));
        }
        let accounts: HashMap<String, store::UserAccount> = directory
            .users()?
            .into_iter()
            .map(|account| (account.id.clone(), account))
            .collect();
        let members = case
            .members
            .iter()
            .map(|member| {
                let account = accounts.get(member);
                CaseMemberView {
                    user: member.clone(),
                    display_name: account
                        .map(|account| account.display_name.clone())
                        .unwrap_or_default(),
                    agency: account
                        .map(|account| account.agency.clone())
                        .unwrap_or_default(),
                }
            })
            .collect();
        let reads = queries::reads_records(actor) && queries::has_scope(actor, Scope::Read);
        let (snapshot, view) = self.view_of(actor);
        let case_id = access::CaseId(case.id.clone());
        let outer: Vec<u32> = if reads {
            (0..snapshot.records.len() as u32)
                .filter(|&index| {
                    snapshot.record_cases[index as usize].contains(&case_id)
                        && view.seen[index as usize] == Seen::Readable
                })
                .collect()
        } else {
            Vec::new()
        };
        let records: Vec<RecordView> = outer
            .iter()
            .map(|&index| record_view(&snapshot, &view, index))
            .collect();
        let mut by_node: BTreeMap<u32, usize> = BTreeMap::new();
        for &index in &outer {
            if let Some(node) = view
                .in_network
                .get(&index)
                .and_then(|&inner| view.network.node_of_record(inner))
            {
                *by_node.entry(node).or_default() += 1;
            }
        }
        let mut entities: Vec<CaseEntityView> = by_node
            .into_iter()
            .map(|(node, records)| {
                let node = view.network.node(node);
                CaseEntityView {
                    node: node.id.clone(),
                    kind: node.kind.clone(),
                    label: node.label.clone(),
                    records,
                }
            })
            .collect();
        entities.sort_by(|left, right| {
            right
                .records
                .cmp(&left.records)
                .then_with(|| left.label.cmp(&right.label))
        });
        let record_ids: BTreeSet<String> = records.iter().map(|record| record.id.clone()).collect();
        let operations = if reads {
            self.store
                .operations()
                .registered_operations()?
                .into_iter()
                .filter(|registered| registered.operation.agency == user.agency)
                .filter(|registered| {
                    let operation = &registered.operation;
                    operation
                        .source
                        .as_deref()
                        .and_then(|source| source.strip_prefix("record:"))
                        .is_some_and(|record| record_ids.contains(record))
                        || operation
                            .targets
                            .iter()
                            .any(|target| record_ids.contains(target))
                })
                .map(|registered| CaseOperationView {
                    id: registered.id,
                    agency: registered.operation.agency.clone(),
                    label: registered.operation.label.clone(),
                    starts_at: registered.operation.starts_at.to_rfc3339(),
                    ends_at: registered.operation.ends_at.to_rfc3339(),
                    registered_by: registered.operation.registered_by.clone(),
                })
                .collect()
        } else {
            Vec::new()
        };
        self.audit(
            actor,
            AuditAction::View,
            format!(
                "case={id};records={}",
                records
                    .iter()
                    .map(|record| record.id.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            "case workspace",
            AuditOutcome::Allowed,
        )?;
        self.log_dissemination(actor, &snapshot, &outer, "case workspace")?;
        Ok(CaseWorkspace {
            may_manage: self.manages_case(actor, &case.agency),
            case,
            members,
            records,
            entities,
            operations,
        })
    }

    /// Removes a member from a case (a supervisor of the case's agency or an
    /// administrator); audited as a permission change.
    pub fn remove_case_member(&self, actor: &Actor, case: &str, user: &str) -> ServiceResult<()> {
        let directory = self.store.directory();
        let file = directory
            .case(case)?
            .ok_or_else(|| ServiceError::NotFound(format!("no case {case:?}")))?;
        let target = format!("case={case};remove={user}");
        if !self.manages_case(actor, &file.agency) {
            self.audit(
                actor,
                AuditAction::PermissionChange,
                &target,
                "",
                AuditOutcome::Denied,
            )?;
            return Err(ServiceError::Forbidden(
                "only a supervisor of the case's agency or an administrator removes members"
                    .to_string(),
            ));
        }
        if !directory.remove_case_member(case, user)? {
            return Err(ServiceError::NotFound(format!(
                "{user:?} is not a member of case {case:?}"
            )));
        }
        self.audit(
            actor,
            AuditAction::PermissionChange,
            &target,
            "",
            AuditOutcome::Allowed,
        )?;
        self.reload()
    }

    /// Adds an agency or changes its name and contact (administrators only).
    pub fn put_agency(&self, actor: &Actor, agency: &Agency) -> ServiceResult<Agency> {
        let agency = Agency {
            id: agency.id.trim().to_string(),
            name: agency.name.trim().to_string(),
            contact: agency.contact.trim().to_string(),
        };
        self.require_administrator(
            actor,
            AuditAction::PermissionChange,
            &format!("agency={}", agency.id),
            "agencies and agreements",
        )?;
        if agency.id.is_empty() || agency.id.chars().any(char::is_whitespace) {
            return Err(ServiceError::BadRequest(
                "an agency id is one word".to_string(),
            ));
        }
        if agency.name.is_empty() {
            return Err(ServiceError::BadRequest(
                "give the agency a name".to_string(),
            ));
        }
        self.store.directory().put_agency(&agency)?;
        self.audit(
            actor,
            AuditAction::PermissionChange,
            format!("agency={};contact={}", agency.id, agency.contact),
            &agency.name,
            AuditOutcome::Allowed,
        )?;
        // Names and contacts go into pointers.
        self.reload()?;
        Ok(agency)
    }

    /// The sharing agreements (administrators only).
    pub fn agreements(&self, actor: &Actor) -> ServiceResult<Vec<Agreement>> {
        self.require_administrator(
            actor,
            AuditAction::PermissionChange,
            "list agreements",
            "agencies and agreements",
        )?;
        Ok(self.store.directory().agreements()?)
    }

    /// Adds an agreement or replaces the one between the same two agencies
    /// (administrators only); every view is rebuilt.
    pub fn put_agreement(&self, actor: &Actor, agreement: &Agreement) -> ServiceResult<Agreement> {
        let agreement = Agreement {
            from_agency: agreement.from_agency.trim().to_string(),
            to_agency: agreement.to_agency.trim().to_string(),
            data_classes: agreement
                .data_classes
                .iter()
                .copied()
                .collect::<BTreeSet<DataClass>>()
                .into_iter()
                .collect(),
            max_sensitivity: agreement.max_sensitivity,
        };
        let target = format!(
            "agreement;from={};to={};classes={};up_to={}",
            agreement.from_agency,
            agreement.to_agency,
            agreement
                .data_classes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(","),
            agreement.max_sensitivity
        );
        self.require_administrator(
            actor,
            AuditAction::PermissionChange,
            &target,
            "agencies and agreements",
        )?;
        if agreement.from_agency == agreement.to_agency {
            return Err(ServiceError::BadRequest(
                "an agreement is between two agencies".to_string(),
            ));
        }
        if agreement.data_classes.is_empty() {
            return Err(ServiceError::BadRequest(
                "give at least one data class".to_string(),
            ));
        }
        let known: BTreeSet<String> = self
            .store
            .directory()
            .agencies()?
            .into_iter()
            .map(|agency| agency.id)
            .collect();
        for agency in [&agreement.from_agency, &agreement.to_agency] {
            if !known.contains(agency) {
                return Err(ServiceError::BadRequest(format!("no agency {agency:?}")));
            }
        }
        self.store.directory().put_agreement(&agreement)?;
        self.audit(
            actor,
            AuditAction::PermissionChange,
            target,
            "",
            AuditOutcome::Allowed,
        )?;
        self.reload()?;
        Ok(agreement)
    }

    /// Removes the agreement from one agency to another (administrators only).
    pub fn remove_agreement(&self, actor: &Actor, from: &str, to: &str) -> ServiceResult<()> {
        let target = format!("agreement;from={from};to={to};remove");
        self.require_administrator(
            actor,
            AuditAction::PermissionChange,
            &target,
            "agencies and agreements",
        )?;
        if !self.store.directory().remove_agreement(from, to)? {
            return Err(ServiceError::NotFound(format!(
                "no agreement from {from:?} to {to:?}"
            )));
        }
        self.audit(
            actor,
            AuditAction::PermissionChange,
            target,
            "",
            AuditOutcome::Allowed,
        )?;
        self.reload()
    }
}
