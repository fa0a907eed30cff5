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
