// The virtualised grid: only the rows in view are in the DOM. Pages of the
// prepared sample are fetched as the view reaches them; spacers above and
// below (SVG elements sized by attribute, since the CSP forbids inline
// styles) keep the scroll bar true to the whole sample. Columns have fixed
// widths, given as <col width> attributes for the same reason, so a long
// value is cut short (its cell's title holds it whole) and more columns fit.

import { api } from "../api.js";
import { h, replace, svg } from "../dom.js";
import { cellText, count, enc } from "./common.js";

const ROW_H = 28;
const PAGE = 200;
const OVERSCAN = 10;
const COL_W = 100;
const MIN_W = 48;
const MAX_W = 640;

/** The quality bar of a column: valid, invalid, empty, with counts. */
export function qualityBar(name, quality) {
  const total = quality.valid + quality.invalid + quality.empty || 1;
  const width = 120;
  const label = `${name}: ${count(quality.valid)} valid, ${count(quality.invalid)} invalid, ${count(quality.empty)} empty`;
  let x = 0;
  const parts = ["valid", "invalid", "empty"].map((kind) => {
    const w = (quality[kind] / total) * width;
    const rect = svg("rect", { x, y: 0, width: w, height: 6, class: `dp-q-${kind}` }, svg("title", {}, `${count(quality[kind])} ${kind}`));
    x += w;
    return rect;
  });
  return svg("svg", { class: "dp-quality", role: "img", "aria-label": label, viewBox: `0 0 ${width} 6`, width, height: 6, preserveAspectRatio: "none" }, svg("title", {}, label), ...parts);
}

/** Day and month both fit the column's dates: say so on its header. */
export function ambiguousFormats(column) {
  const type = column.type || {};
  return !type.format && type.ambiguous && type.ambiguous.length > 1 ? type.ambiguous : [];
}

function ambiguousHint(column) {
  const formats = ambiguousFormats(column);
  if (!formats.length) return null;
  const text = `The dates of ${column.name} fit ${formats.join(" and ")}: day and month cannot be told apart. Choose the format when you convert the column.`;
  return h("span", { class: "dp-col-ambiguous", title: text }, h("span", { "aria-hidden": "true" }, "⚠ "), "ambiguous dates", h("span", { class: "sr-only" }, ` — ${text}`));
}

function typeLabel(column) {
  const text = column.type.type + (column.type.format ? ` (${column.type.format})` : "");
  return h("span", { class: "dp-col-type", title: text }, text);
}

function spacer(height, span) {
  return h("tr", { class: "dp-spacer", "aria-hidden": "true" }, h("td", { colspan: span }, svg("svg", { width: 1, height: Math.max(0, height) })));
}

