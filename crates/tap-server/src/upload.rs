//! TAP uploads (TAP 1.1 §3.3.1, DALI 1.1 §3.4.5): `UPLOAD=name,param:part`,
//! several joined with `;`, each part an inline VOTable (TABLEDATA, BINARY or
//! BINARY2) that becomes `TAP_UPLOAD.name` for the query; or `name,URL` with
//! an `http`/`https` URL the service fetches (TAPRegExt upload-http), bounded
//! in size and time. No other scheme: `file:` and the like never read a file.

use std::sync::Arc;

use adql_engine::UploadTable;
use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::{Field, Schema, SchemaRef};

use crate::error::TapError;
use crate::params::Params;

/// The multipart parts `params`' UPLOAD values name (`name,param:PART`) and
/// the request carries, each once: what an async job keeps beside itself.
pub fn inline_parts(params: &Params) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    for (_, source) in upload_items(params) {
        if let Some(part) = source.strip_prefix("param:") {
            if params.file(part).is_some() && !parts.iter().any(|p| p == part) {
                parts.push(part.to_string());
            }
        }
    }
    parts
}

/// The (name, source) items of every UPLOAD value (`;`-separated), trimmed;
/// an item without a comma has an empty source.
fn upload_items(params: &Params) -> impl Iterator<Item = (&str, &str)> {
    params.all("UPLOAD").flat_map(|value| {
        value
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|item| {
                let (name, source) = item.split_once(',').unwrap_or((item, ""));
                (name.trim(), source.trim())
            })
    })
}

/// The tables `params` uploads.
pub fn uploads(params: &Params, limit: usize) -> Result<Vec<UploadTable>, TapError> {
    let mut tables: Vec<UploadTable> = Vec::new();
    for (name, source) in upload_items(params) {
        if source.is_empty() {
            return Err(TapError::Usage(format!(
                "UPLOAD takes NAME,param:PART (several joined with ;), got `{name}`"
            )));
        }
        if !UploadTable::is_valid_name(name) {
            return Err(TapError::Usage(format!(
                    "the upload name `{name}` is not a regular ADQL identifier (a letter, then letters, digits or _)"
                )));
        }
        if tables.iter().any(|t| t.name.eq_ignore_ascii_case(name)) {
            return Err(TapError::Usage(format!(
                "the table {name} is uploaded twice"
            )));
        }
        let fetched;
        let data: &[u8] = if let Some(part) = source.strip_prefix("param:") {
            params.file(part).ok_or_else(|| {
                TapError::Usage(format!(
                    "the upload {name} names the part `{part}`, which the request does not have"
                ))
            })?
        } else {
            let scheme = source
                .split(':')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if scheme != "http" && scheme != "https" {
                return Err(TapError::Usage(format!(
                        "the upload {name} names `{source}`: this service takes param:PART (inline) or an http(s) URL"
                    )));
            }
            fetched = fetch(name, source, limit)?;
            &fetched
        };
        if data.len() > limit {
            return Err(TapError::Usage(format!(
                "the upload {name} is {} bytes, over this service's upload limit of {limit} bytes",
                data.len()
            )));
        }
        let (schema, batches) = votable::read(std::io::Cursor::new(data)).map_err(|e| {
            TapError::Usage(format!(
                "the upload {name} is not a VOTable this service reads: {e}"
            ))
        })?;
        let schema = keep_ascii_where_true(&schema, &batches);
        let batches = batches
            .into_iter()
            .map(|b| RecordBatch::try_new(schema.clone(), b.columns().to_vec()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TapError::Usage(format!("the upload {name}: {e}")))?;
        tables.push(UploadTable {
            name: name.to_string(),
            schema,
            batches,
        });
    }
    Ok(tables)
}

/// Fetches an upload by URL, at most `limit` bytes within 30 s. Blocking (the
/// runtime is told, so other requests go on).
fn fetch(name: &str, url: &str, limit: usize) -> Result<Vec<u8>, TapError> {
    let get = || -> Result<Vec<u8>, ureq::Error> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(std::time::Duration::from_secs(30)))
            .max_redirects(3)
            .build()
            .into();
        let mut response = agent.get(url).call()?;
        response
            .body_mut()
            .with_config()
            .limit(limit as u64)
            .read_to_vec()
    };
    let fetched = match tokio::runtime::Handle::try_current() {
        Ok(_) => tokio::task::block_in_place(get),
        Err(_) => get(),
    };
    fetched.map_err(|e| {
        TapError::Usage(format!(
            "the upload {name} could not be fetched from {url}: {e}"
        ))
    })
}

/// A `char` FIELD is declared ASCII, but TABLEDATA can carry any text: the
/// declaration is kept only where every value is ASCII, so that the column goes
/// back out as `char` and a non-ASCII value as `unicodeChar`.
fn keep_ascii_where_true(schema: &SchemaRef, batches: &[RecordBatch]) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let declared = f
                .metadata()
                .get(votable::types::ASCII)
                .is_some_and(|v| v == "true");
            let all_ascii = || {
                batches
                    .iter()
                    .all(|b| match b.column(i).as_string_opt::<i32>() {
                        Some(strings) => strings.iter().flatten().all(|s| s.is_ascii()),
                        None => true,
                    })
            };
            if declared && !all_ascii() {
                let mut meta = f.metadata().clone();
                meta.remove(votable::types::ASCII);
                f.as_ref().clone().with_metadata(meta)
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    Arc::new(Schema::new(fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_sources_are_checked() {
        for (upload, wanted) in [
            ("t1", "NAME,param:PART"),
            ("../x,param:x", "not a regular ADQL identifier"),
            (
                "t,file:///etc/passwd",
                "param:PART (inline) or an http(s) URL",
            ),
            (
                "t,ftp://example.invalid/t.xml",
                "param:PART (inline) or an http(s) URL",
            ),
            ("t,param:missing", "does not have"),
        ] {
            let params = Params::from_pairs([("UPLOAD", upload)]);
            let err = uploads(&params, 1 << 20).unwrap_err().to_string();
            assert!(err.contains(wanted), "{upload}: {err}");
        }
    }
}
