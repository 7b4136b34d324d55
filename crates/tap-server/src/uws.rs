//! UWS 1.1 (`/async`): the job list, job creation (303 to the job), and each
//! job's resources. A job is visible only to its owner when auth is on; a job
//! of another owner is answered as if it did not exist.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;

use crate::auth::Caller;
use crate::error::{error_votable, UwsError};
use crate::jobs::{self, Job, JobFilter, JobKind, Phase};
use crate::params::Params;
use crate::xml::{escape, iso, parse_iso};
use crate::{now_ms, runner, Service};

const UWS_NS: &str = "http://www.ivoa.net/xml/UWS/v1.0";
const XLINK_NS: &str = "http://www.w3.org/1999/xlink";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// The longest a blocking WAIT holds a request.
const WAIT_CAP: Duration = Duration::from_secs(60);
/// Parameters that drive UWS itself rather than the query.
const CONTROL: [&str; 4] = ["PHASE", "ACTION", "EXECUTIONDURATION", "DESTRUCTION"];

type Uws<T = Response> = Result<T, UwsError>;

/// The job list of a kind of job: `{base}/api/tap/async`, `{base}/api/cutout/async`.
fn list_url(service: &Service, kind: JobKind) -> String {
    match kind {
        JobKind::Tap => format!("{}/async", service.config.tap_url()),
        JobKind::Cutout => format!("{}/api/cutout/async", service.config.base_url),
    }
}

fn job_url(service: &Service, kind: JobKind, id: &str) -> String {
    format!("{}/{id}", list_url(service, kind))
}

fn see_other(location: String) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

