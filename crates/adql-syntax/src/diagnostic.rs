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
        let excerpt = Excerpt::around(line_text, start.column - 1);
        let caret_len = caret_len
            .min(excerpt.visible_after(start.column - 1))
            .max(1);
        let _ = writeln!(out, "{} | {}", start.line, excerpt.text);
        let _ = writeln!(
            out,
            "{:gutter$} | {}{}",
            "",
            " ".repeat(excerpt.column_of(start.column - 1)),
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

/// What is shown of the line a diagnostic points into: all of it, or for a
/// long line (a generated query is often one line of megabytes) a window of
/// [`Excerpt::WIDTH`] characters around the column, its cut ends marked `…`.
struct Excerpt {
    text: String,
    /// The line's character index shown first.
    from: usize,
    /// The line's character index after the last shown.
    to: usize,
    /// Characters before the line's own (the `…`).
    lead: usize,
}

impl Excerpt {
    const WIDTH: usize = 120;
    /// How much of the line before the column a window shows.
    const BEFORE: usize = 40;

    fn around(line: &str, column: usize) -> Excerpt {
        let chars: Vec<char> = printable(line).chars().collect();
        if chars.len() <= Excerpt::WIDTH {
            return Excerpt {
                text: chars.iter().collect(),
                from: 0,
                to: chars.len(),
                lead: 0,
            };
        }
        let from = column.saturating_sub(Excerpt::BEFORE).min(chars.len());
        let to = (from + Excerpt::WIDTH).min(chars.len());
        let mut text = String::new();
        if from > 0 {
            text.push('…');
        }
        text.extend(&chars[from..to]);
        if to < chars.len() {
            text.push('…');
        }
        Excerpt {
            text,
            from,
            to,
            lead: usize::from(from > 0),
        }
    }

    /// Where the line's character `column` (0-based) stands in the excerpt.
    fn column_of(&self, column: usize) -> usize {
        self.lead + column.saturating_sub(self.from)
    }

    /// How many of the line's characters from `column` on are shown.
    fn visible_after(&self, column: usize) -> usize {
        self.to.saturating_sub(column)
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
    fn a_long_line_is_shown_around_the_column() {
        let line = format!("{}BAD{}", "a".repeat(5000), "b".repeat(5000));
        let d = Diagnostic::error("x", "bad", Span::new(5000, 5003));
        let r = d.render(&line, "q");
        let shown: Vec<&str> = r.lines().collect();
        assert!(
            shown[0].len() < 200 && shown[3].chars().count() < 200,
            "{r}"
        );
        assert!(
            shown[3].starts_with("1 | …aaa") && shown[3].ends_with("bbb…"),
            "{r}"
        );
        let text_col = shown[3].chars().position(|c| c == 'B').unwrap();
        let caret_col = shown[4].chars().position(|c| c == '^').unwrap();
        assert_eq!(text_col, caret_col, "{r}");
        assert_eq!(shown[4].matches('^').count(), 3);
        assert!(shown[1].ends_with("q:1:5001"), "{r}");
    }

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
