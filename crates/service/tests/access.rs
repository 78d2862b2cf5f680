//! The access matrix through the façade, tested from the side of the user who must
//! not see: a simulated world, the demo task force, and every query path (search,
//! facets, pointers, profiles, neighbourhoods, paths, rings, key players, map counts,
//! exports, alerts, the audit log) asked by users of other agencies and roles.

use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use model::{DataClass, RecordId, Schema};
use service::demo::DEMO_PASSWORD;
use service::{
    Actor, CountView, GraphRequest, LogonRequest, OperationRequest, SearchRequest, Service,
    ServiceError, Settings,
};

mod support;

use support::{sign_on, world};

fn readable(actor: &Actor) -> HashSet<RecordId> {
    world()
        .service
        .readable_records(actor)
        .expect("readable records")
        .into_iter()
        .collect()
}

/// Every record, read once for the file (the tests here do not change them).
fn all_records() -> Vec<model::SourceRecord> {
    static RECORDS: OnceLock<Vec<model::SourceRecord>> = OnceLock::new();
    RECORDS.get_or_init(support::all_records).clone()
}

/// The surname of a DEA person record that the Sheriff may only know of (a pointer).
fn dea_person_surname() -> String {
    let sheriff = sign_on("sheriff.investigator");
    all_records()
        .iter()
        .filter(|record| record.kind == "Person" && record.provenance.agency == "dea")
        .filter(|record| {
            matches!(
                world().service.decision(&sheriff, record.id),
                access::Decision::Pointer { .. }
            )
        })
        .filter_map(|record| {
            let name = record.properties.get("name")?.first()?;
            let surname = name.split(',').next()?.trim().to_string();
            (surname.len() >= 3).then_some(surname)
        })
        .next()
        .expect("a DEA person the Sheriff gets a pointer to")
}

#[test]
fn another_agency_gets_a_pointer_never_the_content() {
    let service = &world().service;
    let surname = dea_person_surname();
    let request = SearchRequest {
        q: surname.clone(),
        ..SearchRequest::default()
    };
    let dea = service
        .search(&sign_on("dea.analyst"), &request)
        .expect("DEA searches");
    assert!(
        dea.hits
            .iter()
            .any(|hit| hit.agencies.contains(&"dea".to_string())),
        "DEA finds its own {surname}"
    );

    let sheriff = service
        .search(&sign_on("sheriff.investigator"), &request)
        .expect("the Sheriff searches");
    for hit in &sheriff.hits {
        assert!(
            !hit.agencies
                .iter()
                .any(|agency| agency == "dea" || agency == "cbp" || agency == "fiu"),
            "the Sheriff sees a hit from {:?}",
            hit.agencies
        );
    }
    assert!(
        sheriff
            .facets
            .agency
            .iter()
            .all(|facet| facet.value != "dea"),
        "the agency facet counts DEA records: {:?}",
        sheriff.facets.agency
    );
    let pointer = sheriff
        .pointers
        .iter()
        .find(|pointer| pointer.agency == "dea")
        .expect("a pointer to DEA");
    assert!(
        pointer
            .contact
            .as_deref()
            .is_some_and(|contact| contact.contains("DEA"))
    );
    // Nothing of the content travels in the answer.
    let text = serde_json::to_string(&sheriff.pointers).expect("json");
    assert!(!text.to_lowercase().contains(&surname.to_lowercase()));
}

#[test]
fn entities_of_another_agency_are_not_found_on_any_path() {
    let service = &world().service;
    let dea = sign_on("dea.analyst");
    let sheriff = sign_on("sheriff.investigator");
    let surname = dea_person_surname();
    let hit = service
        .search(
            &dea,
            &SearchRequest {
                q: surname,
                ..SearchRequest::default()
            },
        )
        .expect("search")
        .hits
        .into_iter()
        .find(|hit| hit.agencies == vec!["dea".to_string()])
        .expect("a DEA-only entity");
    assert!(service.entity(&dea, &hit.node).is_ok());
    assert!(matches!(
        service.entity(&sheriff, &hit.node),
        Err(ServiceError::NotFound(_))
    ));
    let request = GraphRequest {
        node: hit.node.clone(),
        ..GraphRequest::default()
    };
    assert!(matches!(
        service.neighbourhood(&sheriff, &request),
        Err(ServiceError::NotFound(_))
    ));
    assert!(matches!(
        service.export_graphml(&sheriff, &request),
        Err(ServiceError::NotFound(_))
    ));
    assert!(matches!(
        service.paths(&sheriff, &hit.node, &hit.node, 1),
        Err(ServiceError::NotFound(_))
    ));
}

