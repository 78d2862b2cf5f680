//! The TOTP second factor through the façade: an account without one cannot sign on
//! to a server that requires it; a user enrols one (offer, then confirm with a code
//! from the app) on a server that does not; after that the code is what lets them in,
//! and a wrong code counts as a failed log-on. Administrators reset a factor.

mod support;

use std::sync::Arc;

use model::Sensitivity;
use service::{LogonRequest, Service, ServiceError};
use store::{Agency, AuditAction, AuditOutcome, AuditQuery, Store, UserAccount};
use store_sqlite::SqliteStore;

const PASSWORD: &str = "correct horse battery staple";

struct Fixture {
    _folder: tempfile::TempDir,
    store: Arc<dyn Store>,
}

impl Fixture {
    fn new() -> Fixture {
        let folder = tempfile::tempdir().expect("temporary folder");
        let path = folder.path().join("store.sqlite").display().to_string();
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).expect("opening the store"));
        store
            .directory()
            .put_agency(&Agency {
                id: "dea".to_string(),
                name: "Drug Enforcement Administration".to_string(),
                contact: "DEA desk".to_string(),
            })
            .expect("agency");
        let password_hash = auth::hash_password(PASSWORD).expect("hashing");
        for (id, role) in [("dea.analyst", "analyst"), ("dea.admin", "administrator")] {
            store
                .directory()
                .create_user(&UserAccount {
                    id: id.to_string(),
                    agency: "dea".to_string(),
                    display_name: id.to_string(),
                    roles: vec![role.to_string()],
                    clearance: Sensitivity::LawEnforcement,
                    caveats: Vec::new(),
                    password_hash: password_hash.clone(),
                    totp_secret: None,
                    locked_at: None,
                    disabled: false,
                    created_at: chrono::Utc::now(),
                })
                .expect("account");
        }
        Fixture {
            _folder: folder,
            store,
        }
    }

    fn service(&self, require_second_factor: bool) -> Service {
        support::open_service(self.store.clone(), require_second_factor)
    }

    fn totp_secret(&self, user: &str) -> Option<String> {
        self.store
            .directory()
            .user(user)
            .unwrap()
            .expect("the account")
            .totp_secret
    }

    fn failures(&self, user: &str) -> u32 {
        self.store
            .directory()
            .recent_failures(user, chrono::Utc::now() - chrono::Duration::hours(1))
            .expect("counting failures")
    }

    fn permission_changes(&self, outcome: AuditOutcome) -> Vec<String> {
        self.store
            .audit()
            .entries(&AuditQuery::default())
            .expect("reading the audit log")
            .into_iter()
            .filter(|entry| {
                entry.entry.action == AuditAction::PermissionChange
                    && entry.entry.outcome == outcome
            })
            .map(|entry| entry.entry.target)
            .collect()
    }
}

fn request(user: &str, totp: Option<&str>) -> LogonRequest {
    LogonRequest {
        user: user.to_string(),
        password: PASSWORD.to_string(),
        totp: totp.map(str::to_string),
    }
}

fn code_now(secret: &str) -> String {
    auth::totp::code_at(secret, chrono::Utc::now().timestamp()).expect("a code")
}

/// A code of the same secret that no step within the accepted skew gives.
fn wrong_code(secret: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let near: Vec<String> = (-3..=3)
        .map(|step| auth::totp::code_at(secret, now + step * 30).unwrap())
        .collect();
    (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|code| !near.contains(code))
        .unwrap()
}

#[test]
fn an_account_without_a_factor_cannot_sign_on_in_server_mode() {
    let fixture = Fixture::new();
    let server = fixture.service(true);
    let refused = server.log_on(&request("dea.analyst", None), "test");
    assert!(
        matches!(refused, Err(ServiceError::Forbidden(_))),
        "{refused:?}"
    );
    let with_code = server.log_on(&request("dea.analyst", Some("123456")), "test");
    assert!(
        matches!(with_code, Err(ServiceError::Forbidden(_))),
        "{with_code:?}"
    );
}