export function createGrid({ prepId, onColumn, onMenu, onCell, onMore }) {
  const scroller = h("div", { class: "dp-grid-scroll", tabindex: "0", role: "region", "aria-label": "Prepared sample" });
  const table = h("table", { class: "dp-grid" });
  const status = h("p", { class: "dp-grid-status", role: "status" });
  const more = h("button", { type: "button", class: "btn btn-secondary btn-sm", hidden: true, onclick: () => fetchMore() }, "Fetch more rows");
  const fetchMore = async () => {
    more.disabled = true;
    more.textContent = "Reading more rows…";
    try {
      await onMore();
    } finally {
      more.disabled = false;
      more.textContent = "Fetch more rows";
    }
  };
  scroller.append(table);
  const state = { meta: null, pages: new Map(), filter: null, selected: null, cell: null, loadingPages: new Set(), frame: 0, widths: new Map() };

  const widthOf = (name) => state.widths.get(name) || COL_W;
  // Wide enough for the sample's last row number.
  const rownumWidth = () => 14 + 8 * String(state.meta.sample_read || state.meta.matched || 1).length;

  function tableWidth() {
    return state.meta.columns.reduce((sum, c) => sum + widthOf(c.name), rownumWidth());
  }

  function colgroup() {
    return h("colgroup", {}, h("col", { width: rownumWidth() }),
      state.meta.columns.map((c) => h("col", { width: widthOf(c.name), "data-column": c.name })));
  }

  function resize(name, width) {
    const w = Math.round(Math.min(MAX_W, Math.max(MIN_W, width)));
    state.widths.set(name, w);
    const named = (selector) => [...table.querySelectorAll(selector)].find((el) => el.dataset.column === name);
    named("col[data-column]")?.setAttribute("width", w);
    named("th[data-column]")?.querySelector(".dp-col-resize").setAttribute("aria-valuenow", w);
    table.setAttribute("width", tableWidth());
  }

  // The right edge of a header: drag it, or use the arrow keys once focused;
  // a double click gives the column its default width back.
  function resizeHandle(name) {
    const onDown = (event) => {
      if (event.button !== 0) return;
      event.preventDefault();
      const handle = event.currentTarget;
      const start = event.clientX;
      const from = widthOf(name);
      handle.setPointerCapture(event.pointerId);
      const move = (e) => resize(name, from + e.clientX - start);
      const up = () => {
        handle.removeEventListener("pointermove", move);
        handle.removeEventListener("pointerup", up);
        handle.removeEventListener("pointercancel", up);
      };
      handle.addEventListener("pointermove", move);
      handle.addEventListener("pointerup", up);
      handle.addEventListener("pointercancel", up);
    };
    const onKey = (event) => {
      const step = { ArrowLeft: -16, ArrowRight: 16 }[event.key];
      if (!step) return;
      event.preventDefault();
      resize(name, widthOf(name) + step);
    };
    return h("span", { class: "dp-col-resize", role: "separator", tabindex: "0", "aria-orientation": "vertical", "aria-label": `Width of ${name}`,
      "aria-valuenow": widthOf(name), "aria-valuemin": MIN_W, "aria-valuemax": MAX_W, title: "Drag to resize; double-click for the default width",
      onpointerdown: onDown, onkeydown: onKey, onclick: (e) => e.stopPropagation(), ondblclick: () => resize(name, COL_W) });
  }

  function head() {
    const cells = state.meta.columns.map((column) =>
      h(
        "th",
        { scope: "col", class: ["dp-col", state.selected === column.name && "dp-col-selected"], "data-column": column.name },
        h(
          "div",
          { class: "dp-col-head" },
          h("button", { type: "button", class: "dp-col-name", title: column.name, onclick: () => onColumn(column.name) }, column.name),
          h("button", { type: "button", class: "dp-col-menu icon-btn", "aria-label": `Column menu of ${column.name}`, "aria-haspopup": "menu", onclick: (e) => onMenu(column, e.currentTarget) }, "⋮"),
        ),
        typeLabel(column),
        ambiguousHint(column),
        qualityBar(column.name, column.quality),
        resizeHandle(column.name),
      ),
    );
    return h("thead", {}, h("tr", {}, h("th", { scope: "col", class: "dp-rownum" }, "#"), cells));
  }

  function rowAt(index) {
    const page = state.pages.get(Math.floor(index / PAGE));
    if (!page) return null;
    const i = index - page.offset;
    return i < page.rows.length ? { values: page.rows[i], id: page.row_ids[i] } : null;
  }

  function render() {
    if (!state.meta) return;
    const total = state.meta.matched;
    const first = Math.max(0, Math.floor(scroller.scrollTop / ROW_H) - OVERSCAN);
    const visible = Math.ceil((scroller.clientHeight || 600) / ROW_H) + 2 * OVERSCAN;
    const last = Math.min(total, first + visible);
    ensure(first, last);
    const span = state.meta.columns.length + 1;
    const rows = [];
    for (let index = first; index < last; index += 1) {
      const row = rowAt(index);
      if (!row) {
        rows.push(h("tr", { class: "dp-row dp-row-loading" }, h("td", { colspan: span }, "…")));
        continue;
      }
      rows.push(
        h(
          "tr",
          { class: "dp-row", "data-row-id": row.id },
          h("th", { scope: "row", class: "dp-rownum" }, String(row.id + 1)),
          row.values.map((value, c) => {
            const column = state.meta.columns[c].name;
            const chosen = state.cell && state.cell.rowId === row.id && state.cell.column === column;
            return h("td", { class: [value === null && "dp-empty", chosen && "dp-cell-selected"], title: cellText(value), ondblclick: () => pick(row.id, column, value), onclick: () => pick(row.id, column, value) }, cellText(value));
          }),
        ),
      );
    }
    const body = h("tbody", {}, spacer(first * ROW_H, span), rows, spacer((total - last) * ROW_H, span));
    table.setAttribute("width", tableWidth());
    replace(table, colgroup(), head(), body);
    more.hidden = !(state.meta.more && onMore);
    status.textContent = `${count(total)} rows${state.filter ? " match the filter" : ""} in the sample of ${count(state.meta.sample_read)}${state.meta.more ? " (the dataset has more)" : ""}.`;
  }

  function pick(rowId, column, value) {
    state.cell = { rowId, column, value };
    onCell(state.cell);
    schedule();
  }

  function schedule() {
    if (state.frame) return;
    state.frame = requestAnimationFrame(() => {
      state.frame = 0;
      render();
    });
  }

  async function ensure(first, last) {
    for (let p = Math.floor(first / PAGE); p <= Math.floor(Math.max(first, last - 1) / PAGE); p += 1) {
      if (state.pages.has(p) || state.loadingPages.has(p)) continue;
      state.loadingPages.add(p);
      fetchPage(p).finally(() => state.loadingPages.delete(p));
    }
  }

  async function fetchPage(p) {
    const version = state.meta.version;
    const page = await api.get(`/preparations/${enc(prepId)}/grid`, { offset: p * PAGE, limit: PAGE, filter: state.filter ? JSON.stringify(state.filter) : "" });
    if (page.version !== version) return;
    state.pages.set(p, page);
    schedule();
  }

  /** Load the first page again (after a step, undo, a filter). */
  // A filter is the grid's only once the server took it: one that fails
  // leaves the rows and the status as they were.
  async function reload(filter = state.filter) {
    const page = await api.get(`/preparations/${enc(prepId)}/grid`, { offset: 0, limit: PAGE, filter: filter ? JSON.stringify(filter) : "" });
    state.filter = filter;
    state.meta = page;
    state.pages = new Map([[0, page]]);
    if (state.selected && !page.columns.some((c) => c.name === state.selected)) state.selected = null;
    render();
    return page;
  }

  // Only a vertical scroll changes the rows in view; a sideways one must not
  // redraw the header (and close a column menu open in it).
  let lastTop = 0;
  scroller.addEventListener("scroll", () => {
    if (scroller.scrollTop === lastTop) return;
    lastTop = scroller.scrollTop;
    schedule();
  }, { passive: true });

  return {
    el: h("div", { class: "dp-grid-wrap" }, scroller, h("div", { class: "dp-grid-foot" }, status, more)),
    reload,
    select(name) {
      state.selected = name;
      schedule();
    },
    clearCell() {
      state.cell = null;
      schedule();
    },
    /** The first values of a column in the rows read so far (for examples). */
    values(name, limit = 200) {
      const c = state.meta ? state.meta.columns.findIndex((col) => col.name === name) : -1;
      const page = state.pages.get(0);
      return c < 0 || !page ? [] : page.rows.slice(0, limit).map((row) => row[c]).filter((v) => v !== null && v !== "");
    },
    get meta() {
      return state.meta;
    },
    get filter() {
      return state.filter;
    },
  };
}
