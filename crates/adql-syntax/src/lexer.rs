//! The lexer: ADQL text to tokens with byte spans, written with nom.
//!
//! Whitespace and `--` comments separate tokens and are dropped. String literals
//! separated only by whitespace or comments are joined (`'a' 'b'` is `'ab'`), as
//! the ADQL BNF inherits from SQL-92 (which asks for a newline in the separator;
//! PostgreSQL does too, but TAP clients write both forms). Keywords are not told apart from identifiers here: the
//! parser decides, so that the lexer stays context-free.

use nom::branch::alt;
use nom::bytes::complete::{tag, take_till, take_while, take_while1};
use nom::character::complete::{char, digit0, digit1, one_of};
use nom::combinator::{opt, recognize};
use nom::sequence::pair;
use nom::{IResult, Parser};

use crate::diagnostic::Diagnostic;
use crate::span::Span;

/// The kind of a numeric literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NumberKind {
    /// Digits only (`unsigned_decimal`).
    Integer,
    /// Digits with a decimal point (`exact_numeric_literal`).
    Decimal,
    /// With an exponent (`approximate_numeric_literal`).
    Real,
}

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    /// A regular identifier or a keyword; its text is the source slice.
    Word,
    /// A delimited identifier, unescaped (`"a""b"` → `a"b`).
    QuotedIdent(String),
    /// A character string literal, unescaped and with continuations joined.
    String(String),
    /// An unsigned numeric literal; its text is the source slice.
    Number(NumberKind),
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// `.`
    Period,
    /// `*`
    Star,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `/`
    Slash,
    /// `||`
    Concat,
    /// `=`
    Eq,
    /// `<>` or `!=`
    NotEq,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    LtEq,
    /// `>=`
    GtEq,
    /// `;`
    Semicolon,
    /// A character ADQL knows but no production uses here (`%`, `?`, `[`, …).
    Other(char),
    /// The end of the input (always the last token).
    Eof,
}

/// A token and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Token<'a> {
    /// What it is.
    pub kind: TokenKind,
    /// Its source text.
    pub text: &'a str,
    /// Its byte span.
    pub span: Span,
}

impl Token<'_> {
    /// True if this is the word `kw`, compared case-insensitively.
    pub fn is_word(&self, kw: &str) -> bool {
        self.kind == TokenKind::Word && self.text.eq_ignore_ascii_case(kw)
    }

    /// How the token reads in an error message.
    pub fn describe(&self) -> String {
        match &self.kind {
            TokenKind::Eof => "end of input".to_string(),
            TokenKind::String(_) => format!("string {}", abbreviate(self.text)),
            TokenKind::Number(_) => format!("number {}", self.text),
            TokenKind::QuotedIdent(_) => format!("identifier {}", abbreviate(self.text)),
            TokenKind::Word => {
                if crate::keywords::is_reserved(self.text) {
                    format!("keyword {}", self.text.to_ascii_uppercase())
                } else {
                    format!("identifier {}", self.text)
                }
            }
            _ => format!("`{}`", self.text),
        }
    }
}

fn abbreviate(text: &str) -> String {
    if text.chars().count() > 30 {
        format!("{}…", text.chars().take(30).collect::<String>())
    } else {
        text.to_string()
    }
}

type LexResult<'a, O> = IResult<&'a str, O>;

/// Splits `source` into tokens, ending with [`TokenKind::Eof`].
pub fn tokenize(source: &str) -> Result<Vec<Token<'_>>, Diagnostic> {
    let mut tokens: Vec<Token<'_>> = Vec::with_capacity(source.len() / 4 + 2);
    let mut rest = source;
    let offset = |rest: &str| source.len() - rest.len();
    loop {
        let (after_space, separated) = skip_separators(rest);
        rest = after_space;
        let start = offset(rest);
        if rest.is_empty() {
            tokens.push(Token {
                kind: TokenKind::Eof,
                text: "",
                span: Span::new(start, start),
            });
            return Ok(tokens);
        }
        let first = rest.chars().next().unwrap_or(' ');
        let (next, kind) = match first {
            '\'' => {
                let (next, value) = string_body(rest, start)?;
                // A continuation: 'abc' 'def' is one literal.
                if separated {
                    if let Some(last) = tokens.last_mut() {
                        if let TokenKind::String(prev) = &mut last.kind {
                            prev.push_str(&value);
                            last.span = Span::new(last.span.start, offset(next));
                            last.text = &source[last.span.start..last.span.end];
                            rest = next;
                            continue;
                        }
                    }
                }
                (next, TokenKind::String(value))
            }
            '"' => {
                let (next, value) = delimited_body(rest, start)?;
                (next, TokenKind::QuotedIdent(value))
            }
            c if c.is_ascii_alphabetic() => {
                let (next, _) = word(rest).map_err(|_| internal(start))?;
                (next, TokenKind::Word)
            }
            c if c.is_ascii_digit() || (c == '.' && starts_with_digit(&rest[1..])) => {
                let (next, kind) = number(rest).map_err(|_| internal(start))?;
                (next, kind)
            }
            _ => match operator(rest) {
                Ok(ok) => ok,
                Err(_) => return Err(unexpected_char(first, start)),
            },
        };
        let end = offset(next);
        tokens.push(Token {
            kind,
            text: &source[start..end],
            span: Span::new(start, end),
        });
        rest = next;
    }
}

