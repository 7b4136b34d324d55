//! DataFusion's planning errors in ADQL's words: type names as ADQL writes
//! them, DataFusion's prefixes and hints about its own function signatures
//! dropped, and the span of the construct that caused them.

use adql_syntax::{Diagnostic, Span};
use datafusion::error::DataFusionError;

use crate::error::EngineError;

/// Arrow's type names → ADQL's, longest first so that `Utf8View` is not read as `Utf8`.
const TYPE_WORDS: [(&str, &str); 16] = [
    ("LargeUtf8", "VARCHAR"),
    ("Utf8View", "VARCHAR"),
    ("Utf8", "VARCHAR"),
    ("UInt64", "BIGINT"),
    ("UInt32", "BIGINT"),
    ("UInt16", "INTEGER"),
    ("UInt8", "SMALLINT"),
    ("Int64", "BIGINT"),
    ("Int32", "INTEGER"),
    ("Int16", "SMALLINT"),
    ("Int8", "SMALLINT"),
    ("Float64", "DOUBLE PRECISION"),
    ("Float32", "REAL"),
    ("Float16", "REAL"),
    ("Boolean", "BOOLEAN"),
    ("Null", "NULL"),
];

/// True for the errors a query's form causes (types, signatures), not its data.
pub(crate) fn is_planning(e: &DataFusionError) -> bool {
    matches!(
        e.find_root(),
        DataFusionError::Plan(_) | DataFusionError::NotImplemented(_)
    )
}

/// A failure to plan or start a query: an ADQL diagnostic at `span` when the
/// query's form caused it (types, signatures), else the error itself.
pub fn planning_error(e: DataFusionError, span: Span) -> EngineError {
    if is_planning(&e) {
        diagnostic(&e, span)
    } else {
        EngineError::DataFusion(e)
    }
}

/// `e` as an ADQL diagnostic at `span`.
pub(crate) fn diagnostic(e: &DataFusionError, span: Span) -> EngineError {
    let root = match e.find_root() {
        DataFusionError::Plan(m) | DataFusionError::NotImplemented(m) => m.clone(),
        other => other.to_string(),
    };
    EngineError::Query(vec![Diagnostic::error(
        "cannot-plan",
        format!("this cannot be computed: {}", adql_words(&root)),
        span,
    )])
}

/// DataFusion's message with ADQL's type names and without its internals.
pub(crate) fn adql_words(message: &str) -> String {
    // The part after the first sentence lists DataFusion's function signatures.
    let mut text = message
        .split(". No function matches")
        .next()
        .unwrap_or(message)
        .split(" (DataType: ")
        .next()
        .unwrap_or(message)
        .trim()
        .trim_end_matches('.')
        .to_string();
    for prefix in [
        "Error during planning: ",
        "This feature is not implemented: ",
    ] {
        if let Some(rest) = text.strip_prefix(prefix) {
            text = rest.to_string();
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    'scan: while !rest.is_empty() {
        let at_word_start = out
            .chars()
            .last()
            .is_none_or(|c| !c.is_ascii_alphanumeric());
        if at_word_start {
            if let Some(after) = rest.strip_prefix("Timestamp(") {
                out.push_str("TIMESTAMP");
                rest = after.split_once(')').map_or("", |(_, r)| r);
                continue;
            }
            for (arrow, adql) in TYPE_WORDS {
                if let Some(after) = rest.strip_prefix(arrow) {
                    if !after.starts_with(|c: char| c.is_ascii_alphanumeric()) {
                        out.push_str(adql);
                        rest = after;
                        continue 'scan;
                    }
                }
            }
        }
        let c = rest.chars().next().expect("not empty");
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out.replace("String", "VARCHAR")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_in_adql_words() {
        assert_eq!(
            adql_words("Error during planning: Cannot coerce arithmetic expression Utf8View * Int64 to valid types"),
            "Cannot coerce arithmetic expression VARCHAR * BIGINT to valid types"
        );
        assert_eq!(
            adql_words("Function 'lower' requires String, but received Int32 (DataType: Int32).. No function matches the given name and argument types 'lower(Int32)'."),
            "Function 'lower' requires VARCHAR, but received INTEGER"
        );
        assert_eq!(
            adql_words("Timestamp(µs) < Float64"),
            "TIMESTAMP < DOUBLE PRECISION"
        );
    }
}
