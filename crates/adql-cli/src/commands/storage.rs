//! Writing snapshots where `-o` says: a directory, or an object store
//! (`s3://bucket/prefix/`), by way of a local directory that is uploaded and
//! then removed.

use std::path::Path;

use anyhow::{Context, Result};
use obscore::snapshot::{Snapshot, SnapshotLocation};

/// Runs `write` into `output` if it is a directory, or into a temporary
/// directory uploaded to `output` if it is a URL. The uploaded snapshot's
/// sidecar goes last, so a reader never sees a half-uploaded one.
pub(crate) fn write_snapshot(
    output: &str,
    write: impl FnOnce(&Path) -> Result<Snapshot>,
) -> Result<Snapshot> {
    if !adql_engine::storage::is_url(output) {
        return write(Path::new(output));
    }
    let staging = std::env::temp_dir().join(format!("adql-upload-{}", std::process::id()));
    let local = staging.join("snapshot");
    let result = (|| {
        let snapshot = write(&local)?;
        let prefix = crate::commands::query::runtime()?
            .block_on(adql_engine::storage::upload_snapshot(&local, output))
            .with_context(|| format!("uploading the snapshot to {output}"))?;
        Ok(Snapshot {
            location: SnapshotLocation::Url(prefix),
            manifest: snapshot.manifest,
        })
    })();
    let _ = std::fs::remove_dir_all(&staging);
    result
}
