//! HTTP health checks from greenroom's `greenroom.dev/health-url` annotation: status code,
//! latency (send to last body byte) and the status in a JSON body, Spring Boot Actuator style.
//! A 503 with `{"status":"DOWN"}` is a value (unhealthy), not a failed fetch; timeouts and
//! refused connections are failures.

use super::{FetchContext, FetchFuture, Fetched, Fetcher, wrong_query};
use crate::status::http::{self, map_reqwest};
use crate::status::target::{Query, Target};
use crate::status::value::{Health, StatusValue};
use serde_json::Value;
use tokio::time::Instant;

pub struct HealthCheck;

/// The value at a dotted path (`status`, `data.health.state`).
fn at_path<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .filter(|p| !p.is_empty())
        .try_fold(v, |v, key| v.get(key))
}

pub fn read_body(body: &[u8], json_path: &str) -> (Option<String>, Vec<(String, String)>) {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return (None, Vec::new());
    };
    let status = at_path(&v, json_path).and_then(|s| match s {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    let components = v
        .get("components")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, c)| Some((k.clone(), c.get("status")?.as_str()?.to_owned())))
        .collect();
    (status, components)
}

impl Fetcher for HealthCheck {
    fn fetch<'a>(&'a self, target: &'a Target, cx: &'a FetchContext) -> FetchFuture<'a> {
        Box::pin(async move {
            let Query::Health {
                url,
                json_path,
                expect,
            } = &target.query
            else {
                return Err(wrong_query(target));
            };
            let real_url = cx.config.rewrite_health_url(url);
            let timeout = cx
                .config
                .health
                .timeout
                .unwrap_or(crate::limits::HEALTH_TIMEOUT);
            let started = Instant::now();
            let request = cx
                .http
                .client
                .get(&real_url)
                .header(
                    "accept",
                    "application/vnd.spring-boot.actuator.v3+json, application/json;q=0.9, */*;q=0.5",
                )
                .timeout(timeout);
            let resp = request
                .send()
                .await
                .map_err(|e| map_reqwest(&e, Some(timeout)))?;
            let status = resp.status().as_u16();
            // Health bodies are small; a runaway one is refused without being held in memory.
            let body =
                http::read_body(resp, crate::limits::HEALTH_BODY_BYTES, Some(timeout)).await?;
            let latency = started.elapsed();
            let (body_status, components) = read_body(&body, json_path);
            let healthy = match &body_status {
                Some(s) => s.eq_ignore_ascii_case(expect) && status < 500,
                None => (200..300).contains(&status),
            };
            Ok(Fetched::new(StatusValue::Health(Health {
                url: url.clone(),
                status_code: status,
                latency_ms: latency.as_millis() as u64,
                body_status,
                healthy,
                components,
            })))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_runaway_health_body_is_refused_near_the_limit() {
        use crate::limits::HEALTH_BODY_BYTES;
        use crate::status::config::StatusConfig;
        use crate::status::http::{FetchError, Http};
        use crate::status::target::{Source, Widget};
        use crate::test_body_server::{Body, start};
        use std::sync::Arc;
        for body in [Body::Endless, Body::Announced2Gb] {
            let server = start(body);
            let config = StatusConfig::default();
            let cx = FetchContext {
                http: Arc::new(Http::new(&config)),
                config: Arc::new(config),
            };
            let url = format!("{}/actuator/health", server.url);
            let target = Target::new(
                Source::Health,
                Widget::Health,
                Query::Health {
                    url: url.clone(),
                    json_path: "status".into(),
                    expect: "UP".into(),
                },
                url,
            );
            let e = HealthCheck.fetch(&target, &cx).await.err().unwrap();
            let served = server.served();
            match body {
                Body::Endless => {
                    assert_eq!(
                        e,
                        FetchError::TooLarge {
                            limit: HEALTH_BODY_BYTES,
                            declared: None
                        }
                    );
                    // 1 MiB kept at most; what was served beyond it sat in socket buffers.
                    assert!(
                        served > HEALTH_BODY_BYTES && served <= HEALTH_BODY_BYTES + 8 * 1024 * 1024,
                        "{served} bytes served"
                    );
                }
                Body::Announced2Gb => {
                    assert!(
                        matches!(
                            e,
                            FetchError::TooLarge {
                                declared: Some(2_147_483_648),
                                ..
                            }
                        ),
                        "{e}"
                    );
                    assert_eq!(served, 0);
                }
            }
        }
    }

    #[test]
    fn spring_bodies_read() {
        let (s, c) = read_body(
            include_bytes!(
                "../../../../../tests/fixtures/status/spring-actuator-health-up-details.json"
            ),
            "status",
        );
        assert_eq!(s.as_deref(), Some("UP"));
        assert!(c.contains(&("db".to_owned(), "UP".to_owned())));
        let (s, _) = read_body(
            include_bytes!("../../../../../tests/fixtures/status/spring-actuator-health-down.json"),
            "status",
        );
        assert_eq!(s.as_deref(), Some("DOWN"));
        let (s, _) = read_body(br#"{"data":{"ok":true}}"#, "data.ok");
        assert_eq!(s.as_deref(), Some("true"));
        assert_eq!(read_body(b"OK", "status").0, None);
    }
}
