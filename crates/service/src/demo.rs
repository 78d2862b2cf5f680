//! The demo task force: agencies, one user per role and agency that a newcomer can
//! sign on as, sharing agreements, a need-to-know case, and Part 23 validations, put
//! into a store that holds a simulated world. Used by `interdict demo` and the tests.

use chrono::Utc;
use model::{DataClass, Sensitivity, SourceRecord};
use store::{Agency, Agreement, CaseFile, RecordQuery, Store, UserAccount, Validation};

use crate::{ServiceError, ServiceResult};

/// The password of every demo account (never use the demo directory for real data).
pub const DEMO_PASSWORD: &str = "interdict-demo";

/// A demo log-on to print.
#[derive(Debug, Clone)]
pub struct DemoLogon {
    pub user: String,
    pub agency: String,
    pub roles: Vec<String>,
    pub what_they_see: String,
}

/// The agencies of the simulated world, with the task force's host.
const AGENCIES: [(&str, &str, &str); 7] = [
    (
        "dea",
        "Drug Enforcement Administration, field division",
        "DEA duty agent, +1 213 555 0101",
    ),
    (
        "cbp",
        "Customs and Border Protection, port of entry",
        "CBP targeting desk, +1 310 555 0102",
    ),
    (
        "ca_doj",
        "State Department of Justice, bureau of investigation",
        "DOJ watch centre, +1 916 555 0103",
    ),
    (
        "sheriff",
        "County Sheriff's Department, narcotics bureau",
        "Sheriff narcotics desk, +1 909 555 0104",
    ),
    (
        "county_health",
        "County Department of Public Health",
        "Overdose surveillance, +1 213 555 0105",
    ),
    (
        "fiu",
        "Financial Intelligence Unit",
        "FIU duty analyst, +1 202 555 0106",
    ),
    (
        "hidta",
        "HIDTA task force (host)",
        "Task-force help desk, +1 213 555 0100",
    ),
];

/// (user, agency, display name, roles, clearance, caveats, what they see)
type DemoUser = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    Sensitivity,
    &'static [&'static str],
    &'static str,
);

const USERS: [DemoUser; 9] = [
    (
        "dea.analyst",
        "dea",
        "Dana Analyst (DEA)",
        &["analyst"],
        Sensitivity::LawEnforcement,
        &[],
        "DEA's own records, CBP's and the FIU's by agreement, public health; pointers for the rest",
    ),
    (
        "dea.supervisor",
        "dea",
        "Sam Supervisor (DEA)",
        &["supervisor"],
        Sensitivity::Restricted,
        &["INFORMANT", "ORCON"],
        "as the DEA analyst plus restricted and informant fields, and the DEA case",
    ),
    (
        "cbp.analyst",
        "cbp",
        "Casey Analyst (CBP)",
        &["analyst"],
        Sensitivity::LawEnforcement,
        &[],
        "CBP's and DEA's records, public health",
    ),
    (
        "ca_doj.analyst",
        "ca_doj",
        "Jordan Analyst (DOJ)",
        &["analyst"],
        Sensitivity::LawEnforcement,
        &[],
        "DOJ's and the Sheriff's records, public health",
    ),
    (
        "sheriff.investigator",
        "sheriff",
        "Riley Investigator (Sheriff)",
        &["investigator"],
        Sensitivity::LawEnforcement,
        &[],
        "the Sheriff's and DOJ's records; pointers to DEA, CBP and FIU",
    ),
    (
        "fiu.analyst",
        "fiu",
        "Morgan Analyst (FIU)",
        &["analyst"],
        Sensitivity::LawEnforcement,
        &[],
        "the FIU's own records; pointers elsewhere",
    ),
    (
        "county_health.epi",
        "county_health",
        "Avery Epidemiologist (Public Health)",
        &["epidemiologist"],
        Sensitivity::Sensitive,
        &[],
        "public-health records and aggregates only, small counts suppressed",
    ),
    (
        "hidta.auditor",
        "hidta",
        "Quinn Auditor (HIDTA)",
        &["auditor"],
        Sensitivity::Sensitive,
        &[],
        "the audit log and its verification; no records",
    ),
    (
        "hidta.admin",
        "hidta",
        "Alex Administrator (HIDTA)",
        &["administrator"],
        Sensitivity::Sensitive,
        &[],
        "accounts, agencies and cases; no records",
    ),
];

