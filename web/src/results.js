// The result as a paged, sortable table. Rows keep their index in the result
// so that the sky view and the table point at the same row.

const NUMERIC = new Set(["short", "int", "long", "float", "double", "unsignedByte"]);

/** Compares two cells of a column of `datatype`; NULLs last. */
function compare(datatype, a, b) {
  if (a === null || a === "") return b === null || b === "" ? 0 : 1;
  if (b === null || b === "") return -1;
  if (NUMERIC.has(datatype)) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The column that holds a row's DataLink or dataset URL (as pyvo's getdataurl finds it). */
export function accessColumn(fields) {
  return fields.findIndex(
    (f) =>
      f.utype.toLowerCase().includes("access.reference") ||
      (f.ucd.includes("meta.dataset") && f.ucd.includes("meta.ref.url")) ||
      f.name.toLowerCase() === "access_url",
  );
}

export class ResultTable {
  /**
   * `elements`: table, pageInfo, prev, next. `actions.links(rowIndex)` opens
   * a row's DataLink; `actions.hover(rowIndex|null)` and `actions.select(rowIndex)`
   * tell the sky view.
   */
  constructor(elements, actions, pageSize = 50) {
    Object.assign(this, elements);
    this.actions = actions;
    this.pageSize = pageSize;
    this.prev.addEventListener("click", () => this.show(this.page - 1));
    this.next.addEventListener("click", () => this.show(this.page + 1));
  }

  /** Shows a new result from its first page, in the service's order. */
  load(result) {
    this.result = result;
    this.order = result.rows.map((_, i) => i);
    this.sort = null;
    this.selected = null;
    this.access = accessColumn(result.fields);
    this.drawHead();
    this.show(0);
  }

  pages() {
    return Math.max(1, Math.ceil(this.order.length / this.pageSize));
  }

  drawHead() {
    const head = this.table.tHead;
    head.replaceChildren();
    const row = head.insertRow();
    if (this.access >= 0) row.append(document.createElement("th"));
    this.result.fields.forEach((f, i) => {
      const th = document.createElement("th");
      th.textContent = f.name;
      th.dataset.column = f.name;
      if (f.unit) {
        const unit = document.createElement("span");
        unit.className = "unit";
        unit.textContent = f.unit;
        th.append(unit);
      }
      th.title = [f.description, f.ucd && `UCD ${f.ucd}`, f.datatype].filter(Boolean).join("\n");
      if (this.sort && this.sort.column === i) th.classList.add(this.sort.descending ? "desc" : "asc");
      th.addEventListener("click", () => this.sortBy(i));
      row.append(th);
    });
  }

  /** Sorts on column `i`: ascending first, then descending. */
  sortBy(i) {
    const descending = this.sort && this.sort.column === i && !this.sort.descending;
    this.sort = { column: i, descending };
    const { datatype } = this.result.fields[i];
    const rows = this.result.rows;
    this.order.sort((a, b) => {
      const c = compare(datatype, rows[a][i], rows[b][i]);
      return (descending ? -c : c) || a - b;
    });
    this.drawHead();
    this.show(0);
  }

  /** Shows page `n` (from 0). */
  show(n) {
    this.page = Math.max(0, Math.min(n, this.pages() - 1));
    const body = this.table.tBodies[0];
    body.replaceChildren();
    const first = this.page * this.pageSize;
    for (const index of this.order.slice(first, first + this.pageSize)) {
      const tr = body.insertRow();
      tr.dataset.row = String(index);
      if (index === this.selected) tr.classList.add("selected");
      const values = this.result.rows[index];
      if (this.access >= 0) {
        const cell = tr.insertCell();
        if (values[this.access]) {
          const button = document.createElement("button");
          button.type = "button";
          button.className = "links";
          button.textContent = "links";
          button.addEventListener("click", (e) => {
            e.stopPropagation();
            this.actions.links(index);
          });
          cell.append(button);
        }
      }
      values.forEach((v, i) => {
        const cell = tr.insertCell();
        if (v === null) cell.className = "null";
        cell.textContent = v === null ? "" : v;
        if (NUMERIC.has(this.result.fields[i].datatype)) cell.classList.add("number");
      });
      tr.addEventListener("mouseenter", () => this.actions.hover(index));
      tr.addEventListener("mouseleave", () => this.actions.hover(null));
      tr.addEventListener("click", () => this.actions.select(index));
    }
    this.pageInfo.textContent = `page ${this.page + 1} of ${this.pages()} (rows ${this.order.length ? first + 1 : 0}–${Math.min(first + this.pageSize, this.order.length)} of ${this.order.length})`;
    this.prev.disabled = this.page === 0;
    this.next.disabled = this.page >= this.pages() - 1;
  }

  /** Marks row `index` selected and shows its page (from the sky view). */
  select(index) {
    this.selected = index;
    const at = this.order.indexOf(index);
    if (at >= 0) this.show(Math.floor(at / this.pageSize));
    const tr = this.table.querySelector(`tr[data-row="${index}"]`);
    if (tr) tr.scrollIntoView({ block: "nearest" });
  }
}
