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

use super::SkyKey;
use crate::error::{EngineError, Result};

/// The properties file names, newest first.
const PROPERTIES: [&str; 2] = ["hats.properties", "properties"];

/// An opened HATS catalogue.
#[derive(Debug, Clone)]
pub struct HatsCatalogue {
    /// Its directory.
    pub dir: PathBuf,
    /// Its properties (`key=value` lines).
    pub properties: HashMap<String, String>,
    /// Its partitions: (order, pixel).
    pub partitions: Vec<(u8, u64)>,
    /// The position and the key column.
    pub key: SkyKey,
}

/// True if `dir` looks like a HATS catalogue (properties and a dataset).
pub fn is_hats(dir: &Path) -> bool {
    PROPERTIES.iter().any(|p| dir.join(p).is_file()) && dir.join("dataset").is_dir()
}

impl HatsCatalogue {
    /// Reads the catalogue's properties and partition list.
    pub fn open(dir: &Path) -> Result<HatsCatalogue> {
        let fail = |message: String| EngineError::Storage {
            location: dir.display().to_string(),
            message,
        };
        let text = PROPERTIES
            .iter()
            .find_map(|p| std::fs::read_to_string(dir.join(p)).ok())
            .ok_or_else(|| {
                fail("no readable hats.properties or properties: not a HATS catalogue".into())
            })?;
        let properties = parse_properties(&text);
        let get = |k: &str| properties.get(k).filter(|v| !v.is_empty()).cloned();
        let ra = get("hats_col_ra").ok_or_else(|| {
            fail("its properties name no position (hats_col_ra): a margin, index or map catalogue is not a table of positions".into())
        })?;
        let dec = get("hats_col_dec")
            .ok_or_else(|| fail("its properties have no hats_col_dec".into()))?;
        let column = get("hats_col_healpix").unwrap_or_else(|| "_healpix_29".into());
        let depth = match get("hats_col_healpix_order") {
            Some(v) => v.parse::<u8>().ok().filter(|d| *d <= 29).ok_or_else(|| {
                fail(format!(
                    "hats_col_healpix_order `{v}` is not an order 0..29"
                ))
            })?,
            None => 29,
        };
        let partitions = match std::fs::read_to_string(dir.join("partition_info.csv")) {
            Ok(csv) => {
                parse_partition_info(&csv).map_err(|m| fail(format!("partition_info.csv: {m}")))?
            }
            Err(_) => list_partitions(&dir.join("dataset")).map_err(fail)?,
        };
        if partitions.is_empty() {
            return Err(fail("it lists no partitions".into()));
        }
        Ok(HatsCatalogue {
            dir: dir.to_path_buf(),
            properties,
            partitions,
            key: SkyKey {
                ra,
                dec,
                column,
                depth,
            },
        })
    }

    /// The partitions' Parquet files: `dataset/Norder=K/Dir=D/Npix=N.parquet`,
    /// or every `.parquet` file in `…/Npix=N/` when the catalogue's
    /// `hats_npix_suffix` is `/`.
    pub fn files(&self) -> Result<Vec<String>> {
        let suffix = self
            .properties
            .get("hats_npix_suffix")
            .map(String::as_str)
            .unwrap_or(".parquet");
        let mut files = Vec::with_capacity(self.partitions.len());
        for &(order, pixel) in &self.partitions {
            let base = self
                .dir
                .join("dataset")
                .join(format!("Norder={order}"))
                .join(format!("Dir={}", pixel / 10_000 * 10_000));
            if suffix == "/" {
                let dir = base.join(format!("Npix={pixel}"));
                let mut inside: Vec<String> = std::fs::read_dir(&dir)
                    .map_err(|e| EngineError::Storage {
                        location: dir.display().to_string(),
                        message: format!("a partition the catalogue lists: {e}"),
                    })?
                    .filter_map(|e| e.ok())
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
                    .map(|p| p.display().to_string())
                    .collect();
                inside.sort();
                files.extend(inside);
            } else {
                // The suffix is a file extension, never a way out of the directory.
                if suffix.contains('/') || suffix.contains("..") {
                    return Err(EngineError::Storage {
                        location: self.dir.display().to_string(),
                        message: format!(
                            "hats_npix_suffix `{suffix}` is not a file extension or `/`"
                        ),
                    });
                }
                let file = base.join(format!("Npix={pixel}{suffix}"));
                if !file.is_file() {
                    return Err(EngineError::Storage {
                        location: file.display().to_string(),
                        message: "a partition the catalogue lists is missing".into(),
                    });
                }
                files.push(file.display().to_string());
            }
        }
        Ok(files)
    }

    /// The catalogue's own name (`obs_collection`), if it says one.
    pub fn collection(&self) -> Option<&str> {
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

/// The partitions found by walking `dataset/Norder=K/Dir=D/Npix=N…`.
fn list_partitions(dataset: &Path) -> std::result::Result<Vec<(u8, u64)>, String> {
    let entries = |dir: &Path| -> std::result::Result<Vec<PathBuf>, String> {
        Ok(std::fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .collect())
    };
    let value = |p: &Path, key: &str| -> Option<u64> {
        let name = p.file_name()?.to_string_lossy().into_owned();
        let rest = name.strip_prefix(key)?.strip_prefix('=')?;
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    let mut out = Vec::new();
    for order_dir in entries(dataset)? {
        let Some(order) = value(&order_dir, "Norder").filter(|k| *k <= 29) else {
            continue;
        };
        for dir in entries(&order_dir)? {
            if value(&dir, "Dir").is_none() {
                continue;
            }
            for pixel in entries(&dir)? {
                if let Some(n) = value(&pixel, "Npix") {
                    out.push((order as u8, n));
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
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
}
