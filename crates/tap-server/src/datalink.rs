//! DataLink 1.1: the links of datasets (`/api/datalink/links`), the dataset
//! files the `#this` links point at (`/api/datalink/files/{uuid}`) and their
//! previews (`/api/datalink/preview/{uuid}`).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use datalink::{InputParam, Link, ServiceDescriptor, LINKS_CONTENT_TYPE};

use crate::error::{SodaFailure, TapError};
use crate::images::{Dataset, DatasetError};
use crate::params::Params;
use crate::Service;

/// The most IDs one links request may ask for.
const MAX_IDS: usize = 1000;

/// `GET|POST /api/datalink/links?ID=…[&ID=…][&RESPONSEFORMAT=…]`.
pub async fn links(State(service): State<Arc<Service>>, request: Request) -> Response {
    match links_response(&service, request).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn links_response(service: &Service, request: Request) -> Result<Response, TapError> {
    let params = Params::from_request(request, service.config.max_request_bytes).await?;
    if let Some(format) = params
        .get("RESPONSEFORMAT")
        .filter(|f| !f.trim().is_empty())
    {
        let f = format.trim().to_ascii_lowercase();
        let ok = ["votable", "application/x-votable+xml"]
            .iter()
            .any(|known| f == *known || f.starts_with(&format!("{known};")));
        if !ok {
            return Err(TapError::Usage(format!(
                "RESPONSEFORMAT {format} is not offered: links come as {LINKS_CONTENT_TYPE}"
            )));
        }
    }
    let ids: Vec<&str> = params.all("ID").collect();
    if ids.is_empty() {
        return Err(TapError::Usage("the request has no ID".into()));
    }
    if ids.len() > MAX_IDS {
        return Err(TapError::Usage(format!(
            "{} IDs in one request; the most is {MAX_IDS}",
            ids.len()
        )));
    }
    let mut links = Vec::new();
    let mut descriptors = Vec::new();
    for id in ids {
        match service.dataset(id).await {
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
                links.extend(dataset_links(service, id, &dataset, &sync_id, &async_id).await);
                descriptors.push(cutout_descriptor(service, &dataset, sync_id, false));
                descriptors.push(cutout_descriptor(service, &dataset, async_id, true));
            }
            Err(e) => links.push(Link {
                id: id.to_string(),
                error_message: Some(fault(&e)),
                semantics: "#this".into(),
                ..Link::default()
            }),
        }
    }
    let document = datalink::links_document(&links, &descriptors);
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, LINKS_CONTENT_TYPE)],
        document,
    )
        .into_response())
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

