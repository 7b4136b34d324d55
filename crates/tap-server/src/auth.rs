//! Bearer tokens: a file of `TOKEN OWNER` lines (`#` comments), re-read on
//! SIGHUP. With tokens, every call but capabilities and availability needs
//! `Authorization: Bearer TOKEN`; the token's owner owns the jobs it creates.
//! Tokens are compared in constant time and never logged.

use std::path::Path;
use std::sync::{Arc, RwLock};

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::error::{TapError, UwsError};
use crate::Service;

/// Who is calling: the token's owner, or nobody when auth is off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caller {
    /// The owner named in the tokens file.
    pub owner: Option<String>,
}

/// (token bytes, owner) pairs.
type TokenList = Vec<(Vec<u8>, String)>;

/// The known tokens (none: auth off).
#[derive(Debug, Default)]
pub struct Tokens {
    entries: RwLock<Option<TokenList>>,
}

/// A tokens file that does not read.
#[derive(Debug, thiserror::Error)]
pub enum TokensError {
    /// The file cannot be read.
    #[error("cannot read the tokens file {0}: {1}")]
    Io(String, std::io::Error),
    /// A line is not `TOKEN OWNER`.
    #[error("the tokens file {0}, line {1}: expected `TOKEN OWNER`")]
    Malformed(String, usize),
}

impl Tokens {
    /// Auth off.
    pub fn off() -> Tokens {
        Tokens::default()
    }

    /// The tokens of `path`.
    pub fn load(path: &Path) -> Result<Tokens, TokensError> {
        let tokens = Tokens::default();
        tokens.reload(path)?;
        Ok(tokens)
    }

    /// Re-reads `path`; on error the tokens in force stay.
    pub fn reload(&self, path: &Path) -> Result<usize, TokensError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| TokensError::Io(name.clone(), e))?;
        let mut entries = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let mut words = line.split_whitespace();
            match (words.next(), words.next(), words.next()) {
                (Some(token), Some(owner), None) => {
                    entries.push((token.as_bytes().to_vec(), owner.to_string()))
                }
                _ => return Err(TokensError::Malformed(name, i + 1)),
            }
        }
        let n = entries.len();
        *self.entries.write().unwrap_or_else(|p| p.into_inner()) = Some(entries);
        Ok(n)
    }

    /// Whether auth is on.
    pub fn enabled(&self) -> bool {
        self.entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// The owner of `token`. Every entry is compared, each in constant time, so
    /// the time taken says nothing about which tokens exist.
    pub fn owner(&self, token: &[u8]) -> Option<String> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        let mut found = None;
        for (known, owner) in entries.as_ref()?.iter() {
            if bool::from(known.as_slice().ct_eq(token)) {
                found = Some(owner.clone());
            }
        }
        found
    }
}

/// Paths anyone may read: registries and clients probe them before logging in.
fn is_public(path: &str) -> bool {
    path.ends_with("/capabilities") || path.ends_with("/availability")
}

/// The middleware: sets the [`Caller`] or answers 401.
pub async fn authenticate(
    State(service): State<Arc<Service>>,
    mut request: Request,
    next: Next,
) -> Response {
    let tokens = &service.tokens;
    let caller = if !tokens.enabled() {
        Caller::default()
    } else {
        let presented = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme
                    .eq_ignore_ascii_case("bearer")
                    .then(|| token.trim().to_string())
            });
        match presented.and_then(|t| tokens.owner(t.as_bytes())) {
            Some(owner) => Caller { owner: Some(owner) },
            None if is_public(request.uri().path()) => Caller::default(),
            None if request.uri().path().contains("/async") => {
                return UwsError::Unauthorized.into_response()
            }
            None => return TapError::Unauthorized.into_response(),
        }
    };
    request.extensions_mut().insert(caller);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_file_reads_and_matches() {
        let path = std::env::temp_dir().join(format!("tokens-{}", crate::jobs::new_id()));
        std::fs::write(
            &path,
            "# comment\nsecret1 alice\n\n  secret2   bob # trailing\n",
        )
        .unwrap();
        let tokens = Tokens::load(&path).unwrap();
        assert!(tokens.enabled());
        assert_eq!(tokens.owner(b"secret1").as_deref(), Some("alice"));
        assert_eq!(tokens.owner(b"secret2").as_deref(), Some("bob"));
        assert_eq!(tokens.owner(b"secret"), None);
        assert_eq!(tokens.owner(b""), None);
        std::fs::write(&path, "only-one-word\n").unwrap();
        assert!(matches!(
            tokens.reload(&path),
            Err(TokensError::Malformed(_, 1))
        ));
        assert_eq!(
            tokens.owner(b"secret1").as_deref(),
            Some("alice"),
            "old tokens stay"
        );
        std::fs::remove_file(path).unwrap();
        assert!(!Tokens::off().enabled());
    }
}