fn text(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

/// The caller's job that the path names, with the service: every job
/// resource's handler starts from it.
pub struct CallerJob {
    service: Arc<Service>,
    job: Job,
}

impl FromRequestParts<Arc<Service>> for CallerJob {
    type Rejection = UwsError;

    async fn from_request_parts(
        parts: &mut Parts,
        service: &Arc<Service>,
    ) -> Result<CallerJob, UwsError> {
        let Path(id) = Path::<String>::from_request_parts(parts, service)
            .await
            .map_err(|e| UwsError::Usage(e.to_string()))?;
        let caller = parts
            .extensions
            .get::<Caller>()
            .cloned()
            .unwrap_or_default();
        let kind = parts
            .extensions
            .get::<JobKind>()
            .copied()
            .unwrap_or_default();
        let job = caller_job(service, &caller, &id)?;
        // A job is reachable only under its own service's list.
        if job.kind != kind {
            return Err(UwsError::NoSuchJob(id));
        }
        Ok(CallerJob {
            service: service.clone(),
            job,
        })
    }
}

/// The caller's job `id`, or NoSuchJob (also for ids that are not job ids, so
/// nothing a request says reaches a path).
fn caller_job(service: &Service, caller: &Caller, id: &str) -> Uws<Job> {
    if !jobs::is_job_id(id) {
        return Err(UwsError::NoSuchJob(id.chars().take(64).collect()));
    }
    match service.jobs.get(id)? {
        Some(job) if !service.tokens.enabled() || job.owner == caller.owner => Ok(job),
        _ => Err(UwsError::NoSuchJob(id.into())),
    }
}

async fn read_params(service: &Service, request: Request) -> Uws<Params> {
    Params::from_request(request, &service.config)
        .await
        .map_err(|e| UwsError::Usage(e.to_string()))
}

/// `POST /async`: a new job, PENDING (or QUEUED with `PHASE=RUN`); 303 to it.
/// The query is not checked here: an invalid one fails when the job runs.
pub async fn create(
    State(service): State<Arc<Service>>,
    Extension(caller): Extension<Caller>,
    Extension(kind): Extension<JobKind>,
    request: Request,
) -> Uws {
    let params = read_params(&service, request).await?;
    let id = jobs::new_id();
    let now = now_ms();
    let parameters: Vec<(String, String)> = params
        .pairs()
        .iter()
        .filter(|(k, _)| !CONTROL.contains(&k.as_str()) && k != "RUNID")
        .cloned()
        .collect();
    // Keep the parts the UPLOAD parameters name, beside the job.
    let upload_parts = crate::upload::inline_parts(&params);
    if !upload_parts.is_empty() {
        let dir = service.job_dir(&id);
        std::fs::create_dir_all(&dir).map_err(|e| UwsError::Internal(e.to_string()))?;
        for (i, part) in upload_parts.iter().enumerate() {
            let data = params.file(part).expect("checked above");
            std::fs::write(dir.join(format!("upload-{i}")), data)
                .map_err(|e| UwsError::Internal(e.to_string()))?;
        }
    }
    let max_duration = service.config.query_timeout.as_secs();
    let mut job = Job {
        id: id.clone(),
        kind,
        run_id: params.get("RUNID").map(String::from),
        owner: caller.owner.clone(),
        phase: Phase::Pending,
        created_ms: now,
        started_ms: None,
        ended_ms: None,
        execution_duration: max_duration,
        destruction_ms: now + service.config.retention.as_millis() as i64,
        parameters,
        upload_parts,
        error: None,
        result: None,
    };
    if let Some(d) = params.get("EXECUTIONDURATION") {
        job.execution_duration = parse_duration(d, max_duration)?;
    }
    if let Some(d) = params.get("DESTRUCTION") {
        job.destruction_ms = parse_destruction(&service, &job, d)?;
    }
    let run = match params.get("PHASE") {
        None => false,
        Some(p) if p.eq_ignore_ascii_case("RUN") => true,
        Some(p) => {
            return Err(UwsError::Usage(format!(
                "PHASE={p} at creation: only RUN is allowed"
            )))
        }
    };
    if run {
        job.phase = Phase::Queued;
    }
    service.jobs.insert(&job)?;
    if run {
        runner::spawn(&service, id.clone());
    }
    Ok(see_other(job_url(&service, kind, &id)))
}

fn parse_duration(text: &str, cap: u64) -> Uws<u64> {
    let seconds: i64 = text.trim().parse().map_err(|_| {
        UwsError::Usage(format!(
            "EXECUTIONDURATION takes whole seconds, got `{text}`"
        ))
    })?;
    // 0 means "no limit" in UWS: this service's limit is the cap.
    Ok(if seconds <= 0 {
        cap
    } else {
        (seconds as u64).min(cap)
    })
}

fn parse_destruction(service: &Service, job: &Job, text: &str) -> Uws<i64> {
    let wanted = parse_iso(text).ok_or_else(|| {
        UwsError::Usage(format!(
            "DESTRUCTION takes an ISO 8601 instant, got `{text}`"
        ))
    })?;
    // Not later than the retention allows.
    Ok(wanted.min(job.created_ms + service.config.retention.as_millis() as i64))
}

/// `GET /async`: the caller's jobs, with the `PHASE`, `AFTER` and `LAST` filters.
pub async fn list(
    State(service): State<Arc<Service>>,
    Extension(caller): Extension<Caller>,
    Extension(kind): Extension<JobKind>,
    Query(query): Query<Vec<(String, String)>>,
) -> Uws {
    let params = Params::from_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let mut filter = JobFilter {
        kind,
        ..JobFilter::default()
    };
    for p in params.all("PHASE") {
        filter.phases.push(
            Phase::from_name(p.trim())
                .ok_or_else(|| UwsError::Usage(format!("PHASE={p} is not a UWS phase")))?,
        );
    }
    if let Some(after) = params.get("AFTER") {
        filter.after_ms = Some(parse_iso(after).ok_or_else(|| {
            UwsError::Usage(format!("AFTER takes an ISO 8601 instant, got `{after}`"))
        })?);
    }
    if let Some(last) = params.get("LAST") {
        let n: u64 = last.trim().parse().ok().filter(|n| *n > 0).ok_or_else(|| {
            UwsError::Usage(format!("LAST takes a positive integer, got `{last}`"))
        })?;
        filter.last = Some(n);
    }
    let owner = if service.tokens.enabled() {
        caller.owner.as_deref()
    } else {
        None
    };
    let jobs = service.jobs.list(owner, &filter)?;
    let mut doc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<uws:jobs xmlns:uws=\"{UWS_NS}\" xmlns:xlink=\"{XLINK_NS}\" xmlns:xsi=\"{XSI_NS}\" version=\"1.1\">\n"
    );
    for job in jobs {
        doc.push_str(&format!(
            " <uws:jobref id=\"{id}\" xlink:href=\"{href}\">\n  <uws:phase>{phase}</uws:phase>\n",
            id = job.id,
            href = escape(&job_url(&service, job.kind, &job.id)),
            phase = job.phase.name()
        ));
        if let Some(run_id) = &job.run_id {
            doc.push_str(&format!("  <uws:runId>{}</uws:runId>\n", escape(run_id)));
        }
        match &job.owner {
            Some(o) => doc.push_str(&format!("  <uws:ownerId>{}</uws:ownerId>\n", escape(o))),
            None => doc.push_str("  <uws:ownerId xsi:nil=\"true\"/>\n"),
        }
        doc.push_str(&format!(
            "  <uws:creationTime>{}</uws:creationTime>\n </uws:jobref>\n",
            iso(job.created_ms)
        ));
    }
    doc.push_str("</uws:jobs>\n");
    Ok(xml(doc))
}

