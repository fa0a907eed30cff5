//! Timing the production router in-process: each request goes through `router.oneshot` as a
//! connection's would (middleware, authentication, handlers, the database), and its server
//! time is measured from the call until the whole body is read. One request at a time, so a
//! figure is one request's cost, not a queue's.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::seed::{Credentials, REVIEWER_PASSWORD};

/// An answer and how long the router took to give it.
pub struct Answer {
    pub status: StatusCode,
    pub body: Vec<u8>,
    pub set_cookies: Vec<String>,
    pub elapsed: Duration,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// How a request proves who sends it.
#[derive(Clone)]
pub enum Auth {
    Token(String),
    Cookie(String),
    None,
}

/// The production router, called in-process.
pub struct Driver {
    router: axum::Router,
}

impl Driver {
    pub fn new(router: axum::Router) -> Self {
        Self { router }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        auth: &Auth,
        body: Option<(&str, Vec<u8>)>,
    ) -> anyhow::Result<Answer> {
        let mut builder = Request::builder().method(method).uri(path);
        builder = match auth {
            Auth::Token(token) => builder.header(header::AUTHORIZATION, format!("Bearer {token}")),
            Auth::Cookie(cookie) => builder.header(header::COOKIE, cookie),
            Auth::None => builder,
        };
        let request = match body {
            Some((content_type, bytes)) => {
                builder.header(header::CONTENT_TYPE, content_type).body(Body::from(bytes))?
            }
            None => builder.body(Body::empty())?,
        };
        let started = Instant::now();
        let response = self.router.clone().oneshot(request).await?;
        let status = response.status();
        let set_cookies = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .filter_map(|value| value.split(';').next().map(str::to_owned))
            .collect();
        let body = response.into_body().collect().await?.to_bytes().to_vec();
        Ok(Answer { status, body, set_cookies, elapsed: started.elapsed() })
    }

    pub async fn get(&self, path: &str, auth: &Auth) -> anyhow::Result<Answer> {
        self.send(Method::GET, path, auth, None).await
    }

    /// Logs the reviewer in through the console's form, as a browser does (CSRF double
    /// submit), and returns the cookies of the session.
    pub async fn log_in(&self, credentials: &Credentials) -> anyhow::Result<String> {
        let form = self.get("/console/login", &Auth::None).await?;
        let page = form.text();
        let marker = "name=\"csrf\" value=\"";
        let start =
            page.find(marker).ok_or_else(|| anyhow::anyhow!("the login page has no CSRF field"))? + marker.len();
        let csrf = page[start..].split('"').next().unwrap_or_default().to_owned();
        let cookies = form.set_cookies.join("; ");
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("csrf", csrf.as_str()),
                ("email", &credentials.reviewer_email),
                ("password", REVIEWER_PASSWORD),
            ])
            .finish();
        let answer = self
            .send(
                Method::POST,
                "/console/login",
                &Auth::Cookie(cookies),
                Some(("application/x-www-form-urlencoded", body.into_bytes())),
            )
            .await?;
        anyhow::ensure!(
            answer.status == StatusCode::SEE_OTHER,
            "console login answered {}: {}",
            answer.status,
            answer.text()
        );
        let session: Vec<String> = answer.set_cookies.into_iter().filter(|cookie| !cookie.ends_with('=')).collect();
        anyhow::ensure!(session.iter().any(|cookie| cookie.starts_with("vigie_session=")), "no session cookie");
        Ok(session.join("; "))
    }
}

/// One line of the table: a request, asked for with different paths in turn.
pub struct Endpoint {
    pub name: String,
    pub auth: Auth,
    /// Paths used in turn (different cases for a case page); warm-up uses `warm_up_paths`.
    pub paths: Vec<String>,
    pub warm_up_paths: Vec<String>,
}

/// What one endpoint measured.
pub struct Timings {
    pub name: String,
    /// Sorted.
    pub samples: Vec<Duration>,
    pub median_bytes: usize,
    /// Why it was not measured.
    pub skipped: Option<Skipped>,
}

/// Why an endpoint was not measured.
pub enum Skipped {
    /// The route is not in this build (the console pages before they were merged).
    NotInBuild,
    /// Its first request took this long (or timed out): hundreds more would take hours.
    TooSlow { took: Duration, status: StatusCode },
}

