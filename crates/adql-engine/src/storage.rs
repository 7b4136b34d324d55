//! Where tables are: local paths, or object stores — S3 and S3-compatible
//! stores (`s3://bucket/prefix/`) and HTTP servers answering range requests
//! (`https://host/path/snapshot.json`) — through the `object_store` crate
//! DataFusion reads with.
//!
//! S3 settings come from the standard `AWS_*` variables (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL` for an S3-compatible store, `AWS_ALLOW_HTTP=true` for a
//! plain-HTTP one). Requests are path-style (`endpoint/bucket/key`) unless
//! `AWS_VIRTUAL_HOSTED_STYLE_REQUEST=true`.
//!
//! Every store is wrapped in an [`ObservedStore`]: snapshots are immutable, so
//! an object's metadata (a HEAD) is asked once per process, and the GETs and
//! bytes read are counted ([`io_stats`]) — what `--io-stats` prints.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path as FsPath;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use datafusion::prelude::SessionContext;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    ObjectStoreExt, PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions,
};
use obscore::snapshot::{Snapshot, SnapshotLocation, SIDECAR};

use crate::error::{EngineError, Result};

/// True if `location` is a URL (`scheme://…`) rather than a local path.
pub fn is_url(location: &str) -> bool {
    // A scheme (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`) of
    // two characters or more, so that `C://x` stays a Windows path.
    location.split_once("://").is_some_and(|(scheme, _)| {
        scheme.len() >= 2
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// A location in an object store: the store, the object's path in it, and
/// the URL it was named by.
#[derive(Debug, Clone)]
pub struct StoreObject {
    /// The store (registered with the session under [`StoreObject::base`]).
    pub store: Arc<dyn ObjectStore>,
    /// The object's (or prefix's) path in the store.
    pub path: Path,
    /// `scheme://authority`, the store's key in the session.
    pub base: url::Url,
}

/// How long a request may take, and how often it is retried: a stopped store
/// is reported in seconds, not after minutes of backoff.
fn retry() -> object_store::RetryConfig {
    object_store::RetryConfig {
        max_retries: 2,
        retry_timeout: Duration::from_secs(10),
        ..Default::default()
    }
}

fn client_options() -> object_store::ClientOptions {
    object_store::ClientOptions::new()
        .with_connect_timeout(Duration::from_secs(5))
        .with_timeout(Duration::from_secs(60))
}

fn storage_error(location: &str, message: impl std::fmt::Display) -> EngineError {
    EngineError::Storage {
        location: location.to_string(),
        message: message.to_string(),
    }
}

/// The stores this process has made, by `scheme://authority`: every session
/// shares one per bucket or host, and with it the remembered metadata.
static STORES: Mutex<Vec<(String, Arc<dyn ObjectStore>)>> = Mutex::new(Vec::new());

/// The store `url` names (made once per bucket or host in a process) and the
/// path in it. `s3://bucket/key` and `http(s)://host/path` are known.
pub fn store_for(url: &str) -> Result<StoreObject> {
    let parsed = url::Url::parse(url).map_err(|e| storage_error(url, format!("not a URL: {e}")))?;
    let host = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| storage_error(url, "the URL names no bucket or host"))?;
    let base = url::Url::parse(&format!(
        "{}://{}",
        parsed.scheme(),
        &parsed[url::Position::BeforeHost..url::Position::AfterPort]
    ))
    .map_err(|e| storage_error(url, e))?;
    let path = Path::from_url_path(parsed.path()).map_err(|e| storage_error(url, e))?;
    let mut stores = STORES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, store)) = stores.iter().find(|(b, _)| b == base.as_str()) {
        return Ok(StoreObject {
            store: Arc::clone(store),
            path,
            base,
        });
    }
    let inner: Arc<dyn ObjectStore> = match parsed.scheme() {
        "s3" => Arc::new(
            // The client options (AWS_ALLOW_HTTP, proxies…) come from the
            // environment: only the timeouts are set here.
            object_store::aws::AmazonS3Builder::from_env()
                .with_bucket_name(host)
                .with_retry(retry())
                .with_config(
                    object_store::aws::AmazonS3ConfigKey::Client(
                        object_store::ClientConfigKey::ConnectTimeout,
                    ),
                    "5s",
                )
                .with_config(
                    object_store::aws::AmazonS3ConfigKey::Client(
                        object_store::ClientConfigKey::Timeout,
                    ),
                    "60s",
                )
                .build()
                .map_err(|e| storage_error(url, e))?,
        ),
        "http" | "https" => Arc::new(
            object_store::http::HttpBuilder::new()
                .with_url(base.as_str())
                .with_retry(retry())
                .with_client_options(client_options().with_allow_http(true))
                .build()
                .map_err(|e| storage_error(url, e))?,
        ),
        other => {
            return Err(storage_error(
                url,
                format!("unknown scheme `{other}://` (s3://, http://, https:// are read)"),
            ))
        }
    };
    let store: Arc<dyn ObjectStore> = Arc::new(ObservedStore::new(inner));
    stores.push((base.to_string(), Arc::clone(&store)));
    Ok(StoreObject { store, path, base })
}

