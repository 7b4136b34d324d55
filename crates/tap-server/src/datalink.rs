//! DataLink 1.1: the links of datasets (`/api/datalink/links`), the dataset
//! files the `#this` links point at (`/api/datalink/files/{uuid}`) and their
//! previews (`/api/datalink/preview/{uuid}`).

use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
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

/// The query of a signed URL.
#[derive(Debug, serde::Deserialize)]
pub struct Signed {
    expires: Option<String>,
    signature: Option<String>,
}

/// Refuses (403, with the reason) a request whose signature does not hold.
fn check_signature(service: &Service, path: &str, signed: &Signed) -> Result<(), Box<Response>> {
    let Some(signer) = service.datasets.signer() else {
        return Ok(());
    };
    signer
        .verify(path, signed.expires.as_deref(), signed.signature.as_deref())
        .map_err(|e| {
            Box::new(
                (
                    StatusCode::FORBIDDEN,
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    format!("AuthorizationFault: {e}\n"),
                )
                    .into_response(),
            )
        })
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

/// `GET /api/datalink/files/{uuid}?expires=…&signature=…`: a dataset's FITS
/// file, for as long as its signed URL lives.
pub async fn file(
    State(service): State<Arc<Service>>,
    Path(uuid): Path<String>,
    Query(signed): Query<Signed>,
) -> Response {
    if let Err(refused) = check_signature(&service, &crate::datasets::file_path(&uuid), &signed) {
        return *refused;
    }
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
/// on first use and kept beside the jobs; signed as the files are.
pub async fn preview(
    State(service): State<Arc<Service>>,
    Path(uuid): Path<String>,
    Query(signed): Query<Signed>,
) -> Response {
    if let Err(refused) = check_signature(&service, &crate::datasets::preview_path(&uuid), &signed)
    {
        return *refused;
    }
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
