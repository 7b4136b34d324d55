//! # adql-syntax
//!
//! The front end of adql-rs: ADQL 2.1 text to an abstract syntax tree with byte
//! spans, checks that need no catalogue, diagnostics rendered with line:column and
//! a caret, and a canonical printer.
//!
//! ```
//! use adql_syntax::{validate, ValidateOptions};
//!
//! let v = validate("SELECT TOP 5 s_ra FROM ivoa.ObsCore WHERE calib_level = 2", &ValidateOptions::default());
//! assert!(v.is_valid());
//! assert_eq!(
//!     v.query.unwrap().to_string(),
//!     "SELECT TOP 5 s_ra FROM ivoa.ObsCore WHERE calib_level = 2"
//! );
//!
//! let v = validate("SELECT a FROM t LIMIT 5", &ValidateOptions::default());
//! assert!(!v.is_valid());
//! assert!(v.render("SELECT a FROM t LIMIT 5", "query").contains("TOP"));
//! ```

#![warn(missing_docs)]

pub mod ast;
mod check;
mod depth;
pub mod diagnostic;
mod display;
pub mod features;
pub mod functions;
pub mod keywords;
pub mod language;
pub mod lexer;
mod parser;
pub mod span;
mod stack;

pub use ast::Query;
pub use check::{
    check, check_typed, CheckOptions, ColumnTypes, TableInScope, UntypedColumns, TYPE_ERRORS,
};
pub use diagnostic::{render_all, Diagnostic, Severity};
pub use features::{Feature, FeatureSet};
pub use functions::{udf_catalogue, Builtin, FunctionSignature, SignatureError};
pub use language::Language;
pub use parser::{parse_query, ParseLimits};
pub use span::{LineCol, LineIndex, Span};

/// Parses a query with the default limits; does not run the checks.
pub fn parse(source: &str) -> Result<Query, Diagnostic> {
    parse_query(source, ParseLimits::default())
}

/// Everything `validate` needs to know.
#[derive(Debug, Clone, Default)]
pub struct ValidateOptions {
    /// Input limits.
    pub limits: ParseLimits,
    /// Features, strictness and declared functions.
    pub check: CheckOptions,
}

/// The outcome of validating a query.
#[derive(Debug, Clone)]
pub struct Validation {
    /// The syntax tree, if the text parsed.
    pub query: Option<Query>,
    /// Errors and warnings, in the order found.
    pub diagnostics: Vec<Diagnostic>,
}

impl Validation {
    /// True if nothing is an error (warnings are allowed).
    pub fn is_valid(&self) -> bool {
        self.query.is_some() && !self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// All diagnostics rendered against the source.
    pub fn render(&self, source: &str, origin: &str) -> String {
        render_all(&self.diagnostics, source, origin)
    }
}

/// Parses and checks a query; columns are of unknown type.
pub fn validate(source: &str, options: &ValidateOptions) -> Validation {
    validate_typed(source, options, &UntypedColumns)
}

/// Parses and checks a query, the types of its columns from `columns` (the
/// engine's catalogue).
pub fn validate_typed(
    source: &str,
    options: &ValidateOptions,
    columns: &dyn ColumnTypes,
) -> Validation {
    match parse_query(source, options.limits) {
        Ok(query) => {
            let diagnostics = check_typed(&query, &options.check, columns);
            Validation {
                query: Some(query),
                diagnostics,
            }
        }
        Err(diagnostic) => Validation {
            query: None,
            diagnostics: vec![diagnostic],
        },
    }
}
