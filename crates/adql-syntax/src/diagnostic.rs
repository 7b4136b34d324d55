//! Diagnostics as values: a code, a message, a span, notes and an optional fix,
//! rendered with line:column and a caret under the source line.

use std::fmt::Write as _;

use serde::Serialize;

use crate::span::{LineIndex, Span};

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The query is not valid ADQL (or uses a disabled feature).
    Error,
    /// The query is valid but something deserves attention.
    Warning,
}

/// A suggested edit: replace `span` with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// What the edit does, for a person.
    pub message: String,
    /// The text to replace.
    pub span: Span,
    /// The replacement text.
    pub replacement: String,
}

/// One finding about a query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable kebab-case code, such as `unexpected-token` or `reserved-word`.
    pub code: &'static str,
    /// One sentence saying what is wrong.
    pub message: String,
    /// Where it is.
    pub span: Span,
    /// Further explanation, each a sentence.
    pub notes: Vec<String>,
    /// A suggested edit, when one is obvious (boxed: most diagnostics have none).
    pub fix: Option<Box<Fix>>,
}

impl Diagnostic {
    /// A new error.
    pub fn error(code: &'static str, message: impl Into<String>, span: Span) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            notes: Vec::new(),
            fix: None,
        }
    }

    /// A new warning.
    pub fn warning(code: &'static str, message: impl Into<String>, span: Span) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, span)
        }
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Adds a suggested edit.
    pub fn with_fix(
        mut self,
        message: impl Into<String>,
        span: Span,
        replacement: impl Into<String>,
    ) -> Self {
        self.fix = Some(Box::new(Fix {
            message: message.into(),
            span,
            replacement: replacement.into(),
        }));
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic against the query text it was found in:
    /// a header, `--> origin:line:column`, the source line and a caret.
    pub fn render(&self, source: &str, origin: &str) -> String {
        let index = LineIndex::new(source);
        let start = index.line_col(self.span.start);
        let end = index.line_col(self.span.end.max(self.span.start));
        let line_text = index.line_text(start.line);
        let gutter = start.line.to_string().len();
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let caret_len = if end.line == start.line {
            end.column.saturating_sub(start.column).max(1)
        } else {
            (line_text.chars().count() + 1)
                .saturating_sub(start.column)
                .max(1)
        };
        let mut out = String::new();
        let _ = writeln!(out, "{severity}[{}]: {}", self.code, self.message);
        let _ = writeln!(
            out,
            "{:gutter$}--> {origin}:{}:{}",
            "", start.line, start.column
        );
        let _ = writeln!(out, "{:gutter$} |", "");
        let _ = writeln!(out, "{} | {}", start.line, printable(line_text));
        let _ = writeln!(
            out,
            "{:gutter$} | {}{}",
            "",
            " ".repeat(start.column - 1),
            "^".repeat(caret_len)
        );
        for note in &self.notes {
            let _ = writeln!(out, "{:gutter$} = note: {note}", "");
        }
        if let Some(fix) = &self.fix {
            let _ = writeln!(out, "{:gutter$} = help: {}", "", fix.message);
        }
        out
    }
}

/// Tabs become single spaces so that the caret lines up with the column count.
fn printable(line: &str) -> String {
    line.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Renders several diagnostics, one after another.
pub fn render_all(diagnostics: &[Diagnostic], source: &str, origin: &str) -> String {
    diagnostics
        .iter()
        .map(|d| d.render(source, origin))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_under_the_span() {
        let d = Diagnostic::error("x", "bad", Span::new(7, 8)).with_note("n");
        let r = d.render("SELECT\n  A FROM", "q");
        assert_eq!(
            r,
            "error[x]: bad\n --> q:2:1\n  |\n2 |   A FROM\n  | ^\n  = note: n\n"
        );
    }
}