/// The UWS job document.
fn job_document(service: &Service, job: &Job) -> String {
    let nil = |tag: &str, value: Option<String>| match value {
        Some(v) => format!(" <uws:{tag}>{}</uws:{tag}>\n", escape(&v)),
        None => format!(" <uws:{tag} xsi:nil=\"true\"/>\n"),
    };
    let mut doc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<uws:job xmlns:uws=\"{UWS_NS}\" xmlns:xlink=\"{XLINK_NS}\" xmlns:xsi=\"{XSI_NS}\" version=\"1.1\">\n <uws:jobId>{}</uws:jobId>\n",
        job.id
    );
    if let Some(run_id) = &job.run_id {
        doc.push_str(&format!(" <uws:runId>{}</uws:runId>\n", escape(run_id)));
    }
    doc.push_str(&nil("ownerId", job.owner.clone()));
    doc.push_str(&format!(" <uws:phase>{}</uws:phase>\n", job.phase.name()));
    doc.push_str(&nil("quote", None));
    doc.push_str(&format!(
        " <uws:creationTime>{}</uws:creationTime>\n",
        iso(job.created_ms)
    ));
    doc.push_str(&nil("startTime", job.started_ms.map(iso)));
    doc.push_str(&nil("endTime", job.ended_ms.map(iso)));
    doc.push_str(&format!(
        " <uws:executionDuration>{}</uws:executionDuration>\n",
        job.execution_duration
    ));
    doc.push_str(&nil("destruction", Some(iso(job.destruction_ms))));
    doc.push_str(&parameters_element(job));
    doc.push_str(&results_element(service, job));
    if let (Phase::Error, Some(message)) = (job.phase, &job.error) {
        doc.push_str(&format!(
            " <uws:errorSummary type=\"fatal\" hasDetail=\"true\">\n  <uws:message>{}</uws:message>\n </uws:errorSummary>\n",
            escape(message)
        ));
    }
    doc.push_str("</uws:job>\n");
    doc
}

fn parameters_element(job: &Job) -> String {
    let mut out = String::from(" <uws:parameters>\n");
    for (name, value) in &job.parameters {
        out.push_str(&format!(
            "  <uws:parameter id=\"{}\">{}</uws:parameter>\n",
            escape(&name.to_ascii_lowercase()),
            escape(value)
        ));
    }
    out.push_str(" </uws:parameters>\n");
    out
}

