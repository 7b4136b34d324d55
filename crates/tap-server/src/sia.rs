//! SIA 2.0 (`/api/sia/query`): image discovery by position, band, time and
//! the other SIA parameters, answered by the engine as the equivalent ADQL
//! over `ivoa.ObsCore` (its pruning and exact geometry), and the SIA
//! service's VOSI capabilities and availability.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};

use crate::error::TapError;
use crate::execute::QueryJob;
use crate::params::Params;
use crate::Service;

/// `GET|POST /api/sia/query`.
pub async fn query(State(service): State<Arc<Service>>, request: Request) -> Response {
    match search(service, request).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn search(service: Arc<Service>, request: Request) -> Result<Response, TapError> {
    let params = Params::from_request(request, &service.config).await?;
    let sia = datalink::sia::query(params.pairs().iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|e| TapError::Usage(e.to_string()))?;
    // The rest as a TAP query would be read: RESPONSEFORMAT, MAXREC.
    let mut tap = Params::from_pairs([("QUERY", sia.adql.as_str())]);
    if let Some(f) = &sia.response_format {
        tap.push("RESPONSEFORMAT", f);
    }
    if let Some(m) = sia.maxrec {
        tap.push("MAXREC", &m.to_string());
    }
    let mut job: QueryJob = crate::tap::query_job(&service, &tap)?;
    job.infos = vec![votable::Info::new(
        "standardID",
        "ivo://ivoa.net/std/SIA#query-2.0",
    )];
    crate::tap::respond(service, job).await
}

/// `GET /api/sia/capabilities`: names the query interface, as
/// `SIA2Service(base + "/api/sia")` looks for it.
pub async fn capabilities(State(service): State<Arc<Service>>) -> Response {
    let base = crate::xml::escape(&service.config.base_url);
    let doc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<vosi:capabilities xmlns:vosi=\"http://www.ivoa.net/xml/VOSICapabilities/v1.0\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\">\n\
 <capability standardID=\"ivo://ivoa.net/std/SIA#query-2.0\">\n\
  <interface xsi:type=\"vs:ParamHTTP\" role=\"std\" version=\"2.0\">\n\
   <accessURL use=\"base\">{base}/api/sia/query</accessURL>\n\
  </interface>\n\
 </capability>\n\
 <capability standardID=\"ivo://ivoa.net/std/VOSI#capabilities\">\n\
  <interface xsi:type=\"vs:ParamHTTP\" role=\"std\">\n\
   <accessURL use=\"full\">{base}/api/sia/capabilities</accessURL>\n\
  </interface>\n\
 </capability>\n\
 <capability standardID=\"ivo://ivoa.net/std/VOSI#availability\">\n\
  <interface xsi:type=\"vs:ParamHTTP\" role=\"std\">\n\
   <accessURL use=\"full\">{base}/api/sia/availability</accessURL>\n\
  </interface>\n\
 </capability>\n\
</vosi:capabilities>\n"
    );
    crate::vosi::xml(doc)
}