/// [`store_for`], registered with `ctx` so that its scans read through it.
pub fn register(ctx: &SessionContext, url: &str) -> Result<StoreObject> {
    let object = store_for(url)?;
    ctx.register_object_store(&object.base, Arc::clone(&object.store));
    Ok(object)
}

/// An object-store registry that makes the store a URL names when first
/// asked (S3 from the `AWS_*` variables, HTTP), for processes that receive
/// plans rather than open tables: a cluster's scheduler and executors.
#[derive(Debug, Default)]
pub struct StoreRegistry {
    known: datafusion::execution::object_store::DefaultObjectStoreRegistry,
}

impl datafusion::execution::object_store::ObjectStoreRegistry for StoreRegistry {
    fn register_store(
        &self,
        url: &url::Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        self.known.register_store(url, store)
    }

    fn get_store(&self, url: &url::Url) -> datafusion::common::Result<Arc<dyn ObjectStore>> {
        if let Ok(store) = self.known.get_store(url) {
            return Ok(store);
        }
        let object = store_for(url.as_str())
            .map_err(|e| datafusion::error::DataFusionError::External(Box::new(e)))?;
        self.known
            .register_store(&object.base, Arc::clone(&object.store));
        Ok(object.store)
    }
}

/// The snapshot at `location`: a directory, or a URL of its prefix
/// (`s3://bucket/dp02/`) or of its sidecar (`https://host/dp02/snapshot.json`).
pub async fn open_snapshot(location: &str) -> Result<Snapshot> {
    if !is_url(location) {
        return Ok(Snapshot::open(location)?);
    }
    let prefix = match location.strip_suffix(SIDECAR) {
        Some(p) if p.ends_with('/') => p.to_string(),
        _ if location.ends_with('/') => location.to_string(),
        _ => format!("{location}/"),
    };
    let sidecar_url = format!("{prefix}{SIDECAR}");
    let object = store_for(&sidecar_url)?;
    let bytes = read_all(&object, &sidecar_url).await?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| storage_error(&sidecar_url, "not UTF-8 text: not a snapshot sidecar"))?;
    Ok(Snapshot::from_sidecar(SnapshotLocation::Url(prefix), text)?)
}

async fn read_all(object: &StoreObject, url: &str) -> Result<Bytes> {
    let result = object
        .store
        .get(&object.path)
        .await
        .map_err(|e| describe(url, e))?;
    result.bytes().await.map_err(|e| describe(url, e))
}

