//! SODA 1.0 synchronous cutouts (`/api/cutout/sync`): one dataset, one region,
//! answered with a FITS file holding that region of every image HDU.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use datalink::{CutoutRequest, SodaError};

use crate::error::SodaFailure;
use crate::params::Params;
use crate::Service;

/// `GET|POST /api/cutout/sync?ID=…&(CIRCLE|POLYGON|POS)=…`.
pub async fn sync(State(service): State<Arc<Service>>, request: Request) -> Response {
    match cutout(&service, request).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn cutout(service: &Arc<Service>, request: Request) -> Result<Response, SodaFailure> {
    let params = Params::from_request(request, &service.config)
        .await
        .map_err(|e| SodaFailure(SodaError::Usage(e.to_string())))?;
    let request =
        CutoutRequest::from_params(params.pairs().iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let dataset = service.datasets.dataset(&request.id).await?;
    let path = service.datasets.image_file(&dataset)?;
    let butler = dataset.id.butler();
    // Cutting reads and writes files: off the request threads.
    let bytes = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        datalink::cut(&path, &request.stencil, &mut out).map(|_| out)
    })
    .await
    .map_err(|_| SodaFailure(SodaError::Fault("the cutout stopped".into())))?
    .map_err(|e| SodaFailure(e.into_soda(&butler)))?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "image/fits".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"cutout-{}.fits\"", dataset.id.uuid),
            ),
        ],
        bytes,
    )
        .into_response())
}