fn results_element(service: &Service, job: &Job) -> String {
    let mut out = String::from(" <uws:results>\n");
    if let (Phase::Completed, Some(result)) = (job.phase, &job.result) {
        out.push_str(&format!(
            "  <uws:result id=\"result\" xlink:type=\"simple\" xlink:href=\"{}/results/result\" mime-type=\"{}\"/>\n",
            escape(&job_url(service, job.kind, &job.id)),
            escape(&result.mime_type),
        ));
    }
    out.push_str(" </uws:results>\n");
    out
}

fn wrap(element: &str, body: String) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}",
        body.trim_start().replacen(
            &format!("<uws:{element}>"),
            &format!("<uws:{element} xmlns:uws=\"{UWS_NS}\" xmlns:xlink=\"{XLINK_NS}\">"),
            1
        )
    )
}

/// `GET /async/{job}`: the job document; with `WAIT=N`, first blocks (at most
/// N s, 60 s, and the job's execution duration) while the job stays in its
/// current active phase (or in `PHASE`, if given).
pub async fn job(
    CallerJob { service, job }: CallerJob,
    Query(query): Query<Vec<(String, String)>>,
) -> Uws {
    let params = Params::from_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let mut job = job;
    if let Some(wait) = params.get("WAIT") {
        let seconds: i64 = wait
            .trim()
            .parse()
            .map_err(|_| UwsError::Usage(format!("WAIT takes whole seconds, got `{wait}`")))?;
        let cap = WAIT_CAP.min(Duration::from_secs(job.execution_duration.max(1)));
        let wait_for = if seconds < 0 {
            cap
        } else {
            Duration::from_secs(seconds as u64).min(cap)
        };
        let waited_phase = match params.get("PHASE") {
            Some(p) => Some(
                Phase::from_name(p.trim())
                    .ok_or_else(|| UwsError::Usage(format!("PHASE={p} is not a UWS phase")))?,
            ),
            None => None,
        };
        let phase = waited_phase.unwrap_or(job.phase);
        if job.phase == phase && phase.is_active() {
            let mut changes = service.changed.subscribe();
            let until = tokio::time::Instant::now() + wait_for;
            loop {
                match tokio::time::timeout_at(until, changes.changed()).await {
                    Ok(Ok(())) => {}
                    _ => break,
                }
                match service.jobs.get(&job.id)? {
                    Some(j) if j.phase == phase => job = j,
                    Some(j) => {
                        job = j;
                        break;
                    }
                    None => return Err(UwsError::NoSuchJob(job.id)),
                }
            }
        }
    }
    Ok(xml(job_document(&service, &job)))
}

/// `POST /async/{job}`: `ACTION=DELETE` (303 to the job list), or a phase,
/// duration or destruction change (303 to the job).
pub async fn post_job(CallerJob { service, job }: CallerJob, request: Request) -> Uws {
    let params = read_params(&service, request).await?;
    if let Some(action) = params.get("ACTION") {
        if !action.eq_ignore_ascii_case("DELETE") {
            return Err(UwsError::Usage(format!("ACTION={action}: only DELETE")));
        }
        runner::destroy(&service, &job.id)?;
        return Ok(see_other(list_url(&service, job.kind)));
    }
    let mut understood = false;
    if let Some(phase) = params.get("PHASE") {
        change_phase(&service, &job, phase)?;
        understood = true;
    }
    if let Some(d) = params.get("EXECUTIONDURATION") {
        change_duration(&service, &job, d)?;
        understood = true;
    }
    if let Some(d) = params.get("DESTRUCTION") {
        change_destruction(&service, &job, d)?;
        understood = true;
    }
    if !understood {
        return Err(UwsError::Usage(
            "POST to a job takes ACTION=DELETE, PHASE, EXECUTIONDURATION or DESTRUCTION".into(),
        ));
    }
    Ok(see_other(job_url(&service, job.kind, &job.id)))
}

