//! Jobs through the façade: an upload ingested as a job (good rows searchable by the
//! uploader afterwards, bad rows in the quarantine with file, line and field), seen by
//! the uploader's agency only; profiles of another agency refused; resolution runs as
//! jobs; judgements only on records the judge may read.

mod support;

use std::sync::{Arc, OnceLock};

use service::{Actor, JobState, JobView, SearchRequest, ServiceError};
use store::Store;
use support::World;

const PROFILE: &str = include_str!("../../../e2e/fixtures/field_interviews.profile.toml");
const DATA: &str = include_str!("../../../e2e/fixtures/field_interviews.csv");

/// A world of its own (seed 5) whose façade runs jobs.
fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| support::build_world(5, true))
}

fn sign_on(user: &str) -> Actor {
    support::sign_on_to(&world().service, user)
}

fn wait_for(actor: &Actor, id: u64) -> JobView {
    world().service.wait_for_job(actor, id).expect("the job")
}

/// The fixture upload, done once for the tests that look at it.
fn uploaded() -> &'static JobView {
    static JOB: OnceLock<JobView> = OnceLock::new();
    JOB.get_or_init(|| {
        let sheriff = sign_on("sheriff.investigator");
        let id = world()
            .service
            .start_ingest(
                &sheriff,
                "../field_interviews.csv",
                DATA.as_bytes().to_vec(),
                PROFILE.to_string(),
            )
            .expect("the upload is accepted");
        wait_for(&sheriff, id)
    })
}

#[test]
fn an_upload_reports_bad_rows_in_the_quarantine_and_good_rows_become_searchable() {
    let service = &world().service;
    let sheriff = sign_on("sheriff.investigator");
    let before = service
        .search(
            &sheriff,
            &SearchRequest {
                q: "quixworthy".to_string(),
                ..SearchRequest::default()
            },
        )
        .expect("search");
    assert_eq!(before.total, 0, "nothing by that name before the upload");

    let job = uploaded();
    assert_eq!(job.state, JobState::Done, "{job:?}");
    assert_eq!(job.kind, "ingest");
    assert_eq!(job.agency, "sheriff");
    assert!(job.started_at.is_some() && job.finished_at.is_some());
    let result = job.result.as_ref().expect("a result");
    assert_eq!(result["rows_read"], 4);
    assert_eq!(result["rows_accepted"], 3);
    assert_eq!(result["rows_quarantined"], 1);
    assert_eq!(result["records_written"], 3);
    assert_eq!(
        result["file"], "field_interviews.csv",
        "folders are dropped"
    );
    let batch = result["batch"].as_str().expect("a batch id");

    let rows = service.quarantine(&sheriff, batch).expect("the quarantine");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].file, "field_interviews.csv");
    assert_eq!(rows[0].line, 4);
    assert_eq!(rows[0].field.as_deref(), Some("DOB"));
    assert!(rows[0].raw.contains("ZARNOWSKI"));

    let after = service
        .search(
            &sheriff,
            &SearchRequest {
                q: "quixworthy".to_string(),
                ..SearchRequest::default()
            },
        )
        .expect("search");
    assert_eq!(
        after.total, 2,
        "both good QUIXWORTHY rows are found: {after:?}"
    );
    let zarnowski = service
        .search(
            &sheriff,
            &SearchRequest {
                q: "zarnowski".to_string(),
                ..SearchRequest::default()
            },
        )
        .expect("search");
    assert_eq!(zarnowski.total, 0, "the quarantined row is not a record");

    let audit = world()
        .store
        .audit()
        .entries(&store::AuditQuery::default())
        .expect("the audit log");
    assert!(
        audit
            .iter()
            .any(|entry| entry.entry.action == store::AuditAction::Ingest
                && entry.entry.actor == "sheriff.investigator"
                && entry.entry.target.contains(batch)),
        "the upload is audited with its batch"
    );
}

#[test]
fn another_agency_sees_neither_the_job_nor_the_quarantine() {
    let service = &world().service;
    let job = uploaded();
    let batch = job.result.as_ref().expect("a result")["batch"]
        .as_str()
        .expect("batch")
        .to_string();
    let dea = sign_on("dea.analyst");
    assert!(matches!(
        service.job(&dea, job.id),
        Err(ServiceError::NotFound(_))
    ));
    assert!(
        service
            .jobs(&dea)
            .expect("jobs")
            .iter()
            .all(|other| other.id != job.id)
    );
    assert!(matches!(
        service.quarantine(&dea, &batch),
        Err(ServiceError::NotFound(_))
    ));
    let sheriff = sign_on("sheriff.investigator");
    assert!(
        service
            .jobs(&sheriff)
            .expect("jobs")
            .iter()
            .any(|other| other.id == job.id)
    );
}

