//! The case workspace and agency/agreement administration over HTTP: status codes,
//! bodies and refusals, through the whole router onto a façade over a fresh store.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::json;
use support::{AccountRow, AgencyRow, Fixture};

const AGENCIES: &[AgencyRow] = &[
    ("dea", "Drug Enforcement Administration"),
    ("sheriff", "County Sheriff"),
    ("hidta", "HIDTA task force"),
];

/// (user, agency, roles)
const ACCOUNTS: &[AccountRow] = &[
    ("dea.analyst", "dea", &["analyst"]),
    ("dea.supervisor", "dea", &["supervisor"]),
    ("sheriff.supervisor", "sheriff", &["supervisor"]),
    ("hidta.admin", "hidta", &["administrator"]),
];

fn fixture() -> Fixture {
    support::fixture(AGENCIES, ACCOUNTS)
}

#[tokio::test]
async fn a_supervisor_opens_a_case_and_manages_its_members() {
    let fixture = fixture();
    let supervisor = fixture.log_on("dea.supervisor").await;
    let opened = fixture
        .call(
            Method::POST,
            "/api/cases",
            Some(&supervisor),
            Some(json!({"id": "DEA-2024-0042", "title": "Port shipments"})),
        )
        .await;
    assert_eq!(
        opened.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&opened.body)
    );
    assert_eq!(opened.json()["agency"], "dea");
    assert_eq!(opened.json()["members"], json!(["dea.supervisor"]));
    let twice = fixture
        .call(
            Method::POST,
            "/api/cases",
            Some(&supervisor),
            Some(json!({"id": "DEA-2024-0042", "title": "again"})),
        )
        .await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST);

    let added = fixture
        .call(
            Method::POST,
            "/api/cases/DEA-2024-0042/members",
            Some(&supervisor),
            Some(json!({"user": "dea.analyst"})),
        )
        .await;
    assert_eq!(added.status, StatusCode::NO_CONTENT);
    let analyst = fixture.log_on("dea.analyst").await;
    let workspace = fixture
        .call(
            Method::GET,
            "/api/cases/DEA-2024-0042",
            Some(&analyst),
            None,
        )
        .await;
    assert_eq!(workspace.status, StatusCode::OK);
    let body = workspace.json();
    assert_eq!(body["case"]["id"], "DEA-2024-0042");
    assert_eq!(body["may_manage"], false);
    assert!(body["records"].is_array() && body["entities"].is_array());
    let members: Vec<&str> = body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|member| member["user"].as_str().unwrap())
        .collect();
    assert_eq!(members, ["dea.analyst", "dea.supervisor"]);

    // A member who does not supervise removes no one.
    let refused = fixture
        .call(
            Method::DELETE,
            "/api/cases/DEA-2024-0042/members/dea.supervisor",
            Some(&analyst),
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["code"], "forbidden");

    let removed = fixture
        .call(
            Method::DELETE,
            "/api/cases/DEA-2024-0042/members/dea.analyst",
            Some(&supervisor),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    // No longer a member: the case is not found for them.
    let analyst = fixture.log_on("dea.analyst").await;
    let gone = fixture
        .call(
            Method::GET,
            "/api/cases/DEA-2024-0042",
            Some(&analyst),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let again = fixture
        .call(
            Method::DELETE,
            "/api/cases/DEA-2024-0042/members/dea.analyst",
            Some(&supervisor),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);

    // Another agency's supervisor neither sees nor manages it.
    let sheriff = fixture.log_on("sheriff.supervisor").await;
    let other = fixture
        .call(
            Method::GET,
            "/api/cases/DEA-2024-0042",
            Some(&sheriff),
            None,
        )
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let other = fixture
        .call(
            Method::DELETE,
            "/api/cases/DEA-2024-0042/members/dea.supervisor",
            Some(&sheriff),
            None,
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);

    // The administrator sees the members and no records.
    let admin = fixture.log_on("hidta.admin").await;
    let workspace = fixture
        .call(Method::GET, "/api/cases/DEA-2024-0042", Some(&admin), None)
        .await;
    assert_eq!(workspace.status, StatusCode::OK);
    assert_eq!(workspace.json()["records"], json!([]));
    assert_eq!(workspace.json()["may_manage"], true);
}

#[tokio::test]
async fn analysts_open_no_cases_and_only_administrators_change_agencies_and_agreements() {
    let fixture = fixture();
    let analyst = fixture.log_on("dea.analyst").await;
    let agreement = json!({
        "from_agency": "sheriff",
        "to_agency": "dea",
        "data_classes": ["investigative_case", "public"],
        "max_sensitivity": "law_enforcement"
    });
    for (method, path, body) in [
        (
            Method::POST,
            "/api/cases",
            Some(json!({"id": "X-1", "title": "no"})),
        ),
        (Method::GET, "/api/agreements", None),
        (Method::PUT, "/api/agreements", Some(agreement.clone())),
        (Method::DELETE, "/api/agreements/sheriff/dea", None),
        (
            Method::PUT,
            "/api/agencies/dea",
            Some(json!({"id": "dea", "name": "renamed", "contact": ""})),
        ),
    ] {
        let answer = fixture
            .call(method.clone(), path, Some(&analyst), body)
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{method} {path}");
    }
    let supervisor = fixture.log_on("dea.supervisor").await;
    let answer = fixture
        .call(
            Method::PUT,
            "/api/agreements",
            Some(&supervisor),
            Some(agreement.clone()),
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let answer = fixture
        .call(Method::GET, "/api/agreements", None, None)
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);

    let admin = fixture.log_on("hidta.admin").await;
    let put = fixture
        .call(
            Method::PUT,
            "/api/agreements",
            Some(&admin),
            Some(agreement.clone()),
        )
        .await;
    assert_eq!(
        put.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&put.body)
    );
    let listed = fixture
        .call(Method::GET, "/api/agreements", Some(&admin), None)
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json(), json!([agreement]));
    let removed = fixture
        .call(
            Method::DELETE,
            "/api/agreements/sheriff/dea",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let removed = fixture
        .call(
            Method::DELETE,
            "/api/agreements/sheriff/dea",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NOT_FOUND);
    let bad = fixture
        .call(
            Method::PUT,
            "/api/agreements",
            Some(&admin),
            Some(json!({"from_agency": "sheriff", "to_agency": "nowhere", "data_classes": ["public"], "max_sensitivity": "public"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let agency = json!({"id": "port", "name": "Port Police", "contact": "Port desk"});
    let put = fixture
        .call(
            Method::PUT,
            "/api/agencies/port",
            Some(&admin),
            Some(agency.clone()),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK);
    assert_eq!(put.json(), agency);
    let mismatch = fixture
        .call(
            Method::PUT,
            "/api/agencies/other",
            Some(&admin),
            Some(agency),
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::BAD_REQUEST);
    let agencies = fixture
        .call(Method::GET, "/api/agencies", Some(&admin), None)
        .await;
    assert!(
        agencies
            .json()
            .as_array()
            .unwrap()
            .iter()
            .any(|item| item["id"] == "port")
    );
    // The administrator opens a case for another agency.
    let opened = fixture
        .call(
            Method::POST,
            "/api/cases",
            Some(&admin),
            Some(json!({"id": "PORT-1", "title": "Port case", "agency": "port"})),
        )
        .await;
    assert_eq!(opened.status, StatusCode::CREATED);
    assert_eq!(opened.json()["members"], json!([]));
}