/// `DELETE /async/{job}`: 303 to the job list; the job is gone after.
pub async fn delete(CallerJob { service, job }: CallerJob) -> Uws {
    runner::destroy(&service, &job.id)?;
    Ok(see_other(list_url(&service, job.kind)))
}

/// A POST that sets one job parameter (`name=value`, as `form` describes it)
/// through `change`; 303 to the job.
async fn post_one(
    CallerJob { service, job }: CallerJob,
    request: Request,
    (name, form): (&str, &str),
    change: fn(&Arc<Service>, &Job, &str) -> Uws<()>,
) -> Uws {
    let params = read_params(&service, request).await?;
    let value = params
        .get(name)
        .ok_or_else(|| UwsError::Usage(format!("this POST needs {name}={form}")))?;
    change(&service, &job, value)?;
    Ok(see_other(job_url(&service, job.kind, &job.id)))
}

/// `GET /async/{job}/phase`.
pub async fn phase(CallerJob { job, .. }: CallerJob) -> Uws {
    Ok(text(job.phase.name().to_string()))
}

/// `POST /async/{job}/phase`: `PHASE=RUN` or `PHASE=ABORT`; 303 to the job.
pub async fn set_phase(CallerJob { service, job }: CallerJob, request: Request) -> Uws {
    post_one(
        CallerJob { service, job },
        request,
        ("PHASE", "RUN|ABORT"),
        change_phase,
    )
    .await
}

fn change_phase(service: &Arc<Service>, job: &Job, phase: &str) -> Uws<()> {
    if phase.eq_ignore_ascii_case("RUN") {
        let mut queued = false;
        service.modify_job(&job.id, |j| {
            if j.phase != Phase::Pending {
                // Running a job that runs or ran already changes nothing.
                return false;
            }
            j.phase = Phase::Queued;
            queued = true;
            true
        })?;
        if queued {
            runner::spawn(service, job.id.clone());
        }
        Ok(())
    } else if phase.eq_ignore_ascii_case("ABORT") {
        service.modify_job(&job.id, |j| {
            if !j.phase.is_active() {
                return false;
            }
            j.phase = Phase::Aborted;
            j.ended_ms = Some(now_ms());
            true
        })?;
        runner::abort(service, &job.id);
        Ok(())
    } else {
        Err(UwsError::Usage(format!(
            "PHASE={phase}: a job's phase can be set to RUN or ABORT"
        )))
    }
}

fn change_duration(service: &Arc<Service>, job: &Job, value: &str) -> Uws<()> {
    let seconds = parse_duration(value, service.config.query_timeout.as_secs())?;
    if job.phase != Phase::Pending {
        return Err(UwsError::Usage(format!(
            "the job is {}: its execution duration can change only while PENDING",
            job.phase.name()
        )));
    }
    service.modify_job(&job.id, |j| {
        j.execution_duration = seconds;
        true
    })?;
    Ok(())
}

fn change_destruction(service: &Arc<Service>, job: &Job, value: &str) -> Uws<()> {
    let ms = parse_destruction(service, job, value)?;
    service.modify_job(&job.id, |j| {
        j.destruction_ms = ms;
        true
    })?;
    Ok(())
}

/// `GET /async/{job}/executionduration`: seconds, text/plain.
pub async fn execution_duration(CallerJob { job, .. }: CallerJob) -> Uws {
    Ok(text(job.execution_duration.to_string()))
}

/// `POST /async/{job}/executionduration`: `EXECUTIONDURATION=N`; 303 to the job.
pub async fn set_execution_duration(
    CallerJob { service, job }: CallerJob,
    request: Request,
) -> Uws {
    post_one(
        CallerJob { service, job },
        request,
        ("EXECUTIONDURATION", "SECONDS"),
        change_duration,
    )
    .await
}