/// The links of one dataset: the file, the cutout service, and for a coadd
/// the visit images that went into it.
async fn dataset_links(
    service: &Service,
    id: &str,
    dataset: &Dataset,
    sync_id: &str,
    async_id: &str,
) -> Vec<Link> {
    let base = &service.config.base_url;
    let mut links = vec![
        Link {
            id: id.to_string(),
            access_url: Some(format!("{base}/api/datalink/files/{}", dataset.id.uuid)),
            semantics: "#this".into(),
            description: Some(format!("the {} image (FITS)", dataset.subtype)),
            content_type: Some("image/fits".into()),
            content_length: service.image_size(dataset),
            ..Link::default()
        },
        Link {
            id: id.to_string(),
            access_url: Some(format!("{base}/api/datalink/preview/{}", dataset.id.uuid)),
            semantics: "#preview".into(),
            description: Some("a preview of the image (PNG, asinh stretch)".into()),
            content_type: Some("image/png".into()),
            ..Link::default()
        },
        Link {
            id: id.to_string(),
            service_def: Some(sync_id.to_string()),
            semantics: "#cutout".into(),
            description: Some("a cutout of the image around a sky region (SODA, sync)".into()),
            content_type: Some("image/fits".into()),
            ..Link::default()
        },
        Link {
            id: id.to_string(),
            service_def: Some(async_id.to_string()),
            semantics: "#cutout".into(),
            description: Some("a cutout of the image around a sky region (SODA, async UWS)".into()),
            content_type: Some("image/fits".into()),
            ..Link::default()
        },
    ];
    if dataset.is_coadd() {
        match service.progenitors(dataset).await {
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

/// The links URL of a dataset ID on this service.
pub fn links_url(base: &str, id: &str) -> String {
    let encoded: String = form_urlencoded::byte_serialize(id.as_bytes()).collect();
    format!("{base}/api/datalink/links?ID={encoded}")
}

/// A SODA descriptor (sync or async) for one dataset: its ID fixed, the
/// footprint as the range of CIRCLE and POLYGON.
fn cutout_descriptor(
    service: &Service,
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
        access_url: format!("{}/api/cutout/{path}", service.config.base_url),
        params: vec![id_param, circle, polygon, pos],
    }
}

/// `GET /api/datalink/files/{uuid}`: a dataset's FITS file.
pub async fn file(State(service): State<Arc<Service>>, Path(uuid): Path<String>) -> Response {
    let id = format!("butler://dp02/{uuid}");
    let dataset = match service.dataset(&id).await {
        Ok(d) => d,
        Err(e) => return SodaFailure::from(e).into_response(),
    };
    let path = match service.image_file(&dataset) {
        Ok(p) => p,
        Err(e) => return SodaFailure::from(e).into_response(),
    };
    match tokio::fs::File::open(&path).await {
        Ok(f) => {
            let length = f.metadata().await.map(|m| m.len()).unwrap_or(0);
            let stream = tokio_util_stream(f);
            (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, "image/fits".to_string()),
                    (header::CONTENT_LENGTH, length.to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{}.fits\"", dataset.id.uuid),
                    ),
                ],
                Body::from_stream(stream),
            )
                .into_response()
        }
        Err(e) => SodaFailure(datalink::SodaError::Fault(format!(
            "cannot read the image of {id}: {e}"
        )))
        .into_response(),
    }
}

/// `GET /api/datalink/preview/{uuid}`: a PNG of the dataset's image, made
/// on first use and kept beside the jobs.
pub async fn preview(State(service): State<Arc<Service>>, Path(uuid): Path<String>) -> Response {
    let id = format!("butler://dp02/{uuid}");
    let dataset = match service.dataset(&id).await {
        Ok(d) => d,
        Err(e) => return SodaFailure::from(e).into_response(),
    };
    let image = match service.image_file(&dataset) {
        Ok(p) => p,
        Err(e) => return SodaFailure::from(e).into_response(),
    };
    let dir = service.config.data_dir.join("previews");
    let path = dir.join(format!("{}.png", dataset.id.uuid));
    let made = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        if let Ok(bytes) = std::fs::read(&path) {
            return Ok(bytes);
        }
        let bytes = ::datalink::preview::preview_png(&image).map_err(|e| e.to_string())?;
        // Kept through a temporary file, so that a reader never sees half of one.
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        if std::fs::create_dir_all(&dir).is_ok() && std::fs::write(&tmp, &bytes).is_ok() {
            let _ = std::fs::rename(&tmp, &path);
        }
        Ok(bytes)
    })
    .await;
    match made {
        Ok(Ok(bytes)) => {
            (StatusCode::OK, [(header::CONTENT_TYPE, "image/png")], bytes).into_response()
        }
        Ok(Err(e)) => SodaFailure(::datalink::SodaError::Fault(format!(
            "cannot preview {id}: {e}"
        )))
        .into_response(),
        Err(_) => {
            SodaFailure(::datalink::SodaError::Fault("the preview stopped".into())).into_response()
        }
    }
}

/// A file as a stream of 256 KiB chunks.
fn tokio_util_stream(
    file: tokio::fs::File,
) -> impl futures::Stream<Item = Result<bytes::Bytes, std::io::Error>> {
    futures::stream::unfold(file, |mut file| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 256 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(bytes::Bytes::from(buf)), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    })
}
