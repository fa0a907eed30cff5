//! Prometheus metrics, served at `/metrics` in the text exposition format.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: String,
}

/// The server's metrics. Labels are routes (templates such as `/v1/users/{id}`), never raw
/// paths, so label cardinality stays bounded and no identifier leaks into metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    index_entries: Family<IndexLabels, Gauge>,
    index_bytes: Family<IndexLabels, Gauge>,
    webhook_attempts: Family<AttemptLabels, Counter>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AttemptLabels {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct IndexLabels {
    index: &'static str,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("vigie");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
        });
        registry.register("http_request_duration_seconds", "Time to answer HTTP requests", latency.clone());
        let build = Family::<BuildLabels, Gauge>::default();
        build.get_or_create(&BuildLabels { version: env!("CARGO_PKG_VERSION").into() }).set(1);
        registry.register("build_info", "Vigie version", build);
        let index_entries = Family::<IndexLabels, Gauge>::default();
        registry.register("match_index_entries", "Signals held in the in-memory match indexes", index_entries.clone());
        let index_bytes = Family::<IndexLabels, Gauge>::default();
        registry.register("match_index_bytes", "Memory held by the PDQ match index", index_bytes.clone());
        let webhook_attempts = Family::<AttemptLabels, Counter>::default();
        registry.register("webhook_attempts", "Webhook attempts by this node, by result", webhook_attempts.clone());
        Self { registry, requests, latency, index_entries, index_bytes, webhook_attempts }
    }

    /// Records the match indexes' sizes (called when metrics are scraped).
    pub fn observe_indexes(&self, stats: crate::matching::EngineStats) {
        let pdq = IndexLabels { index: "pdq" };
        self.index_entries.get_or_create(&pdq).set(stats.pdq_entries as i64);
        self.index_entries.get_or_create(&IndexLabels { index: "exact" }).set(stats.exact_entries as i64);
        self.index_bytes.get_or_create(&pdq).set(stats.pdq_bytes as i64);
    }

    /// Records one answered request.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.requests.get_or_create(&RequestLabels { method: method.into(), route: route.into(), status }).inc();
        self.latency.get_or_create(&RouteLabels { route: route.into() }).observe(elapsed.as_secs_f64());
    }

    /// Counts one batch's webhook attempts.
    pub fn webhook_attempts(&self, delivered: u64, failed: u64) {
        self.webhook_attempts.get_or_create(&AttemptLabels { result: "delivered" }).inc_by(delivered);
        self.webhook_attempts.get_or_create(&AttemptLabels { result: "failed" }).inc_by(failed);
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            text.clear();
        }
        text
    }
}
