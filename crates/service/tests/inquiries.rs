//! Inquiries reach the owning agency without the searched words; common associates
//! come from the asker's view only.

mod support;

use service::{GraphRequest, SearchRequest, ServiceError};
use support::{dea_person_the_sheriff_is_pointed_to, sign_on, world};

#[test]
fn the_owning_agency_sees_who_was_pointed_to_its_records_but_not_the_words() {
    let service = &world().service;
    let dea = sign_on("dea.analyst");
    let (_, word) = dea_person_the_sheriff_is_pointed_to(service);

    let supervisor = sign_on("dea.supervisor");
    let inquiries = service.inquiries(&supervisor, 50).expect("inquiries");
    let inquiry = inquiries
        .iter()
        .find(|inquiry| inquiry.user == "sheriff.investigator")
        .expect("the Sheriff's inquiry is listed for DEA");
    assert_eq!(inquiry.agency, "sheriff");
    assert!(inquiry.records > 0);
    let text = serde_json::to_string(&inquiries).expect("json");
    assert!(
        !text.contains(&word),
        "the inquiry list names the searched word {word:?}"
    );

    // Not for analysts, and not about other agencies' records.
    assert!(matches!(
        service.inquiries(&dea, 50),
        Err(ServiceError::Forbidden(_))
    ));
    let cbp_side = service
        .inquiries(&sign_on("dea.supervisor"), 500)
        .expect("inquiries");
    assert!(cbp_side.iter().all(|inquiry| inquiry.agency != "dea"));
}

#[test]
fn common_associates_are_found_within_the_askers_view_only() {
    let service = &world().service;
    let dea = sign_on("dea.analyst");
    // Two entities sharing a neighbour: a node, one of its neighbours, and another
    // node linked to that neighbour.
    let hits = service
        .search(
            &dea,
            &SearchRequest {
                q: "ma".into(),
                limit: Some(200),
                ..SearchRequest::default()
            },
        )
        .expect("search")
        .hits;
    let (first, second, shared) = hits
        .iter()
        .find_map(|hit| {
            let around = service
                .neighbourhood(
                    &dea,
                    &GraphRequest {
                        node: hit.node.clone(),
                        depth: Some(2),
                        ..GraphRequest::default()
                    },
                )
                .ok()?;
            let middle = around.nodes.iter().find(|node| node.depth == 1)?;
            let other = around.links.iter().find_map(|link| {
                let far = if link.source == middle.id {
                    &link.target
                } else if link.target == middle.id {
                    &link.source
                } else {
                    return None;
                };
                (far != &hit.node).then(|| far.clone())
            })?;
            Some((hit.node.clone(), other, middle.id.clone()))
        })
        .expect("two entities with a shared neighbour");
    let associates = service
        .common_associates(&dea, &[first.clone(), second.clone()], Some(1))
        .expect("common associates");
    assert!(
        associates
            .iter()
            .any(|associate| associate.node.id == shared),
        "{shared} links {first} and {second}"
    );
    assert!(matches!(
        service.common_associates(&dea, std::slice::from_ref(&first), None),
        Err(ServiceError::BadRequest(_))
    ));
    // An epidemiologist does no link analysis at all.
    assert!(matches!(
        service.common_associates(&sign_on("county_health.epi"), &[first, second], None),
        Err(ServiceError::Forbidden(_))
    ));
}
