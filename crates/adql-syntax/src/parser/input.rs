//! The parser's input (a position in the token list) and error type, with the
//! small token matchers every parser module uses.

use nom::error::{ErrorKind, ParseError};
use nom::Needed;

use crate::ast::Ident;
use crate::diagnostic::Diagnostic;
use crate::keywords::is_reserved;
use crate::lexer::{Token, TokenKind};
use crate::span::Span;

/// A position in the token list, with the current nesting depth.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Input<'t, 'a> {
    all: &'t [Token<'a>],
    pos: usize,
    depth: u16,
    max_depth: u16,
}

impl<'t, 'a> Input<'t, 'a> {
    /// The start of `tokens` (which ends with `Eof`).
    pub fn new(all: &'t [Token<'a>], max_depth: u16) -> Self {
        Input {
            all,
            pos: 0,
            depth: 0,
            max_depth,
        }
    }

    /// The current token (`Eof` at the end; never past it).
    pub fn peek(&self) -> &'t Token<'a> {
        &self.all[self.pos.min(self.all.len() - 1)]
    }

    /// The token `n` places ahead.
    pub fn peek_at(&self, n: usize) -> &'t Token<'a> {
        &self.all[(self.pos + n).min(self.all.len() - 1)]
    }

    /// The input after `n` tokens.
    pub fn advance(&self, n: usize) -> Self {
        Input {
            pos: (self.pos + n).min(self.all.len() - 1),
            ..*self
        }
    }

    /// Where the current token starts.
    pub fn start(&self) -> usize {
        self.peek().span.start
    }

    /// Where the previous token ends (the end of what was parsed so far).
    pub fn prev_end(&self) -> usize {
        if self.pos == 0 {
            0
        } else {
            self.all[self.pos - 1].span.end
        }
    }

    /// The span from `start` to the end of what was parsed so far.
    pub fn span_from(&self, start: usize) -> Span {
        Span::new(start, self.prev_end().max(start))
    }

    /// One level deeper, or an error past the depth limit.
    pub fn deeper(&self) -> Result<Self, nom::Err<PError>> {
        if self.depth >= self.max_depth {
            return Err(failure(
                Diagnostic::error(
                    "nesting-too-deep",
                    format!(
                        "the query nests parentheses, subqueries or CASE more than {} levels deep",
                        self.max_depth
                    ),
                    self.peek().span,
                )
                .with_note("simplify the expression, or raise the limit"),
            ));
        }
        Ok(Input {
            depth: self.depth + 1,
            ..*self
        })
    }

    /// An error if `count` chained prefix operators (signs, NOT) would nest past
    /// the depth limit: their trees are as deep as parentheses.
    pub fn check_chain(&self, count: usize) -> Result<(), nom::Err<PError>> {
        if count > usize::from(self.max_depth) {
            return Err(failure(Diagnostic::error(
                "nesting-too-deep",
                format!("more than {} signs or NOTs in a row", self.max_depth),
                self.peek().span,
            )));
        }
        Ok(())
    }

    /// This position at the nesting depth of `outer` (after a nested parse).
    pub fn at_depth_of(&self, outer: &Input<'t, 'a>) -> Self {
        Input {
            depth: outer.depth,
            ..*self
        }
    }

    /// The error "expected one of `what`" at the current token.
    pub fn expected_any(&self, what: &[&'static str]) -> nom::Err<PError> {
        nom::Err::Error(PError {
            pos: self.pos,
            expected: what.to_vec(),
            diagnostic: None,
        })
    }

    /// The error "expected `what`" at the current token.
    pub fn expected(&self, what: &'static str) -> nom::Err<PError> {
        nom::Err::Error(PError {
            pos: self.pos,
            expected: vec![what],
            diagnostic: None,
        })
    }
}

/// A parse error: the furthest position reached and what was expected there,
/// or a diagnostic that says more.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PError {
    pub pos: usize,
    pub expected: Vec<&'static str>,
    pub diagnostic: Option<Box<Diagnostic>>,
}

impl<'t, 'a> ParseError<Input<'t, 'a>> for PError {
    fn from_error_kind(input: Input<'t, 'a>, _kind: ErrorKind) -> Self {
        PError {
            pos: input.pos,
            expected: Vec::new(),
            diagnostic: None,
        }
    }

    fn append(_input: Input<'t, 'a>, _kind: ErrorKind, other: Self) -> Self {
        other
    }

    fn or(mut self, other: Self) -> Self {
        if self.diagnostic.is_some() {
            return self;
        }
        if other.diagnostic.is_some() {
            return other;
        }
        match self.pos.cmp(&other.pos) {
            std::cmp::Ordering::Greater => self,
            std::cmp::Ordering::Less => other,
            std::cmp::Ordering::Equal => {
                self.expected.extend(other.expected);
                self
            }
        }
    }
}

/// The result of a parser.
pub(crate) type PResult<'t, 'a, O> = nom::IResult<Input<'t, 'a>, O, PError>;

/// A failure that stops the parse with `diagnostic`.
pub(crate) fn failure(diagnostic: Diagnostic) -> nom::Err<PError> {
    nom::Err::Failure(PError {
        pos: usize::MAX,
        expected: Vec::new(),
        diagnostic: Some(Box::new(diagnostic)),
    })
}

