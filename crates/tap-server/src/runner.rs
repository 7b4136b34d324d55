//! Running async jobs: QUEUED until a slot is free, EXECUTING while the query
//! writes its result into the job's directory (a temporary file renamed into
//! place, so a result is whole or absent), then COMPLETED or ERROR. Jobs a stop
//! interrupted are queued again at start; the reaper destroys expired jobs.

use std::io::BufWriter;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::TapError;
use crate::execute;
use crate::jobs::{Job, JobResult, Phase};
use crate::params::Params;
use crate::{now_ms, Service};

/// The name of a job's result file in its directory.
pub const RESULT_FILE: &str = "result";

/// Starts running job `id` (already QUEUED) in the background.
pub fn spawn(service: &Arc<Service>, id: String) {
    let (abort, aborted) = tokio::sync::watch::channel(false);
    service
        .running
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id.clone(), abort);
    let service = service.clone();
    tokio::spawn(async move {
        if let Err(e) = run(&service, &id, aborted).await {
            tracing::error!(job = %id, error = %e, "running a job");
        }
        service
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
    });
}

/// Stops job `id` if it is being run.
pub fn abort(service: &Service, id: &str) {
    if let Some(switch) = service
        .running
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(id)
    {
        let _ = switch.send(true);
    }
}

/// Aborts, forgets and removes the files of job `id`.
pub fn destroy(service: &Service, id: &str) -> Result<bool, crate::jobs::StoreError> {
    abort(service, id);
    let deleted = {
        let _held = service
            .transitions
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        service.jobs.delete(id)?
    };
    if deleted {
        service.changed.send_modify(|v| *v += 1);
        let dir = service.job_dir(id);
        if dir.exists() {
            if let Err(e) = std::fs::remove_dir_all(&dir) {
                tracing::warn!(job = %id, error = %e, "removing a job's files");
            }
        }
    }
    Ok(deleted)
}

async fn run(
    service: &Arc<Service>,
    id: &str,
    aborted: tokio::sync::watch::Receiver<bool>,
) -> Result<(), crate::jobs::StoreError> {
    let Some(slot) = service.limiter.job_slot().await else {
        return Ok(());
    };
    let Some(job) = service.modify_job(id, |job| {
        if job.phase != Phase::Queued {
            return false;
        }
        job.phase = Phase::Executing;
        job.started_ms = Some(now_ms());
        true
    })?
    else {
        return Ok(());
    };
    if job.phase != Phase::Executing || *aborted.borrow() {
        return Ok(());
    }
    let outcome = execute_job(service, &job, aborted).await;
    // Free before the phase says the job ended: a client that starts its next
    // job on seeing it finds the slot free.
    drop(slot);
    service.modify_job(id, |job| {
        // An abort or a deletion while running wins over the outcome.
        if job.phase != Phase::Executing {
            return false;
        }
        job.ended_ms = Some(now_ms());
        match outcome {
            Ok(result) => {
                job.phase = Phase::Completed;
                job.result = Some(result);
            }
            Err(e) => {
                job.phase = Phase::Error;
                job.error = Some(e.to_string());
            }
        }
        true
    })?;
    Ok(())
}

/// The job's request, as stored: its parameters and its uploaded parts.
pub fn job_params(service: &Service, job: &Job) -> Result<Params, TapError> {
    let mut params = Params::default();
    for (k, v) in &job.parameters {
        params.push(k, v);
    }
    for (i, part) in job.upload_parts.iter().enumerate() {
        let data = std::fs::read(service.job_dir(&job.id).join(format!("upload-{i}")))
            .map_err(|e| TapError::Internal(format!("reading the upload {part}: {e}")))?;
        params.files.push((part.clone(), data.into()));
    }
    Ok(params)
}

async fn execute_job(
    service: &Arc<Service>,
    job: &Job,
    aborted: tokio::sync::watch::Receiver<bool>,
) -> Result<JobResult, TapError> {
    match job.kind {
        crate::jobs::JobKind::Tap => execute_query(service, job, aborted).await,
        crate::jobs::JobKind::Cutout => execute_cutout(service, job)
            .await
            .map_err(|e| TapError::Usage(e.0.to_string())),
    }
}