fn internal(at: usize) -> Diagnostic {
    Diagnostic::error(
        "lexer",
        "the lexer could not read this",
        Span::new(at, at + 1),
    )
}

fn starts_with_digit(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_digit)
}

/// Skips whitespace and comments; says whether anything was skipped.
fn skip_separators(mut rest: &str) -> (&str, bool) {
    let mut crossed = false;
    loop {
        let trimmed = rest.trim_start();
        crossed |= trimmed.len() < rest.len();
        rest = trimmed;
        if let Ok((after, _)) = comment(rest) {
            crossed = true;
            rest = after;
        } else {
            return (rest, crossed);
        }
    }
}

fn comment(input: &str) -> LexResult<'_, &str> {
    recognize(pair(tag("--"), take_till(|c| c == '\n'))).parse(input)
}

fn word(input: &str) -> LexResult<'_, &str> {
    recognize(pair(
        take_while1(|c: char| c.is_ascii_alphabetic()),
        take_while(|c: char| c.is_ascii_alphanumeric() || c == '_'),
    ))
    .parse(input)
}

fn exponent(input: &str) -> LexResult<'_, &str> {
    recognize((one_of("eE"), opt(one_of("+-")), digit1)).parse(input)
}

fn number(input: &str) -> LexResult<'_, TokenKind> {
    let (rest, mantissa) = alt((
        recognize((digit1, opt(pair(char('.'), digit0)))),
        recognize(pair(char('.'), digit1)),
    ))
    .parse(input)?;
    let (rest, exp) = opt(exponent).parse(rest)?;
    let kind = if exp.is_some() {
        NumberKind::Real
    } else if mantissa.contains('.') {
        NumberKind::Decimal
    } else {
        NumberKind::Integer
    };
    Ok((rest, TokenKind::Number(kind)))
}

fn operator(input: &str) -> LexResult<'_, TokenKind> {
    use TokenKind::*;
    alt((
        alt((
            tag("||").map(|_| Concat),
            tag("<>").map(|_| NotEq),
            tag("!=").map(|_| NotEq),
            tag("<=").map(|_| LtEq),
            tag(">=").map(|_| GtEq),
        )),
        one_of("(),.*+-/=<>;%&?:[]|^~").map(|c| match c {
            '(' => LParen,
            ')' => RParen,
            ',' => Comma,
            '.' => Period,
            '*' => Star,
            '+' => Plus,
            '-' => Minus,
            '/' => Slash,
            '=' => Eq,
            '<' => Lt,
            '>' => Gt,
            ';' => Semicolon,
            other => Other(other),
        }),
    ))
    .parse(input)
}

/// Reads `'…'` with `''` escapes; `start` is the byte offset of the quote.
fn string_body(input: &str, start: usize) -> Result<(&str, String), Diagnostic> {
    quoted_body(input, '\'').ok_or_else(|| {
        Diagnostic::error(
            "unterminated-string",
            "this string literal is never closed",
            Span::new(start, start + 1),
        )
        .with_note("a quote inside a string is written twice: 'it''s'")
    })
}

/// Reads `"…"` with `""` escapes; `start` is the byte offset of the quote.
fn delimited_body(input: &str, start: usize) -> Result<(&str, String), Diagnostic> {
    let (rest, value) = quoted_body(input, '"').ok_or_else(|| {
        Diagnostic::error(
            "unterminated-identifier",
            "this delimited identifier is never closed",
            Span::new(start, start + 1),
        )
        .with_note("a double quote inside a delimited identifier is written twice: \"a\"\"b\"")
    })?;
    if value.is_empty() {
        return Err(Diagnostic::error(
            "empty-identifier",
            "a delimited identifier cannot be empty",
            Span::new(start, start + 2),
        ));
    }
    Ok((rest, value))
}

