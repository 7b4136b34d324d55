//! Signed, expiring URLs for the dataset files and previews that DataLink's
//! `#this` and `#preview` links point at: `…?expires=UNIX&signature=HEX`, the
//! signature an HMAC-SHA256 over the path and the expiry with a key of the
//! service's. A signed URL is its own permission (a browser or `curl` can
//! fetch it without the bearer token) for as long as it lives; servers that
//! share the key accept each other's URLs.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ring::hmac;
use thiserror::Error;

/// The key's length in bytes.
const KEY_BYTES: usize = 32;

/// Why a URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignatureError {
    /// No `expires` or `signature` parameter.
    #[error("this URL is not signed: take a fresh one from the dataset's DataLink links")]
    Missing,
    /// Past its expiry.
    #[error("this URL expired at {0} (UTC): take a fresh one from the dataset's DataLink links")]
    Expired(String),
    /// The signature does not match the path and expiry.
    #[error("this URL's signature does not match it: it was changed, or signed with another key")]
    Forged,
}

/// Why the key could not be had.
#[derive(Debug, Error)]
pub enum KeyError {
    /// Reading or writing the key file failed.
    #[error("the URL signing key {path}: {source}")]
    Io {
        /// The key file.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The file does not hold a key.
    #[error("the URL signing key {0} must hold at least {KEY_BYTES} bytes")]
    TooShort(String),
}

/// Signs and checks URLs with one key.
pub struct UrlSigner {
    key: hmac::Key,
    lifetime: Duration,
}

impl std::fmt::Debug for UrlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UrlSigner")
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl UrlSigner {
    /// A signer with `key` (any length; at least 32 random bytes in practice)
    /// whose URLs live `lifetime`.
    pub fn new(key: &[u8], lifetime: Duration) -> UrlSigner {
        UrlSigner {
            key: hmac::Key::new(hmac::HMAC_SHA256, key),
            lifetime,
        }
    }

    /// The key in `path`; a new random one written there (readable by its
    /// owner only) when the file does not exist yet.
    pub fn from_key_file(path: &Path, lifetime: Duration) -> Result<UrlSigner, KeyError> {
        let io = |source| KeyError::Io {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read(path) {
            Ok(key) if key.len() >= KEY_BYTES => Ok(UrlSigner::new(&key, lifetime)),
            Ok(_) => Err(KeyError::TooShort(path.display().to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; KEY_BYTES];
                getrandom::fill(&mut key).expect("the OS gives random bytes");
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(io)?;
                }
                write_private(path, &key).map_err(io)?;
                // Another server starting on the same directory may have won.
                let key = std::fs::read(path).map_err(io)?;
                Ok(UrlSigner::new(&key, lifetime))
            }
            Err(e) => Err(io(e)),
        }
    }

    /// How long a URL signed now lives.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    fn mac(&self, path: &str, expires: u64) -> hmac::Tag {
        hmac::sign(&self.key, format!("{path}\n{expires}").as_bytes())
    }

    /// `url` (whose path is `path`, no query) signed to expire a lifetime
    /// from now.
    pub fn sign(&self, url: &str, path: &str) -> String {
        let expires = now().saturating_add(self.lifetime.as_secs());
        self.sign_until(url, path, expires)
    }

    /// `url` signed to expire at `expires` (seconds since 1970).
    pub fn sign_until(&self, url: &str, path: &str, expires: u64) -> String {
        let tag = self.mac(path, expires);
        let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        format!("{url}?expires={expires}&signature={hex}")
    }