/// Agreements: (from, to, classes, up to).
const AGREEMENTS: [(&str, &str, &[DataClass], Sensitivity); 5] = [
    (
        "dea",
        "cbp",
        &[
            DataClass::CriminalIntelligence,
            DataClass::InvestigativeCase,
            DataClass::Public,
        ],
        Sensitivity::LawEnforcement,
    ),
    (
        "cbp",
        "dea",
        &[DataClass::InvestigativeCase, DataClass::Public],
        Sensitivity::LawEnforcement,
    ),
    (
        "fiu",
        "dea",
        &[DataClass::InvestigativeCase],
        Sensitivity::LawEnforcement,
    ),
    (
        "ca_doj",
        "sheriff",
        &[
            DataClass::CriminalIntelligence,
            DataClass::InvestigativeCase,
            DataClass::Public,
        ],
        Sensitivity::LawEnforcement,
    ),
    (
        "sheriff",
        "ca_doj",
        &[
            DataClass::CriminalIntelligence,
            DataClass::InvestigativeCase,
            DataClass::Public,
        ],
        Sensitivity::LawEnforcement,
    ),
];

/// Criminal intelligence left pending validation: one record in this many.
const LEFT_PENDING: u8 = 10;

/// Puts the demo task force into a store holding a simulated world; returns the
/// log-ons. Safe to run once per store (accounts and cases are refused the second
/// time).
pub fn seed_demo(store: &dyn Store) -> ServiceResult<Vec<DemoLogon>> {
    let directory = store.directory();
    for (id, name, contact) in AGENCIES {
        directory.put_agency(&Agency {
            id: id.to_string(),
            name: name.to_string(),
            contact: contact.to_string(),
        })?;
    }
    let password_hash = auth::hash_password(DEMO_PASSWORD)
        .map_err(|error| ServiceError::Internal(error.to_string()))?;
    let now = Utc::now();
    let mut logons = Vec::new();
    for (user, agency, display_name, roles, clearance, caveats, sees) in USERS {
        directory.create_user(&UserAccount {
            id: user.to_string(),
            agency: agency.to_string(),
            display_name: display_name.to_string(),
            roles: roles.iter().map(|role| role.to_string()).collect(),
            clearance,
            caveats: caveats.iter().map(|caveat| caveat.to_string()).collect(),
            password_hash: password_hash.clone(),
            totp_secret: None,
            locked_at: None,
            disabled: false,
            created_at: now,
        })?;
        logons.push(DemoLogon {
            user: user.to_string(),
            agency: agency.to_string(),
            roles: roles.iter().map(|role| role.to_string()).collect(),
            what_they_see: sees.to_string(),
        });
    }
    for (from, to, classes, up_to) in AGREEMENTS {
        directory.put_agreement(&Agreement {
            from_agency: from.to_string(),
            to_agency: to.to_string(),
            data_classes: classes.to_vec(),
            max_sensitivity: up_to,
        })?;
    }
    // Public-health data is shared with every law-enforcement agency.
    for (agency, _, _) in AGENCIES.iter().filter(|(id, _, _)| *id != "county_health") {
        directory.put_agreement(&Agreement {
            from_agency: "county_health".to_string(),
            to_agency: agency.to_string(),
            data_classes: vec![DataClass::PublicHealth],
            max_sensitivity: Sensitivity::Sensitive,
        })?;
    }
    let dea_records = all_records(store, "dea")?;
    if let Some(case) = dea_records
        .iter()
        .filter_map(|record| {
            record
                .properties
                .get(crate::snapshot::CASE_PROPERTY)?
                .first()
        })
        .min()
    {
        directory.create_case(&CaseFile {
            id: case.clone(),
            agency: "dea".to_string(),
            title: "Demo investigation: need-to-know for the DEA supervisor".to_string(),
            created_by: "hidta.admin".to_string(),
            created_at: now,
            members: vec!["dea.supervisor".to_string()],
        })?;
    }
    for agency in ["dea", "cbp", "ca_doj", "sheriff", "fiu"] {
        let records = if agency == "dea" {
            dea_records.clone()
        } else {
            all_records(store, agency)?
        };
        for record in records
            .iter()
            .filter(|record| record.labels.data_class == DataClass::CriminalIntelligence)
            .filter(|record| record.id.as_bytes()[0] % LEFT_PENDING != 0)
        {
            directory.record_validation(&Validation {
                record: record.id,
                decision: "validated".to_string(),
                by: format!("{agency}.supervisor"),
                at: now,
                note: "demo: predicate reviewed".to_string(),
            })?;
        }
    }
    Ok(logons)
}

fn all_records(store: &dyn Store, agency: &str) -> ServiceResult<Vec<SourceRecord>> {
    let mut records = Vec::new();
    let mut after = None;
    loop {
        let page = store.records(&RecordQuery {
            agency: Some(agency.to_string()),
            after,
            limit: 10_000,
            ..RecordQuery::default()
        })?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        records.extend(page);
    }
    Ok(records)
}