#[test]
fn an_enrolled_factor_is_what_lets_the_user_in() {
    let fixture = Fixture::new();
    let open = fixture.service(false);
    let server = fixture.service(true);
    let granted = open
        .log_on(&request("dea.analyst", None), "test")
        .expect("password only, without a factor required");
    let actor = open
        .session_actor(&granted.session, "test")
        .expect("the session");

    // Confirming without an offer is refused; an offer is shown once.
    assert!(matches!(
        open.confirm_totp_enrolment(&actor, "123456"),
        Err(ServiceError::BadRequest(_))
    ));
    let enrolment = open.begin_totp_enrolment(&actor).expect("an offer");
    assert_eq!(enrolment.secret.len(), 32);
    assert!(
        enrolment
            .uri
            .starts_with("otpauth://totp/Interdict:dea.analyst?secret="),
        "{}",
        enrolment.uri
    );
    assert!(enrolment.uri.contains(&enrolment.secret));

    // Until it is confirmed the account has no factor, and a wrong code is refused.
    let account = |id: &str| fixture.store.directory().user(id).unwrap().unwrap();
    assert_eq!(account("dea.analyst").totp_secret, None);
    let wrong = open.confirm_totp_enrolment(&actor, &wrong_code(&enrolment.secret));
    assert!(
        matches!(wrong, Err(ServiceError::BadRequest(_))),
        "{wrong:?}"
    );
    assert_eq!(account("dea.analyst").totp_secret, None);
    open.confirm_totp_enrolment(&actor, &code_now(&enrolment.secret))
        .expect("the right code confirms");
    assert_eq!(
        account("dea.analyst").totp_secret.as_deref(),
        Some(enrolment.secret.as_str())
    );
    assert_eq!(
        fixture.permission_changes(AuditOutcome::Allowed),
        ["totp enrolled;user=dea.analyst"]
    );
    assert_eq!(
        fixture.permission_changes(AuditOutcome::Denied),
        ["totp enrolled;user=dea.analyst"]
    );

    // A second enrolment from a session is refused: an administrator resets first.
    assert!(matches!(
        open.begin_totp_enrolment(&actor),
        Err(ServiceError::BadRequest(_))
    ));

    // Server mode: the code lets them in; none is asked for; a wrong one is a failure.
    server
        .log_on(
            &request("dea.analyst", Some(&code_now(&enrolment.secret))),
            "test",
        )
        .expect("password and code");
    let missing = server.log_on(&request("dea.analyst", None), "test");
    assert!(
        matches!(missing, Err(ServiceError::SecondFactorRequired)),
        "{missing:?}"
    );
    assert_eq!(fixture.failures("dea.analyst"), 0);
    let wrong = server.log_on(
        &request("dea.analyst", Some(&wrong_code(&enrolment.secret))),
        "test",
    );
    assert!(
        matches!(wrong, Err(ServiceError::SecondFactorRequired)),
        "{wrong:?}"
    );
    assert_eq!(fixture.failures("dea.analyst"), 1);
}

#[test]
fn administrators_reset_a_factor_and_nobody_else_does() {
    let fixture = Fixture::new();
    let open = fixture.service(false);
    let analyst = support::session(&open, &request("dea.analyst", None));
    let enrolment = open.begin_totp_enrolment(&analyst).unwrap();
    open.confirm_totp_enrolment(&analyst, &code_now(&enrolment.secret))
        .unwrap();

    let refused = open.reset_second_factor(&analyst, "dea.analyst");
    assert!(
        matches!(refused, Err(ServiceError::Forbidden(_))),
        "{refused:?}"
    );
    assert!(fixture.totp_secret("dea.analyst").is_some());

    let admin = support::session(&open, &request("dea.admin", None));
    assert!(matches!(
        open.reset_second_factor(&admin, "nobody"),
        Err(ServiceError::NotFound(_))
    ));
    let view = open
        .reset_second_factor(&admin, "dea.analyst")
        .expect("an administrator resets");
    assert!(!view.second_factor);
    assert_eq!(fixture.totp_secret("dea.analyst"), None);
    let allowed = fixture.permission_changes(AuditOutcome::Allowed);
    assert!(
        allowed.contains(&"totp reset;user=dea.analyst".to_string()),
        "{allowed:?}"
    );
    // The user may enrol again.
    open.begin_totp_enrolment(&analyst).expect("a new offer");
}
