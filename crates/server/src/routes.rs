//! Every route, once: the router is built from this table, and a test checks that the
//! OpenAPI document (`openapi.json`) describes exactly these.

use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter, on};

use crate::handlers::jobs;
use crate::handlers::{admin, alerts, cases, enrolment, inquiries, part23, queries, session};
use crate::{AppState, ui};

pub(crate) struct Route {
    /// Upper-case HTTP method.
    pub method: &'static str,
    /// An axum path (`{name}` parameters), the same in the OpenAPI document.
    pub path: &'static str,
    /// The handler, routed for the method it is given (this route's).
    pub handler: fn(MethodFilter) -> MethodRouter<AppState>,
}

impl Route {
    /// The method router this route adds.
    pub fn method_router(&self) -> MethodRouter<AppState> {
        let method = Method::from_bytes(self.method.as_bytes())
            .ok()
            .and_then(|method| MethodFilter::try_from(method).ok())
            .unwrap_or_else(|| panic!("ROUTES names an unknown method {}", self.method));
        (self.handler)(method)
    }
}

const fn route(
    method: &'static str,
    path: &'static str,
    handler: fn(MethodFilter) -> MethodRouter<AppState>,
) -> Route {
    Route {
        method,
        path,
        handler,
    }
}

pub(crate) const ROUTES: &[Route] = &[
    route("GET", "/", |method| on(method, ui::index)),
    route("GET", "/assets/{file}", |method| on(method, ui::asset)),
    route("GET", "/api/openapi.json", |method| on(method, ui::openapi)),
    route("GET", "/api/notice", |method| on(method, session::notice)),
    route("POST", "/api/session", |method| on(method, session::log_on)),
    route("DELETE", "/api/session", |method| {
        on(method, session::log_off)
    }),
    route("GET", "/api/me", |method| on(method, session::me)),
    route("POST", "/api/tokens", |method| {
        on(method, session::issue_token)
    }),
    route("POST", "/api/me/totp", |method| {
        on(method, enrolment::begin)
    }),
    route("POST", "/api/me/totp/confirm", |method| {
        on(method, enrolment::confirm)
    }),
    route("GET", "/api/search", |method| on(method, queries::search)),
    route("GET", "/api/entities/{node}", |method| {
        on(method, queries::entity)
    }),
    route("GET", "/api/graph/neighbourhood", |method| {
        on(method, queries::neighbourhood)
    }),
    route("GET", "/api/graph/paths", |method| {
        on(method, queries::paths)
    }),
    route("GET", "/api/graph/common", |method| {
        on(method, inquiries::common)
    }),
    route("GET", "/api/inquiries", |method| {
        on(method, inquiries::inquiries)
    }),
    route("GET", "/api/graph/export.graphml", |method| {
        on(method, queries::export_graphml)
    }),
    route("GET", "/api/rings", |method| on(method, queries::rings)),
    route("GET", "/api/key-players", |method| {
        on(method, queries::key_players)
    }),
    route("GET", "/api/overdoses", |method| {
        on(method, queries::overdoses)
    }),
    route("GET", "/api/trace/{overdose}", |method| {
        on(method, queries::trace)
    }),
    route("GET", "/api/map", |method| on(method, queries::map)),
    route("POST", "/api/operations", |method| {
        on(method, alerts::register_operation)
    }),
    route("GET", "/api/alerts", |method| on(method, alerts::alerts)),
    route("GET", "/api/alerts/stream", |method| {
        on(method, alerts::stream)
    }),
    route("GET", "/api/audit", |method| on(method, admin::audit_log)),
    route("GET", "/api/audit/verify", |method| {
        on(method, admin::audit_verify)
    }),
    route("GET", "/api/users", |method| on(method, admin::users)),
    route("PUT", "/api/users/{id}", |method| {
        on(method, admin::put_user)
    }),
    route("POST", "/api/users/{id}/unlock", |method| {
        on(method, admin::unlock_user)
    }),
    route("DELETE", "/api/users/{id}/totp", |method| {
        on(method, enrolment::reset)
    }),
    route("GET", "/api/agencies", |method| on(method, admin::agencies)),
    route("PUT", "/api/agencies/{id}", |method| {
        on(method, cases::put_agency)
    }),
    route("GET", "/api/agreements", |method| {
        on(method, cases::agreements)
    }),
    route("PUT", "/api/agreements", |method| {
        on(method, cases::put_agreement)
    }),
    route("DELETE", "/api/agreements/{from}/{to}", |method| {
        on(method, cases::remove_agreement)
    }),
    route("GET", "/api/cases", |method| on(method, admin::cases)),
    route("POST", "/api/cases", |method| {
        on(method, cases::create_case)
    }),
    route("GET", "/api/cases/{id}", |method| {
        on(method, cases::case_workspace)
    }),
    route("POST", "/api/cases/{id}/members", |method| {
        on(method, admin::add_case_member)
    }),
    route("DELETE", "/api/cases/{id}/members/{user}", |method| {
        on(method, cases::remove_case_member)
    }),
    route("GET", "/api/status", |method| on(method, admin::status)),
    // Jobs (uploads, resolution runs), quarantine and the resolution review flow.
    route("POST", "/api/ingest", |method| on(method, jobs::ingest)),
    route("GET", "/api/jobs", |method| on(method, jobs::jobs)),
    route("GET", "/api/jobs/{id}", |method| on(method, jobs::job)),
    route("GET", "/api/batches/{batch}/quarantine", |method| {
        on(method, jobs::quarantine)
    }),
    route("POST", "/api/resolution/run", |method| {
        on(method, jobs::run_resolution)
    }),
    route("GET", "/api/resolution/review", |method| {
        on(method, jobs::review)
    }),
    route("POST", "/api/resolution/judgements", |method| {
        on(method, jobs::judge)
    }),
    route("GET", "/api/validations/pending", |method| {
        on(method, part23::pending_validations)
    }),
    route("POST", "/api/validations/{record}", |method| {
        on(method, part23::validate_record)
    }),
    route("GET", "/api/watches", |method| on(method, part23::watches)),
    route("POST", "/api/watches", |method| {
        on(method, part23::add_watch)
    }),
    route("DELETE", "/api/watches/{id}", |method| {
        on(method, part23::remove_watch)
    }),
    route("GET", "/api/retention/due", |method| {
        on(method, part23::retention_due)
    }),
    route("POST", "/api/retention/purge", |method| {
        on(method, part23::purge)
    }),
    route("GET", "/api/disseminations", |method| {
        on(method, part23::disseminations)
    }),
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::ROUTES;

    const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];

    #[test]
    fn the_openapi_document_describes_exactly_the_routes() {
        let document: serde_json::Value =
            serde_json::from_str(crate::ui::OPENAPI_JSON).expect("openapi.json is JSON");
        assert_eq!(document["openapi"].as_str().map(|v| &v[..3]), Some("3.1"));
        let mut documented = BTreeSet::new();
        for (path, item) in document["paths"].as_object().expect("paths") {
            for (key, operation) in item.as_object().expect("path item") {
                if METHODS.contains(&key.as_str()) {
                    assert!(
                        operation["responses"].is_object(),
                        "{key} {path} has responses"
                    );
                    documented.insert((key.to_uppercase(), path.clone()));
                }
            }
        }
        let routed: BTreeSet<(String, String)> = ROUTES
            .iter()
            .map(|route| (route.method.to_string(), route.path.to_string()))
            .collect();
        assert_eq!(routed.len(), ROUTES.len(), "no route is listed twice");
        let undocumented: Vec<_> = routed.difference(&documented).collect();
        let unrouted: Vec<_> = documented.difference(&routed).collect();
        assert!(
            undocumented.is_empty(),
            "routes missing from openapi.json: {undocumented:?}"
        );
        assert!(
            unrouted.is_empty(),
            "openapi.json documents no such route: {unrouted:?}"
        );
    }

    #[test]
    fn every_reference_resolves() {
        let document: serde_json::Value =
            serde_json::from_str(crate::ui::OPENAPI_JSON).expect("openapi.json is JSON");
        let mut references = Vec::new();
        collect_references(&document, &mut references);
        assert!(!references.is_empty());
        for reference in references {
            let pointer = reference
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("{reference} is not a local reference"));
            assert!(
                document
                    .pointer(pointer)
                    .is_some_and(|target| target.is_object()),
                "{reference} is not defined"
            );
        }
    }

    fn collect_references(value: &serde_json::Value, references: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map {
                    match value {
                        serde_json::Value::String(text) if key == "$ref" => {
                            references.push(text.clone())
                        }
                        _ => collect_references(value, references),
                    }
                }
            }
            serde_json::Value::Array(values) => {
                for value in values {
                    collect_references(value, references);
                }
            }
            _ => {}
        }
    }
}
