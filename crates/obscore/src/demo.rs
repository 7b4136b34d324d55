//! The embedded demo snapshot: what `adql query` and `adql serve` use when no
//! snapshot is given. It is generated on first use (deterministic: 150,000
//! DP0.2-like rows, seed 1, with tract 4431 patch 17's six coadds and visit
//! images over them) into the cache directory, and reused after; beside it, a
//! small `dp02_dc2_catalogs.Object` (50,000 rows with the galaxy cluster at
//! the seed's target).

use std::path::PathBuf;

use crate::error::Result;
use crate::generate::{generate, GenerateOptions};
use crate::snapshot::Snapshot;

/// Rows of the demo snapshot.
pub const DEMO_ROWS: u64 = 150_000;
/// Its seed.
pub const DEMO_SEED: u64 = 1;
/// Rows per row group: smaller than a full snapshot's so that the demo, like the
/// full table, has enough row groups for pruning to skip (19 of them).
pub const DEMO_ROW_GROUP_ROWS: usize = 8_192;

/// The cache directory: `$ADQL_CACHE_DIR`, `$XDG_CACHE_HOME/adql-rs` or
/// `~/.cache/adql-rs`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ADQL_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(xdg) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(xdg).join("adql-rs");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    home.join(".cache").join("adql-rs")
}

/// Bumped when what the demo's sidecar says changes without a new snapshot
/// format (2: text columns declared ASCII; 3: bloom filters of the dataset
/// IDs; 4: the dataset-ID index; 5: 64 KiB pages; 6: the position recorded; 7: visits over the seed's coadd; 8: the regions' edge normals), so that a cached demo is
/// rebuilt.
const DEMO_REVISION: u32 = 8;

/// Where the demo snapshot lives (versioned with the snapshot format).
pub fn demo_dir() -> PathBuf {
    cache_dir().join(format!(
        "demo-v{}-{DEMO_ROWS}-rg{DEMO_ROW_GROUP_ROWS}-r{DEMO_REVISION}",
        crate::snapshot::FORMAT_VERSION
    ))
}

/// Rows of the demo's Object table: few, so that it is made in a second
/// (the cluster's 50 galaxies are what the worked example finds).
pub const DEMO_OBJECT_ROWS: u64 = 50_000;
/// The demo Object table's revision (bumped when its content changes).
const DEMO_OBJECT_REVISION: u32 = 1;

/// Where the demo's Object table lives.
pub fn demo_object_dir() -> PathBuf {
    cache_dir().join(format!(
        "demo-object-v{}-{DEMO_OBJECT_ROWS}-r{DEMO_OBJECT_REVISION}",
        crate::snapshot::FORMAT_VERSION
    ))
}

/// The demo's Object table, generated first if it is not there yet.
pub fn demo_object_snapshot() -> Result<Snapshot> {
    static BUILDING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    open_or_build(&demo_object_dir(), &BUILDING, |dir| {
        crate::object::generate_objects(
            dir,
            &GenerateOptions {
                row_group_rows: DEMO_ROW_GROUP_ROWS,
                ..GenerateOptions::new(DEMO_OBJECT_ROWS, DEMO_SEED)
            },
            &mut |_, _| {},
        )
    })
}

/// The snapshot in `dir`, built by `build` first if it is not there yet:
/// one thread builds it (holding `lock`); the others wait and then open it.
fn open_or_build(
    dir: &std::path::Path,
    lock: &std::sync::Mutex<()>,
    build: impl FnOnce(&std::path::Path) -> Result<Snapshot>,
) -> Result<Snapshot> {
    if let Ok(snapshot) = Snapshot::open(dir) {
        return Ok(snapshot);
    }
    let _guard = lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Ok(snapshot) = Snapshot::open(dir) {
        return Ok(snapshot);
    }
    build(dir)
}

/// The demo's tables beside ObsCore, as (`schema.name`, directory), made
/// first if they are not there yet.
pub fn demo_tables() -> Result<Vec<(String, String)>> {
    let object = demo_object_snapshot()?;
    Ok(vec![(
        object.manifest.table.qualified_name(),
        object.location.to_string(),
    )])
}

/// The demo snapshot, generated first if it is not there yet.
pub fn demo_snapshot() -> Result<Snapshot> {
    static BUILDING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    open_or_build(&demo_dir(), &BUILDING, |dir| {
        generate(
            dir,
            &GenerateOptions {
                row_group_rows: DEMO_ROW_GROUP_ROWS,
                ..GenerateOptions::new(DEMO_ROWS, DEMO_SEED)
            },
            &mut |_, _| {},
        )
    })
}
