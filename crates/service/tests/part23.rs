//! The 28 CFR Part 23 workflow, watches, retention and the dissemination log through
//! the façade, on the simulated world with the demo task force: validation opens
//! criminal intelligence to agreements, a purge leaves no trace in any view and names
//! the earlier recipients, watches raise live alerts decided for each watcher.

use std::sync::{Arc, Mutex};

use access::Decision;
use model::{DataClass, SourceRecord};
use service::{SearchRequest, ServiceError};
use store::{Disclosure, RecordQuery};

mod support;

use support::{sign_on, world};

fn all_records() -> Vec<SourceRecord> {
    let mut records = Vec::new();
    let mut after = None;
    loop {
        let page = world()
            .store
            .records(&RecordQuery {
                after,
                limit: 10_000,
                ..RecordQuery::default()
            })
            .expect("records");
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        records.extend(page);
    }
    records
}

fn readable(user: &str, record: &SourceRecord) -> bool {
    world()
        .service
        .decision(&sign_on(user), record.id)
        .reveals_content()
}

/// DEA subject records (criminal intelligence, one per entity key) readable by all of
/// `users`.
fn dea_subjects_readable_by(users: &[&str]) -> Vec<SourceRecord> {
    let records = all_records();
    records
        .iter()
        .filter(|record| {
            record.provenance.agency == "dea"
                && record.provenance.feed == "subjects"
                && record.kind == "Person"
                && record.labels.caveats.is_empty()
                && records
                    .iter()
                    .filter(|other| other.entity_key == record.entity_key)
                    .count()
                    == 1
        })
        .filter(|record| users.iter().all(|user| readable(user, record)))
        .cloned()
        .collect()
}

#[test]
fn a_supervisor_validates_pending_intelligence_and_the_agreement_then_covers_it() {
    let service = &world().service;
    let supervisor = sign_on("dea.supervisor");
    let cbp = sign_on("cbp.analyst");
    let pending = service
        .pending_validations(&supervisor, 1000)
        .expect("pending list");
    // One the DEA→CBP agreement would cover once validated (no caveats, cleared).
    let records = all_records();
    let candidate = pending
        .iter()
        .filter_map(|view| records.iter().find(|record| record.id.to_hex() == view.id))
        .find(|record| {
            record.labels.caveats.is_empty()
                && record.labels.sensitivity <= model::Sensitivity::LawEnforcement
                && !record.properties.contains_key("case_number")
        })
        .expect("a pending DEA record CBP could read once validated")
        .clone();
    assert_eq!(candidate.labels.data_class, DataClass::CriminalIntelligence);
    assert_eq!(service.decision(&cbp, candidate.id), Decision::Deny);
    assert!(
        !service
            .readable_records(&cbp)
            .unwrap()
            .contains(&candidate.id)
    );

    // An analyst may not validate.
    let refused = service.validate_record(
        &sign_on("dea.analyst"),
        &candidate.id.to_hex(),
        true,
        "looks fine",
    );
    assert!(
        matches!(refused, Err(ServiceError::Forbidden(_))),
        "{refused:?}"
    );
    service
        .validate_record(
            &supervisor,
            &candidate.id.to_hex(),
            true,
            "predicate reviewed",
        )
        .expect("the supervisor validates");
    assert!(
        service
            .readable_records(&cbp)
            .unwrap()
            .contains(&candidate.id)
    );
    let after = service
        .pending_validations(&supervisor, 1000)
        .expect("pending list");
    assert!(after.iter().all(|view| view.id != candidate.id.to_hex()));
}

