//! What is known of a table's files without reading their rows: per row
//! group, the minimum and maximum of the numeric columns (from the footers),
//! or per file the ranges a snapshot's sidecar records.

use std::collections::HashMap;

use parquet::file::metadata::ParquetMetaData;
use parquet::file::statistics::Statistics as ParquetStatistics;

/// What a table's metadata says of one of its files, so that its footer is
/// read only when a scan opens it: its rows and the ranges of some columns (a
/// snapshot's sidecar records them for each part).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileFacts {
    /// Rows in the file.
    pub rows: u64,
    /// Column → its smallest and largest value in the file.
    pub ranges: Vec<(String, (f64, f64))>,
}

/// Per-row-group minimum and maximum of a Parquet file's numeric columns, from
/// its footer (or, for a file known by its [`FileFacts`], one range per column).
#[derive(Debug, Default, Clone)]
pub struct RowGroupStats {
    row_groups: usize,
    rows: u64,
    /// Column name → (min, max) per row group; `None` where a row group has no
    /// statistics for it.
    ranges: HashMap<String, Vec<Option<(f64, f64)>>>,
}

impl RowGroupStats {
    /// A file's row groups, from its footer.
    pub fn of_footer(metadata: &ParquetMetaData) -> RowGroupStats {
        let row_groups = metadata.num_row_groups();
        let mut ranges: HashMap<String, Vec<Option<(f64, f64)>>> = HashMap::new();
        for (index, row_group) in metadata.row_groups().iter().enumerate() {
            for column in row_group.columns() {
                ranges
                    .entry(column.column_path().string())
                    .or_insert_with(|| vec![None; row_groups])[index] =
                    column.statistics().and_then(numeric_range);
            }
        }
        RowGroupStats {
            row_groups,
            rows: metadata.file_metadata().num_rows().max(0) as u64,
            ranges,
        }
    }

    /// A file known only by its [`FileFacts`], as if it were one row group.
    pub fn of_facts(facts: &FileFacts) -> RowGroupStats {
        RowGroupStats {
            row_groups: 1,
            rows: facts.rows,
            ranges: facts
                .ranges
                .iter()
                .map(|(column, range)| (column.clone(), vec![Some(*range)]))
                .collect(),
        }
    }

    /// Adds the row groups of another file of the same table.
    pub fn append(&mut self, metadata: &ParquetMetaData) {
        self.extend(&RowGroupStats::of_footer(metadata));
    }

    /// Adds `other`'s row groups after these.
    pub fn extend(&mut self, other: &RowGroupStats) {
        let before = self.row_groups;
        let after = before + other.row_groups;
        for (column, ranges) in &other.ranges {
            let slot = self
                .ranges
                .entry(column.clone())
                .or_insert_with(|| vec![None; before]);
            slot.extend(ranges.iter().copied());
        }
        // Columns one side lacks: no statistics for its row groups.
        for slot in self.ranges.values_mut() {
            slot.resize(after, None);
        }
        self.row_groups = after;
        self.rows += other.rows;
    }

    /// The number of rows.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The smallest and largest value of `column` over all row groups; `None`
    /// if unknown (a row group without statistics for it).
    pub fn range(&self, column: &str) -> Option<(f64, f64)> {
        let ranges = self.ranges.get(column)?;
        ranges.iter().try_fold(None, |acc: Option<(f64, f64)>, r| {
            let (min, max) = (*r)?;
            Some(Some(match acc {
                None => (min, max),
                Some((a, b)) => (a.min(min), b.max(max)),
            }))
        })?
    }

    /// The range of `column` in row group `index`, if its statistics give one.
    pub fn row_group_range(&self, column: &str, index: usize) -> Option<(f64, f64)> {
        *self.ranges.get(column)?.get(index)?
    }

    /// The number of row groups.
    pub fn row_groups(&self) -> usize {
        self.row_groups
    }

    /// The share of row groups that may hold a value of `column` inside one
    /// of `intervals` (closed): what a condition restricting `column` to them
    /// leaves to read. Row groups without statistics for it count as read;
    /// `None` for a table of no row groups or without the column.
    pub fn share_read(&self, column: &str, intervals: &[(f64, f64)]) -> Option<f64> {
        let ranges = self.ranges.get(column)?;
        if ranges.is_empty() {
            return None;
        }
        let read = ranges
            .iter()
            .filter(|range| match range {
                Some((min, max)) => intervals.iter().any(|(lo, hi)| min <= hi && max >= lo),
                None => true,
            })
            .count();
        Some(read as f64 / ranges.len() as f64)
    }