#[test]
fn analytics_draw_only_on_readable_records() {
    let service = &world().service;
    let sheriff = sign_on("sheriff.investigator");
    let allowed: HashSet<RecordId> = readable(&sheriff);
    let records = all_records();
    let agency_of = |id: &RecordId| {
        records
            .iter()
            .find(|record| record.id == *id)
            .map(|record| record.provenance.agency.clone())
            .expect("a stored record")
    };
    for id in &allowed {
        let agency = agency_of(id);
        assert!(
            ["sheriff", "ca_doj", "county_health"].contains(&agency.as_str()),
            "the Sheriff may read a record of {agency}"
        );
    }
    for ring in service.rings(&sheriff).expect("rings") {
        for agency in &ring.agencies {
            assert!(
                ["sheriff", "ca_doj", "county_health"].contains(&agency.as_str()),
                "a ring names {agency}"
            );
        }
        for member in &ring.members {
            service
                .entity(&sheriff, &member.node)
                .unwrap_or_else(|error| {
                    panic!("ring member {} is not readable: {error}", member.node)
                });
        }
    }
    for player in service.key_players(&sheriff, 20).expect("key players") {
        let profile = service
            .entity(&sheriff, &player.node)
            .expect("a key player is readable");
        assert!(
            profile
                .records
                .iter()
                .all(|record| allowed.contains(&record.id.parse().expect("id")))
        );
    }
}

#[test]
fn epidemiologists_read_public_health_only_with_small_counts_suppressed() {
    let service = &world().service;
    let epi = sign_on("county_health.epi");
    let records = all_records();
    for id in readable(&epi) {
        let record = records
            .iter()
            .find(|record| record.id == id)
            .expect("stored");
        assert!(
            matches!(
                record.labels.data_class,
                DataClass::PublicHealth | DataClass::Public
            ),
            "an epidemiologist reads {:?}",
            record.labels.data_class
        );
    }
    assert!(matches!(
        service.rings(&epi),
        Err(ServiceError::Forbidden(_))
    ));
    assert!(matches!(
        service.neighbourhood(
            &epi,
            &GraphRequest {
                node: "x".into(),
                ..GraphRequest::default()
            }
        ),
        Err(ServiceError::Forbidden(_))
    ));
    let map = service.map(&epi, None, None).expect("map");
    assert!(map.points.is_empty(), "an epidemiologist gets points");
    assert!(
        !map.counties.is_empty(),
        "an epidemiologist gets county counts"
    );
    for county in &map.counties {
        if let CountView::Count(count) = county.count {
            assert!(
                count == 0 || count > access::PUBLIC_HEALTH_SUPPRESSION_THRESHOLD,
                "{county:?}"
            );
        }
    }
    // A law-enforcement user sees the exact small counts the epidemiologist may not.
    let analyst_map = service
        .map(&sign_on("ca_doj.analyst"), None, None)
        .expect("map");
    assert!(
        analyst_map
            .counties
            .iter()
            .all(|county| matches!(county.count, CountView::Count(_)))
    );
}

#[test]
fn pending_intelligence_stays_with_its_agency_until_validated() {
    let records = all_records();
    let intelligence: Vec<&model::SourceRecord> = records
        .iter()
        .filter(|record| {
            record.labels.data_class == DataClass::CriminalIntelligence
                && record.provenance.agency == "dea"
                && record.labels.caveats.is_empty()
                && record.labels.sensitivity <= model::Sensitivity::LawEnforcement
        })
        .collect();
    let validations = world()
        .store
        .directory()
        .validations()
        .expect("validations");
    let pending: Vec<RecordId> = intelligence
        .iter()
        .filter(|record| !validations.contains_key(&record.id))
        .map(|record| record.id)
        .collect();
    let validated: Vec<RecordId> = intelligence
        .iter()
        .filter(|record| validations.contains_key(&record.id))
        .map(|record| record.id)
        .collect();
    assert!(!pending.is_empty() && !validated.is_empty());
    // CBP's agreement with DEA covers criminal intelligence: validated only.
    let cbp = readable(&sign_on("cbp.analyst"));
    assert!(
        pending.iter().all(|id| !cbp.contains(id)),
        "CBP reads pending intelligence"
    );
    assert!(
        validated.iter().any(|id| cbp.contains(id)),
        "CBP reads no validated intelligence"
    );
    let dea = readable(&sign_on("dea.analyst"));
    assert!(
        pending.iter().all(|id| dea.contains(id)),
        "DEA cannot read its own pending intelligence"
    );
}

