//! Health, readiness, metrics, the OpenAPI document and Swagger UI.

use axum::http::Method;
use vigie_domain::access::Role;

use crate::support::backend_test;

backend_test!(health_ready_metrics_and_docs, |app| async move {
    assert_eq!(app.call(Method::GET, "/healthz", None, None).await.status, 200);
    assert_eq!(app.call(Method::GET, "/readyz", None, None).await.status, 200);
    let token = app.token(app.operator.id, &[Role::Viewer]).await;
    app.call(Method::GET, "/v1/me", Some(&token), None).await;
    let metrics = app.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.text.contains("vigie_http_requests_total{method=\"GET\",route=\"/v1/me\",status=\"200\"} 1"),
        "{}",
        metrics.text
    );
    assert!(metrics.text.contains("vigie_build_info"));
    assert!(metrics.text.contains("vigie_match_index_entries{index=\"pdq\"} 0"), "{}", metrics.text);

    let spec = app.call(Method::GET, "/v1/openapi.json", None, None).await.json();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/v1/organisations",
        "/v1/organisations/{id}",
        "/v1/users",
        "/v1/users/{id}/password",
        "/v1/tokens/{id}",
        "/v1/audit/verify",
        "/v1/me",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path} missing from the OpenAPI document");
    }
    assert!(spec["components"]["schemas"]["Problem"].is_object());
    let docs = app.call(Method::GET, "/docs/", None, None).await;
    assert_eq!(docs.status, 200);
    assert!(docs.text.contains("swagger"), "Swagger UI is bundled");
    let script = app.call(Method::GET, "/docs/swagger-ui-bundle.js", None, None).await;
    assert_eq!(script.status, 200, "the UI's script is served from the binary, not a CDN");

    // Every response carries a request id and the security headers.
    let reply = app.call(Method::GET, "/healthz", None, None).await;
    assert!(reply.headers.contains_key("x-request-id"));
    assert_eq!(reply.headers["x-content-type-options"], "nosniff");
    assert_eq!(reply.headers["x-frame-options"], "DENY");
});

/// The document is generated, but generated documents lie in their own ways: error statuses
/// left out, problem bodies labelled `application/json`, query parameters declared in the path,
/// duplicate operation ids, and submission schemas no document could satisfy.
#[tokio::test]
async fn the_openapi_document_is_true_to_the_api() {
    let app = crate::support::TestApp::spawn(vigie_store::Backend::Sqlite).await;
    let spec = app.call(Method::GET, "/v1/openapi.json", None, None).await.json();
    let text = spec.to_string();
    assert!(!text.contains("\"{line}\"") && !text.contains("\"{email}\""), "a pattern placeholder was left");

    let mut ids = std::collections::HashSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap();
            assert!(ids.insert(id.to_owned()), "operation id {id} used twice");
            let responses = operation["responses"].as_object().unwrap();
            let mut required = vec!["400", "401", "403", "500", "503"];
            if path.contains('{') {
                required.push("404");
            }
            for status in required {
                assert!(responses.contains_key(status), "{method} {path} does not document {status}");
            }
            for (status, response) in responses {
                let content = response.get("content").and_then(|content| content.as_object());
                if let Some(json) = content.and_then(|content| content.get("application/json")) {
                    assert_ne!(
                        json["schema"]["$ref"], "#/components/schemas/Problem",
                        "{method} {path} {status}: problems are application/problem+json"
                    );
                }
            }
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap();
                if parameter["in"] == "path" {
                    assert!(path.contains(&format!("{{{name}}}")), "{method} {path}: {name} is not in the path");
                }
            }
        }
    }
    let cases = &spec["paths"]["/v1/cases"]["get"]["parameters"];
    let limit = cases.as_array().unwrap().iter().find(|parameter| parameter["name"] == "limit").unwrap();
    assert_eq!((limit["in"].as_str(), limit["required"].as_bool()), (Some("query"), Some(false)));
    let unavailable = &spec["components"]["responses"]["Unavailable"];
    assert!(unavailable["headers"]["Retry-After"].is_object(), "{unavailable}");

    // Each kind's example satisfies its schema as far as the object's shape goes: `kind` is
    // listed (the schemas forbid unlisted properties) and required, and nothing required is
    // missing from the example.
    let schemas = &spec["components"]["schemas"];
    for kind in ["RemovalOrderRequest", "ReferralRequest", "NoticeRequest", "UserReportRequest", "PartnerFlagRequest"] {
        let schema = &schemas[kind];
        assert_eq!(schema["additionalProperties"], false, "{kind}");
        let properties = schema["properties"].as_object().unwrap();
        let example = schema["example"].as_object().unwrap();
        for field in example.keys() {
            assert!(properties.contains_key(field), "{kind}: its example's {field} is not a property");
        }
        for field in schema["required"].as_array().unwrap() {
            assert!(example.contains_key(field.as_str().unwrap()), "{kind}: its example lacks required {field}");
        }
        assert!(schema["required"].as_array().unwrap().contains(&serde_json::json!("kind")), "{kind}");
    }
    let request = &schemas["SubmissionRequest"];
    assert_eq!(request["discriminator"]["propertyName"], "kind");
    assert_eq!(request["oneOf"].as_array().unwrap().len(), 5);
    let upload = &spec["paths"]["/v1/submissions"]["post"]["requestBody"]["content"];
    assert!(upload["multipart/form-data"]["schema"].is_object(), "{upload}");
}

// Swagger UI shows an operation's summary as plain text, so Markdown there (backticks) shows
// literally; the description below it renders Markdown.
backend_test!(operation_summaries_are_plain_short_lines, |app| async move {
    let spec = app.call(Method::GET, "/v1/openapi.json", None, None).await.json();
    let mut checked = 0;
    for (path, operations) in spec["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let Some(summary) = operation.get("summary").and_then(|summary| summary.as_str()) else { continue };
            checked += 1;
            assert!(!summary.contains('`'), "{method} {path}: {summary}");
        }
    }
    assert!(checked > 20);
});