    /// Whether a request for `path` with `expires` and `signature` (the
    /// query's values, if given) may be answered now.
    pub fn verify(
        &self,
        path: &str,
        expires: Option<&str>,
        signature: Option<&str>,
    ) -> Result<(), SignatureError> {
        let (Some(expires), Some(signature)) = (expires, signature) else {
            return Err(SignatureError::Missing);
        };
        let expires: u64 = expires.parse().map_err(|_| SignatureError::Forged)?;
        let signature = from_hex(signature).ok_or(SignatureError::Forged)?;
        // The signature first: an expiry is only news if it is genuine.
        hmac::verify(
            &self.key,
            format!("{path}\n{expires}").as_bytes(),
            &signature,
        )
        .map_err(|_| SignatureError::Forged)?;
        if now() > expires {
            let at = chrono::DateTime::from_timestamp(expires as i64, 0)
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_else(|| expires.to_string());
            return Err(SignatureError::Expired(at));
        }
        Ok(())
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || text.len() > 128 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(unix)]
fn write_private(path: &Path, key: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(mut f) => f.write_all(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn write_private(path: &Path, key: &[u8]) -> std::io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    std::fs::write(path, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(url: &str) -> (String, String) {
        let q = url.split_once('?').unwrap().1;
        let mut expires = String::new();
        let mut signature = String::new();
        for pair in q.split('&') {
            let (k, v) = pair.split_once('=').unwrap();
            match k {
                "expires" => expires = v.into(),
                "signature" => signature = v.into(),
                _ => {}
            }
        }
        (expires, signature)
    }

    #[test]
    fn signed_urls_are_accepted_until_they_expire() {
        let signer = UrlSigner::new(
            b"0123456789abcdef0123456789abcdef",
            Duration::from_secs(3600),
        );
        let path = "/api/datalink/files/abc";
        let url = signer.sign(&format!("http://h{path}"), path);
        let (e, s) = query(&url);
        assert_eq!(signer.verify(path, Some(&e), Some(&s)), Ok(()));
        // Another path, a later expiry, a changed signature: forged.
        assert_eq!(
            signer.verify("/api/datalink/files/abd", Some(&e), Some(&s)),
            Err(SignatureError::Forged)
        );
        let later = (e.parse::<u64>().unwrap() + 1).to_string();
        assert_eq!(
            signer.verify(path, Some(&later), Some(&s)),
            Err(SignatureError::Forged)
        );
        let mut t = s.clone();
        t.replace_range(0..1, if s.starts_with('0') { "1" } else { "0" });
        assert_eq!(
            signer.verify(path, Some(&e), Some(&t)),
            Err(SignatureError::Forged)
        );
        assert_eq!(
            signer.verify(path, Some(&e), Some("zz")),
            Err(SignatureError::Forged)
        );
        assert_eq!(
            signer.verify(path, None, Some(&s)),
            Err(SignatureError::Missing)
        );
        // Expired, and said so with the time.
        let old = signer.sign_until("u", path, 1_000_000_000);
        let (e, s) = query(&old);
        assert_eq!(
            signer.verify(path, Some(&e), Some(&s)),
            Err(SignatureError::Expired("2001-09-09T01:46:40Z".into()))
        );
        // Another key refuses.
        let other = UrlSigner::new(
            b"another key of thirty-two bytes!",
            Duration::from_secs(3600),
        );
        let (e, s) = query(&url);
        assert_eq!(
            other.verify(path, Some(&e), Some(&s)),
            Err(SignatureError::Forged)
        );
    }

    #[test]
    fn servers_sharing_a_key_file_accept_each_others_urls() {
        let dir = std::env::temp_dir().join(format!("adql-signing-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let file = dir.join("url-signing.key");
        let a = UrlSigner::from_key_file(&file, Duration::from_secs(60)).unwrap();
        let b = UrlSigner::from_key_file(&file, Duration::from_secs(60)).unwrap();
        let url = a.sign("http://a/x", "/x");
        let (e, s) = query(&url);
        assert_eq!(b.verify("/x", Some(&e), Some(&s)), Ok(()));
        assert_eq!(std::fs::read(&file).unwrap().len(), KEY_BYTES);
        std::fs::write(&file, b"short").unwrap();
        assert!(matches!(
            UrlSigner::from_key_file(&file, Duration::from_secs(60)),
            Err(KeyError::TooShort(_))
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
