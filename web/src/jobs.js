// Async queries as UWS 1.1 jobs: create (303 to the job), RUN, watch the
// phase, list, abort, delete.
import { all, call, form, TAP, text, xml } from "./api.js";

/** A job's state read from its UWS document. */
function jobOf(doc, url) {
  return {
    url,
    id: text(doc, "jobId"),
    phase: text(doc, "phase"),
    created: text(doc, "creationTime"),
    started: text(doc, "startTime"),
    ended: text(doc, "endTime"),
    error: text(doc, "message"),
  };
}

/** Reads the job at `url`, waiting up to `wait` seconds for a phase change. */
export async function readJob(url, wait) {
  const response = await call(wait ? `${url}?WAIT=${wait}` : url);
  if (!response.ok) throw new Error(`job ${url}: ${response.status}`);
  return jobOf(xml(await response.text()), url);
}

/** Creates a job for `params` and starts it; resolves to its URL. */
export async function submit(params) {
  const created = await call(`${TAP}/async`, { method: "POST", body: form(params) });
  if (!created.ok) throw new Error(`creating the job: ${created.status}`);
  const url = created.url;
  const run = await call(`${url}/phase`, { method: "POST", body: form({ PHASE: "RUN" }) });
  if (!run.ok && run.status !== 303) throw new Error(`starting the job: ${run.status}`);
  return url;
}

/** Follows a job until it ends, calling `seen` at each phase. */
export async function follow(url, seen) {
  for (;;) {
    const job = await readJob(url, 2);
    seen(job);
    if (!["PENDING", "QUEUED", "EXECUTING", "SUSPENDED", "HELD"].includes(job.phase)) return job;
  }
}

export const abort = (url) => call(`${url}/phase`, { method: "POST", body: form({ PHASE: "ABORT" }) });
export const remove = (url) => call(url, { method: "DELETE" });

/** The caller's jobs, newest first, each read for its times. */
export async function list() {
  const response = await call(`${TAP}/async`);
  if (!response.ok) return [];
  const refs = all(xml(await response.text()), "jobref").map((r) => ({
    id: r.getAttribute("id"),
    url: `${TAP}/async/${r.getAttribute("id")}`,
  }));
  const jobs = await Promise.all(refs.map((r) => readJob(r.url).catch(() => null)));
  return jobs.filter(Boolean).sort((a, b) => b.created.localeCompare(a.created));
}

/** Seconds between two ISO times, or since `start` when the job still runs. */
export function duration(job) {
  if (!job.started) return "";
  const end = job.ended ? Date.parse(job.ended) : Date.now();
  return `${((end - Date.parse(job.started)) / 1000).toFixed(1)} s`;
}
