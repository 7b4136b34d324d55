//! HATS catalogues (the IVOA HATS Note; written by hats-import and LSDB) as
//! tables, read in place.
//!
//! A catalogue is a directory with `hats.properties` (or the older
//! `properties`), `partition_info.csv` (`Norder,Npix` per partition) and
//! `dataset/Norder=K/Dir=D/Npix=N.parquet`, each partition a HEALPix pixel
//! whose rows carry their nested index at order 29 (`_healpix_29`, or the
//! column the properties name). The partitions are registered as the files of
//! one Parquet table whose sky key is that column: a positional filter's
//! HEALPix ranges then open only the partitions (and row groups) it can touch,
//! as for a snapshot's parts. The key column is hidden, as a snapshot's
//! `_healpix` is.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use futures::TryStreamExt;
use object_store::ObjectStoreExt;

use super::SkyKey;
use crate::error::{EngineError, Result};
use crate::storage::StoreObject;

/// The properties file names, newest first.
const PROPERTIES: [&str; 2] = ["hats.properties", "properties"];

/// A collection's properties: its primary catalogue, margins and indexes.
const COLLECTION: &str = "collection.properties";

/// Where a catalogue is: a local directory, or an object-store prefix
/// (`s3://bucket/prefix/`, `https://host/path/`).
#[derive(Debug, Clone)]
pub enum HatsRoot {
    /// A directory.
    Dir(PathBuf),
    /// A prefix in a store: its URL (ending in `/`) and the store.
    Store {
        /// `scheme://authority/prefix/`.
        url: String,
        /// The store and the prefix's path in it.
        object: StoreObject,
    },
}

impl HatsRoot {
    /// The root named by `location`: a URL is a prefix in its store.
    pub fn new(location: &str) -> Result<HatsRoot> {
        if !crate::storage::is_url(location) {
            return Ok(HatsRoot::Dir(PathBuf::from(location)));
        }
        let url = if location.ends_with('/') {
            location.to_string()
        } else {
            format!("{location}/")
        };
        let object = crate::storage::store_for(&url)?;
        Ok(HatsRoot::Store { url, object })
    }

    /// The location of `relative` (slash-separated) under the root: a path or a URL.
    pub fn location(&self, relative: &str) -> String {
        match self {
            HatsRoot::Dir(dir) => dir.join(relative).display().to_string(),
            HatsRoot::Store { url, .. } => format!("{url}{relative}"),
        }
    }

    /// The root below this one at `relative`.
    fn below(&self, relative: &str) -> Result<HatsRoot> {
        match self {
            HatsRoot::Dir(dir) => Ok(HatsRoot::Dir(dir.join(relative))),
            HatsRoot::Store { .. } => HatsRoot::new(&self.location(relative)),
        }
    }

    fn display(&self) -> String {
        match self {
            HatsRoot::Dir(dir) => dir.display().to_string(),
            HatsRoot::Store { url, .. } => url.clone(),
        }
    }

    fn fail(&self, message: impl Into<String>) -> EngineError {
        EngineError::Storage {
            location: self.display(),
            message: message.into(),
        }
    }

