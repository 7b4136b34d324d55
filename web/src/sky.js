// The sky view: Aladin Lite 3 with the result's footprints (s_region) and
// positions drawn over a coordinate grid. Loaded on demand by app.js.
// Offline by design: no HiPS list, no survey from CDS, no usage log; a HiPS
// is shown only when the server names one.
import A from "aladin-lite";

const COLOR = "#2f7bf5";
const HOVER = "#f5a524";
const SELECTED = "#e5484d";

/** Vertices of an STC-S or DALI region, or a circle: {polygon:[[ra,dec]…]} | {circle:[ra,dec,r]} | null. */
export function parseRegion(text) {
  if (!text) return null;
  const words = String(text).trim().split(/\s+/);
  const shape = words[0].toUpperCase();
  // STC-S: a shape, an optional frame and reference position, then numbers.
  const numbers = words.filter((w) => /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(w)).map(Number);
  if (shape === "POLYGON" || (/^[-+.\d]/.test(shape) && numbers.length >= 6 && numbers.length % 2 === 0)) {
    const polygon = [];
    for (let i = 0; i + 1 < numbers.length; i += 2) polygon.push([numbers[i], numbers[i + 1]]);
    return { polygon };
  }
  if ((shape === "CIRCLE" || /^[-+.\d]/.test(shape)) && numbers.length === 3) return { circle: numbers };
  if (shape === "BOX" && numbers.length === 4) {
    const [ra, dec, w, h] = numbers;
    const c = Math.cos((dec * Math.PI) / 180) || 1e-9;
    return {
      polygon: [
        [ra - w / 2 / c, dec - h / 2],
        [ra + w / 2 / c, dec - h / 2],
        [ra + w / 2 / c, dec + h / 2],
        [ra - w / 2 / c, dec + h / 2],
      ],
    };
  }
  return null;
}

/** The mean direction of points on the sphere, and the largest angle from it (degrees). */
function centre(points) {
  let x = 0;
  let y = 0;
  let z = 0;
  const rad = Math.PI / 180;
  const unit = points.map(([ra, dec]) => [
    Math.cos(dec * rad) * Math.cos(ra * rad),
    Math.cos(dec * rad) * Math.sin(ra * rad),
    Math.sin(dec * rad),
  ]);
  for (const [a, b, c] of unit) {
    x += a;
    y += b;
    z += c;
  }
  const n = Math.hypot(x, y, z) || 1;
  [x, y, z] = [x / n, y / n, z / n];
  let reach = 0;
  for (const [a, b, c] of unit) reach = Math.max(reach, Math.acos(Math.min(1, a * x + b * y + c * z)) / rad);
  const ra = ((Math.atan2(y, x) / rad) + 360) % 360;
  return { ra, dec: Math.asin(z) / rad, reach };
}

export class Sky {
  /** `onSelect(rowIndex)` is called when a footprint or position is clicked. */
  constructor(div, info, onSelect, hips) {
    this.div = div;
    this.info = info;
    this.onSelect = onSelect;
    this.hips = hips;
    this.shapes = new Map();
    this.selected = null;
    this.hovered = null;
  }

  async start() {
    await A.init;
    const options = {
      log: false,
      hipsList: [],
      showLayersControl: false,
      showSettingsControl: false,
      showShareControl: false,
      showSimbadPointerControl: false,
      showProjectionControl: false,
      showCooGridControl: true,
      showReticle: false,
      showContextMenu: false,
      samp: false,
      projection: "SIN",
      cooFrame: "ICRS",
      gridOptions: { enabled: true, showLabels: true, color: "rgb(120,160,200)", opacity: 0.6 },
      backgroundColor: "rgb(16, 20, 28)",
    };
    // With no survey Aladin would ask CDS for DSS: give it the server's HiPS or an empty list.
    options.survey = this.hips ? [this.hips] : [];
    this.aladin = A.aladin(this.div, options);
    this.overlay = A.graphicOverlay({ color: COLOR, lineWidth: 2, name: "s_region" });
    this.aladin.addOverlay(this.overlay);
    this.catalog = A.catalog({ name: "positions", sourceSize: 10, color: COLOR, shape: "circle" });
    this.aladin.addCatalog(this.catalog);
    const picked = (object) => {
      const row = object?.adqlRow ?? object?.data?.adqlRow;
      if (row !== undefined) this.onSelect(row);
    };
    this.aladin.on("objectClicked", picked);
    this.aladin.on("footprintClicked", picked);
  }

  /** Draws a result: `regions[i]` (text or null) and `positions[i]` ([ra, dec] or null) per row. */
  show(regions, positions) {
    this.overlay.removeAll();
    this.catalog.removeAll();
    this.shapes.clear();
    const points = [];
    let footprints = 0;
    regions.forEach((text, row) => {
      const region = parseRegion(text);
      if (!region) return;
      let shape;
      if (region.polygon) {
        shape = A.polygon(region.polygon.map(([ra, dec]) => [ra, dec]), { color: COLOR, lineWidth: 2 });
        points.push(...region.polygon);
      } else {
        const [ra, dec, r] = region.circle;
        shape = A.circle(ra, dec, r, { color: COLOR, lineWidth: 2 });
        points.push([ra, dec]);
      }
      shape.adqlRow = row;
      this.overlay.add(shape);
      this.shapes.set(row, shape);
      footprints += 1;
    });
    const sources = [];
    positions.forEach((p, row) => {
      if (!p || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) return;
      const source = A.source(p[0], p[1], { adqlRow: row });
      source.adqlRow = row;
      sources.push(source);
      if (footprints === 0) points.push(p);
    });
    this.catalog.addSources(sources);
    if (points.length) {
      const { ra, dec, reach } = centre(points);
      this.aladin.gotoRaDec(ra, dec);
      this.aladin.setFoV(Math.min(180, Math.max(2.4 * reach, 0.05)));
      this.centre = { ra, dec, reach };
    }
    this.footprints = footprints;
    this.positions = sources.length;
    const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
    this.info.textContent = `${plural(footprints, "footprint")}, ${plural(sources.length, "position")}`;
  }

  /** Colours a row's footprint: `hover` while the pointer is on its table row. */
  mark(row, how) {
    const paint = (r, color, width) => {
      const shape = this.shapes.get(r);
      if (!shape) return;
      shape.setColor(color);
      shape.setLineWidth(width);
    };
    if (how === "hover") {
      if (this.hovered !== null && this.hovered !== this.selected) paint(this.hovered, COLOR, 2);
      this.hovered = row;
      if (row !== null && row !== this.selected) paint(row, HOVER, 3);
    } else {
      if (this.selected !== null) paint(this.selected, COLOR, 2);
      this.selected = row;
      if (row !== null) paint(row, SELECTED, 4);
    }
  }

  /**
   * A point on row `row`'s outline, in CSS pixels of the canvas: where a
   * click selects it (Aladin picks footprints by their stroke).
   */
  pixelOf(row) {
    const shape = this.shapes.get(row);
    if (!shape) return null;
    if (shape.raDecArray && shape.raDecArray.length >= 2) {
      const [a, b] = shape.raDecArray;
      const pa = this.aladin.world2pix(a[0], a[1]);
      const pb = this.aladin.world2pix(b[0], b[1]);
      return pa && pb ? [(pa[0] + pb[0]) / 2, (pa[1] + pb[1]) / 2] : null;
    }
    if (shape.centerRaDec && shape.radiusDegrees !== undefined) {
      const [ra, dec] = shape.centerRaDec;
      return this.aladin.world2pix(ra, Math.min(90, dec + shape.radiusDegrees));
    }
    return null;
  }
}