#[test]
fn case_records_need_case_membership() {
    let cases = world().store.directory().cases().expect("cases");
    let case = cases.first().expect("the demo case");
    let records = all_records();
    let in_case: Vec<RecordId> = records
        .iter()
        .filter(|record| {
            record
                .properties
                .get("case_number")
                .is_some_and(|values| values.contains(&case.id))
        })
        .map(|record| record.id)
        .collect();
    assert!(!in_case.is_empty());
    let analyst = readable(&sign_on("dea.analyst"));
    assert!(
        in_case.iter().all(|id| !analyst.contains(id)),
        "a non-member reads case records"
    );
    let supervisor = readable(&sign_on("dea.supervisor"));
    assert!(
        in_case.iter().any(|id| supervisor.contains(id)),
        "the member reads none"
    );
}

#[test]
fn informant_flags_are_withheld_from_those_without_the_caveat() {
    let service = &world().service;
    let cbp = sign_on("cbp.analyst");
    // Every Person profile CBP can open: no informant property ever appears.
    let surname = dea_person_surname();
    let response = service
        .search(
            &cbp,
            &SearchRequest {
                q: surname,
                ..SearchRequest::default()
            },
        )
        .expect("search");
    for hit in response.hits.iter().filter(|hit| hit.kind == "Person") {
        let profile = service.entity(&cbp, &hit.node).expect("profile");
        for record in &profile.records {
            assert!(
                !record.properties.contains_key("informant"),
                "CBP sees an informant flag"
            );
            if record.kind == "Person" && record.agency != "cbp" {
                assert!(record.redacted.iter().all(|field| field == "informant"));
            }
        }
    }
}

#[test]
fn only_auditors_read_the_audit_log_and_searches_are_in_it() {
    let service = &world().service;
    let analyst = sign_on("ca_doj.analyst");
    assert!(matches!(
        service.audit_log(&analyst, 10, None),
        Err(ServiceError::Forbidden(_))
    ));
    assert!(matches!(
        service.audit_verify(&analyst),
        Err(ServiceError::Forbidden(_))
    ));
    service
        .search(
            &analyst,
            &SearchRequest {
                q: "zz-marker-words".into(),
                ..SearchRequest::default()
            },
        )
        .expect("search");
    let auditor = sign_on("hidta.auditor");
    let entries = service.audit_log(&auditor, 200, None).expect("audit log");
    assert!(entries.iter().any(|entry| {
        entry.entry.actor == "ca_doj.analyst" && entry.entry.target.contains("zz-marker-words")
    }));
    assert!(service.audit_verify(&auditor).expect("verify").ok);
    assert!(matches!(
        service.search(
            &auditor,
            &SearchRequest {
                q: "smith".into(),
                ..SearchRequest::default()
            }
        ),
        Err(ServiceError::Forbidden(_))
    ));
}

#[test]
fn five_failed_log_ons_lock_the_account_until_an_administrator_releases_it() {
    let service = &world().service;
    let admin = sign_on("hidta.admin");
    // An account of its own, so that other tests' log-ons are not locked out.
    service
        .put_user(
            &admin,
            &service::UserRequest {
                id: "lockout.subject".into(),
                agency: "fiu".into(),
                display_name: "Lockout Subject".into(),
                roles: vec!["analyst".into()],
                clearance: "law_enforcement".into(),
                caveats: Vec::new(),
                password: Some(DEMO_PASSWORD.into()),
            },
        )
        .expect("the administrator adds an account");
    let wrong = LogonRequest {
        user: "lockout.subject".to_string(),
        password: "not-the-password".to_string(),
        totp: None,
    };
    for attempt in 1..=4 {
        assert!(
            matches!(
                service.log_on(&wrong, "test"),
                Err(ServiceError::Unauthenticated(_))
            ),
            "attempt {attempt}"
        );
    }
    assert!(matches!(
        service.log_on(&wrong, "test"),
        Err(ServiceError::Locked)
    ));
    let right = LogonRequest {
        password: DEMO_PASSWORD.to_string(),
        ..wrong.clone()
    };
    assert!(matches!(
        service.log_on(&right, "test"),
        Err(ServiceError::Locked)
    ));
    let analyst = sign_on("dea.analyst");
    assert!(matches!(
        service.unlock_user(&analyst, "lockout.subject"),
        Err(ServiceError::Forbidden(_))
    ));
    let admin = sign_on("hidta.admin");
    assert!(
        !service
            .unlock_user(&admin, "lockout.subject")
            .expect("unlock")
            .locked
    );
    assert!(service.log_on(&right, "test").is_ok());
}