/// An object store error in words, naming the location; never a credential
/// (the store's errors carry URLs and the server's message, not keys).
pub fn describe(location: &str, error: object_store::Error) -> EngineError {
    let said = server_said(&error.to_string());
    let message = match &error {
        object_store::Error::NotFound { .. } => "not found".to_string(),
        object_store::Error::PermissionDenied { .. }
        | object_store::Error::Unauthenticated { .. } => {
            format!("access refused ({said}): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        _ => said,
    };
    storage_error(location, message)
}

/// An S3 error's `<Code>` and `<Message>` instead of its whole XML body.
fn server_said(text: &str) -> String {
    let element = |name: &str| {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find(&format!("</{name}>"))? + start;
        Some(&text[start..end])
    };
    match (element("Code"), element("Message")) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => text.to_string(),
    }
}

/// Copies the local snapshot `dir` to the object-store prefix `url`: the
/// Parquet parts and their indexes first, the sidecar last, so that a reader
/// finds the sidecar only when every file it names is there.
pub async fn upload_snapshot(dir: &FsPath, url: &str) -> Result<String> {
    let prefix = if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    };
    let snapshot = Snapshot::open(dir)?;
    let mut files: Vec<String> = Vec::new();
    for file in &snapshot.manifest.files {
        files.push(file.clone());
        let index = obscore::id_index::path_for(FsPath::new(file));
        if dir.join(&index).exists() {
            files.push(index.display().to_string());
        }
    }
    files.push(SIDECAR.to_string());
    for file in files {
        let target = format!("{prefix}{file}");
        let object = store_for(&target)?;
        let local = dir.join(&file);
        upload_file(&object, &local).await.map_err(|e| match e {
            EngineError::Storage { message, .. } => storage_error(&target, message),
            other => other,
        })?;
    }
    Ok(prefix)
}

/// Streams a local file to the store in 16 MiB parts.
async fn upload_file(object: &StoreObject, local: &FsPath) -> Result<()> {
    use tokio::io::AsyncReadExt;
    const PART: usize = 16 * 1024 * 1024;
    let name = local.display().to_string();
    let mut file = tokio::fs::File::open(local)
        .await
        .map_err(|e| storage_error(&name, e))?;
    let upload = object
        .store
        .put_multipart(&object.path)
        .await
        .map_err(|e| describe(&name, e))?;
    let mut writer = object_store::WriteMultipart::new_with_chunk_size(upload, PART);
    let mut buffer = vec![0u8; 1024 * 1024];
    loop {
        let n = file
            .read(&mut buffer)
            .await
            .map_err(|e| storage_error(&name, e))?;
        if n == 0 {
            break;
        }
        writer
            .wait_for_capacity(4)
            .await
            .map_err(|e| describe(&name, e))?;
        writer.write(&buffer[..n]);
    }
    writer.finish().await.map_err(|e| describe(&name, e))?;
    Ok(())
}

/// Requests and bytes read from object stores by this process (all stores).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IoStats {
    /// GET requests (each ranged read is one).
    pub gets: u64,
    /// Bytes those GETs returned.
    pub bytes: u64,
    /// HEAD requests sent (cached ones not counted).
    pub heads: u64,
}

/// Counters of one store, or of all.
#[derive(Debug, Default)]
struct Counters {
    gets: AtomicU64,
    bytes: AtomicU64,
    heads: AtomicU64,
}

impl Counters {
    const fn new() -> Counters {
        Counters {
            gets: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            heads: AtomicU64::new(0),
        }
    }

    fn stats(&self) -> IoStats {
        IoStats {
            gets: self.gets.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            heads: self.heads.load(Ordering::Relaxed),
        }
    }
}

static ALL: Counters = Counters::new();

/// What object stores have been asked so far, by this process.
pub fn io_stats() -> IoStats {
    ALL.stats()
}

/// An object store that remembers objects' metadata (snapshots do not change
/// under a running process) and counts what it reads.
#[derive(Debug)]
pub struct ObservedStore {
    inner: Arc<dyn ObjectStore>,
    heads: Mutex<HashMap<Path, ObjectMeta>>,
    counters: Counters,
}

impl ObservedStore {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn ObjectStore>) -> ObservedStore {
        ObservedStore {
            inner,
            heads: Mutex::new(HashMap::new()),
            counters: Counters::default(),
        }
    }

    /// What this store has been asked.
    pub fn stats(&self) -> IoStats {
        self.counters.stats()
    }

    fn count_head(&self) {
        for c in [&ALL, &self.counters] {
            c.heads.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn count_get(&self, bytes: u64) {
        for c in [&ALL, &self.counters] {
            c.gets.fetch_add(1, Ordering::Relaxed);
            c.bytes.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    fn cached_head(&self, location: &Path) -> Option<ObjectMeta> {
        self.heads.lock().ok()?.get(location).cloned()
    }

    /// Forgets what it knew of `locations` (they are being written).
    fn forget(&self, locations: &[&Path]) {
        if let Ok(mut heads) = self.heads.lock() {
            for location in locations {
                heads.remove(*location);
            }
        }
    }
}

impl std::fmt::Display for ObservedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.inner)
    }
}