    /// True if the statistics prove some row group has no value of `column`
    /// inside any of `intervals` (closed): a condition restricting `column` to
    /// them lets the reader skip that row group.
    pub fn skips(&self, column: &str, intervals: &[(f64, f64)]) -> bool {
        let Some(ranges) = self.ranges.get(column) else {
            return false;
        };
        ranges.iter().any(|range| match range {
            Some((min, max)) => !intervals.iter().any(|(lo, hi)| min <= hi && max >= lo),
            None => false,
        })
    }
}

fn numeric_range(statistics: &ParquetStatistics) -> Option<(f64, f64)> {
    fn pair<T: Copy + Into<f64>>(min: Option<&T>, max: Option<&T>) -> Option<(f64, f64)> {
        Some(((*min?).into(), (*max?).into()))
    }
    let (min, max) = match statistics {
        ParquetStatistics::Int32(s) => pair(s.min_opt(), s.max_opt())?,
        // i64 → f64 rounds beyond 2^53; the bounds are only used to decide
        // whether a range condition is worth adding, so widen by one ulp-ish.
        ParquetStatistics::Int64(s) => {
            let (min, max) = (*s.min_opt()?, *s.max_opt()?);
            ((min as f64).next_down(), (max as f64).next_up())
        }
        ParquetStatistics::Float(s) => pair(s.min_opt(), s.max_opt())?,
        ParquetStatistics::Double(s) => pair(s.min_opt(), s.max_opt())?,
        _ => return None,
    };
    (min <= max).then_some((min, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_stand_in_for_footers_one_range_per_file() {
        let file = |rows: u64, lo: f64, hi: f64| FileFacts {
            rows,
            ranges: vec![("_healpix".into(), (lo, hi))],
        };
        let mut stats = RowGroupStats::default();
        stats.extend(&RowGroupStats::of_facts(&file(10, 0.0, 99.0)));
        stats.extend(&RowGroupStats::of_facts(&FileFacts {
            rows: 5,
            ranges: vec![
                ("_healpix".into(), (100.0, 199.0)),
                ("_region_reach".into(), (0.0, 0.17)),
            ],
        }));
        assert_eq!((stats.rows(), stats.row_groups()), (15, 2));
        assert_eq!(stats.range("_healpix"), Some((0.0, 199.0)));
        // Known for one file only: unknown for the table.
        assert_eq!(stats.range("_region_reach"), None);
        assert_eq!(stats.row_group_range("_region_reach", 1), Some((0.0, 0.17)));
        assert!(stats.skips("_healpix", &[(120.0, 130.0)]));
        assert_eq!(stats.share_read("_healpix", &[(120.0, 130.0)]), Some(0.5));
        assert_eq!(stats.share_read("_healpix", &[(99.0, 100.0)]), Some(1.0));
        assert_eq!(stats.share_read("_healpix", &[(300.0, 400.0)]), Some(0.0));
        // Without statistics in the first file: read.
        assert_eq!(stats.share_read("_region_reach", &[(5.0, 6.0)]), Some(0.5));
        assert_eq!(stats.share_read("ra", &[(5.0, 6.0)]), None);
        assert!(!stats.skips("_healpix", &[(50.0, 150.0)]));
    }

    #[test]
    fn ranges_skip_row_groups_only_outside_them() {
        let stats = RowGroupStats {
            row_groups: 3,
            rows: 3,
            ranges: HashMap::from([(
                "dec".to_string(),
                vec![Some((-40.0, -30.0)), Some((-30.0, -20.0)), None],
            )]),
        };
        assert!(stats.skips("dec", &[(-35.0, -32.0)]));
        assert!(!stats.skips("dec", &[(-35.0, -25.0)]));
        // Two intervals (RA across the seam): a group is skipped if outside both.
        assert!(!stats.skips("dec", &[(-45.0, -38.0), (-22.0, -21.0)]));
        assert!(stats.skips("dec", &[(-45.0, -42.0), (-22.0, -21.0)]));
        assert!(!stats.skips("ra", &[(0.0, 1.0)]));
    }
}