#[test]
fn idle_sessions_lock_and_tokens_carry_only_their_scopes() {
    let world = world();
    let strict = Service::open(
        world.store.clone(),
        Arc::new(Schema::builtin().clone()),
        Settings {
            require_second_factor: false,
            sessions: auth::SessionPolicy {
                idle: chrono::Duration::zero(),
                ..auth::SessionPolicy::default()
            },
            ..Settings::default()
        },
    )
    .expect("service");
    let granted = strict
        .log_on(
            &LogonRequest {
                user: "cbp.analyst".into(),
                password: DEMO_PASSWORD.into(),
                totp: None,
            },
            "test",
        )
        .expect("log-on");
    assert!(matches!(
        strict.session_actor(&granted.session, "test"),
        Err(ServiceError::Unauthenticated(_))
    ));

    let service = &world.service;
    let analyst = sign_on("cbp.analyst");
    assert!(matches!(
        service.issue_token(&analyst, "admin please", &["admin".to_string()]),
        Err(ServiceError::Forbidden(_))
    ));
    let (_, secret) = service
        .issue_token(&analyst, "read only", &["read".to_string()])
        .expect("token");
    let token_actor = service.token_actor(&secret, "test").expect("token actor");
    assert!(service.status(&token_actor).is_ok());
    assert!(matches!(
        service.register_operation(&token_actor, &operation_at(34.05, -118.25, "token op")),
        Err(ServiceError::Forbidden(_))
    ));
    assert!(matches!(
        service.token_actor("itk_00000000_00", "test"),
        Err(ServiceError::Unauthenticated(_))
    ));
    // A second factor is required in server mode when none is enrolled.
    let server_mode = Service::open(
        world.store.clone(),
        Arc::new(Schema::builtin().clone()),
        Settings::default(),
    )
    .expect("service");
    assert!(matches!(
        server_mode.log_on(
            &LogonRequest {
                user: "cbp.analyst".into(),
                password: DEMO_PASSWORD.into(),
                totp: None
            },
            "test"
        ),
        Err(ServiceError::Forbidden(_))
    ));
}

fn operation_at(latitude: f64, longitude: f64, name: &str) -> OperationRequest {
    OperationRequest {
        name: name.to_string(),
        latitude,
        longitude,
        radius_m: 500.0,
        starts_at: "2030-01-10T06:00:00Z".to_string(),
        ends_at: "2030-01-10T10:00:00Z".to_string(),
        targets: Vec::new(),
        contact_name: "Duty desk".to_string(),
        contact_phone: "+1 555 0199".to_string(),
        case: None,
    }
}

#[test]
fn overlapping_operations_notify_both_agencies_with_contacts_only() {
    let service = &world().service;
    let received: Arc<Mutex<Vec<service::LiveAlert>>> = Arc::default();
    let sink = received.clone();
    service.on_alert(move |alert| sink.lock().expect("lock").push(alert.clone()));
    let dea = sign_on("dea.analyst");
    let sheriff = sign_on("sheriff.investigator");
    let first = service
        .register_operation(&dea, &operation_at(36.75, -119.77, "Secret Name Alpha"))
        .expect("DEA registers");
    assert!(first.conflicts.is_empty());
    let second = service
        .register_operation(
            &sheriff,
            &operation_at(36.7505, -119.7705, "Secret Name Bravo"),
        )
        .expect("the Sheriff registers");
    let conflict = second.conflicts.first().expect("a conflict");
    assert_eq!(conflict.other_agency, "dea");
    assert_eq!(conflict.contact_name, "Duty desk");
    let alerts = received.lock().expect("lock").clone();
    let agencies: BTreeSet<&str> = alerts.iter().map(|alert| alert.agency.as_str()).collect();
    assert_eq!(agencies, BTreeSet::from(["dea", "sheriff"]));
    for alert in &alerts {
        let text = serde_json::to_string(&alert.alert).expect("json");
        assert!(
            !text.contains("Secret Name"),
            "an alert names an operation: {text}"
        );
    }
    let inbox = service.alerts(&dea, 50).expect("alerts");
    assert!(
        inbox.iter().any(|alert| alert.kind == "deconfliction"
            && alert.other_agency.as_deref() == Some("sheriff"))
    );
    // Agencies not party to it see nothing of it.
    let fiu_inbox = service
        .alerts(&sign_on("ca_doj.analyst"), 50)
        .expect("alerts");
    assert!(
        fiu_inbox
            .iter()
            .all(|alert| alert.other_agency.as_deref() != Some("sheriff"))
    );
}

#[test]
fn every_users_view_agrees_with_the_policy_record_by_record() {
    // The compiled views against the reference decision, for every demo user.
    let service = &world().service;
    let records = all_records();
    for user in [
        "dea.analyst",
        "dea.supervisor",
        "cbp.analyst",
        "ca_doj.analyst",
        "sheriff.investigator",
        "fiu.analyst",
        "county_health.epi",
    ] {
        let actor = sign_on(user);
        let allowed = readable(&actor);
        for record in &records {
            let decision = service.decision(&actor, record.id);
            assert_eq!(
                allowed.contains(&record.id),
                decision.reveals_content(),
                "{user} and record {} of {}",
                record.id,
                record.provenance.agency
            );
        }
    }
}