fn plain(options: &GetOptions) -> bool {
    options.if_match.is_none()
        && options.if_none_match.is_none()
        && options.if_modified_since.is_none()
        && options.if_unmodified_since.is_none()
        && options.version.is_none()
}

#[async_trait::async_trait]
impl ObjectStore for ObservedStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        self.forget(&[location]);
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        self.forget(&[location]);
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        if options.head && plain(&options) {
            if let Some(meta) = self.cached_head(location) {
                return Ok(GetResult {
                    payload: object_store::GetResultPayload::Stream(Box::pin(
                        futures::stream::empty(),
                    )),
                    range: 0..0,
                    meta,
                    attributes: Default::default(),
                });
            }
            self.count_head();
            let result = self.inner.get_opts(location, options).await?;
            if let Ok(mut heads) = self.heads.lock() {
                heads.insert(location.clone(), result.meta.clone());
            }
            return Ok(result);
        }
        let head = options.head;
        let result = self.inner.get_opts(location, options).await?;
        if head {
            self.count_head();
        } else {
            self.count_get(result.range.end - result.range.start);
        }
        Ok(result)
    }

    async fn get_ranges(
        &self,
        location: &Path,
        ranges: &[Range<u64>],
    ) -> object_store::Result<Vec<Bytes>> {
        // The default coalescing, through this store's GETs (so they are counted).
        object_store::coalesce_ranges(
            ranges,
            |range| async move {
                self.get_opts(
                    location,
                    GetOptions {
                        range: Some(range.into()),
                        ..Default::default()
                    },
                )
                .await?
                .bytes()
                .await
            },
            object_store::OBJECT_STORE_COALESCE_DEFAULT,
        )
        .await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        if let Ok(mut heads) = self.heads.lock() {
            heads.clear();
        }
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: CopyOptions,
    ) -> object_store::Result<()> {
        self.forget(&[to]);
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(
        &self,
        from: &Path,
        to: &Path,
        options: RenameOptions,
    ) -> object_store::Result<()> {
        self.forget(&[from, to]);
        self.inner.rename_opts(from, to, options).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_in_words() {
        let body = "Error performing GET http://h/b/k - 403 Forbidden: <?xml version=\"1.0\"?>\n<Error><Code>InvalidAccessKeyId</Code><Message>The key does not exist.</Message></Error>";
        assert_eq!(
            server_said(body),
            "InvalidAccessKeyId: The key does not exist."
        );
        assert_eq!(server_said("connection refused"), "connection refused");
    }

    #[test]
    fn urls_and_paths() {
        assert!(is_url("s3://bucket/dp02/"));
        assert!(is_url("https://host/dp02/snapshot.json"));
        assert!(!is_url("/data/dp02"));
        assert!(!is_url("dp02"));
        assert!(!is_url("C:\\data"));
        assert!(!is_url("://x"));
    }

    #[tokio::test]
    async fn heads_are_asked_once_and_gets_counted() {
        let inner: Arc<dyn ObjectStore> = Arc::new(object_store::memory::InMemory::new());
        let store = ObservedStore::new(inner);
        let path = Path::from("a/b.parquet");
        store
            .put(&path, PutPayload::from_static(b"0123456789"))
            .await
            .unwrap();
        assert_eq!(store.head(&path).await.unwrap().size, 10);
        assert_eq!(store.head(&path).await.unwrap().size, 10);
        let bytes = store.get_range(&path, 2..6).await.unwrap();
        assert_eq!(&bytes[..], b"2345");
        let parts = store.get_ranges(&path, &[0..1, 8..10]).await.unwrap();
        assert_eq!(
            parts,
            vec![Bytes::from_static(b"0"), Bytes::from_static(b"89")]
        );
        assert_eq!(store.stats().heads, 1);
        assert!(store.stats().gets >= 2);
        assert!(store.stats().bytes >= 4 + 3);
        assert!(store.head(&Path::from("missing")).await.is_err());
        // A rewritten object is asked again.
        store
            .put(&path, PutPayload::from_static(b"01"))
            .await
            .unwrap();
        assert_eq!(store.head(&path).await.unwrap().size, 2);
    }
}
