// The pipeline as a graph: an SVG built with DOM calls, nodes of a fixed,
// readable size placed by their depth from the sources, in an area that
// scrolls when the pipeline is wider or taller than the page.

import { h, svg } from "../dom.js";

const W = 150;
const H = 46;
const GAP_X = 40;
const GAP_Y = 30;

/** Place each node by its depth from the sources: [x, y] by id. */
function layout(doc) {
  const inputs = {};
  for (const e of doc.edges) (inputs[e.to] = inputs[e.to] || []).push(e.from);
  const depth = {};
  const visit = (id, seen = new Set()) => {
    if (depth[id] !== undefined) return depth[id];
    if (seen.has(id)) return 0;
    seen.add(id);
    depth[id] = Math.max(-1, ...(inputs[id] || []).map((i) => visit(i, seen))) + 1;
    return depth[id];
  };
  const rows = {};
  const at = {};
  for (const n of doc.nodes) {
    const d = visit(n.id);
    rows[d] = (rows[d] || 0) + 1;
    at[n.id] = [20 + d * (W + GAP_X), 20 + (rows[d] - 1) * (H + GAP_Y)];
  }
  return at;
}

function edgePath(at, e) {
  const [x1, y1] = at[e.from];
  const [x2, y2] = at[e.to];
  const a = [x1 + W, y1 + H / 2];
  const b = [x2, y2 + H / 2];
  const mid = (a[0] + b[0]) / 2;
  return svg("path", { class: "pl-edge", d: `M${a[0]},${a[1]} C${mid},${a[1]} ${mid},${b[1]} ${b[0]},${b[1]}`, "marker-end": "url(#pl-arrow)" });
}

function nodeBox(n, [x, y], { selected, problems, onSelect }) {
  const cls = ["pl-node", `is-${n.type}`, n.id === selected && "is-selected", problems[n.id] && "has-error"].filter(Boolean).join(" ");
  const g = svg("g", { class: cls, transform: `translate(${x},${y})`, tabindex: "0", role: "button", "aria-label": `${n.type} ${n.name || n.id}`, "data-node": n.id },
    svg("rect", { width: W, height: H, rx: 8 }),
    svg("text", { x: 10, y: 18 }, document.createTextNode(String(n.name || n.id).slice(0, 20))),
    svg("text", { x: 10, y: 35, class: "pl-kind" }, document.createTextNode(n.type)));
  g.addEventListener("click", () => onSelect(n.id));
  g.addEventListener("keydown", (e) => (e.key === "Enter" || e.key === " ") && onSelect(n.id));
  return g;
}

/** The graph in its scrolling area; the selected node is scrolled into view. */
export function drawGraph(doc, { selected, problems, onSelect }) {
  const at = layout(doc);
  const width = Math.max(...Object.values(at).map(([x]) => x + W + 20), 300);
  const height = Math.max(...Object.values(at).map(([, y]) => y + H + 20), 140);
  const edges = doc.edges.filter((e) => at[e.from] && at[e.to]).map((e) => edgePath(at, e));
  const nodes = doc.nodes.map((n) => nodeBox(n, at[n.id], { selected, problems, onSelect }));
  const arrow = svg("marker", { id: "pl-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
    svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "currentColor" }));
  // Drawn at its own size (no viewBox scaling): the boxes stay legible.
  const graph = svg("svg", { class: "pl-graph", width, height, role: "group", "aria-label": "Pipeline graph" },
    svg("defs", {}, arrow), ...edges, ...nodes);
  return h("div", { class: "pl-graph-wrap", "data-graph": "" }, graph);
}

/** Scroll the graph's area so that a node is in sight. */
export function reveal(wrap, doc, id) {
  const spot = layout(doc)[id];
  if (!spot || !wrap) return;
  const [x, y] = spot;
  if (x < wrap.scrollLeft || x + W > wrap.scrollLeft + wrap.clientWidth) wrap.scrollLeft = Math.max(0, x - 40);
  if (y < wrap.scrollTop || y + H > wrap.scrollTop + wrap.clientHeight) wrap.scrollTop = Math.max(0, y - 20);
}
