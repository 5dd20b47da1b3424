//! Prometheus: an instant value and a short range (for a sparkline) per `prometheus.io/rule`
//! query, grouped by its `|dimension` label; and active alerts (`prometheus.io/alert`, names or
//! `all`, filtered by `prometheus.io/labels`). Sample values are strings (`"NaN"`, `"+Inf"`).

use super::{FetchContext, FetchFuture, Fetched, Fetcher, enc, wrong_query};
use crate::status::http::{Api, AuthStyle, FetchError, GetOptions};
use crate::status::target::{Query, Source, Target};
use crate::status::time::unix_now;
use crate::status::value::{Alert, Metric, Series, StatusValue};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::time::Duration;

pub struct Prometheus;

/// The `{"status":"success","data":...}` envelope; an error envelope becomes a `FetchError`.
pub fn data(v: Value) -> Result<Value, FetchError> {
    match v.get("status").and_then(Value::as_str) {
        Some("success") => Ok(v.get("data").cloned().unwrap_or(Value::Null)),
        _ => Err(FetchError::Decode(format!(
            "{}: {}",
            v.get("errorType")
                .and_then(Value::as_str)
                .unwrap_or("error"),
            v.get("error").and_then(Value::as_str).unwrap_or("no data")
        ))),
    }
}

fn sample(v: &Value) -> Option<(f64, f64)> {
    let a = v.as_array()?;
    let t = a.first()?.as_f64()?;
    let x: f64 = a.get(1)?.as_str()?.parse().ok()?;
    Some((t, x))
}

/// `instance="a",job="b"` without `__name__`, or the dimension's value.
/// When the server evaluated an instant query: the sample timestamp of a vector's first
/// element or of a scalar.
fn server_time(instant: &Value) -> Option<f64> {
    let result = instant.get("result")?;
    let sample = match instant.get("resultType")?.as_str()? {
        "vector" => result.get(0)?.get("value")?,
        "scalar" => result,
        _ => return None,
    };
    sample
        .get(0)?
        .as_f64()
        .filter(|t| t.is_finite() && *t > 0.0)
}

fn series_label(metric: &Map<String, Value>, dimension: Option<&str>) -> String {
    if let Some(d) = dimension {
        return metric
            .get(d)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
    }
    metric
        .iter()
        .filter(|(k, _)| k.as_str() != "__name__")
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(",")
}

/// Folds an instant result and a range result into one series per label (summed when a
/// dimension groups several series, as the Roadie graphs do).
pub fn fold(instant: &Value, range: &Value, dimension: Option<&str>) -> Vec<Series> {
    let mut out: BTreeMap<String, (Option<f64>, BTreeMap<u64, f64>)> = BTreeMap::new();
    let empty = Map::new();
    match instant.get("resultType").and_then(Value::as_str) {
        Some("scalar") | Some("string") => {
            if let Some((_, x)) = instant.get("result").and_then(sample) {
                out.entry(String::new()).or_default().0 = Some(x);
            }
        }
        _ => {
            for r in instant
                .get("result")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let metric = r.get("metric").and_then(Value::as_object).unwrap_or(&empty);
                if let Some((_, x)) = r.get("value").and_then(sample).filter(|(_, x)| !x.is_nan()) {
                    let slot = &mut out.entry(series_label(metric, dimension)).or_default().0;
                    *slot = Some(slot.unwrap_or(0.0) + x);
                }
            }
        }
    }
    for r in range
        .get("result")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let metric = r.get("metric").and_then(Value::as_object).unwrap_or(&empty);
        let points = &mut out.entry(series_label(metric, dimension)).or_default().1;
        for (t, x) in r
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(sample)
            .filter(|(_, x)| x.is_finite())
        {
            *points.entry((t * 1000.0) as u64).or_insert(0.0) += x;
        }
    }
    out.into_iter()
        .map(|(label, (value, points))| Series {
            label,
            value,
            points: points
                .into_iter()
                .map(|(t, x)| (t as f64 / 1000.0, x))
                .collect(),
        })
        .collect()
}

pub fn alerts(data: &Value, names: &[String], labels: &[(String, String)]) -> Vec<Alert> {
    let mut out: Vec<Alert> = data
        .get("alerts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| {
            let l = a.get("labels")?.as_object()?;
            let name = l.get("alertname")?.as_str()?.to_owned();
            let wanted = names.is_empty() || names.contains(&name);
            let matches = labels
                .iter()
                .all(|(k, v)| l.get(k).and_then(Value::as_str) == Some(v.as_str()));
            (wanted && matches).then(|| Alert {
                state: a
                    .get("state")
                    .and_then(Value::as_str)
                    .unwrap_or("firing")
                    .to_owned(),
                severity: l.get("severity").and_then(Value::as_str).map(str::to_owned),
                summary: a
                    .pointer("/annotations/summary")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                active_at: a.get("activeAt").and_then(Value::as_str).map(str::to_owned),
                value: a
                    .get("value")
                    .and_then(Value::as_str)
                    .and_then(|v| v.parse().ok()),
                labels: l
                    .iter()
                    .filter(|(k, _)| k.as_str() != "alertname")
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect(),
                name,
            })
        })
        .collect();
    // Firing first, then by name, so the widget's first line is the worst.
    out.sort_by(|a, b| (a.state != "firing", &a.name).cmp(&(b.state != "firing", &b.name)));
    out
}

