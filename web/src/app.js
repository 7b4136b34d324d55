// The query page: wires the editor, the schema browser, the examples, runs
// (sync and async), the result table, DataLink and the sky view together.
import { call, errorOf, form, save, TAP, token, askToken, votable } from "./api.js";
import { createEditor } from "./editor.js";
import { loadExamples, loadTables, renderSchema } from "./schema.js";
import * as jobs from "./jobs.js";
import { ResultTable } from "./results.js";
import { showLinks } from "./links.js";

const $ = (id) => document.getElementById(id);

/** Every format the service writes (TAPRegExt outputFormat), with file names. */
const DOWNLOADS = [
  ["VOTable", "votable", "result.vot"],
  ["VOTable (TABLEDATA)", "votable/td", "result-td.vot"],
  ["CSV", "csv", "result.csv"],
  ["TSV", "tsv", "result.tsv"],
  ["JSON", "json", "result.json"],
  ["Parquet", "parquet", "result.parquet"],
];

const FIRST_QUERY = `SELECT TOP 100 obs_id, dataproduct_subtype, lsst_band, s_ra, s_dec, s_region, access_url
FROM ivoa.ObsCore
WHERE CONTAINS(POINT('ICRS', 55.7467, -32.2862), s_region) = 1`;

/** What the page holds, for people reading the console and for the browser tests. */
const page = {
  diagnostics: [],
  result: null,
  lastQuery: null,
  sky: null,
  ready: false,
  phases: [],
};
window.adqlPage = page;

function status(message) {
  $("status").textContent = message;
}

function showError(message) {
  const box = $("error");
  box.hidden = !message;
  box.textContent = message || "";
}

const editor = createEditor($("editor"), {
  doc: sessionStorage.getItem("adql-rs-query") || FIRST_QUERY,
  onRun: () => runSync(),
  lang: () => $("lang").value,
  onDiagnostics(diagnostics) {
    page.diagnostics = diagnostics;
    const box = $("diagnostics");
    box.replaceChildren();
    for (const d of diagnostics) {
      const line = document.createElement("div");
      line.className = `diagnostic ${d.severity}`;
      line.textContent = `${d.line}:${d.column} ${d.message}${d.hint ? ` — ${d.hint}` : ""}`;
      box.append(line);
    }
  },
});
page.editor = editor;
performance.mark("adql-editor-ready");

const table = new ResultTable(
  { table: $("result-table"), pageInfo: $("page-info"), prev: $("page-prev"), next: $("page-next") },
  {
    links: (index) => openLinks(index),
    hover: (index) => page.sky?.mark(index, "hover"),
    select: (index) => {
      table.select(index);
      page.sky?.mark(index, "select");
    },
  },
);

function params(extra = {}) {
  return {
    REQUEST: "doQuery",
    LANG: $("lang").value,
    QUERY: editor.text(),
    MAXREC: $("maxrec").value,
    ...extra,
  };
}

async function runSync() {
  const query = editor.text();
  sessionStorage.setItem("adql-rs-query", query);
  showError("");
  status("running…");
  const started = performance.now();
  let response;
  try {
    response = await call(`${TAP}/sync`, { method: "POST", body: form(params({ RESPONSEFORMAT: "votable/td" })) });
  } catch (e) {
    status("");
    showError(`The service did not answer: ${e.message}`);
    return;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  if (!response.ok) {
    status(`failed after ${seconds} s`);
    showError(await errorOf(response));
    return;
  }
  await showResult(await response.text(), `${seconds} s`, query, params());
}

async function runAsync() {
  const query = editor.text();
  showError("");
  $("jobs-panel").open = true;
  try {
    const url = await jobs.submit(params({ RESPONSEFORMAT: "votable/td" }));
    status("job submitted");
    await refreshJobs();
    page.phases = [];
    const job = await jobs.follow(url, (j) => {
      page.phases.push(j.phase);
      status(`job ${j.id}: ${j.phase}`);
      refreshJobs();
    });
    await refreshJobs();
    if (job.phase === "COMPLETED") await loadJobResult(job, query);
    else if (job.phase === "ERROR") showError(job.error || "the job failed");
  } catch (e) {
    showError(e.message);
  }
}

async function loadJobResult(job, query) {
  const response = await call(`${job.url}/results/result`);
  if (!response.ok) {
    showError(await errorOf(response));
    return;
  }
  await showResult(await response.text(), `job ${job.id}, ${jobs.duration(job)}`, query ?? null, null);
}

async function refreshJobs() {
  const list = await jobs.list();
  $("job-count").textContent = list.length ? `(${list.length})` : "";
  const body = $("jobs").tBodies[0];
  body.replaceChildren();
  for (const job of list) {
    const tr = body.insertRow();
    tr.dataset.job = job.id;
    tr.insertCell().textContent = job.id;
    const phase = tr.insertCell();
    phase.className = `phase ${job.phase}`;
    phase.textContent = job.phase;
    tr.insertCell().textContent = job.created.replace("T", " ").replace(/\.\d+Z?$/, "");
    tr.insertCell().textContent = jobs.duration(job);
    const actions = tr.insertCell();
    const add = (label, onClick) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.addEventListener("click", onClick);
      actions.append(b);
    };
    if (job.phase === "COMPLETED") add("result", () => loadJobResult(job));
    if (job.phase === "ERROR") add("error", () => showError(job.error));
    if (["PENDING", "QUEUED", "EXECUTING"].includes(job.phase)) add("abort", async () => (await jobs.abort(job.url), refreshJobs()));
    add("delete", async () => (await jobs.remove(job.url), refreshJobs()));
  }
}