#[test]
fn a_profile_of_another_agency_is_refused() {
    let service = &world().service;
    let sheriff = sign_on("sheriff.investigator");
    let dea_profile = ingest::discover(&world().feeds().join("dea"))
        .expect("dea feeds")
        .into_iter()
        .next()
        .expect("a dea feed");
    let refused = service.start_ingest(
        &sheriff,
        "some.csv",
        b"a,b\n1,2\n".to_vec(),
        dea_profile.profile.to_toml(),
    );
    assert!(
        matches!(refused, Err(ServiceError::Forbidden(_))),
        "{refused:?}"
    );
    let malformed = service.start_ingest(&sheriff, "x.csv", Vec::new(), "agency = ".to_string());
    assert!(matches!(malformed, Err(ServiceError::BadRequest(_))));
    let admin = sign_on("hidta.admin");
    let refused = service.start_ingest(&admin, "x.csv", Vec::new(), PROFILE.to_string());
    assert!(matches!(refused, Err(ServiceError::Forbidden(_))));
}

#[test]
fn judging_a_pair_needs_both_records_readable() {
    let service = &world().service;
    let sheriff = sign_on("sheriff.investigator");
    let mut own = Vec::new();
    let mut pointer = None;
    let mut after = None;
    loop {
        let page = world()
            .store
            .records(&store::RecordQuery {
                kind: Some("Person".to_string()),
                after,
                limit: 5_000,
                ..store::RecordQuery::default()
            })
            .expect("records");
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for record in page {
            match service.decision(&sheriff, record.id) {
                access::Decision::Full | access::Decision::Redacted { .. }
                    if record.provenance.agency == "sheriff" && own.len() < 2 =>
                {
                    own.push(record.id)
                }
                access::Decision::Pointer { .. } if pointer.is_none() => pointer = Some(record.id),
                _ => {}
            }
        }
    }
    let pointer = pointer.expect("a Person record the sheriff may only know of");
    let refused = service.judge(
        &sheriff,
        &own[0].to_string(),
        &pointer.to_string(),
        false,
        "not the same person",
    );
    assert!(
        matches!(refused, Err(ServiceError::NotFound(_))),
        "{refused:?}"
    );
    let log_before = world().store.resolution().judgements().expect("log").len();
    assert_eq!(
        log_before,
        world().store.resolution().judgements().expect("log").len()
    );
    let no_reason = service.judge(
        &sheriff,
        &own[0].to_string(),
        &own[1].to_string(),
        false,
        " ",
    );
    assert!(matches!(no_reason, Err(ServiceError::BadRequest(_))));
    let judged = service
        .judge(
            &sheriff,
            &own[0].to_string(),
            &own[1].to_string(),
            false,
            "different dates of birth on the booking sheets",
        )
        .expect("judged");
    assert_eq!(judged.judgement.decided_by, "sheriff.investigator");
    assert_eq!(
        world().store.resolution().judgements().expect("log").len(),
        log_before + 1
    );
    // The review queue holds only pairs the asker reads whole.
    for pair in service.review_queue(&sheriff, 500).expect("the queue") {
        for record in [&pair.left, &pair.right] {
            let id: model::RecordId = record.id.parse().expect("id");
            assert!(matches!(
                service.decision(&sheriff, id),
                access::Decision::Full | access::Decision::Redacted { .. }
            ));
        }
    }
}

#[test]
fn resolution_runs_are_jobs_for_supervisors_and_administrators() {
    let service = &world().service;
    let investigator = sign_on("sheriff.investigator");
    assert!(matches!(
        service.start_resolution(&investigator),
        Err(ServiceError::Forbidden(_))
    ));
    let supervisor = sign_on("dea.supervisor");
    let alerts = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = alerts.clone();
    service.on_alert(move |alert| {
        seen.lock().expect("alerts").push(alert.clone());
    });
    service.set_resolution_runner(Box::new(|store: &dyn Store| {
        Ok(serde_json::json!({"run": 0, "batches": store.status().map_err(|error| error.to_string())?.batches}))
    }));
    let id = service
        .start_resolution(&supervisor)
        .expect("a supervisor starts a run");
    let job = wait_for(&supervisor, id);
    assert_eq!(job.state, JobState::Done, "{job:?}");
    assert_eq!(job.kind, "resolution");
    assert!(
        alerts
            .lock()
            .expect("alerts")
            .iter()
            .any(|alert| alert.agency == "dea" && alert.alert.kind == "job"),
        "the end of the job is raised to the agency"
    );
}
