// The schema browser and the examples menu, from VOSI /tables and DALI /examples.
import { all, call, TAP, text, xml } from "./api.js";

/** The service's tables with their columns (name, datatype, unit, ucd, description). */
export async function loadTables() {
  const response = await call(`${TAP}/tables`);
  if (!response.ok) throw new Error(`/tables answered ${response.status}`);
  const doc = xml(await response.text());
  return all(doc, "table").map((t) => ({
    name: directText(t, "name"),
    description: directText(t, "description"),
    columns: Array.from(t.children)
      .filter((c) => c.localName === "column")
      .map((c) => ({
        name: directText(c, "name"),
        datatype: directText(c, "dataType"),
        unit: directText(c, "unit"),
        ucd: directText(c, "ucd"),
        description: directText(c, "description"),
      })),
  }));
}

/** The text of `node`'s own child `local` (not a descendant's). */
function directText(node, local) {
  const child = Array.from(node.children).find((c) => c.localName === local);
  return child ? child.textContent.trim() : "";
}

/** Draws the tables in `tree`; clicking a name puts it in the editor. */
export function renderSchema(tree, filterInput, tables, insert) {
  const draw = () => {
    const wanted = filterInput.value.trim().toLowerCase();
    tree.replaceChildren();
    for (const t of tables) {
      const columns = t.columns.filter(
        (c) => !wanted || t.name.toLowerCase().includes(wanted) || c.name.toLowerCase().includes(wanted),
      );
      if (wanted && columns.length === 0) continue;
      const details = document.createElement("details");
      details.className = "table";
      details.open = Boolean(wanted);
      const summary = document.createElement("summary");
      const name = document.createElement("code");
      name.textContent = t.name;
      name.title = t.description;
      name.addEventListener("dblclick", () => insert(t.name));
      summary.append(name, ` ${t.columns.length}`);
      details.append(summary);
      if (t.description) {
        const p = document.createElement("p");
        p.textContent = t.description;
        details.append(p);
      }
      const list = document.createElement("table");
      list.className = "columns";
      for (const c of columns) {
        const row = list.insertRow();
        const cell = row.insertCell();
        const code = document.createElement("code");
        code.textContent = c.name;
        code.addEventListener("dblclick", () => insert(c.name));
        cell.append(code);
        row.insertCell().textContent = c.datatype;
        row.insertCell().textContent = c.unit;
        row.insertCell().textContent = c.ucd;
        row.title = c.description;
      }
      details.append(list);
      tree.append(details);
    }
  };
  filterInput.addEventListener("input", draw);
  draw();
}

/** The DALI examples: [{name, query}]. */
export async function loadExamples() {
  const response = await call(`${TAP}/examples`);
  if (!response.ok) return [];
  const doc = xml(await response.text());
  return all(doc, "*")
    .filter((e) => e.getAttribute("typeof") === "example")
    .map((e) => {
      const find = (p) => Array.from(e.getElementsByTagNameNS("*", "*")).find((c) => c.getAttribute("property") === p);
      return { name: find("name")?.textContent.trim() || e.id, query: find("query")?.textContent.trim() || "" };
    })
    .filter((e) => e.query);
}

export { text };