async function showResult(body, timing, query, request) {
  let result;
  try {
    result = votable(body);
  } catch (e) {
    showError(e.message);
    return;
  }
  if (result.status === "ERROR") {
    status("");
    showError(result.message);
    return;
  }
  page.result = result;
  page.lastQuery = request;
  $("result-area").hidden = false;
  $("links").hidden = true;
  const rows = result.rows.length;
  status("");
  $("result-summary").textContent = `${rows} row${rows === 1 ? "" : "s"} · ${timing}`;
  const overflow = $("overflow");
  overflow.hidden = result.status !== "OVERFLOW";
  overflow.textContent = `Only the first ${rows} rows: the result was cut at MAXREC=${rows}. Raise MAXREC or narrow the query for the rest.`;
  $("downloads").hidden = !request;
  table.load(result);
  await drawSky(result);
}

async function drawSky(result) {
  const index = (...names) => result.fields.findIndex((f) => names.includes(f.name.toLowerCase()));
  const region = result.fields.findIndex((f) => f.xtype === "adql:REGION" || f.name.toLowerCase() === "s_region" || f.ucd.startsWith("pos.outline"));
  let ra = result.fields.findIndex((f) => f.ucd.startsWith("pos.eq.ra"));
  let dec = result.fields.findIndex((f) => f.ucd.startsWith("pos.eq.dec"));
  if (ra < 0 || dec < 0) [ra, dec] = [index("s_ra", "ra", "coord_ra"), index("s_dec", "dec", "coord_dec")];
  const sky = $("sky");
  if (region < 0 && (ra < 0 || dec < 0)) {
    sky.hidden = true;
    return;
  }
  sky.hidden = false;
  if (!page.sky) {
    const { Sky } = await import("./sky.js");
    // The server's HiPS: a URL, or `hips/` beside the page (a local directory it serves).
    const named = document.querySelector('meta[name="adql-hips"]')?.content;
    const hips = named ? new URL(named, location.href).href : null;
    page.sky = new Sky($("aladin"), $("sky-info"), (row) => table.select(row) || page.sky.mark(row, "select"), hips);
    await page.sky.start();
  }
  const regions = result.rows.map((r) => (region >= 0 ? r[region] : null));
  const positions = result.rows.map((r) => (ra >= 0 && dec >= 0 && r[ra] !== null && r[dec] !== null ? [Number(r[ra]), Number(r[dec])] : null));
  page.sky.show(regions, positions);
}

function openLinks(index) {
  const { fields, rows } = page.result;
  const values = rows[index];
  const byName = Object.fromEntries(fields.map((f, i) => [f.name.toLowerCase(), values[i]]));
  const access = table.access;
  const url = values[access];
  const format = byName.access_format || "";
  const panel = $("links");
  if (format && !format.includes("content=datalink")) {
    // A direct dataset link: download it.
    call(url).then((r) => (r.ok ? save(r, url.split("/").pop() || "dataset") : errorOf(r).then(showError)));
    return;
  }
  showLinks(panel, url, byName).catch((e) => showError(e.message));
  panel.scrollIntoView({ block: "nearest" });
}

function setupDownloads() {
  const area = $("downloads");
  for (const [label, format, name] of DOWNLOADS) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.dataset.format = format;
    b.addEventListener("click", async () => {
      if (!page.lastQuery) return;
      status(`writing ${label}…`);
      const response = await call(`${TAP}/sync`, { method: "POST", body: form({ ...page.lastQuery, RESPONSEFORMAT: format }) });
      if (!response.ok) {
        showError(await errorOf(response));
        status("");
        return;
      }
      await save(response, name);
      status(`saved ${name}`);
    });
    area.append(b);
  }
}

async function setupTables() {
  try {
    const tables = await loadTables();
    page.tables = tables;
    editor.setTables(tables);
    renderSchema($("schema-tree"), $("schema-filter"), tables, (name) => {
      const { from, to } = editor.view.state.selection.main;
      editor.view.dispatch({ changes: { from, to, insert: name } });
      editor.view.focus();
    });
  } catch (e) {
    $("schema-tree").textContent = e.message;
  }
}

async function setupExamples() {
  const examples = await loadExamples().catch(() => []);
  const select = $("examples");
  for (const e of examples) {
    const option = document.createElement("option");
    option.textContent = e.name;
    option.value = e.query;
    select.append(option);
  }
  select.addEventListener("change", () => {
    if (select.value) editor.set(select.value);
    select.value = "";
  });
}

$("run-form").addEventListener("submit", (e) => {
  e.preventDefault();
  runSync();
});
$("run-async").addEventListener("click", runAsync);
$("lang").addEventListener("change", () => editor.relint());
$("jobs-panel").addEventListener("toggle", () => $("jobs-panel").open && refreshJobs());
$("token-button").hidden = !token();
$("token-button").addEventListener("click", () => askToken().then(() => Promise.all([setupTables(), refreshJobs()])));
setupDownloads();
Promise.all([setupTables(), setupExamples()]).then(() => {
  page.ready = true;
  performance.mark("adql-page-ready");
});