fn quoted_body(input: &str, quote: char) -> Option<(&str, String)> {
    let mut value = String::new();
    let mut rest = &input[1..];
    loop {
        let pos = rest.find(quote)?;
        value.push_str(&rest[..pos]);
        rest = &rest[pos + 1..];
        if rest.starts_with(quote) {
            value.push(quote);
            rest = &rest[1..];
        } else {
            return Some((rest, value));
        }
    }
}

/// An error for a character no ADQL token starts with, with a hint for the
/// typographic and Unicode look-alikes that word processors and web pages produce.
fn unexpected_char(c: char, at: usize) -> Diagnostic {
    let span = Span::new(at, at + c.len_utf8());
    let lookalike = match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{00B4}' | '`' => {
            Some(("'", "a typographic quote"))
        }
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => Some(("\"", "a typographic double quote")),
        '\u{2212}' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}'
        | '\u{FE63}' | '\u{FF0D}' => Some(("-", "a dash that looks like a minus sign")),
        '\u{00D7}' | '\u{2217}' | '\u{22C5}' => Some(("*", "a multiplication sign")),
        '\u{2264}' => Some(("<=", "a less-than-or-equal sign")),
        '\u{2265}' => Some((">=", "a greater-than-or-equal sign")),
        '\u{2260}' => Some(("<>", "a not-equal sign")),
        '\u{FF08}' => Some(("(", "a full-width parenthesis")),
        '\u{FF09}' => Some((")", "a full-width parenthesis")),
        '\u{FF0C}' => Some((",", "a full-width comma")),
        '\u{FF1D}' => Some(("=", "a full-width equals sign")),
        _ => None,
    };
    match lookalike {
        Some((ascii, what)) => Diagnostic::error(
            "lookalike-character",
            format!("`{c}` (U+{:04X}) is {what}, not ADQL's `{ascii}`", c as u32),
            span,
        )
        .with_fix(format!("write `{ascii}`"), span, ascii),
        None if c == '_' => Diagnostic::error(
            "unexpected-character",
            "an identifier cannot start with `_`",
            span,
        )
        .with_note("regular identifiers start with a letter; quote other names: \"_name\""),
        None if !c.is_ascii() && c.is_alphabetic() => Diagnostic::error(
            "unexpected-character",
            format!("`{c}` is not a Latin letter; regular identifiers use A–Z, digits and `_`"),
            span,
        )
        .with_note("quote the name to use other characters: \"name\""),
        None => Diagnostic::error(
            "unexpected-character",
            format!("unexpected character `{}`", c.escape_debug()),
            span,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<TokenKind> {
        tokenize(s).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn numbers_and_words() {
        use TokenKind::*;
        assert_eq!(
            kinds("89x 1.5e-3 .5 3. 1e"),
            vec![
                Number(NumberKind::Integer),
                Word,
                Number(NumberKind::Real),
                Number(NumberKind::Decimal),
                Number(NumberKind::Decimal),
                Number(NumberKind::Integer),
                Word,
                Eof
            ]
        );
    }

    #[test]
    fn string_escapes_and_continuation() {
        let t = tokenize("'it''s' -- c\n 'x' 'y', 'a''b'").unwrap();
        assert_eq!(t[0].kind, TokenKind::String("it'sxy".into()));
        assert_eq!(t[0].span, Span::new(0, 21));
        // Adjacent quotes are an escaped quote, not two literals.
        assert_eq!(t[2].kind, TokenKind::String("a'b".into()));
    }

    #[test]
    fn delimited_identifiers() {
        let t = tokenize(r#""c""ho""#).unwrap();
        assert_eq!(t[0].kind, TokenKind::QuotedIdent("c\"ho".into()));
        assert!(tokenize("\"\"").is_err());
        assert!(tokenize("\"abc").is_err());
    }

    #[test]
    fn operators() {
        use TokenKind::*;
        assert_eq!(
            kinds("a<>b!=c||d<=e>=f"),
            vec![Word, NotEq, Word, NotEq, Word, Concat, Word, LtEq, Word, GtEq, Word, Eof]
        );
    }

    #[test]
    fn lookalikes_get_a_fix() {
        let e = tokenize("x = ‘a’").unwrap_err();
        assert_eq!(e.code, "lookalike-character");
        assert_eq!(e.fix.unwrap().replacement, "'");
    }
}