    /// The text of the file `relative`, or `None` if there is none.
    async fn read_text(&self, relative: &str) -> Result<Option<String>> {
        let bytes = match self {
            HatsRoot::Dir(dir) => match std::fs::read(dir.join(relative)) {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                // A directory where a file is expected reads as absent too.
                Err(_) if dir.join(relative).is_dir() => return Ok(None),
                Err(e) => return Err(self.fail(format!("{relative}: {e}"))),
            },
            HatsRoot::Store { object, .. } => {
                let path = below(&object.path, relative);
                match object.store.get(&path).await {
                    Ok(got) => got
                        .bytes()
                        .await
                        .map_err(|e| crate::storage::describe(&self.location(relative), e))?
                        .to_vec(),
                    Err(object_store::Error::NotFound { .. }) => return Ok(None),
                    Err(e) => return Err(crate::storage::describe(&self.location(relative), e)),
                }
            }
        };
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| self.fail(format!("{relative} is not UTF-8 text")))
    }

    /// Every file under `relative` (a directory), as paths relative to the
    /// root, sorted. An HTTP server cannot list: an error says so.
    async fn files_under(&self, relative: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        match self {
            HatsRoot::Dir(dir) => {
                let mut pending = vec![relative.trim_end_matches('/').to_string()];
                while let Some(at) = pending.pop() {
                    let entries = std::fs::read_dir(dir.join(&at))
                        .map_err(|e| self.fail(format!("{at}: {e}")))?;
                    for entry in entries.filter_map(|e| e.ok()) {
                        let name = entry.file_name().to_string_lossy().into_owned();
                        let child = format!("{at}/{name}");
                        // Symbolic links are not followed: nothing outside the catalogue is read.
                        match entry.file_type() {
                            Ok(t) if t.is_dir() => pending.push(child),
                            Ok(t) if t.is_file() => out.push(child),
                            _ => {}
                        }
                    }
                }
            }
            HatsRoot::Store { object, .. } => {
                let prefix = below(&object.path, relative.trim_end_matches('/'));
                let base = object.path.as_ref().len();
                let listed: Vec<object_store::ObjectMeta> = object
                    .store
                    .list(Some(&prefix))
                    .try_collect()
                    .await
                    .map_err(|e| crate::storage::describe(&self.location(relative), e))?;
                for meta in listed {
                    let key = meta.location.as_ref();
                    let rest = key.get(base..).unwrap_or("").trim_start_matches('/');
                    out.push(rest.to_string());
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

/// The path `relative` (slash-separated) under `base` in a store.
fn below(base: &object_store::path::Path, relative: &str) -> object_store::path::Path {
    relative
        .split('/')
        .filter(|part| !part.is_empty())
        .fold(base.clone(), |path, part| path.join(part))
}

/// An opened HATS catalogue.
#[derive(Debug, Clone)]
pub struct HatsCatalogue {
    /// Where it is.
    pub root: HatsRoot,
    /// Its properties (`key=value` lines).
    pub properties: HashMap<String, String>,
    /// Its partitions: (order, pixel).
    pub partitions: Vec<(u8, u64)>,
    /// The position and the key column.
    pub key: SkyKey,
    /// The collection it is the primary catalogue of, when opened as one:
    /// the collection's name and its margins (not read: see [`HatsCatalogue::open`]).
    pub collection: Option<(String, Vec<String>)>,
}

/// True if `dir` looks like a HATS catalogue (properties and a dataset) or a
/// HATS collection (`collection.properties`).
pub fn is_hats(dir: &Path) -> bool {
    dir.join(COLLECTION).is_file()
        || (PROPERTIES.iter().any(|p| dir.join(p).is_file()) && dir.join("dataset").is_dir())
}

impl HatsCatalogue {
    /// Reads the catalogue's properties and partition list at `location` (a
    /// directory or an object-store prefix); `None` if it holds no HATS
    /// properties. A collection (`collection.properties`) opens as its
    /// primary catalogue. Its margin catalogues are not needed: a positional
    /// join here keys every row of both sides by the HEALPix cells it can
    /// reach over the whole table, not partition by partition, so a pair
    /// across a partition's edge is found without a margin's copies.
    pub async fn open(location: &str) -> Result<Option<HatsCatalogue>> {
        let mut root = HatsRoot::new(location)?;
        let mut collection = None;
        if let Some(text) = root.read_text(COLLECTION).await? {
            let properties = parse_properties(&text);
            let primary = properties
                .get("hats_primary_table_url")
                .filter(|p| !p.is_empty())
                .ok_or_else(|| {
                    root.fail("its collection.properties names no hats_primary_table_url")
                })?;
            // The primary catalogue is a directory of the collection's: nothing
            // a collection says reaches a file outside it.
            if primary.starts_with('/')
                || crate::storage::is_url(primary)
                || primary.split('/').any(|c| c == ".." || c == ".")
            {
                return Err(root.fail(format!(
                    "hats_primary_table_url `{primary}` is not a directory inside the collection"
                )));
            }
            let margins = properties
                .get("all_margins")
                .map(|m| m.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default();
            collection = Some((
                properties
                    .get("obs_collection")
                    .cloned()
                    .unwrap_or_else(|| primary.clone()),
                margins,
            ));
            root = root.below(primary.trim_end_matches('/'))?;
        }
        let mut text = None;
        for name in PROPERTIES {
            text = root.read_text(name).await?;
            if text.is_some() {
                break;
            }
        }
        let Some(text) = text else {
            return match collection {
                Some(_) => Err(root.fail(
                    "the collection's primary catalogue has no hats.properties or properties",
                )),
                None => Ok(None),
            };
        };
        let properties = parse_properties(&text);
        let get = |k: &str| properties.get(k).filter(|v| !v.is_empty()).cloned();
        let ra = get("hats_col_ra").ok_or_else(|| {
            root.fail("its properties name no position (hats_col_ra): a margin, index or map catalogue is not a table of positions")
        })?;
        let dec =
            get("hats_col_dec").ok_or_else(|| root.fail("its properties have no hats_col_dec"))?;
        let column = get("hats_col_healpix").unwrap_or_else(|| "_healpix_29".into());
        let depth = match get("hats_col_healpix_order") {
            Some(v) => v.parse::<u8>().ok().filter(|d| *d <= 29).ok_or_else(|| {
                root.fail(format!(
                    "hats_col_healpix_order `{v}` is not an order 0..29"
                ))
            })?,
            None => 29,
        };
        let partitions = match root.read_text("partition_info.csv").await? {
            Some(csv) => parse_partition_info(&csv)
                .map_err(|m| root.fail(format!("partition_info.csv: {m}")))?,
            None => partitions_in(&root.files_under("dataset").await?),
        };
        if partitions.is_empty() {
            return Err(root.fail("it lists no partitions"));
        }
        Ok(Some(HatsCatalogue {
            root,
            properties,
            partitions,
            key: SkyKey {
                ra,
                dec,
                column,
                depth,
            },
            collection,
        }))
    }

    /// Where it is, in words: its directory or URL.
    pub fn location(&self) -> String {
        self.root.display()
    }

    /// The partitions' Parquet files: `dataset/Norder=K/Dir=D/Npix=N.parquet`,
    /// or every `.parquet` file in `…/Npix=N/` when the catalogue's
    /// `hats_npix_suffix` is `/`. A local partition the catalogue lists but
    /// lacks is an error here; one in a store, when its footer is read.
    pub async fn files(&self) -> Result<Vec<String>> {
        let suffix = self
            .properties
            .get("hats_npix_suffix")
            .map(String::as_str)
            .unwrap_or(".parquet");
        // The suffix is a file extension or `/`, never a way out of the directory.
        if suffix != "/" && (suffix.contains('/') || suffix.contains("..")) {
            return Err(self.root.fail(format!(
                "hats_npix_suffix `{suffix}` is not a file extension or `/`"
            )));
        }
        let mut files = Vec::with_capacity(self.partitions.len());
        for &(order, pixel) in &self.partitions {
            let base = format!(
                "dataset/Norder={order}/Dir={}/Npix={pixel}",
                pixel / 10_000 * 10_000
            );
            if suffix == "/" {
                let inside = self.root.files_under(&base).await?;
                files.extend(
                    inside
                        .iter()
                        .filter(|f| f.ends_with(".parquet"))
                        .map(|f| self.root.location(f)),
                );
            } else {
                let file = self.root.location(&format!("{base}{suffix}"));
                if let HatsRoot::Dir(_) = self.root {
                    if !Path::new(&file).is_file() {
                        return Err(EngineError::Storage {
                            location: file,
                            message: "a partition the catalogue lists is missing".into(),
                        });
                    }
                }
                files.push(file);
            }
        }
        Ok(files)
    }

    /// The catalogue's own name (`obs_collection`), if it says one.
    pub fn name(&self) -> Option<&str> {
        self.properties.get("obs_collection").map(String::as_str)
    }
}

/// `key=value` lines; `#` comments and blank lines skipped.
fn parse_properties(text: &str) -> HashMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// `Norder,Npix` rows (more columns allowed, in any order).
fn parse_partition_info(csv: &str) -> std::result::Result<Vec<(u8, u64)>, String> {
    let mut lines = csv.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines
        .next()
        .ok_or("empty")?
        .split(',')
        .map(str::trim)
        .collect();
    let at = |name: &str| {
        header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .ok_or_else(|| format!("no {name} column"))
    };
    let (order, pixel) = (at("Norder")?, at("Npix")?);
    let mut out = Vec::new();
    for (i, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let cell = |j: usize| cells.get(j).copied().unwrap_or("");
        let k: u8 = cell(order)
            .parse()
            .ok()
            .filter(|k| *k <= 29)
            .ok_or_else(|| {
                format!(
                    "row {}: Norder `{}` is not an order 0..29",
                    i + 2,
                    cell(order)
                )
            })?;
        let n: u64 = cell(pixel)
            .parse()
            .ok()
            .filter(|n| *n < 12u64 << (2 * u32::from(k)))
            .ok_or_else(|| {
                format!(
                    "row {}: Npix `{}` is not a pixel of order {k}",
                    i + 2,
                    cell(pixel)
                )
            })?;
        out.push((k, n));
    }
    Ok(out)
}

/// The partitions named by the files under `dataset/`
/// (`dataset/Norder=K/Dir=D/Npix=N…`), each once.
fn partitions_in(files: &[String]) -> Vec<(u8, u64)> {
    let value = |component: &str, key: &str| -> Option<u64> {
        let rest = component.strip_prefix(key)?.strip_prefix('=')?;
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    let mut out: Vec<(u8, u64)> = files
        .iter()
        .filter_map(|f| {
            let mut parts = f.split('/');
            (parts.next()? == "dataset").then_some(())?;
            let order = value(parts.next()?, "Norder").filter(|k| *k <= 29)?;
            value(parts.next()?, "Dir")?;
            let pixel = value(parts.next()?, "Npix").filter(|n| *n < 12u64 << (2 * order))?;
            Some((order as u8, pixel))
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_and_partition_lists_read() {
        let p = parse_properties(
            "#HATS catalog\nobs_collection=big\nhats_col_ra = ra\n\nhats_npix_suffix=.parquet\n",
        );
        assert_eq!(p["obs_collection"], "big");
        assert_eq!(p["hats_col_ra"], "ra");
        assert_eq!(
            parse_partition_info("Norder,Npix\n5,6703\n4,1677\n").unwrap(),
            vec![(5, 6703), (4, 1677)]
        );
        assert_eq!(
            parse_partition_info("Npix,Norder,num_rows\n26,1,100\n").unwrap(),
            vec![(1, 26)]
        );
        assert_eq!(
            parse_partition_info("Norder,Npix\n1,48\n").unwrap_err(),
            "row 2: Npix `48` is not a pixel of order 1"
        );
        assert_eq!(
            parse_partition_info("order,pixel\n").unwrap_err(),
            "no Norder column"
        );
    }

    #[test]
    fn partitions_found_from_file_names() {
        let files = [
            "dataset/Norder=1/Dir=0/Npix=26.parquet",
            "dataset/Norder=2/Dir=0/Npix=100/part0.parquet",
            "dataset/Norder=2/Dir=0/Npix=100/part1.parquet",
            "dataset/Norder=1/Dir=0/Npix=48.parquet",
            "dataset/_common_metadata",
            "other/Norder=1/Dir=0/Npix=3.parquet",
        ]
        .map(String::from);
        assert_eq!(partitions_in(&files), vec![(1, 26), (2, 100)]);
    }

    #[tokio::test]
    async fn collections_open_their_primary_catalogue_and_nothing_outside() {
        let dir = std::env::temp_dir().join(format!("adql-hats-collection-{}", std::process::id()));
        let primary = dir.join("objects");
        std::fs::create_dir_all(primary.join("dataset/Norder=0/Dir=0")).unwrap();
        std::fs::write(
            primary.join("hats.properties"),
            "hats_col_ra=ra\nhats_col_dec=dec\n",
        )
        .unwrap();
        std::fs::write(primary.join("dataset/Norder=0/Dir=0/Npix=4.parquet"), "").unwrap();
        std::fs::write(
            dir.join("collection.properties"),
            "obs_collection=objects_collection\nhats_primary_table_url=objects\nall_margins=objects_10arcs\n",
        )
        .unwrap();
        let location = dir.display().to_string();
        assert!(is_hats(&dir));
        let opened = HatsCatalogue::open(&location).await.unwrap().unwrap();
        assert_eq!(opened.partitions, vec![(0, 4)]);
        assert_eq!(
            opened.collection,
            Some(("objects_collection".into(), vec!["objects_10arcs".into()]))
        );
        assert_eq!(opened.key.ra, "ra");
        for bad in ["../elsewhere", "/etc", "a/../../b", "s3://bucket/x"] {
            std::fs::write(
                dir.join("collection.properties"),
                format!("hats_primary_table_url={bad}\n"),
            )
            .unwrap();
            let e = HatsCatalogue::open(&location).await.unwrap_err();
            assert!(
                e.to_string()
                    .contains("not a directory inside the collection"),
                "{e}"
            );
        }
        // A directory with no properties is not a catalogue.
        assert!(
            HatsCatalogue::open(&primary.join("dataset").display().to_string())
                .await
                .unwrap()
                .is_none()
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