/// A first request slower than this is reported, not repeated.
const TOO_SLOW: Duration = Duration::from_secs(2);

impl Timings {
    /// The nearest-rank percentile.
    pub fn percentile(&self, percent: f64) -> Duration {
        let rank = ((percent / 100.0) * self.samples.len() as f64).ceil() as usize;
        self.samples[rank.clamp(1, self.samples.len()) - 1]
    }

    pub fn max(&self) -> Duration {
        *self.samples.last().expect("measured")
    }
}

/// Warms every endpoint up, then asks each in turn, `rounds` times: interleaving spreads any
/// disturbance of the machine over all of them alike.
pub async fn run(
    driver: &Driver,
    endpoints: &[Endpoint],
    rounds: usize,
    warm_up_rounds: usize,
) -> anyhow::Result<Vec<Timings>> {
    let mut available = Vec::new();
    let mut timings: Vec<Timings> = Vec::new();
    for endpoint in endpoints {
        let probe = driver.get(&endpoint.warm_up_paths[0], &endpoint.auth).await?;
        let skipped = match probe.status {
            StatusCode::OK | StatusCode::REQUEST_TIMEOUT if probe.elapsed > TOO_SLOW => {
                Some(Skipped::TooSlow { took: probe.elapsed, status: probe.status })
            }
            StatusCode::OK => None,
            StatusCode::NOT_FOUND if endpoint.name.starts_with("console") => Some(Skipped::NotInBuild),
            status => anyhow::bail!("{} answered {status}: {}", endpoint.name, probe.text()),
        };
        available.push(skipped.is_none());
        timings.push(Timings { name: endpoint.name.clone(), samples: Vec::new(), median_bytes: 0, skipped });
    }
    for round in 0..warm_up_rounds {
        for (endpoint, _) in endpoints.iter().zip(&available).filter(|(_, available)| **available) {
            let path = &endpoint.warm_up_paths[round % endpoint.warm_up_paths.len()];
            let answer = driver.get(path, &endpoint.auth).await?;
            anyhow::ensure!(answer.status == StatusCode::OK, "{path} answered {}: {}", answer.status, answer.text());
        }
    }
    let mut sizes: Vec<Vec<usize>> = vec![Vec::new(); endpoints.len()];
    for round in 0..rounds {
        for (index, endpoint) in endpoints.iter().enumerate() {
            if !available[index] {
                continue;
            }
            let path = &endpoint.paths[round % endpoint.paths.len()];
            let answer = driver.get(path, &endpoint.auth).await?;
            anyhow::ensure!(answer.status == StatusCode::OK, "{path} answered {}: {}", answer.status, answer.text());
            timings[index].samples.push(answer.elapsed);
            sizes[index].push(answer.body.len());
        }
    }
    for (timing, mut sizes) in timings.iter_mut().zip(sizes) {
        timing.samples.sort();
        sizes.sort_unstable();
        timing.median_bytes = sizes.get(sizes.len() / 2).copied().unwrap_or_default();
    }
    Ok(timings)
}

fn milliseconds(duration: Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1000.0)
}

/// The markdown table of `timings`, with the verdict against `limit` at p99.
pub fn table(timings: &[Timings], limit: Duration) -> String {
    let mut text = String::from(
        "| request | n | p50 ms | p90 ms | p99 ms | max ms | body (median) | p99 < 100 ms |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: |\n",
    );
    for timing in timings {
        match &timing.skipped {
            Some(Skipped::NotInBuild) => {
                text.push_str(&format!("| {} | 0 | | | | | | not in this build |\n", timing.name));
                continue;
            }
            Some(Skipped::TooSlow { took, status }) => {
                text.push_str(&format!(
                    "| {} | 1 | | | | {} | | **no**: {status}, not repeated |\n",
                    timing.name,
                    milliseconds(*took)
                ));
                continue;
            }
            None => {}
        }
        let p99 = timing.percentile(99.0);
        text.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} kB | {} |\n",
            timing.name,
            timing.samples.len(),
            milliseconds(timing.percentile(50.0)),
            milliseconds(timing.percentile(90.0)),
            milliseconds(p99),
            milliseconds(timing.max()),
            timing.median_bytes.div_ceil(1024),
            if p99 < limit { "yes" } else { "**no**" }
        ));
    }
    text
}