/// Matches the keyword `word` (case-insensitive) and returns its span.
pub(crate) fn kw<'t, 'a: 't>(
    word: &'static str,
) -> impl Fn(Input<'t, 'a>) -> PResult<'t, 'a, Span> {
    move |i: Input<'t, 'a>| {
        let t = i.peek();
        if t.is_word(word) {
            Ok((i.advance(1), t.span))
        } else {
            Err(i.expected(word))
        }
    }
}

/// True if the current token is the keyword `word`.
pub(crate) fn at_kw(i: &Input<'_, '_>, word: &str) -> bool {
    i.peek().is_word(word)
}

/// Matches a punctuation token of `kind`, named `name` in messages.
pub(crate) fn punct<'t, 'a: 't>(
    kind: TokenKind,
    name: &'static str,
) -> impl Fn(Input<'t, 'a>) -> PResult<'t, 'a, Span> {
    move |i: Input<'t, 'a>| {
        let t = i.peek();
        if t.kind == kind {
            Ok((i.advance(1), t.span))
        } else {
            Err(i.expected(name))
        }
    }
}

/// `(`
pub(crate) fn lparen<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Span> {
    punct(TokenKind::LParen, "`(`")(i)
}

/// `)`
pub(crate) fn rparen<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Span> {
    punct(TokenKind::RParen, "`)`")(i)
}

/// `,`
pub(crate) fn comma<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Span> {
    punct(TokenKind::Comma, "`,`")(i)
}

/// One or more `elem` separated by commas. After a comma an element must follow:
/// its error is final, so that `IN (1, 2,)` reports the missing value, not the comma.
pub(crate) fn comma_list1<'t, 'a: 't, O>(
    elem: impl Fn(Input<'t, 'a>) -> PResult<'t, 'a, O>,
) -> impl Fn(Input<'t, 'a>) -> PResult<'t, 'a, Vec<O>> {
    move |i: Input<'t, 'a>| {
        let (mut i, first) = elem(i)?;
        let mut items = vec![first];
        while let Ok((after_comma, _)) = comma(i) {
            let (rest, item) = elem(after_comma).map_err(|e| match e {
                nom::Err::Error(err) => nom::Err::Failure(err),
                other => other,
            })?;
            items.push(item);
            i = rest;
        }
        Ok((i, items))
    }
}

/// An identifier: a regular identifier that is not a reserved word, or a delimited one.
pub(crate) fn ident<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Ident> {
    let t = i.peek();
    match &t.kind {
        TokenKind::Word if !is_reserved(t.text) => Ok((
            i.advance(1),
            Ident {
                value: t.text.to_string(),
                delimited: false,
                span: t.span,
            },
        )),
        TokenKind::QuotedIdent(value) => Ok((
            i.advance(1),
            Ident {
                value: value.clone(),
                delimited: true,
                span: t.span,
            },
        )),
        _ => Err(i.expected("identifier")),
    }
}

/// An unsigned integer literal (`unsigned_decimal`) as a number, for TOP, OFFSET,
/// ROUND precision and type lengths.
pub(crate) fn unsigned_integer<'t, 'a: 't>(
    what: &'static str,
) -> impl Fn(Input<'t, 'a>) -> PResult<'t, 'a, (u64, Span)> {
    move |i: Input<'t, 'a>| {
        let t = i.peek();
        match t.kind {
            TokenKind::Number(crate::lexer::NumberKind::Integer) => match t.text.parse::<u64>() {
                Ok(v) => Ok((i.advance(1), (v, t.span))),
                Err(_) => Err(failure(Diagnostic::error(
                    "number-too-large",
                    format!("{} is too large for {what}", t.text),
                    t.span,
                ))),
            },
            _ => Err(failure(
                Diagnostic::error(
                    "expected-integer",
                    format!(
                        "{what} takes a non-negative integer, found {}",
                        t.describe()
                    ),
                    t.span,
                )
                .with_note("write digits only, such as 10"),
            )),
        }
    }
}

impl<'t, 'a> nom::Input for Input<'t, 'a> {
    type Item = &'t Token<'a>;
    type Iter = std::slice::Iter<'t, Token<'a>>;
    type IterIndices = std::iter::Enumerate<std::slice::Iter<'t, Token<'a>>>;

    fn input_len(&self) -> usize {
        self.all.len() - self.pos
    }

    fn take(&self, index: usize) -> Self {
        // Only whole-input views are taken by the combinators this parser uses.
        Input {
            all: &self.all[..(self.pos + index).min(self.all.len())],
            ..*self
        }
    }

    fn take_from(&self, index: usize) -> Self {
        self.advance(index)
    }

    fn take_split(&self, index: usize) -> (Self, Self) {
        (self.take_from(index), self.take(index))
    }

    fn position<P>(&self, predicate: P) -> Option<usize>
    where
        P: Fn(Self::Item) -> bool,
    {
        self.all[self.pos..].iter().position(predicate)
    }

    fn iter_elements(&self) -> Self::Iter {
        self.all[self.pos..].iter()
    }

    fn iter_indices(&self) -> Self::IterIndices {
        self.all[self.pos..].iter().enumerate()
    }

    fn slice_index(&self, count: usize) -> Result<usize, Needed> {
        if self.input_len() >= count {
            Ok(count)
        } else {
            Err(Needed::new(count - self.input_len()))
        }
    }
}
