//! The datasets behind ObsCore rows: finding a dataset's row by its ID, its
//! FITS file in the image store (or, for the demo, a synthetic image made on
//! first use and kept), and its DataLink document. No HTTP here: the server's
//! handlers and `adql datalink|cutout` share it.

use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{Array, AsArray};
use arrow::datatypes::DataType;
use datalink::synthetic::{self, ImageSpec};
use datalink::{DatasetId, IdError, ImageStore};
use futures::StreamExt;

use adql_engine::Engine;
use datalink::{InputParam, Link, ServiceDescriptor, LINKS_CONTENT_TYPE};

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

impl From<DatasetError> for datalink::SodaError {
    /// A dataset that cannot be had, in SODA's words.
    fn from(e: DatasetError) -> Self {
        use datalink::SodaError;
        match e {
            DatasetError::Id(IdError::Malformed(m)) => SodaError::Usage(m),
            DatasetError::Id(IdError::NotFound(id)) => {
                SodaError::NotFound(format!("no dataset has the ID {id}"))
            }
            DatasetError::Failed(m) => SodaError::Fault(m),
        }
    }
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

/// The datasets of a catalogue: their rows, files and links.
pub struct Datasets {
    engine: Arc<Engine>,
    images: ImageSource,
    base_url: String,
    /// Where lookups run (the server's query runtime), or the caller's runtime.
    cpu: Option<tokio::runtime::Handle>,
    /// Signs the file and preview links (the server's); without one they are
    /// plain.
    signer: Option<Arc<crate::signing::UrlSigner>>,
}

impl std::fmt::Debug for Datasets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Datasets")
            .field("images", &self.images)
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl Datasets {
    /// The datasets of `engine`'s `ivoa.ObsCore`, their files in `images`,
    /// linked from `base_url`; lookups run on `cpu` (else where called).
    pub fn new(
        engine: Arc<Engine>,
        images: ImageSource,
        base_url: &str,
        cpu: Option<tokio::runtime::Handle>,
    ) -> Datasets {
        Datasets {
            engine,
            images,
            base_url: base_url.trim_end_matches('/').to_string(),
            cpu,
            signer: None,
        }
    }

    /// These datasets with their file and preview links signed by `signer`.
    pub fn with_signer(mut self, signer: Arc<crate::signing::UrlSigner>) -> Datasets {
        self.signer = Some(signer);
        self
    }

    /// What checks the signed links, if they are signed.
    pub fn signer(&self) -> Option<&crate::signing::UrlSigner> {
        self.signer.as_deref()
    }

    /// The public URL of `path` (under the service's base), signed when the
    /// links are.
    fn link_url(&self, path: &str) -> String {
        let url = format!("{}{path}", self.base_url);
        match &self.signer {
            Some(signer) => signer.sign(&url, path),
            None => url,
        }
    }

    /// Runs `work` on the CPU runtime (where there is one).
    async fn on_cpu<T: Send + 'static>(
        &self,
        work: impl std::future::Future<Output = Result<T, String>> + Send + 'static,
    ) -> Result<T, String> {
        match &self.cpu {
            Some(cpu) => cpu
                .spawn(work)
                .await
                .map_err(|_| "the lookup stopped".to_string())?,
            None => work.await,
        }
    }

    /// Runs a small ADQL query and collects its rows.
    async fn collect(&self, adql: String) -> Result<Vec<arrow::array::RecordBatch>, String> {
        let engine = self.engine.clone();
        self.on_cpu(async move {
            let mut result = engine.query(&adql).await.map_err(|e| e.to_string())?;
            let mut batches = Vec::new();
            while let Some(b) = result.stream.next().await {
                batches.push(b.map_err(|e| e.to_string())?);
            }
            Ok(batches)
        })
        .await
    }

