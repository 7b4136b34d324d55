//! DataLink 1.1: the links of datasets (`/api/datalink/links`), the dataset
//! files the `#this` links point at (`/api/datalink/files/{uuid}`) and their
//! previews (`/api/datalink/preview/{uuid}`).

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use datalink::LINKS_CONTENT_TYPE;

use crate::error::{SodaFailure, TapError};
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
    let params = Params::from_request(request, &service.config).await?;
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
    let document = service.datasets.links_document(&ids).await;
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, LINKS_CONTENT_TYPE)],
        document,
    )
        .into_response())
}

/// The dataset `id` and its image file.
async fn dataset_image(
    service: &Service,
    id: &str,
) -> Result<(crate::datasets::Dataset, std::path::PathBuf), SodaFailure> {
    let dataset = service.datasets.dataset(id).await?;
    let path = service.datasets.image_file(&dataset)?;
    Ok((dataset, path))
}

/// `GET /api/datalink/files/{uuid}`: a dataset's FITS file.
pub async fn file(State(service): State<Arc<Service>>, Path(uuid): Path<String>) -> Response {
    let id = format!("butler://dp02/{uuid}");
    let (dataset, path) = match dataset_image(&service, &id).await {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    match tokio::fs::File::open(&path).await {
        Ok(f) => {
            let length = f.metadata().await.map(|m| m.len()).unwrap_or(0);
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
                crate::file_body(f),
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
    let (dataset, image) = match dataset_image(&service, &id).await {
        Ok(found) => found,
        Err(e) => return e.into_response(),
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