impl Fetcher for Prometheus {
    fn fetch<'a>(&'a self, target: &'a Target, cx: &'a FetchContext) -> FetchFuture<'a> {
        Box::pin(async move {
            let api = Api::new(&cx.http, &cx.config, Source::Prometheus, AuthStyle::Bearer)?;
            // The server's own default query timeout is 2 minutes: ask for less than ours.
            let timeout = format!(
                "{}s",
                cx.config.request_timeout.as_secs().saturating_sub(2).max(1)
            );
            match &target.query {
                Query::PromMetric { query, dimension } => {
                    let settings = &cx.config.prometheus;
                    let range = settings.range.unwrap_or(Duration::from_secs(30 * 60));
                    let step = settings
                        .step
                        .unwrap_or(Duration::from_secs(60))
                        .max(Duration::from_secs(1));
                    let instant = data(
                        api.get_json(
                            &format!("/api/v1/query?query={}&timeout={timeout}", enc(query)),
                            GetOptions::default(),
                        )
                        .await?,
                    )?;
                    // The range ends at the server's "now" (the instant query was evaluated
                    // then), so a skewed local clock still gets the last `range` of data.
                    let now = server_time(&instant).unwrap_or_else(unix_now);
                    let ranged = data(
                        api.get_json(
                            &format!(
                                "/api/v1/query_range?query={}&start={:.3}&end={now:.3}&step={}&timeout={timeout}",
                                enc(query),
                                now - range.as_secs_f64(),
                                step.as_secs()
                            ),
                            GetOptions::default(),
                        )
                        .await?,
                    )?;
                    Ok(Fetched::new(StatusValue::Metric(Metric {
                        query: query.clone(),
                        dimension: dimension.clone(),
                        series: fold(&instant, &ranged, dimension.as_deref()),
                        range_secs: range.as_secs(),
                        step_secs: step.as_secs(),
                    })))
                }
                Query::PromAlerts { names, labels } => {
                    // One document serves every entity's alert widget: share it briefly.
                    let v = data(
                        api.get_json(
                            "/api/v1/alerts",
                            GetOptions {
                                etag: false,
                                share_for: Some(Duration::from_secs(5)),
                            },
                        )
                        .await?,
                    )?;
                    Ok(Fetched::new(StatusValue::Alerts(alerts(&v, names, labels))))
                }
                _ => Err(wrong_query(target)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(text: &str) -> Value {
        data(serde_json::from_str(text).unwrap()).unwrap()
    }

    #[test]
    fn captured_vector_and_matrix_fold_into_series() {
        let instant = fixture(include_str!(
            "../../../../../tests/fixtures/status/prometheus-query-vector.json"
        ));
        let range = fixture(include_str!(
            "../../../../../tests/fixtures/status/prometheus-query-range-matrix.json"
        ));
        let s = fold(&instant, &range, Some("job"));
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].label, "prometheus");
        assert_eq!(s[0].value, Some(1.0));
        assert_eq!(s[0].points.len(), 4);
        let scalar = fixture(include_str!(
            "../../../../../tests/fixtures/status/prometheus-query-scalar.json"
        ));
        assert_eq!(fold(&scalar, &Value::Null, None)[0].value, Some(1.0));
        let empty = fixture(include_str!(
            "../../../../../tests/fixtures/status/prometheus-query-empty.json"
        ));
        assert!(fold(&empty, &empty, None).is_empty());
        // The range query ends at the server's clock, read from the instant answer.
        assert!(server_time(&instant).is_some_and(|t| t > 1.0e9));
        assert!(server_time(&scalar).is_some_and(|t| t > 1.0e9));
        assert_eq!(server_time(&empty), None);
    }

    #[test]
    fn errors_and_alert_filters() {
        let bad: Value = serde_json::from_str(include_str!(
            "../../../../../tests/fixtures/status/prometheus-error-bad-data-400.json"
        ))
        .unwrap();
        assert!(data(bad).unwrap_err().to_string().contains("bad_data"));
        let a = fixture(include_str!(
            "../../../../../tests/fixtures/status/prometheus-alerts.json"
        ));
        assert_eq!(alerts(&a, &[], &[]).len(), 2);
        let firing = alerts(&a, &["AlwaysFiring".into()], &[]);
        assert_eq!(firing.len(), 1);
        assert_eq!(firing[0].state, "firing");
        assert_eq!(firing[0].value, Some(1.0));
        let by_label = alerts(&a, &[], &[("component".into(), "greenroom-demo".into())]);
        assert_eq!(by_label.len(), 1);
    }
}