#[test]
fn a_purge_removes_the_record_from_every_view_and_names_earlier_recipients() {
    let service = &world().service;
    let cbp = sign_on("cbp.analyst");
    let candidates = dea_subjects_readable_by(&["cbp.analyst", "dea.analyst"]);
    let record = candidates.last().expect("a DEA subject CBP reads").clone();
    let node = format!("Person:{}", record.entity_key.to_hex());
    // CBP views it: a dissemination of DEA content to CBP.
    let profile = service.entity(&cbp, &node).expect("CBP views the entity");
    assert!(
        profile
            .records
            .iter()
            .any(|view| view.id == record.id.to_hex())
    );
    let name = record.properties["name"][0].clone();

    // Neither another agency's analyst nor an analyst of the owning agency purges it.
    let refused = service.purge(&cbp, &record.id.to_hex(), "retention expired");
    assert!(
        matches!(refused, Err(ServiceError::Forbidden(_))),
        "{refused:?}"
    );
    let refused = service.purge(&sign_on("dea.analyst"), &record.id.to_hex(), "expired");
    assert!(
        matches!(refused, Err(ServiceError::Forbidden(_))),
        "{refused:?}"
    );
    assert!(service.readable_records(&cbp).unwrap().contains(&record.id));

    let supervisor = sign_on("dea.supervisor");
    let report = service
        .purge(
            &supervisor,
            &record.id.to_hex(),
            "28 CFR 23.54: review lapsed",
        )
        .expect("the supervisor purges");
    assert_eq!(report.purged.tombstone.record, record.id);
    assert_eq!(report.purged.tombstone.purged_by, "dea.supervisor");
    assert!(
        report
            .notify
            .iter()
            .any(|recipient| recipient.agency == "cbp" && recipient.user == "cbp.analyst"),
        "{:?}",
        report.notify
    );
    for user in ["cbp.analyst", "dea.analyst", "dea.supervisor"] {
        let actor = sign_on(user);
        assert!(
            !service
                .readable_records(&actor)
                .unwrap()
                .contains(&record.id),
            "{user} still reads it"
        );
        let found = service
            .search(
                &actor,
                &SearchRequest {
                    q: name.clone(),
                    ..SearchRequest::default()
                },
            )
            .expect("search");
        assert!(
            found.hits.iter().all(|hit| hit.node != node),
            "{user} still finds it"
        );
        assert!(service.entity(&actor, &node).is_err());
    }
    assert!(world().store.record(record.id).unwrap().is_none());
    // Purged once: the second time names the tombstone.
    let again = service.purge(&supervisor, &record.id.to_hex(), "again");
    assert!(
        matches!(&again, Err(ServiceError::NotFound(message)) if message.contains("was purged")),
        "{again:?}"
    );
    // The dissemination log keeps the trail: the auditor sees it, CBP may not read it.
    let trail = service
        .disseminations(&sign_on("hidta.auditor"), Some(&record.id.to_hex()), None)
        .expect("the auditor reads the log");
    assert!(trail.iter().any(|entry| entry.recipient_agency == "cbp"));
    let own = service
        .disseminations(&supervisor, Some(&record.id.to_hex()), Some("cbp"))
        .expect("the supervisor reads their records' log");
    assert!(!own.is_empty());
    assert!(matches!(
        service.disseminations(&cbp, None, None),
        Err(ServiceError::Forbidden(_))
    ));
}

#[test]
fn retention_review_is_for_supervisors_of_their_agency() {
    let service = &world().service;
    let due = service
        .retention_due(&sign_on("dea.supervisor"), 3650)
        .expect("due list");
    assert!(!due.is_empty());
    assert!(due.iter().all(|item| item.agency == "dea"));
    assert!(
        due.iter()
            .all(|item| item.effective_review_by <= item.review_by)
    );
    assert!(matches!(
        service.retention_due(&sign_on("dea.analyst"), 0),
        Err(ServiceError::Forbidden(_))
    ));
}

