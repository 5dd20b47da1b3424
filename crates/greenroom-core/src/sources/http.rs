//! Fetching `$text` targets over http(s) when online, with the timeouts and size limit a
//! catalogue load needs to stay bounded.

use crate::limits::{REMOTE_CONNECT_TIMEOUT, REMOTE_REQUEST_TIMEOUT};
use std::io::Read;

pub struct HttpFetcher {
    client: reqwest::blocking::Client,
}

impl HttpFetcher {
    pub fn new() -> Result<Self, String> {
        let client = reqwest::blocking::Client::builder()
            .connect_timeout(REMOTE_CONNECT_TIMEOUT)
            .timeout(REMOTE_REQUEST_TIMEOUT)
            .user_agent(concat!("greenroom/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(HttpFetcher { client })
    }

    /// Reads a URL as text, following a GitHub or GitLab "blob" page to its raw file as
    /// Backstage's SCM integrations do.
    pub fn get_text(&self, url: &url::Url, max_bytes: u64) -> Result<String, String> {
        let url = raw_url(url);
        let response = self
            .client
            .get(url.clone())
            .send()
            .map_err(|e| describe_error(&e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("{url} answered HTTP {status}"));
        }
        if let Some(declared) = response.content_length()
            && declared > max_bytes
        {
            return Err(format!(
                "{url} is {declared} bytes, over the {max_bytes} byte limit; not read"
            ));
        }
        // Streamed, and never more than one byte past the limit.
        let mut body = Vec::new();
        response
            .take(max_bytes + 1)
            .read_to_end(&mut body)
            .map_err(|e| e.to_string())?;
        if body.len() as u64 > max_bytes {
            return Err(format!(
                "{url} is larger than the {max_bytes} byte limit; stopped reading it"
            ));
        }
        Ok(String::from_utf8_lossy(&body).into_owned())
    }
}

pub fn describe_error(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

/// `github.com/o/r/blob/ref/path` → `raw.githubusercontent.com/o/r/ref/path`;
/// `host/group/project/-/blob/ref/path` → `.../-/raw/ref/path`.
pub fn raw_url(url: &url::Url) -> url::Url {
    if url.host_str() == Some("github.com") {
        let parts: Vec<&str> = url.path().trim_start_matches('/').splitn(4, '/').collect();
        if let [owner, repo, "blob", rest] = parts.as_slice()
            && let Ok(raw) = url::Url::parse(&format!(
                "https://raw.githubusercontent.com/{owner}/{repo}/{rest}"
            ))
        {
            return raw;
        }
    }
    if url.path().contains("/-/blob/") {
        let mut raw = url.clone();
        raw.set_path(&url.path().replacen("/-/blob/", "/-/raw/", 1));
        return raw;
    }
    url.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_urls_stop_at_the_limit() {
        use crate::test_body_server::{Body, start};
        let limit = 1 << 20;
        let fetcher = HttpFetcher::new().unwrap();
        let endless = start(Body::Endless);
        let url = url::Url::parse(&format!("{}/spec.yaml", endless.url)).unwrap();
        let e = fetcher.get_text(&url, limit).unwrap_err();
        assert!(
            e.ends_with("is larger than the 1048576 byte limit; stopped reading it"),
            "{e}"
        );
        let served = endless.served();
        assert!(
            served > limit && served <= limit + 8 * 1024 * 1024,
            "{served}"
        );

        let announced = start(Body::Announced2Gb);
        let url = url::Url::parse(&format!("{}/spec.yaml", announced.url)).unwrap();
        let e = fetcher.get_text(&url, limit).unwrap_err();
        assert!(
            e.ends_with("is 2147483648 bytes, over the 1048576 byte limit; not read"),
            "{e}"
        );
        assert_eq!(announced.served(), 0);
    }

    #[test]
    fn blob_urls_become_raw() {
        let u = url::Url::parse(
            "https://github.com/APIs-guru/openapi-directory/blob/main/APIs/x/openapi.yaml",
        )
        .unwrap();
        assert_eq!(
            raw_url(&u).as_str(),
            "https://raw.githubusercontent.com/APIs-guru/openapi-directory/main/APIs/x/openapi.yaml"
        );
        let u = url::Url::parse("https://gitlab.com/g/p/-/blob/main/a.yaml").unwrap();
        assert_eq!(
            raw_url(&u).as_str(),
            "https://gitlab.com/g/p/-/raw/main/a.yaml"
        );
        let u = url::Url::parse("http://127.0.0.1:8080/spec.yaml").unwrap();
        assert_eq!(raw_url(&u), u);
    }
}
