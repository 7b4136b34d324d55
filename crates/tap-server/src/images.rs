//! The datasets behind ObsCore rows: finding a dataset's row by its ID, and
//! its FITS file in the image store (or, for the demo, a synthetic image made
//! on first use and kept).

use std::path::PathBuf;

use arrow::array::{Array, AsArray};
use arrow::datatypes::DataType;
use datalink::synthetic::{self, ImageSpec};
use datalink::{DatasetId, IdError, ImageStore};
use futures::StreamExt;

use crate::Service;

/// Where the service finds dataset files.
#[derive(Debug, Clone)]
pub enum ImageSource {
    /// Files in a store (`--images DIR`), none made up.
    Store(ImageStore),
    /// Synthetic images made on first use into this store (the demo).
    Synthetic(ImageStore),
}

impl ImageSource {
    fn store(&self) -> &ImageStore {
        match self {
            ImageSource::Store(s) | ImageSource::Synthetic(s) => s,
        }
    }
}

/// The ObsCore row of a dataset: what its links and cutouts need.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The dataset.
    pub id: DatasetId,
    /// `dataproduct_subtype` (`lsst.calexp`, `lsst.deepCoadd_calexp` …).
    pub subtype: String,
    /// `lsst_band`.
    pub band: Option<String>,
    /// `s_ra`, `s_dec`, `s_fov` (degrees).
    pub position: (f64, f64, f64),
    /// `s_region` as STC-S.
    pub region: Option<String>,
}

impl Dataset {
    /// A coadd (its progenitors are the visit images that overlap it).
    pub fn is_coadd(&self) -> bool {
        self.subtype.contains("Coadd")
    }

    /// The synthetic image of this dataset: a square of the footprint's size
    /// (s_fov is the diameter of the circle around it) centred on it.
    pub fn image_spec(&self) -> ImageSpec {
        let (ra, dec, fov) = self.position;
        ImageSpec {
            seed: synthetic::seed_of(&self.id.uuid),
            ra,
            dec,
            side: (fov / std::f64::consts::SQRT_2).max(1e-4),
            pixels: SYNTHETIC_PIXELS,
            title: self.subtype.clone(),
        }
    }
}

/// Pixels a side of a synthetic image.
pub const SYNTHETIC_PIXELS: u64 = 400;

/// Why a dataset cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// Malformed or unknown ID.
    #[error(transparent)]
    Id(#[from] IdError),
    /// The row or the file could not be read.
    #[error("{0}")]
    Failed(String),
}

fn text(column: &dyn Array, row: usize) -> Option<String> {
    let column = arrow::compute::cast(column, &DataType::Utf8).ok()?;
    let strings = column.as_string::<i32>();
    (!strings.is_null(row)).then(|| strings.value(row).to_string())
}

fn number(column: &dyn Array, row: usize) -> Option<f64> {
    let column = arrow::compute::cast(column, &DataType::Float64).ok()?;
    let values = column.as_primitive::<arrow::datatypes::Float64Type>();
    (!values.is_null(row)).then(|| values.value(row))
}

impl Service {
    /// Runs a small ADQL query on the query runtime and collects its rows.
    pub(crate) async fn collect(
        &self,
        adql: String,
    ) -> Result<Vec<arrow::array::RecordBatch>, String> {
        let engine = self.engine.clone();
        self.cpu()
            .spawn(async move {
                let mut result = engine.query(&adql).await.map_err(|e| e.to_string())?;
                let mut batches = Vec::new();
                while let Some(b) = result.stream.next().await {
                    batches.push(b.map_err(|e| e.to_string())?);
                }
                Ok(batches)
            })
            .await
            .map_err(|_| "the lookup stopped".to_string())?
    }

