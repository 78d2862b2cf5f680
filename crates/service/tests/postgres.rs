//! The façade on the server backend: a small world ingested into a throwaway
//! PostgreSQL cluster, seen from the side of the user who must not see.

mod support;

use std::sync::Arc;

use service::{SearchRequest, ServiceError};
use store_postgres::PostgresStore;
use support::{build_world_in, dea_person_the_sheriff_is_pointed_to, sign_on_to};

#[test]
fn on_postgres_other_agencies_get_pointers_and_the_audit_chain_holds() {
    let world = build_world_in(5, false, |_| {
        Arc::new(
            PostgresStore::open(&pg_throwaway::fresh_database_url()).expect("opening PostgreSQL"),
        )
    });
    let service = &world.service;
    let dea = sign_on_to(service, "dea.analyst");
    let sheriff = sign_on_to(service, "sheriff.investigator");

    // A DEA-only entity: found by DEA, not found by the Sheriff, who is pointed to DEA.
    let (node, word) = dea_person_the_sheriff_is_pointed_to(service);
    let answer = service
        .search(
            &sheriff,
            &SearchRequest {
                q: word,
                ..SearchRequest::default()
            },
        )
        .expect("search");
    assert!(
        answer
            .hits
            .iter()
            .all(|hit| !hit.agencies.contains(&"dea".to_string()))
    );
    assert!(
        answer
            .facets
            .agency
            .iter()
            .all(|facet| facet.value != "dea")
    );
    assert!(matches!(
        service.entity(&sheriff, &node),
        Err(ServiceError::NotFound(_))
    ));
    assert!(service.entity(&dea, &node).is_ok());

    // Every answer above was audited, and the chain verifies.
    let auditor = sign_on_to(service, "hidta.auditor");
    let verified = service.audit_verify(&auditor).expect("verify");
    assert!(verified.ok, "{}", verified.message);
    let log = service.audit_log(&auditor, 500, None).expect("log");
    assert!(
        log.iter()
            .any(|entry| entry.entry.actor == "sheriff.investigator"
                && entry.entry.target.starts_with("inquiry;to=dea"))
    );
}