/// Writes a file of the DEA subjects feed (the world's profile and header) with new
/// versions of `subject`: one without caveats, one with the informant caveat.
fn ingest_new_versions(subject: &str, phone: &str) -> usize {
    let jobs = ingest::discover(&world().feeds()).expect("finding feeds");
    let job = jobs
        .iter()
        .find(|job| job.profile.agency == "dea" && job.profile.feed == "subjects")
        .expect("the DEA subjects feed");
    let original = std::fs::read_to_string(&job.files[0]).expect("the subjects file");
    let header: Vec<&str> = original
        .lines()
        .next()
        .expect("a header")
        .trim_start_matches('\u{feff}')
        .split(',')
        .collect();
    let today = chrono::Utc::now().date_naive();
    let row = |name: &str, caveats: &str, informant: &str| {
        header
            .iter()
            .map(|column| match *column {
                "SUBJECT_ID" => subject.to_string(),
                "SUBJECT_NAME" => name.to_string(),
                "PREDICATE" => "reasonable suspicion of 21 USC 841 distribution".to_string(),
                "OPENED" => today.format("%m/%d/%Y").to_string(),
                "REVIEW_DATE" => (today + chrono::Days::new(365))
                    .format("%m/%d/%Y")
                    .to_string(),
                "CAVEATS" => caveats.to_string(),
                "INFORMANT" => informant.to_string(),
                "PHONE" => phone.to_string(),
                _ => String::new(),
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let folder = world().folder.path().join("new-subjects");
    std::fs::create_dir_all(&folder).unwrap();
    let file = folder.join("subjects.csv");
    std::fs::write(
        &file,
        format!(
            "{}\n{}\n{}\n",
            header.join(","),
            row("\"WATCHED, NEW VERSION\"", "", ""),
            row("\"WATCHED, INFORMANT VERSION\"", "INFORMANT", "ci"),
        ),
    )
    .unwrap();
    let report = ingest::ingest_file(
        world().store.as_ref(),
        &job.profile,
        &file,
        &ingest::IngestOptions::new(chrono::Utc::now()),
        &mut |_| {},
    )
    .expect("ingesting the new versions");
    assert_eq!(report.counts.rows_quarantined, 0);
    report.counts.records_written as usize
}

#[test]
fn a_watch_raises_live_alerts_decided_for_each_watcher() {
    let service = &world().service;
    let received: Arc<Mutex<Vec<service::LiveAlert>>> = Arc::default();
    let sink = received.clone();
    service.on_alert(move |alert| sink.lock().unwrap().push(alert.clone()));
    let candidates = dea_subjects_readable_by(&["dea.analyst", "dea.supervisor", "cbp.analyst"]);
    let record = candidates.first().expect("a DEA subject").clone();
    let node = format!("Person:{}", record.entity_key.to_hex());
    let analyst = sign_on("dea.analyst");
    let supervisor = sign_on("dea.supervisor");
    let cbp = sign_on("cbp.analyst");
    let watch = service
        .add_watch(&analyst, &node, "subject of interest", None)
        .expect("the analyst watches");
    assert_eq!(watch.target, format!("key:{}", record.entity_key.to_hex()));
    service
        .add_watch(&supervisor, &node, "subject of interest", None)
        .expect("the supervisor watches");
    service
        .add_watch(&cbp, &node, "border crossings", None)
        .expect("CBP watches what it reads");
    // Nobody watches what they cannot see; epidemiologists keep no watches.
    assert!(matches!(
        service.add_watch(&sign_on("sheriff.investigator"), &node, "x", None),
        Err(ServiceError::NotFound(_))
    ));
    assert!(matches!(
        service.add_watch(&sign_on("county_health.epi"), &node, "x", None),
        Err(ServiceError::Forbidden(_))
    ));
    assert!(
        service
            .watches(&analyst)
            .unwrap()
            .iter()
            .any(|listed| listed.id == watch.id && listed.active)
    );

    // The feed's rows need a phone: the subject's own (its phone records are stored
    // already, so only the two person versions are new).
    let phone = record
        .properties
        .get("phone")
        .and_then(|phones| phones.first())
        .cloned()
        .unwrap_or_else(|| "+12135550199".to_string());
    let stored = ingest_new_versions(&record.provenance.source_record_id, &phone);
    assert!(stored >= 2, "{stored}");
    let raised = service.check_watches().expect("the check runs");
    // The analyst: the plain version without its protected fields, the informant
    // version as a pointer only;
    // the supervisor (holds the caveat): both in full; CBP: nothing (pending
    // intelligence of another agency is not even pointed to).
    assert_eq!(raised, 4);
    let alerts = world().store.watchlists().alerts(None).unwrap();
    let disclosures = |user: &str| {
        let mut found: Vec<Disclosure> = alerts
            .iter()
            .filter(|alert| alert.watcher_user == user)
            .map(|alert| alert.alert.disclosure)
            .collect();
        found.sort();
        found
    };
    assert_eq!(
        disclosures("dea.analyst"),
        vec![Disclosure::Redacted, Disclosure::Pointer]
    );
    assert_eq!(
        disclosures("dea.supervisor"),
        vec![Disclosure::Full, Disclosure::Full]
    );
    assert!(disclosures("cbp.analyst").is_empty());
    let live = received.lock().unwrap().clone();
    assert_eq!(live.len(), 4);
    assert!(
        live.iter()
            .all(|alert| alert.agency == "dea" && alert.alert.kind == "watch")
    );
    // The pointer names the holder, never the record.
    let pointer = live
        .iter()
        .find(|alert| alert.alert.summary.starts_with("a watched entity appears"))
        .expect("a pointer alert");
    assert!(!pointer.alert.summary.contains("INFORMANT VERSION"));
    // The inbox lists them for the watcher.
    let inbox = service.alerts(&analyst, 100).unwrap();
    assert_eq!(
        inbox.iter().filter(|alert| alert.kind == "watch").count(),
        2
    );
    // A second check tells nothing twice; a removed watch is kept, marked removed.
    assert_eq!(service.check_watches().unwrap(), 0);
    let removed = service.remove_watch(&analyst, watch.id).unwrap();
    assert!(!removed.active);
    assert!(matches!(
        service.remove_watch(&cbp, watch.id),
        Err(ServiceError::NotFound(_))
    ));
}
