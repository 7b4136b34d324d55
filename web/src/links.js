// A row's DataLink document (DataLink 1.1): its links with downloads and
// previews, and a cutout form built from the SODA service descriptor.
import { all, call, errorOf, save, votable } from "./api.js";

/** The service descriptors of a links document: {id, accessURL, standardID, inputs: [{name, ref, value, ucd, unit}]}. */
function descriptors(doc) {
  return all(doc, "RESOURCE")
    .filter((r) => r.getAttribute("type") === "meta" && r.getAttribute("utype") === "adhoc:service")
    .map((r) => {
      const params = Array.from(r.children).filter((c) => c.localName === "PARAM");
      const value = (name) => params.find((p) => p.getAttribute("name") === name)?.getAttribute("value") || "";
      const group = Array.from(r.children).find((c) => c.localName === "GROUP" && c.getAttribute("name") === "inputParams");
      const inputs = group
        ? Array.from(group.children)
            .filter((c) => c.localName === "PARAM")
            .map((p) => ({
              name: p.getAttribute("name"),
              ref: p.getAttribute("ref") || "",
              value: p.getAttribute("value") || "",
              ucd: p.getAttribute("ucd") || "",
              unit: p.getAttribute("unit") || "",
              xtype: p.getAttribute("xtype") || "",
            }))
        : [];
      return { id: r.getAttribute("ID") || "", accessURL: value("accessURL"), standardID: value("standardID"), inputs };
    });
}

/** The last path segment of a URL, as a download name. */
function fileName(url, fallback) {
  try {
    const last = new URL(url, document.baseURI).pathname.split("/").pop();
    return last || fallback;
  } catch (_) {
    return fallback;
  }
}

/** Fetches `url` with the token and saves it; errors are shown in `status`. */
async function download(url, name, status) {
  status.textContent = `downloading ${name}…`;
  const response = await call(url);
  if (!response.ok) {
    status.textContent = await errorOf(response);
    return;
  }
  await save(response, name);
  status.textContent = `saved ${name}`;
}

/**
 * Shows the links of a row in `panel`: `url` is the row's access_url,
 * `row` its values by column name (for the cutout form's defaults).
 */
export async function showLinks(panel, url, row) {
  panel.hidden = false;
  panel.replaceChildren();
  const title = document.createElement("h3");
  title.textContent = `DataLink: ${row.obs_id || url}`;
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = "close";
  close.addEventListener("click", () => (panel.hidden = true));
  const status = document.createElement("p");
  status.className = "link-status";
  panel.append(title, close, status);
  const response = await call(url);
  if (!response.ok) {
    status.textContent = await errorOf(response);
    return;
  }
  const links = votable(await response.text());
  const col = (name) => links.fields.findIndex((f) => f.name === name);
  const [ACCESS, SERVICE, ERROR, DESC, SEM, TYPE, SIZE] = [
    "access_url", "service_def", "error_message", "description", "semantics", "content_type", "content_length",
  ].map(col);
  const table = document.createElement("table");
  table.className = "links-table";
  const head = table.createTHead().insertRow();
  for (const h of ["semantics", "description", "content type", "size", ""]) {
    const th = document.createElement("th");
    th.textContent = h;
    head.append(th);
  }
  const body = table.createTBody();
  const services = descriptors(links.doc);
  for (const values of links.rows) {
    const tr = body.insertRow();
    tr.dataset.semantics = values[SEM] || "";
    tr.insertCell().textContent = values[SEM] || "";
    tr.insertCell().textContent = values[ERROR] || values[DESC] || "";
    tr.insertCell().textContent = values[TYPE] || "";
    tr.insertCell().textContent = values[SIZE] ? `${(Number(values[SIZE]) / 1024).toFixed(0)} KiB` : "";
    const action = tr.insertCell();
    const href = values[ACCESS];
    if (href && (values[TYPE] || "").startsWith("image/png")) {
      const show = button("preview", async () => {
        const r = await call(href);
        if (!r.ok) {
          status.textContent = await errorOf(r);
          return;
        }
        const img = document.createElement("img");
        img.className = "preview";
        img.alt = `preview of ${row.obs_id || ""}`;
        img.src = URL.createObjectURL(await r.blob());
        panel.querySelector("img.preview")?.remove();
        panel.append(img);
      });
      action.append(show);
    } else if (href && (values[TYPE] || "").includes("content=datalink")) {
      action.append(button("links", () => showLinks(panel, href, row)));
    } else if (href) {
      action.append(button("download", () => download(href, fileName(href, "dataset"), status)));
    } else if (values[SERVICE]) {
      const service = services.find((s) => s.id === values[SERVICE]);
      if (service) action.append(cutoutForm(service, values, links.fields, row, status));
    }
  }
  panel.append(table);
}

function button(label, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.addEventListener("click", onClick);
  return b;
}

/** A SODA form: one input per free parameter, defaults from the row (a small circle on its centre). */
function cutoutForm(service, linkValues, linkFields, row, status) {
  const formEl = document.createElement("form");
  formEl.className = "cutout";
  const fixed = {};
  const inputs = [];
  for (const p of service.inputs) {
    if (p.ref) {
      const i = linkFields.findIndex((f) => f.id === p.ref || f.name === p.ref);
      if (i >= 0) fixed[p.name] = linkValues[i];
      continue;
    }
    if (p.value) {
      fixed[p.name] = p.value;
      continue;
    }
    if (!["CIRCLE", "POLYGON", "POS", "BAND"].includes(p.name)) continue;
    const label = document.createElement("label");
    label.textContent = `${p.name} `;
    const input = document.createElement("input");
    input.name = p.name;
    input.size = 28;
    if (p.name === "CIRCLE" && row.s_ra != null && row.s_dec != null) {
      input.value = `${Number(row.s_ra).toFixed(5)} ${Number(row.s_dec).toFixed(5)} 0.01`;
    }
    input.placeholder = p.unit ? `[${p.unit}]` : "";
    label.append(input);
    formEl.append(label);
    inputs.push(input);
  }
  const submit = document.createElement("button");
  submit.textContent = "cut out";
  formEl.append(submit);
  formEl.addEventListener("submit", async (e) => {
    e.preventDefault();
    const params = new URLSearchParams(fixed);
    for (const input of inputs) if (input.value.trim()) params.append(input.name, input.value.trim());
    await download(`${service.accessURL}?${params}`, "cutout.fits", status);
  });
  return formEl;
}
