// Talking to the service: every request goes through `call`, which adds the
// bearer token when one was given and asks for one on a 401.

/** The TAP base URL, relative to the page so that embedders can mount it anywhere. */
export const TAP = new URL("api/tap", document.baseURI).href;

const TOKEN_KEY = "adql-rs-token";

/** The token given in this tab, if any. */
export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

let asking = null;

/** Shows the token dialog; resolves when the user has given one. */
export function askToken() {
  if (asking) return asking;
  const dialog = document.getElementById("token-dialog");
  const input = document.getElementById("token-input");
  asking = new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => {
        const value = input.value.trim();
        if (value) sessionStorage.setItem(TOKEN_KEY, value);
        asking = null;
        resolve(value);
      },
      { once: true },
    );
    dialog.showModal();
    input.focus();
  });
  return asking;
}

/** `fetch` with the token; a 401 asks for a token once and tries again. */
export async function call(url, options = {}) {
  const send = () => {
    const headers = new Headers(options.headers || {});
    const t = token();
    if (t) headers.set("Authorization", `Bearer ${t}`);
    return fetch(url, { ...options, headers });
  };
  let response = await send();
  if (response.status === 401) {
    document.getElementById("token-button").hidden = false;
    if (await askToken()) response = await send();
  }
  return response;
}

/** A form body from an object (TAP parameters travel form-encoded). */
export function form(params) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") body.append(k, String(v));
  }
  return body;
}

/** Parses an XML document; throws with the parser's message when it is not XML. */
export function xml(text) {
  const doc = new DOMParser().parseFromString(text, "application/xml");
  const broken = doc.getElementsByTagName("parsererror")[0];
  if (broken) throw new Error(`not XML: ${broken.textContent.slice(0, 200)}`);
  return doc;
}

/** The elements named `local` in any namespace. */
export function all(node, local) {
  return Array.from(node.getElementsByTagNameNS("*", local));
}

/** The text of the first element named `local` under `node`, or "". */
export function text(node, local) {
  const found = node.getElementsByTagNameNS("*", local)[0];
  return found ? found.textContent.trim() : "";
}

/**
 * A VOTable (TABLEDATA) as { fields, rows, status, message }: fields carry
 * name, datatype, unit, ucd, utype and xtype; status is QUERY_STATUS (the
 * last one, as pyvo reads it).
 */
export function votable(textBody) {
  const doc = xml(textBody);
  let status = "OK";
  let message = "";
  for (const info of all(doc, "INFO")) {
    if (info.getAttribute("name") === "QUERY_STATUS") {
      status = info.getAttribute("value") || "";
      message = info.textContent.trim();
    }
  }
  const fields = all(doc, "FIELD").map((f) => ({
    name: f.getAttribute("name"),
    datatype: f.getAttribute("datatype") || "char",
    arraysize: f.getAttribute("arraysize"),
    unit: f.getAttribute("unit") || "",
    ucd: f.getAttribute("ucd") || "",
    utype: f.getAttribute("utype") || "",
    xtype: f.getAttribute("xtype") || "",
    description: text(f, "DESCRIPTION"),
    id: f.getAttribute("ID") || "",
  }));
  const rows = all(doc, "TR").map((tr) =>
    Array.from(tr.children).map((td) => (td.hasAttribute("xsi:nil") && td.textContent === "" ? null : td.textContent)),
  );
  const params = {};
  for (const p of all(doc, "PARAM")) params[p.getAttribute("name")] = p.getAttribute("value");
  return { doc, fields, rows, status, message, params };
}

/** The message of a DALI error body (a VOTable with QUERY_STATUS=ERROR, or text). */
export async function errorOf(response) {
  const body = await response.text();
  try {
    const table = votable(body);
    if (table.message) return table.message;
  } catch (_) {
    // Not a VOTable: the body is the message.
  }
  try {
    const doc = xml(body);
    const summary = text(doc, "message");
    if (summary) return summary;
  } catch (_) {
    // Plain text.
  }
  return body.trim() || `${response.status} ${response.statusText}`;
}

/** Saves a response body as a file named `name`. */
export async function save(response, name) {
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