    /// The columns a dataset's links need, of its ObsCore row (a key lookup by
    /// `obs_publisher_did`, not a query).
    async fn find(&self, did: String) -> Result<Vec<arrow::array::RecordBatch>, String> {
        let engine = self.engine.clone();
        self.on_cpu(async move {
            engine
                .find_rows(
                    "ivoa.ObsCore",
                    "obs_publisher_did",
                    &did,
                    &[
                        "dataproduct_subtype",
                        "lsst_band",
                        "s_ra",
                        "s_dec",
                        "s_fov",
                        "s_region",
                    ],
                )
                .await
                .map_err(|e| e.to_string())
        })
        .await
    }

    /// The ObsCore row of the dataset `id` (a Butler ID or publisher DID).
    pub async fn dataset(&self, id: &str) -> Result<Dataset, DatasetError> {
        let dataset = DatasetId::parse(id)?;
        // The DID is rebuilt from the checked UUID: nothing else of `id` is looked up.
        let batches = self
            .find(dataset.publisher_did())
            .await
            .map_err(DatasetError::Failed)?;
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

impl Datasets {
    /// The links document of `ids` (in their order, each ID's rows together):
    /// per dataset `#this`, `#preview`, `#cutout` (sync and async
    /// descriptors) and, for a coadd, `#progenitor`; per failing ID a
    /// `NotFoundFault`/`UsageFault` row.
    pub async fn links_document(&self, ids: &[&str]) -> String {
        let mut links = Vec::new();
        let mut descriptors = Vec::new();
        for id in ids {
            match self.dataset(id).await {
                Ok(dataset) => {
                    // One pair of descriptors per dataset: the first's are
                    // `cutout-sync` and `cutout-async`, as clients look them up.
                    let n = descriptors.len() / 2 + 1;
                    let suffix = if n == 1 {
                        String::new()
                    } else {
                        format!("-{n}")
                    };
                    let (sync_id, async_id) = (
                        format!("cutout-sync{suffix}"),
                        format!("cutout-async{suffix}"),
                    );
                    links.extend(self.dataset_links(id, &dataset, &sync_id, &async_id).await);
                    descriptors.push(self.cutout_descriptor(&dataset, sync_id, false));
                    descriptors.push(self.cutout_descriptor(&dataset, async_id, true));
                }
                Err(e) => links.push(Link {
                    id: id.to_string(),
                    error_message: Some(fault(&e)),
                    semantics: "#this".into(),
                    ..Link::default()
                }),
            }
        }
        datalink::links_document(&links, &descriptors)
    }

    /// The links of one dataset: the file, the cutout service, and for a coadd
    /// the visit images that went into it.
    async fn dataset_links(
        &self,
        id: &str,
        dataset: &Dataset,
        sync_id: &str,
        async_id: &str,
    ) -> Vec<Link> {
        let base = &self.base_url;
        let mut links = vec![
            Link {
                id: id.to_string(),
                access_url: Some(self.link_url(&file_path(&dataset.id.uuid))),
                semantics: "#this".into(),
                description: Some(format!("the {} image (FITS)", dataset.subtype)),
                content_type: Some("image/fits".into()),
                content_length: self.image_size(dataset),
                ..Link::default()
            },
            Link {
                id: id.to_string(),
                access_url: Some(self.link_url(&preview_path(&dataset.id.uuid))),
                semantics: "#preview".into(),
                description: Some("a preview of the image (PNG, asinh stretch)".into()),
                content_type: Some("image/png".into()),
                ..Link::default()
            },
        ];
        for (descriptor, mode) in [(sync_id, "sync"), (async_id, "async UWS")] {
            links.push(Link {
                id: id.to_string(),
                service_def: Some(descriptor.to_string()),
                semantics: "#cutout".into(),
                description: Some(format!(
                    "a cutout of the image around a sky region (SODA, {mode})"
                )),
                content_type: Some("image/fits".into()),
                ..Link::default()
            });
        }
        if dataset.is_coadd() {
            match self.progenitors(dataset).await {
                Ok(visits) => {
                    for did in visits {
                        let visit = datalink::DatasetId::parse(&did);
                        let Ok(visit) = visit else { continue };
                        links.push(Link {
                            id: id.to_string(),
                            access_url: Some(links_url(base, &visit.butler())),
                            semantics: "#progenitor".into(),
                            description: Some("a visit image that went into this coadd".into()),
                            content_type: Some(LINKS_CONTENT_TYPE.into()),
                            ..Link::default()
                        });
                    }
                }
                Err(e) => links.push(Link {
                    id: id.to_string(),
                    error_message: Some(fault(&e)),
                    semantics: "#progenitor".into(),
                    ..Link::default()
                }),
            }
        }
        links
    }

    /// A SODA descriptor (sync or async) for one dataset: its ID fixed, the
    /// footprint as the range of CIRCLE and POLYGON.
    fn cutout_descriptor(
        &self,
        dataset: &Dataset,
        id: String,
        asynchronous: bool,
    ) -> ServiceDescriptor {
        let (ra, dec, fov) = dataset.position;
        let footprint = dataset
            .region
            .as_deref()
            .and_then(|r| r.strip_prefix("POLYGON ICRS "))
            .map(str::to_string);
        let param =
            |name: &str, datatype: &str, arraysize: Option<&str>, xtype: Option<&str>| InputParam {
                name: name.into(),
                datatype: datatype.into(),
                arraysize: arraysize.map(str::to_string),
                xtype: xtype.map(str::to_string),
                unit: xtype.map(|_| "deg".to_string()),
                ucd: None,
                value: String::new(),
                reference: None,
                max: None,
                description: String::new(),
            };
        let mut id_param = param("ID", "char", Some("*"), None);
        id_param.ucd = Some("meta.id;meta.dataset".into());
        id_param.value = dataset.id.butler();
        id_param.description = "the dataset to cut".into();
        let mut circle = param("CIRCLE", "double", Some("3"), Some("circle"));
        circle.ucd = Some("obs.field".into());
        circle.max = Some(format!("{ra} {dec} {}", fov / 2.0));
        circle.description = "the cutout's circle: ra dec radius (degrees, ICRS)".into();
        let mut polygon = param("POLYGON", "double", Some("*"), Some("polygon"));
        polygon.ucd = Some("obs.field".into());
        polygon.max = footprint;
        polygon.description = "the cutout's polygon: ra1 dec1 ra2 dec2 … (degrees, ICRS)".into();
        let mut pos = param("POS", "char", Some("*"), None);
        pos.ucd = Some("obs.field".into());
        pos.description = "CIRCLE ra dec r, RANGE ra1 ra2 dec1 dec2 or POLYGON ra1 dec1 …".into();
        let (standard, path) = if asynchronous {
            ("ivo://ivoa.net/std/SODA#async-1.0", "async")
        } else {
            ("ivo://ivoa.net/std/SODA#sync-1.0", "sync")
        };
        ServiceDescriptor {
            id,
            standard_id: standard.into(),
            access_url: format!("{}/api/cutout/{path}", self.base_url),
            params: vec![id_param, circle, polygon, pos],
        }
    }
}

/// A failed ID's error_message, in DataLink's fault words.
fn fault(e: &DatasetError) -> String {
    match e {
        DatasetError::Id(datalink::IdError::Malformed(m)) => format!("UsageFault: {m}"),
        DatasetError::Id(datalink::IdError::NotFound(id)) => {
            format!("NotFoundFault: no dataset has the ID {id}")
        }
        DatasetError::Failed(m) => format!("Error: {m}"),
    }
}

/// The path (under the base URL) of a dataset's file, as signed.
pub fn file_path(uuid: &str) -> String {
    format!("/api/datalink/files/{uuid}")
}

/// The path (under the base URL) of a dataset's preview, as signed.
pub fn preview_path(uuid: &str) -> String {
    format!("/api/datalink/preview/{uuid}")
}

/// The links URL of a dataset ID on this service.
pub fn links_url(base: &str, id: &str) -> String {
    let encoded: String = form_urlencoded::byte_serialize(id.as_bytes()).collect();
    format!("{base}/api/datalink/links?ID={encoded}")
}