/// `GET /async/{job}/destruction`: ISO 8601, text/plain.
pub async fn destruction(CallerJob { job, .. }: CallerJob) -> Uws {
    Ok(text(iso(job.destruction_ms)))
}

/// `POST /async/{job}/destruction`: `DESTRUCTION=ISO`; 303 to the job.
pub async fn set_destruction(CallerJob { service, job }: CallerJob, request: Request) -> Uws {
    post_one(
        CallerJob { service, job },
        request,
        ("DESTRUCTION", "ISO-8601"),
        change_destruction,
    )
    .await
}

/// `GET /async/{job}/quote`: empty (this service does not estimate), text/plain.
/// (Extracting the job answers 404 for a job that is not the caller's.)
pub async fn quote(_: CallerJob) -> Uws {
    Ok(text(String::new()))
}

/// `GET /async/{job}/owner`: text/plain, empty when auth is off.
pub async fn owner(CallerJob { job, .. }: CallerJob) -> Uws {
    Ok(text(job.owner.unwrap_or_default()))
}

/// `GET /async/{job}/error`: the error of a job in ERROR, in its service's
/// form (a DALI error VOTable for TAP, SODA's text/plain for cutouts).
pub async fn error(CallerJob { job, .. }: CallerJob) -> Uws {
    match (job.phase, &job.error, job.kind) {
        (Phase::Error, Some(message), JobKind::Tap) => Ok((
            [(header::CONTENT_TYPE, votable::MIME_TYPE)],
            error_votable(message),
        )
            .into_response()),
        (Phase::Error, Some(message), JobKind::Cutout) => Ok(text(format!("{message}\n"))),
        _ => Err(UwsError::NoSuchJob(format!(
            "{}/error: the job has no error",
            job.id
        ))),
    }
}

/// `GET /async/{job}/parameters`.
pub async fn parameters(CallerJob { job, .. }: CallerJob) -> Uws {
    Ok(xml(wrap("parameters", parameters_element(&job))))
}

/// `POST /async/{job}/parameters`: replaces query parameters of a PENDING job;
/// 303 to the job.
pub async fn set_parameters(CallerJob { service, job }: CallerJob, request: Request) -> Uws {
    if job.phase != Phase::Pending {
        return Err(UwsError::Usage(format!(
            "the job is {}: parameters can change only while PENDING",
            job.phase.name()
        )));
    }
    let params = read_params(&service, request).await?;
    service.modify_job(&job.id, |j| {
        for (name, value) in params.pairs() {
            if CONTROL.contains(&name.as_str()) {
                continue;
            }
            j.parameters.retain(|(n, _)| n != name);
            j.parameters.push((name.clone(), value.clone()));
        }
        true
    })?;
    Ok(see_other(job_url(&service, job.kind, &job.id)))
}

/// `GET /async/{job}/results`.
pub async fn results(CallerJob { service, job }: CallerJob) -> Uws {
    Ok(xml(wrap("results", results_element(&service, &job))))
}

/// `GET /async/{job}/results/result`: the result file, streamed.
pub async fn result(CallerJob { service, job }: CallerJob) -> Uws {
    let Some(result) = job.result.filter(|_| job.phase == Phase::Completed) else {
        return Err(UwsError::NoSuchJob(format!(
            "{}/results/result: the job is {}",
            job.id,
            job.phase.name()
        )));
    };
    let path = service.job_dir(&job.id).join(runner::RESULT_FILE);
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| UwsError::Internal(format!("the result file: {e}")))?;
    let length = file.metadata().await.map(|m| m.len()).ok();
    let mut response = (
        [(header::CONTENT_TYPE, result.mime_type)],
        crate::file_body(file),
    )
        .into_response();
    if let Some(n) = length {
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, header::HeaderValue::from(n));
    }
    Ok(response)
}
