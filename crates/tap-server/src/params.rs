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
    /// form-urlencoded or multipart).
    pub async fn from_request(request: Request, limit: usize) -> Result<Params, TapError> {
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
            let mut multipart = Multipart::from_request(request, &())
                .await
                .map_err(|e| TapError::Usage(format!("cannot read the multipart body: {e}")))?;
            loop {
                let field = match multipart.next_field().await {
                    Ok(Some(f)) => f,
                    Ok(None) => break,
                    Err(e) => return Err(body_error(e.to_string(), limit)),
                };
                let name = field.name().unwrap_or_default().to_string();
                let is_file = field.file_name().is_some();
                let data = field
                    .bytes()
                    .await
                    .map_err(|e| body_error(e.to_string(), limit))?;
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
        } else if request.method() == axum::http::Method::POST {
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
