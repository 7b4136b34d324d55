//! What an operator chooses: addresses, limits, where jobs are kept, who may call.

use std::path::PathBuf;
use std::time::Duration;

/// The service's settings. [`ServiceConfig::new`] gives the defaults `adql serve` uses.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// The public base URL (scheme, host, port, optional path prefix) that links in
    /// documents are made from; the TAP service is at `{base_url}/api/tap`.
    pub base_url: String,
    /// Where async jobs (SQLite) and their results are kept.
    pub data_dir: PathBuf,
    /// `TOKEN OWNER` lines: with a file, every call but capabilities and
    /// availability needs `Authorization: Bearer TOKEN`.
    pub tokens: Option<PathBuf>,
    /// Rows returned when a request gives no MAXREC.
    pub maxrec_default: u64,
    /// The most rows any request may ask for.
    pub maxrec_hard: u64,
    /// Queries running at once (sync and async together).
    pub max_concurrent: usize,
    /// Sync requests that may wait for a slot; beyond them a request gets 503
    /// with `Retry-After`.
    pub max_queued: usize,
    /// The longest a sync query may run, and the default and cap of an async
    /// job's execution duration.
    pub query_timeout: Duration,
    /// Memory each query's sorts, joins and aggregations may hold, in bytes.
    pub memory_limit: usize,
    /// The largest request body besides its uploads (query text and
    /// parameters), in bytes.
    pub max_request_bytes: usize,
    /// The largest upload table (TAP `UPLOAD`: an inline part or a fetched
    /// URL), in bytes; TAPRegExt's `uploadLimit`.
    pub upload_limit_bytes: usize,
    /// How long an async job is kept after creation by default (and at most).
    pub retention: Duration,
    /// How often expired jobs are looked for.
    pub reaper_interval: Duration,
    /// The image store (`--images DIR`) and its layout; without one, the
    /// datasets get synthetic images made on first use under
    /// `{data_dir}/images` (the demo).
    pub images: Option<(PathBuf, String)>,
    /// Rewrite ObsCore's `access_url` in results to this service's links
    /// endpoint (the snapshot keeps the URL of the archive it came from).
    pub rewrite_access_url: bool,
    /// A HiPS (URL or path the browser can reach) for the query page's sky
    /// view; without one the view draws on a coordinate grid only.
    pub page_hips: Option<String>,
    /// A local HiPS directory (with its `properties`) served at `/hips/`,
    /// for the page's sky view offline; set `page_hips` to `hips` with it.
    pub hips_dir: Option<PathBuf>,
    /// How long the signed URLs of dataset files and previews (`#this`,
    /// `#preview`) are accepted after they are handed out.
    pub url_lifetime: Duration,
    /// The file holding the key URLs are signed with (made, random, when
    /// missing); `{data_dir}/url-signing.key` when not given. Servers that
    /// share it accept each other's URLs.
    pub url_key: Option<PathBuf>,
}

impl ServiceConfig {
    /// The defaults, for a service whose public address is `base_url` keeping
    /// jobs under `data_dir`.
    pub fn new(base_url: impl Into<String>, data_dir: impl Into<PathBuf>) -> ServiceConfig {
        ServiceConfig {
            base_url: base_url.into().trim_end_matches('/').to_string(),
            data_dir: data_dir.into(),
            tokens: None,
            maxrec_default: 100_000,
            maxrec_hard: 20_000_000,
            max_concurrent: 8,
            max_queued: 64,
            query_timeout: Duration::from_secs(600),
            memory_limit: 2 * 1024 * 1024 * 1024,
            max_request_bytes: 64 * 1024 * 1024,
            upload_limit_bytes: 512 * 1024 * 1024,
            retention: Duration::from_secs(7 * 24 * 3600),
            reaper_interval: Duration::from_secs(60),
            images: None,
            rewrite_access_url: true,
            page_hips: None,
            hips_dir: None,
            url_lifetime: Duration::from_secs(3600),
            url_key: None,
        }
    }

    /// The most of a request body the service reads: a body past its limits
    /// (a form over `max_request_bytes`, an upload over `upload_limit_bytes`)
    /// is still read, up to four times their sum, so that the client is
    /// answered with the error instead of a connection closed mid-request.
    pub fn drain_limit(&self) -> usize {
        self.max_request_bytes
            .saturating_add(self.upload_limit_bytes)
            .saturating_mul(4)
    }

    /// The TAP service's URL.
    pub fn tap_url(&self) -> String {
        format!("{}/api/tap", self.base_url)
    }
}
