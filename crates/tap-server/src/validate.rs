//! `GET|POST /api/tap/validate`: the service's checker as JSON, for editors
//! (the query page lints as you type). It reads `QUERY` and `LANG` as `/sync`
//! does and checks and plans the query against the service's own tables
//! ([`adql_engine::Engine::diagnose`]), so it says what running the query
//! would say, without running it.

use std::sync::Arc;

use adql_syntax::{LineIndex, Severity};
use axum::extract::{Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::TapError;
use crate::params::Params;
use crate::Service;

/// One finding, with its place as line:column (1-based, characters) and as
/// UTF-16 offsets (what browsers' strings and editors count).
#[derive(Debug, Serialize)]
pub struct Finding {
    severity: &'static str,
    code: &'static str,
    message: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    from: usize,
    to: usize,
    hint: Option<String>,
    notes: Vec<String>,
    replacement: Option<String>,
}

/// The answer: whether the query would run, and every finding.
#[derive(Debug, Serialize)]
pub struct Report {
    valid: bool,
    diagnostics: Vec<Finding>,
}

/// The report on `query` under `language`, typed against `engine`'s tables.
pub fn report(
    engine: &adql_engine::Engine,
    query: &str,
    language: adql_syntax::Language,
) -> Report {
    let found = engine.diagnose(query, language);
    let index = LineIndex::new(query);
    let utf16 = |byte: usize| {
        query
            .get(..byte.min(query.len()))
            .map_or(0, |s| s.encode_utf16().count())
    };
    let valid = !found.iter().any(adql_syntax::Diagnostic::is_error);
    let diagnostics = found
        .iter()
        .map(|d| {
            let start = index.line_col(d.span.start);
            let end = index.line_col(d.span.end);
            Finding {
                severity: match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
                code: d.code,
                message: d.message.clone(),
                line: start.line,
                column: start.column,
                end_line: end.line,
                end_column: end.column,
                from: utf16(d.span.start),
                to: utf16(d.span.end),
                hint: d
                    .fix
                    .as_ref()
                    .map(|f| f.message.clone())
                    .or_else(|| d.notes.first().cloned()),
                notes: d.notes.clone(),
                replacement: d.fix.as_ref().map(|f| f.replacement.clone()),
            }
        })
        .collect();
    Report { valid, diagnostics }
}

/// `GET|POST /validate`: QUERY (and LANG) in, the [`Report`] out as JSON.
pub async fn validate(State(service): State<Arc<Service>>, request: Request) -> Response {
    match run(service, request).await {
        Ok(report) => (
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_string(&report).unwrap_or_else(|_| "{}".into()),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

async fn run(service: Arc<Service>, request: Request) -> Result<Report, TapError> {
    let params = Params::from_request(request, &service.config).await?;
    let language = crate::tap::language(&params)?;
    let query = params
        .get("QUERY")
        .ok_or_else(|| TapError::Usage("the request has no QUERY".into()))?
        .to_string();
    // On the query runtime: its threads have the stack deep queries need.
    let engine = service.engine.clone();
    service
        .cpu()
        .spawn(async move { report(&engine, &query, language) })
        .await
        .map_err(|_| TapError::Internal("the checker stopped".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn findings_are_placed_in_utf16_offsets_and_lines() {
        let engine = adql_engine::Engine::demo().await.unwrap();
        // "é" is one UTF-16 unit and two bytes; the typo is after it.
        let query = "SELECT 'é', obs_idd FROM ivoa.ObsCore";
        let typo = report(&engine, query, adql_syntax::Language::default());
        assert!(!typo.valid);
        let finding = &typo.diagnostics[0];
        let at = query.find("obs_idd").unwrap() - 1;
        assert_eq!((finding.from, finding.to), (at, at + 7), "{finding:?}");
        assert_eq!((finding.line, finding.column), (1, at + 1));
        assert_eq!(finding.severity, "error");

        let fine = report(
            &engine,
            "SELECT TOP 1 obs_id FROM ivoa.ObsCore",
            adql_syntax::Language::default(),
        );
        assert!(fine.valid && fine.diagnostics.is_empty());
        // ADQL 2.0 has no OFFSET: the same text is judged by LANG.
        let v20 = report(
            &engine,
            "SELECT obs_id FROM ivoa.ObsCore OFFSET 3",
            adql_syntax::Language::parse("ADQL-2.0").unwrap(),
        );
        assert!(!v20.valid);
    }
}