/// A SODA job: the cutout written as the job's result. Its failures keep
/// SODA's words (`NoOverlap: …`, `UsageError: …`) in the job's error.
async fn execute_cutout(
    service: &Arc<Service>,
    job: &Job,
) -> Result<JobResult, crate::error::SodaFailure> {
    use datalink::SodaError;
    let request = datalink::CutoutRequest::from_params(
        job.parameters.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )?;
    let dataset = service.datasets.dataset(&request.id).await?;
    let image = service.datasets.image_file(&dataset)?;
    let dir = service.job_dir(&job.id);
    let butler = dataset.id.butler();
    tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir)
            .map_err(|e| SodaError::Fault(format!("creating the job directory: {e}")))?;
        datalink::cut_to_file(&image, &request.stencil, &dir.join(RESULT_FILE))
            .map(|_| ())
            .map_err(|e| e.into_soda(&butler))
    })
    .await
    .map_err(|_| SodaError::Fault("the cutout stopped".into()))??;
    Ok(JobResult {
        mime_type: "image/fits".into(),
        rows: 0,
        overflow: false,
    })
}

async fn execute_query(
    service: &Arc<Service>,
    job: &Job,
    aborted: tokio::sync::watch::Receiver<bool>,
) -> Result<JobResult, TapError> {
    let params = job_params(service, job)?;
    let query = crate::tap::query_job(service, &params)?;
    let duration = Duration::from_secs(job.execution_duration.max(1));
    let deadline = Instant::now() + duration;
    let stop = adql_engine::QueryStop::with_deadline(deadline);
    let handle = service.cpu();
    let timer = tokio::runtime::Handle::current();
    let result = execute::start(&handle, &service.engine, &query, &stop).await?;
    let dir = service.job_dir(&job.id);
    std::fs::create_dir_all(&dir)
        .map_err(|e| TapError::Internal(format!("creating the job directory: {e}")))?;
    let partial = dir.join(format!("{RESULT_FILE}.partial"));
    let file = std::fs::File::create(&partial)
        .map_err(|e| TapError::Internal(format!("writing the result: {e}")))?;
    let mime_type = query.format.mime_type().to_string();
    let written = tokio::task::spawn_blocking(move || {
        let rows = AtomicU64::new(0);
        execute::write_result(
            &handle,
            result,
            &query,
            BufWriter::with_capacity(256 * 1024, file),
            execute::Watch {
                deadline,
                cancel: &aborted,
                stop: &stop,
                timer: &timer,
                rows: &rows,
            },
            || {},
        )
    })
    .await
    .map_err(|_| TapError::Internal("the job stopped".into()))??;
    std::fs::rename(&partial, dir.join(RESULT_FILE))
        .map_err(|e| TapError::Internal(format!("keeping the result: {e}")))?;
    Ok(JobResult {
        mime_type,
        rows: written.rows,
        overflow: written.overflow,
    })
}

/// Queues again the jobs that were queued or executing when the service stopped.
pub fn resume_interrupted(service: &Arc<Service>) {
    let ids = match service.jobs.interrupted() {
        Ok(ids) => ids,
        Err(e) => {
            tracing::error!(error = %e, "finding interrupted jobs");
            return;
        }
    };
    for id in ids {
        let requeued = service.modify_job(&id, |job| {
            job.phase = Phase::Queued;
            job.started_ms = None;
            true
        });
        match requeued {
            Ok(Some(_)) => {
                tracing::info!(job = %id, "resuming an interrupted job");
                spawn(service, id);
            }
            Ok(None) => {}
            Err(e) => tracing::error!(job = %id, error = %e, "resuming a job"),
        }
    }
}

/// Destroys jobs past their destruction time, every `reaper_interval`.
pub fn start_reaper(service: &Arc<Service>) {
    let weak = Arc::downgrade(service);
    let every = service.config.reaper_interval;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let Some(service) = weak.upgrade() else { break };
            match service.jobs.expired(now_ms()) {
                Ok(ids) => {
                    for id in ids {
                        match destroy(&service, &id) {
                            Ok(_) => tracing::info!(job = %id, "destroyed an expired job"),
                            Err(e) => tracing::error!(job = %id, error = %e, "destroying a job"),
                        }
                    }
                }
                Err(e) => tracing::error!(error = %e, "looking for expired jobs"),
            }
        }
    });
}
