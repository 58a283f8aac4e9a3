//! The load: seeding users with passkeys, then complete discoverable sign-ins
//! (create sign-in, sign the challenge, attempt; the attempt's response carries the
//! session token) from concurrent clients.
//! Every client is a native caller with a fresh client token per sign-in, like a new
//! browser each time.

use latchkey_testkit::{Ceremony, SoftAuthenticator};
use serde_json::Value;
use std::time::{Duration, Instant};

/// Latencies of one call, in microseconds.
#[derive(Debug, Default, Clone)]
pub struct Histogram(Vec<u64>);

impl Histogram {
    fn record(&mut self, since: Instant) {
        self.0.push(since.elapsed().as_micros() as u64);
    }

    fn merge(&mut self, other: Histogram) {
        self.0.extend(other.0);
    }

    /// `p50 p95 p99 max` in milliseconds.
    pub fn summary(&self) -> String {
        let mut sorted = self.0.clone();
        sorted.sort_unstable();
        let at = |q: f64| {
            if sorted.is_empty() {
                return 0.0;
            }
            let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
            sorted[i] as f64 / 1000.0
        };
        format!(
            "{:>8.2} {:>8.2} {:>8.2} {:>8.2}",
            at(0.50),
            at(0.95),
            at(0.99),
            at(1.0)
        )
    }
}

/// Seeded users: each client's share of authenticators.
pub struct Seeded {
    /// `users[c]` belongs to client `c`.
    pub users: Vec<Vec<SoftAuthenticator>>,
    pub per_second: f64,
    pub elapsed: Duration,
    pub errors: u64,
}

/// The results of the sign-in run.
pub struct Run {
    pub completed: u64,
    pub errors: u64,
    pub elapsed: Duration,
    pub latencies: Vec<(&'static str, Histogram)>,
}

struct Caller {
    http: reqwest::Client,
    base: String,
}

impl Caller {
    fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.to_owned(),
        }
    }

    /// POSTs a form; returns the body and the client token header, or an error text.
    async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        form: &[(&str, &str)],
    ) -> Result<(Value, Option<String>), String> {
        let mut req = self.http.post(format!("{}{path}", self.base)).form(form);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let res = req.send().await.map_err(|e| e.to_string())?;
        let status = res.status();
        let token = res
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body: Value = res.json().await.map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok((body, token))
        } else {
            Err(format!("{path}: {status} {body}"))
        }
    }
}

fn text(value: &Value, pointer: &str) -> Result<String, String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("no {pointer} in {value}"))
}

async fn register(
    caller: &Caller,
    origin: &str,
    username: &str,
) -> Result<SoftAuthenticator, String> {
    let (_, token) = caller
        .post(
            "/v1/client/sign_ups?_is_native=1",
            None,
            &[("username", username)],
        )
        .await?;
    let token = token.ok_or("no client token")?;
    let (body, _) = caller.post("/v1/me/passkeys", Some(&token), &[]).await?;
    let id = text(&body, "/response/id")?;
    let mut authenticator = SoftAuthenticator::new();
    let credential = authenticator.create(
        &text(&body, "/response/verification/nonce")?,
        origin,
        &Ceremony::default(),
    )?;
    let path = format!("/v1/me/passkeys/{id}/attempt_verification");
    caller
        .post(
            &path,
            Some(&token),
            &[
                ("strategy", "passkey"),
                ("public_key_credential", &credential.to_string()),
            ],
        )
        .await?;
    Ok(authenticator)
}

/// Registers `users` users with one passkey each, `clients` at a time.
pub async fn seed(base: &str, users: usize, clients: usize) -> Result<Seeded, String> {
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let base = base.to_owned();
            tokio::spawn(async move {
                let caller = Caller::new(&base);
                let mut mine = Vec::new();
                let mut errors = 0u64;
                for i in (c..users).step_by(clients) {
                    match register(&caller, &base, &format!("user{i}")).await {
                        Ok(authenticator) => mine.push(authenticator),
                        Err(err) => {
                            errors += 1;
                            eprintln!("seed: {err}");
                        }
                    }
                }
                (mine, errors)
            })
        })
        .collect();
    let mut seeded = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (mine, e) = task.await.map_err(|e| e.to_string())?;
        seeded.push(mine);
        errors += e;
    }
    let elapsed = started.elapsed();
    Ok(Seeded {
        users: seeded,
        per_second: users as f64 / elapsed.as_secs_f64(),
        elapsed,
        errors,
    })
}

const CALLS: [&str; 2] = ["create sign-in", "attempt_first_factor"];

/// One complete sign-in of a new native client: two calls, the session token taken from
/// the completed attempt's client (`last_active_token`).
async fn sign_in_once(
    caller: &Caller,
    origin: &str,
    authenticator: &mut SoftAuthenticator,
    latencies: &mut [Histogram; 2],
) -> Result<(), String> {
    let t = Instant::now();
    let (body, token) = caller
        .post(
            "/v1/client/sign_ins?_is_native=1",
            None,
            &[("strategy", "passkey")],
        )
        .await?;
    latencies[0].record(t);
    let token = token.ok_or("no client token")?;
    let id = text(&body, "/response/id")?;
    let credential = authenticator.get(
        &text(&body, "/response/first_factor_verification/nonce")?,
        origin,
        &Ceremony::default(),
    )?;
    let t = Instant::now();
    let path = format!("/v1/client/sign_ins/{id}/attempt_first_factor");
    let (body, _) = caller
        .post(
            &path,
            Some(&token),
            &[
                ("strategy", "passkey"),
                ("public_key_credential", &credential.to_string()),
            ],
        )
        .await?;
    latencies[1].record(t);
    let session = text(&body, "/response/created_session_id")?;
    if text(&body, "/client/sessions/0/id")? != session {
        return Err("the new session is not the client's".into());
    }
    text(&body, "/client/sessions/0/last_active_token/jwt").map(|_| ())
}

/// Drives sign-ins for `duration`; client `c` signs in its own users round-robin.
pub async fn sign_ins(
    base: &str,
    users: Vec<Vec<SoftAuthenticator>>,
    clients: usize,
    duration: Duration,
) -> Run {
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = users
        .into_iter()
        .take(clients)
        .map(|mut mine| {
            let base = base.to_owned();
            tokio::spawn(async move {
                let caller = Caller::new(&base);
                let mut latencies: [Histogram; 2] = Default::default();
                let (mut completed, mut errors) = (0u64, 0u64);
                let mut next = 0;
                while Instant::now() < deadline && !mine.is_empty() {
                    let index = next % mine.len();
                    let authenticator = &mut mine[index];
                    next += 1;
                    match sign_in_once(&caller, &base, authenticator, &mut latencies).await {
                        Ok(()) => completed += 1,
                        Err(err) => {
                            errors += 1;
                            eprintln!("sign-in: {err}");
                        }
                    }
                }
                (completed, errors, latencies)
            })
        })
        .collect();
    let mut run = Run {
        completed: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latencies: CALLS.iter().map(|c| (*c, Histogram::default())).collect(),
    };
    for task in tasks {
        if let Ok((completed, errors, latencies)) = task.await {
            run.completed += completed;
            run.errors += errors;
            for (slot, histogram) in run.latencies.iter_mut().zip(latencies) {
                slot.1.merge(histogram);
            }
        } else {
            run.errors += 1;
        }
    }
    run.elapsed = started.elapsed();
    run
}