    /// The ObsCore row of the dataset `id` (a Butler ID or publisher DID).
    pub async fn dataset(&self, id: &str) -> Result<Dataset, DatasetError> {
        let dataset = DatasetId::parse(id)?;
        // The DID is rebuilt from the checked UUID: nothing of `id` reaches the query.
        let adql = format!(
            "SELECT dataproduct_subtype, lsst_band, s_ra, s_dec, s_fov, s_region \
             FROM ivoa.ObsCore WHERE obs_publisher_did = '{}'",
            dataset.publisher_did()
        );
        let batches = self.collect(adql).await.map_err(DatasetError::Failed)?;
        let Some(batch) = batches.iter().find(|b| b.num_rows() > 0) else {
            return Err(IdError::NotFound(id.to_string()).into());
        };
        let c = |i: usize| batch.column(i).as_ref();
        Ok(Dataset {
            subtype: text(c(0), 0).unwrap_or_default(),
            band: text(c(1), 0),
            position: (
                number(c(2), 0).unwrap_or(f64::NAN),
                number(c(3), 0).unwrap_or(f64::NAN),
                number(c(4), 0).unwrap_or(f64::NAN),
            ),
            region: text(c(5), 0),
            id: dataset,
        })
    }

    /// The datasets that went into a coadd: visit images (calexp) of its band
    /// overlapping its footprint, as publisher DIDs.
    pub async fn progenitors(&self, coadd: &Dataset) -> Result<Vec<String>, DatasetError> {
        let (Some(band), Some(region)) = (&coadd.band, &coadd.region) else {
            return Ok(Vec::new());
        };
        let band_ok = band.chars().all(|c| c.is_ascii_alphanumeric());
        let Ok(shape) = adql_geom::stcs::parse(region) else {
            return Ok(Vec::new());
        };
        let adql_geom::Region::Polygon(polygon) = shape else {
            return Ok(Vec::new());
        };
        if !band_ok {
            return Ok(Vec::new());
        }
        let vertices: Vec<String> = polygon
            .vertices()
            .iter()
            .map(|v| format!("{}, {}", v.ra(), v.dec()))
            .collect();
        let adql = format!(
            "SELECT obs_publisher_did FROM ivoa.ObsCore WHERE dataproduct_subtype = 'lsst.calexp' \
             AND lsst_band = '{band}' AND INTERSECTS(s_region, POLYGON('ICRS', {})) = 1 \
             ORDER BY obs_publisher_did",
            vertices.join(", ")
        );
        let batches = self.collect(adql).await.map_err(DatasetError::Failed)?;
        let mut out = Vec::new();
        for b in &batches {
            for row in 0..b.num_rows() {
                if let Some(did) = text(b.column(0).as_ref(), row) {
                    out.push(did);
                }
            }
        }
        Ok(out)
    }

    /// The FITS file of `dataset`: the store's, or the synthetic one (made
    /// now if it is not there yet).
    pub fn image_file(&self, dataset: &Dataset) -> Result<PathBuf, DatasetError> {
        let source = &self.images;
        let path = source.store().path(&dataset.id);
        if path.is_file() {
            return Ok(path);
        }
        match source {
            ImageSource::Store(_) => Err(DatasetError::Failed(format!(
                "the image of {} is not in the image store",
                dataset.id.butler()
            ))),
            ImageSource::Synthetic(_) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        DatasetError::Failed(format!("cannot create the image cache: {e}"))
                    })?;
                }
                synthetic::write_image(&path, &dataset.image_spec()).map_err(|e| {
                    DatasetError::Failed(format!(
                        "cannot make the image of {}: {e}",
                        dataset.id.butler()
                    ))
                })?;
                Ok(path)
            }
        }
    }

    /// The size of `dataset`'s file, if known without making it.
    pub fn image_size(&self, dataset: &Dataset) -> Option<u64> {
        let path = self.images.store().path(&dataset.id);
        match std::fs::metadata(&path) {
            Ok(m) => Some(m.len()),
            Err(_) => match &self.images {
                ImageSource::Synthetic(_) => Some(synthetic::file_size(&dataset.image_spec())),
                ImageSource::Store(_) => None,
            },
        }
    }
}
