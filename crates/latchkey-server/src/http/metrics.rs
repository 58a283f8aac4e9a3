//! Prometheus metrics at `GET /metrics`: requests and latency by route and status,
//! ceremonies started, succeeded and failed (by error code), and live sessions.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use latchkey_core::Auth;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::router::paths;

/// The error code of an error response, left in its extensions for the metrics.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode(pub &'static str);

/// Upper bounds of the latency buckets, seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Default)]
struct Latency {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Counters kept in memory by this process.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<(String, String), Latency>>,
    ceremonies: Mutex<BTreeMap<(&'static str, &'static str, &'static str), u64>>,
}

/// Which ceremony a route starts or finishes.
fn ceremony(method: &Method, route: &str) -> Option<(&'static str, bool)> {
    if method != Method::POST {
        return None;
    }
    [
        (paths::SIGN_INS, "sign_in", false),
        (paths::SIGN_IN_ATTEMPT, "sign_in", true),
        (paths::SIGN_UPS, "sign_up", false),
        (paths::SIGN_UP_ATTEMPT, "sign_up", true),
        (paths::MY_PASSKEYS, "registration", false),
        (paths::MY_PASSKEY_ATTEMPT, "registration", true),
    ]
    .into_iter()
    .find(|(path, _, _)| *path == route)
    .map(|(_, kind, is_attempt)| (kind, is_attempt))
}

impl Metrics {
    fn record(
        &self,
        method: &Method,
        route: &str,
        status: u16,
        seconds: f64,
        code: Option<&'static str>,
    ) {
        if let Ok(mut requests) = self.requests.lock() {
            *requests
                .entry((method.to_string(), route.to_owned(), status))
                .or_default() += 1;
        }
        if let Ok(mut latency) = self.latency.lock() {
            let series = latency
                .entry((method.to_string(), route.to_owned()))
                .or_default();
            series.count += 1;
            series.sum += seconds;
            for (bucket, bound) in series.buckets.iter_mut().zip(BUCKETS) {
                if seconds <= bound {
                    *bucket += 1;
                }
            }
        }
        if let Some((kind, is_attempt)) = ceremony(method, route) {
            let outcome = match (status, is_attempt) {
                (200, false) => ("started", ""),
                (200, true) => ("succeeded", ""),
                (_, true) => ("failed", code.unwrap_or("unknown")),
                (_, false) => return,
            };
            if let Ok(mut ceremonies) = self.ceremonies.lock() {
                *ceremonies.entry((kind, outcome.0, outcome.1)).or_default() += 1;
            }
        }
    }

    /// The Prometheus text exposition of every series.
    fn render(&self, live_sessions: i64) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP latchkey_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE latchkey_http_requests_total counter\n");
        if let Ok(requests) = self.requests.lock() {
            for ((method, route, status), n) in requests.iter() {
                let _ = writeln!(
                    out,
                    "latchkey_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP latchkey_http_request_duration_seconds HTTP request latency by method and route.\n");
        out.push_str("# TYPE latchkey_http_request_duration_seconds histogram\n");
        if let Ok(latency) = self.latency.lock() {
            for ((method, route), series) in latency.iter() {
                let labels = format!("method=\"{method}\",route=\"{route}\"");
                for (bound, n) in BUCKETS.iter().zip(series.buckets) {
                    let _ = writeln!(
                        out,
                        "latchkey_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}"
                    );
                }
                let _ = writeln!(
                    out,
                    "latchkey_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                    series.count
                );
                let _ = writeln!(
                    out,
                    "latchkey_http_request_duration_seconds_sum{{{labels}}} {}",
                    series.sum
                );
                let _ = writeln!(
                    out,
                    "latchkey_http_request_duration_seconds_count{{{labels}}} {}",
                    series.count
                );
            }
        }
        out.push_str("# HELP latchkey_ceremonies_total WebAuthn ceremonies started, succeeded and failed (with the error code).\n");
        out.push_str("# TYPE latchkey_ceremonies_total counter\n");
        if let Ok(ceremonies) = self.ceremonies.lock() {
            for ((kind, outcome, code), n) in ceremonies.iter() {
                let _ = writeln!(
                    out,
                    "latchkey_ceremonies_total{{ceremony=\"{kind}\",outcome=\"{outcome}\",code=\"{code}\"}} {n}"
                );
            }
        }
        out.push_str(
            "# HELP latchkey_active_sessions Active and pending sessions in the database.\n",
        );
        out.push_str("# TYPE latchkey_active_sessions gauge\n");
        let _ = writeln!(out, "latchkey_active_sessions {live_sessions}");
        out.push_str("# HELP latchkey_sql_statements_total SQL statements this process has sent, transaction control included.\n");
        out.push_str("# TYPE latchkey_sql_statements_total counter\n");
        let _ = writeln!(
            out,
            "latchkey_sql_statements_total {}",
            latchkey_store::statements_run()
        );
        out
    }
}

/// Records every request in the metrics.
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let started = Instant::now();
    let response = next.run(req).await;
    let code = response.extensions().get::<ErrorCode>().map(|c| c.0);
    metrics.record(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
        code,
    );
    response
}

/// Prometheus metrics (text)
#[utoipa::path(
    get,
    path = paths::METRICS,
    responses((status = 200, description = "The Prometheus text exposition", body = String, content_type = "text/plain"))
)]
pub async fn metrics(
    State(auth): State<Arc<Auth>>,
    State(metrics): State<Arc<Metrics>>,
) -> Response {
    let live = auth.count_live_sessions().await.unwrap_or(-1);
    let mut response = metrics.render(live).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}
