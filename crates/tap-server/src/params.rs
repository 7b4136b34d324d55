//! DALI request parameters: from the query string and a form-urlencoded or
//! multipart body, names case-insensitive (DALI 1.1 §3), values kept as sent,
//! repeated names kept in order. Multipart parts that carry files (uploads) are
//! kept apart, by part name.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;

use crate::error::TapError;

/// The parameters of one request.
#[derive(Debug, Clone, Default)]
pub struct Params {
    /// (name in upper case, value), in the order sent.
    values: Vec<(String, String)>,
    /// Multipart parts sent as files, by part name (as sent).
    pub files: Vec<(String, Bytes)>,
}

impl Params {
    /// Parameters from name/value pairs (names in any case).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Params {
        let mut p = Params::default();
        for (k, v) in pairs {
            p.push(k, v);
        }
        p
    }

    /// Adds one parameter.
    pub fn push(&mut self, name: &str, value: &str) {
        self.values
            .push((name.to_ascii_uppercase(), value.to_string()));
    }

    /// Reads the query string and the body of `request` (GET or POST,
    /// form-urlencoded or multipart): a form body up to the configured
    /// request limit, a multipart one (which may carry uploads) up to that
    /// plus the upload limit.
    pub async fn from_request(
        request: Request,
        config: &crate::config::ServiceConfig,
    ) -> Result<Params, TapError> {
        let mut params = Params::default();
        if let Some(query) = request.uri().query() {
            for (k, v) in form_urlencoded::parse(query.as_bytes()) {
                params.push(&k, &v);
            }
        }
        let content_type = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if content_type.starts_with("multipart/form-data") {
            // Each part may be as large as an upload. A larger one is read to
            // its end and dropped, so that the client gets the error rather
            // than a connection closed while it sends; past the drain limit
            // (the router's body limit) the connection is given up.
            let part_limit = config.upload_limit_bytes.max(config.max_request_bytes);
            let drain_limit = config.drain_limit();
            let mut over: Option<(String, usize)> = None;
            let mut multipart = Multipart::from_request(request, &())
                .await
                .map_err(|e| TapError::Usage(format!("cannot read the multipart body: {e}")))?;
            loop {
                let mut field = match multipart.next_field().await {
                    Ok(Some(f)) => f,
                    Ok(None) => break,
                    Err(e) => return Err(multipart_error(e, drain_limit)),
                };
                let name = field.name().unwrap_or_default().to_string();
                let is_file = field.file_name().is_some();
                let mut data = Vec::new();
                let mut size = 0usize;
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|e| multipart_error(e, drain_limit))?
                {
                    size += chunk.len();
                    if size <= part_limit {
                        data.extend_from_slice(&chunk);
                    } else if !data.is_empty() {
                        data = Vec::new();
                    }
                }
                if size > part_limit {
                    over.get_or_insert((name, size));
                    continue;
                }
                let data = Bytes::from(data);
                if is_file {
                    params.files.push((name, data));
                } else {
                    match std::str::from_utf8(&data) {
                        // A text part may still be an upload (`UPLOAD=t,param:t`).
                        Ok(text) => {
                            params.push(&name, text);
                            params.files.push((name, data));
                        }
                        Err(_) => params.files.push((name, data)),
                    }
                }
            }
            if let Some((name, size)) = over {
                return Err(TapError::Usage(format!(
                    "the part {name} is {size} bytes, over this service's upload limit of {} bytes",
                    config.upload_limit_bytes
                )));
            }
        } else if request.method() == axum::http::Method::POST {
            let limit = config.max_request_bytes;
            let body = axum::body::to_bytes(request.into_body(), limit)
                .await
                .map_err(|e| body_error(e.to_string(), limit))?;
            for (k, v) in form_urlencoded::parse(&body) {
                params.push(&k, &v);
            }
        }
        Ok(params)
    }

    /// The first value of `name` (any case).
    pub fn get(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_uppercase();
        self.values
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all<'p>(&'p self, name: &str) -> impl Iterator<Item = &'p str> + 'p {
        let name = name.to_ascii_uppercase();
        self.values
            .iter()
            .filter(move |(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every (upper-case name, value) pair.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.values
    }

    /// The file part named `name` (exactly, as `param:name` names it).
    pub fn file(&self, name: &str) -> Option<&Bytes> {
        self.files.iter().find(|(n, _)| n == name).map(|(_, d)| d)
    }
}

/// A multipart body that could not be read: over the limit (axum says so by
/// its status), or malformed.
fn multipart_error(e: axum::extract::multipart::MultipartError, limit: usize) -> TapError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        TapError::TooLarge(limit)
    } else {
        body_error(e.body_text(), limit)
    }
}

fn body_error(message: String, limit: usize) -> TapError {
    if message.contains("length limit") || message.contains("too large") {
        TapError::TooLarge(limit)
    } else {
        TapError::Usage(format!("cannot read the request body: {message}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_and_repeats_kept() {
        let p = Params::from_pairs([
            ("query", "SELECT 1"),
            ("Lang", "ADQL"),
            ("id", "a"),
            ("ID", "b"),
        ]);
        assert_eq!(p.get("QUERY"), Some("SELECT 1"));
        assert_eq!(p.get("lang"), Some("ADQL"));
        assert_eq!(p.all("Id").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(p.get("maxrec"), None);
    }
}
