// The pipeline editor: the graph (SVG built with DOM calls), the selected
// node's configuration, a live preview of the records before and after it
// (computed by the engine on the samples), save as a new version, run.

import { api, apiUrl, listAll, readEvents } from "../api.js";
import { h, replace } from "../dom.js";
import { detailView } from "../console/common.js";
import { guardLeaving } from "../router.js";
import { confirmDialog, formDialog } from "../ui/dialog.js";
import { badge, button, card, linkButton, pageHeader } from "../ui/page.js";
import { toast, toastError } from "../ui/toast.js";
import { enc, plural, tabs } from "./common.js";
import { checkbox, choice, focusKey, input, labelled, refocus, showProblems } from "./controls.js";
import { drawGraph, reveal } from "./graph.js";
import { drawPreview, explain, pending } from "./previews.js";
import { hasForm, stepForm } from "./step-forms.js";
import { historyDialog, olderBanner } from "./versions.js";

const PROCESSORS = ["filter", "select", "convert", "calculate", "aggregate", "join", "sort", "dedupe", "clean", "split", "prepare"];
const FINAL = ["succeeded", "failed", "cancelled", "lost"];
function defaults(type, schema) {
  const fields = Object.keys(schema);
  const first = fields[0] || "";
  const text = fields.find((f) => schema[f] === "string") || "";
  return {
    filter: { match: "all", conditions: [{ field: first, op: "=", value: "" }] },
    select: { keep: fields },
    convert: { fields: {} },
    calculate: { field: "new_field", expression: "1" },
    aggregate: { group_by: [], aggregations: [{ op: "count", as: "count" }] },
    join: { how: "left", on: first ? [first] : [] },
    sort: { by: first ? [{ field: first, order: "asc" }] : [] },
    dedupe: {},
    clean: { fields: text ? [text] : [], operations: ["trim"] },
    split: { field: text, separator: "," },
    prepare: { steps: [] },
  }[type];
}

function jsonForm(node, changed) {
  const area = h("textarea", { class: "input pl-json", spellcheck: "false", "data-json": "" });
  area.value = JSON.stringify(node.config || {}, null, 2);
  const note = h("p", { class: "field-error", hidden: true });
  area.addEventListener("input", () => {
    try {
      node.config = JSON.parse(area.value);
      note.hidden = true;
      changed();
    } catch (error) {
      note.hidden = false;
      note.textContent = `Not JSON yet: ${error.message}`;
    }
  });
  return h("div", { class: "pl-panel" }, labelled("Configuration (JSON)", area), note,
    h("p", { class: "field-hint" }, "The processor's keys are in the pipeline format's reference (docs/pipelines-format.md)."));
}

function sourceForm(node, datasets, changed) {
  const options = [["", "Choose a dataset"], ...datasets.map((d) => [d.id, d.name])];
  return labelled("Dataset", choice(options, node.config.dataset_id || "", (v) => { node.config = { dataset_id: v }; changed(true); }, { "data-source": node.id }));
}

const TABLE_KINDS = ["sqlite", "postgres"];
const FILE_FORMATS = ["csv", "parquet", "jsonl"];
const MODES = [["replace", "Create or replace the table"], ["append", "Append to the table"]];

/** A new destination config on a connection, by its kind. */
function placeOn(con) {
  if (TABLE_KINDS.includes(con.kind)) return { connection_id: con.id, table: "", mode: "replace" };
  return { connection_id: con.id, [con.kind === "s3" ? "key" : "path"]: "result.csv", format: "csv" };
}

function formatChoice(config, name, changed) {
  const value = config.format || String(name || "").split(".").pop();
  return labelled("Format", choice(FILE_FORMATS, value, (v) => { config.format = v; changed(); }, { "data-path": "format", "data-focus": "format" }));
}

function modeChoice(config, changed) {
  return labelled("Write mode", choice(MODES, config.mode || "replace", (v) => { config.mode = v; changed(); }, { "data-path": "mode", "data-focus": "mode" }),
    config.mode === "append" ? "A field the table has no column for, or of a type its column cannot take, fails the run and leaves the table as it was." : "");
}

// Where a destination writes: the file area (output), a place on a
// connection (a table and a mode, or a key or path and a format), or a
// dataset of the inventory.
function destinationForm(node, connections, datasets, changed) {
  const config = node.config;
  const others = connections.filter((c) => c.kind !== "files");
  const place = config.output ? "area" : config.dataset_id !== undefined ? "dataset" : config.connection_id || "area";
  const con = others.find((c) => c.id === config.connection_id);
  const options = [["area", "File area"], ...others.map((c) => [c.id, `${c.name} (${c.kind})`]), ["dataset", "A dataset of the inventory"]];
  if (config.connection_id && !con) options.push([config.connection_id, "A connection that is gone"]);
  const picker = choice(options, place, (v) => {
    const picked = others.find((c) => c.id === v);
    node.config = v === "dataset" ? { dataset_id: "" } : picked ? placeOn(picked) : { output: { name: "result.csv" } };
    changed(true);
  }, { "data-destination": node.id, "data-path": "connection_id", "data-focus": "place" });
  const put = (key) => (v) => { config[key] = v; changed(); };
  let fields = [];
  if (place === "area") {
    const out = config.output || (config.output = { name: "result.csv" });
    const fmt = out.format || out.name.split(".").pop();
    fields = [labelled("File name in the file area", input(out.name, (v) => { out.name = v; changed(); }, { "data-focus": "output" })),
      labelled("Format", choice(FILE_FORMATS, fmt, (v) => { out.format = v; changed(); })),
      fmt === "csv" ? checkbox("Protect spreadsheet users: a text cell starting with = + - or @ gets a leading quote (numbers are left alone)",
        (out.options || {}).formula_guard, (v) => { out.options = { ...(out.options || {}), formula_guard: v }; changed(); }, { "data-path": "output.options.formula_guard" }) : null];
  } else if (place === "dataset") {
    const usable = datasets.filter((d) => d.connection_kind !== "files");
    const picked = usable.find((d) => d.id === config.dataset_id);
    fields = [labelled("Dataset", choice([["", "Choose a dataset"], ...usable.map((d) => [d.id, `${d.name} (${d.connection_kind})`])], config.dataset_id, (v) => {
      node.config = { dataset_id: v };
      changed(true);
    }, { "data-path": "dataset_id", "data-focus": "dataset" })),
    picked && TABLE_KINDS.includes(picked.connection_kind) ? modeChoice(config, changed) : null];
  } else if (con && TABLE_KINDS.includes(con.kind)) {
    fields = [labelled("Table", input(config.table, put("table"), { "data-path": "table", "data-focus": "table", placeholder: con.kind === "postgres" ? "schema.table or table" : "table" })),
      modeChoice(config, changed)];
  } else if (con) {
    const key = con.kind === "s3" ? "key" : "path";
    fields = [labelled(key === "key" ? "Key in the bucket" : "Path in the folder", input(config[key], put(key), { "data-path": key, "data-focus": key })),
      formatChoice(config, config[key], changed)];
  }
  return h("div", { class: "pl-panel" }, labelled("Write to", picker), ...fields);
}

// The steps a node feeds, directly or not: none of them can be its input.
function downstream(doc, id) {
  const found = new Set([id]);
  for (let grew = true; grew;) {
    grew = false;
    for (const e of doc.edges) {
      if (found.has(e.from) && !found.has(e.to)) { found.add(e.to); grew = true; }
    }
  }
  return found;
}

function joinInputs(doc, node, changed) {
  const below = downstream(doc, node.id);
  const others = doc.nodes.filter((n) => !below.has(n.id) && n.type !== "destination")
    .map((n) => [n.id, n.name && n.name !== n.id ? `${n.name} (${n.id})` : n.id]);
  const right = doc.edges.find((e) => e.to === node.id && e.port === "right");
  return labelled("Right input", choice([["", "Choose a step"], ...others], right ? right.from : "", (v) => {
    doc.edges = doc.edges.filter((e) => !(e.to === node.id && e.port === "right"));
    if (v) doc.edges.push({ from: v, to: node.id, port: "right" });
    changed(true);
  }));
}

export default function editor({ params, query, session, setTitle, navigate }) {
  const number = Number(query.get("version")) || undefined;
  return detailView({
    load: async () => [await api.get(`/pipelines/${enc(params.id)}`, number ? { version: number } : {}), await listAll("/datasets"), await listAll("/connections")],
    draw: ([pipeline, datasets, connections]) => build(pipeline, datasets, connections, { session, setTitle, navigate }),
  });
}

// Ask before leaving with edits not saved: inside the app (the router's
// guard) and when the tab is closed or reloaded (beforeunload).
function guardEdits(root, dirty) {
  guardLeaving(() => !dirty() || confirmDialog({
    title: "Leave without saving?", message: "Your changes to this pipeline are not saved yet.", confirmLabel: "Leave", danger: true,
  }));
  const onUnload = (event) => {
    if (!root.isConnected) return window.removeEventListener("beforeunload", onUnload);
    if (!dirty()) return undefined;
    event.preventDefault();
    event.returnValue = "";
  };
  window.addEventListener("beforeunload", onUnload);
}

function build(pipeline, datasets, connections, { session, setTitle, navigate }) {
  setTitle(pipeline.name);
  const doc = structuredClone(pipeline.document);
  const older = pipeline.version !== pipeline.latest_version;
  // problems: {node id: [{field, message, position?}]}, field relative to the
  // node's config, as the runtime names it.
  const state = { selected: (doc.nodes[doc.nodes.length - 1] || {}).id, problems: {}, schemas: {}, seq: 0, timer: 0, asJson: false };
  const graphBox = h("div", {});
  const panel = h("div", { class: "pl-panel", "data-panel": "" });
  const panes = { before: h("div", { "data-preview": "before" }), after: h("div", { "data-preview": "after" }) };
  const previewNote = h("p", { class: "muted", role: "status", "data-preview-status": "" });
  const runBox = h("div", { class: "pl-status", "aria-live": "polite" });
  const banner = h("div", {});
  const version = button(`version ${pipeline.version}`, () => historyDialog(pipeline, session), {
    size: "sm", kind: "ghost", attrs: { class: "btn btn-sm pl-version", "aria-haspopup": "dialog", title: "Versions of this pipeline", "data-version-badge": "" },
  });
  // An older version is read-only: it can be restored as a new version.
  const canWrite = session.can("pipelines:write") && !older;
  const snapshot = () => JSON.stringify(doc);
  let saved = "";
  const dirty = () => canWrite && snapshot() !== saved;

  const node = (id) => doc.nodes.find((n) => n.id === id);
  const inputsOf = (id) => doc.edges.filter((e) => e.to === id).map((e) => e.from);
  // The node feeding a port: "right" for a join's second input, else the other.
  const inputOf = (id, port = "in") => (doc.edges.find((e) => e.to === id && (port === "right") === (e.port === "right")) || {}).from;

  function changed(redraw = false) {
    if (redraw) drawAll();
    clearTimeout(state.timer);
    state.timer = setTimeout(preview, 150);
  }

  function select(id) {
    // A form may write its config in its own spelling when first drawn:
    // that is no edit of the person's.
    const clean = !dirty();
    state.selected = id;
    drawAll();
    if (clean) saved = snapshot();
    reveal(graphBox.firstChild, doc, id);
    preview();
  }

  function drawAll() {
    drawGraphOnly();
    drawPanel();
  }

  function drawPanel() {
    const n = node(state.selected);
    if (!n) return replace(panel, h("p", { class: "muted" }, "Add a source to begin."));
    n.config = n.config || {};
    const key = panel.contains(document.activeElement) ? focusKey(document.activeElement) : "";
    const processor = hasForm(n.type);
    const asJson = processor && state.asJson;
    const right = n.type === "join" ? joinInputs(doc, n, changed) : null;
    const form = n.type === "source" ? sourceForm(n, datasets, changed)
      : n.type === "destination" ? destinationForm(n, connections, datasets, changed)
        : asJson || !processor ? jsonForm(n, changed)
          : stepForm(n.type, { node: n, config: n.config, schema: schemaAt(inputOf(n.id)), right: schemaAt(inputOf(n.id, "right")), rightInput: right, session, changed });
    const toggle = processor ? button("JSON", () => { state.asJson = !asJson; drawPanel(); }, { size: "sm", kind: "ghost", attrs: { "aria-pressed": String(asJson), title: "Edit the configuration as JSON", "data-json-toggle": "" } }) : null;
    replace(panel,
      h("div", { class: "pl-panel-head" }, h("h3", {}, `${n.type}: ${n.name || n.id}`), toggle),
      h("fieldset", { class: "pl-fieldset", disabled: !canWrite || undefined },
        labelled("Name", input(n.name || "", (v) => { n.name = v || undefined; drawGraphOnly(); }, { "data-focus": "name" })),
        asJson ? right : null,
        form),
      h("div", { "data-problems": "" }),
      canWrite && n.type !== "source" ? button("Remove this step", () => removeNode(n.id), { size: "sm", kind: "danger-outline" }) : null);
    placeProblems();
    refocus(panel, key);
  }

  // Each problem goes next to the input it names; the rest below the form.
  function placeProblems() {
    const n = node(state.selected);
    const box = panel.querySelector("[data-problems]");
    if (!n || !box) return;
    const left = showProblems(panel, state.problems[n.id] || []);
    replace(box, left.map((p) => h("p", { class: "field-error", "data-problem": "" }, p.field ? `${p.field}: ${p.message}` : p.message)));
  }

  // The runtime's problems when the server sent them, else errors[].field.
  function problemsOf(error) {
    const found = {};
    const add = (id, p) => (found[id] = found[id] || []).push(p);
    const listed = (error.problem && error.problem.problems) || [];
    for (const p of listed) if (node(p.node)) add(p.node, p);
    if (listed.length) return found;
    for (const f of error.fields) {
      const m = /^nodes\[(\d+)\]\.?(?:config\.?)?(.*)$/.exec(f.field);
      const n = m && doc.nodes[Number(m[1])];
      if (n) add(n.id, { field: m[2], message: f.message });
    }
    return found;
  }

  function drawGraphOnly() {
    const old = graphBox.firstChild;
    const graph = drawGraph(doc, { selected: state.selected, problems: state.problems, onSelect: select });
    replace(graphBox, graph);
    if (old) [graph.scrollLeft, graph.scrollTop] = [old.scrollLeft, old.scrollTop];
  }

  function addSource() {
    const id = uniqueId("source");
    doc.nodes.push({ id, type: "source", config: { dataset_id: "" } });
    state.selected = id;
    changed(true);
  }

  function addStep(type) {
    const at = node(state.selected);
    const id = uniqueId(type);
    const schema = schemaAt(at && at.type === "destination" ? inputsOf(at.id)[0] : state.selected);
    const created = { id, type, config: type === "destination" ? { output: { name: "result.csv" } } : defaults(type, schema) };
    doc.nodes.push(created);
    if (at && at.type === "destination") {
      for (const e of doc.edges) if (e.to === at.id) e.to = id;
      doc.edges.push({ from: id, to: at.id });
    } else if (at) {
      if (type !== "destination") for (const e of doc.edges) if (e.from === at.id) e.from = id;
      doc.edges.push({ from: at.id, to: id, ...(type === "join" ? { port: "left" } : {}) });
    }
    state.selected = id;
    changed(true);
  }

  function removeNode(id) {
    const ins = doc.edges.filter((e) => e.to === id && e.port !== "right").map((e) => e.from);
    doc.edges = doc.edges.filter((e) => e.to !== id).map((e) => (e.from === id && ins[0] ? { ...e, from: ins[0] } : e)).filter((e) => e.from !== id);
    doc.nodes = doc.nodes.filter((n) => n.id !== id);
    state.selected = ins[0] || (doc.nodes[0] || {}).id;
    changed(true);
  }

  // The schema flowing out of a node, or of the nearest node above it whose
  // schema a preview has told (a new step has not been previewed yet).
  function schemaAt(id, seen = new Set()) {
    if (!id || seen.has(id)) return {};
    seen.add(id);
    return state.schemas[id] || schemaAt(inputsOf(id)[0], seen);
  }

  function uniqueId(base) {
    let i = 1;
    while (node(`${base}_${i}`)) i += 1;
    return `${base}_${i}`;
  }

  // Why the selected step cannot be previewed, before asking the engine.
  function unpreviewable(id) {
    const n = node(id);
    if (!n) return "Add a source to begin.";
    const sources = doc.nodes.filter((x) => x.type === "source");
    const empty = sources.find((x) => !x.config.dataset_id);
    if (n.type === "source" && !n.config.dataset_id) return `Choose a dataset for ${id} to see its records.`;
    if (!sources.some((x) => x.config.dataset_id)) return `Choose a dataset for ${(empty || {}).id || "a source"} to see a preview.`;
    return "";
  }

  async function preview() {
    const id = state.selected;
    const why = unpreviewable(id);
    const seq = ++state.seq;
    if (why) {
      previewNote.textContent = "";
      return explain(panes, id, why);
    }
    previewNote.textContent = "Previewing…";
    pending(panes, inputOf(id), id);
    try {
      const found = await api.post("/pipelines/preview", { document: doc, node_id: id });
      if (seq !== state.seq) return;
      showPreview(id, found);
    } catch (error) {
      if (seq !== state.seq) return;
      previewNote.textContent = "";
      state.problems = problemsOf(error);
      const named = Object.entries(state.problems).map(([n, ps]) => `${n}: ${ps[0].message}`);
      explain(panes, id, `The preview of ${id} cannot be shown: ${named.length ? named.join("; ") : error.detail || error.message}`);
      drawGraphOnly();
      placeProblems();
    }
  }

  function showPreview(id, found) {
    const fieldsIn = () => JSON.stringify([schemaAt(inputOf(id)), schemaAt(inputOf(id, "right"))]);
    const known = fieldsIn();
    state.problems = {};
    for (const [n, out] of Object.entries(found.nodes)) {
      if (out.error) state.problems[n] = [out.error];
      else state.schemas[n] = out.schema;
    }
    drawPreview(panes, { id, inputId: inputsOf(id)[0], found, problems: state.problems });
    previewNote.textContent = `Preview in ${Math.round(found.ms)} ms on the samples.`;
    drawGraphOnly();
    // The pickers offer the input's fields: draw them again once they are known.
    if (fieldsIn() !== known) drawPanel();
    else placeProblems();
  }

  async function save({ quiet = false } = {}) {
    replace(banner);
    if (!dirty()) {
      if (!quiet) toast(`Nothing changed since version ${pipeline.version}.`);
      return true;
    }
    try {
      const made = await api.put(`/pipelines/${enc(pipeline.id)}`, { document: doc });
      saved = snapshot();
      Object.assign(pipeline, { version: made.version, latest_version: made.version, versions: made.versions });
      version.textContent = `version ${made.version}`;
      toast(`Saved as version ${made.version}.`);
      return true;
    } catch (error) {
      state.problems = problemsOf(error);
      replace(banner, refusal(error));
      drawAll();
      return false;
    }
  }

  // Every problem the server named, each under its node and field.
  function refusal(error) {
    const items = Object.entries(state.problems).flatMap(([id, ps]) => ps.map((p) => {
      const n = node(id);
      const go = h("button", { type: "button", class: "btn-link", "data-problem-node": id }, `${n.type} ${n.name || n.id}`);
      go.addEventListener("click", () => select(id));
      return h("li", {}, go, p.field ? ` · ${p.field}: ` : ": ", p.message);
    }));
    const other = error.fields.filter((f) => !/^nodes\[\d+\]/.test(f.field)).map((f) => h("li", {}, f.field ? `${f.field}: ${f.message}` : f.message));
    const all = [...items, ...other];
    const title = all.length ? `Not saved: ${plural(all.length, "problem")}` : "Not saved";
    return h("div", { class: "form-error", role: "alert", "data-save-error": "" }, h("p", { class: "form-error-title" }, title),
      all.length ? h("ul", {}, all) : h("p", {}, error.detail || error.message));
  }

  function describe(field) {
    const m = /^nodes\[(\d+)\]\.?(.*)$/.exec(field);
    if (!m || !doc.nodes[Number(m[1])]) return field;
    const n = doc.nodes[Number(m[1])];
    return `${n.type} ${n.name || n.id}${m[2] ? `, ${m[2]}` : ""}`;
  }

  async function run() {
    if (canWrite && !(await save({ quiet: true }))) return;
    try {
      const started = await api.post(`/pipelines/${enc(pipeline.id)}/run`, { version: pipeline.version });
      follow(started.id);
    } catch (error) {
      toastError(error, "Run refused");
    }
  }

  // The server pushes the execution's status as it changes (a fetch stream
  // of server-sent events, as on the execution page); the final status
  // carries the counts of every step and the files written.
  async function follow(execId) {
    drawRun(await api.get(`/executions/${enc(execId)}`));
    await readEvents(`/executions/${enc(execId)}/events`, (kind, data) => {
      if (kind === "status") drawRun(data);
    });
    const last = await api.get(`/executions/${enc(execId)}`);
    drawRun(last);
  }

  async function schedule() {
    const made = await formDialog({
      title: "Run on a schedule",
      description: `A task of the engines app that runs version ${pipeline.version} of this pipeline.`,
      fields: [
        { name: "name", label: "Task name", required: true, value: `${pipeline.name} nightly` },
        { name: "cron", label: "Schedule (cron)", hint: "Minute hour day month weekday, for example 0 3 * * * (03:00 every day).", value: "0 3 * * *" },
      ],
      submitLabel: "Make the task",
      onSubmit: (v) => api.post(`/pipelines/${enc(pipeline.id)}/schedules`, { ...v, version: pipeline.version }),
    });
    if (made) toast(`Task ${made.name} made; next run ${made.next_run_at || "when run"}.`);
  }

  function drawRun(e) {
    const steps = (e.result && e.result.steps) || {};
    const table = Object.keys(steps).length ? h("div", { class: "table-wrap" }, h("table", { class: "table", "data-steps": "" },
      h("thead", {}, h("tr", {}, ["Step", "Read", "Written", "Rejected"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, Object.entries(steps).map(([s, c]) => h("tr", {}, h("td", {}, s), h("td", { class: "num" }, String(c.rows_read)), h("td", { class: "num" }, String(c.rows_written)), h("td", { class: "num" }, String(c.rows_rejected))))))) : null;
    const files = ((e.result && e.result.files) || []).map((f) => linkButton(`Download ${f.name}`, apiUrl(`/files/${enc(f.id)}/content`), { iconName: "download", attrs: { "data-result": f.name, download: f.name } }));
    replace(runBox, h("span", { "data-run-status": e.status }, badge(e.status, e.status === "succeeded" ? "success" : FINAL.includes(e.status) ? "danger" : "accent")),
      h("span", {}, `read ${e.rows_read ?? 0}, written ${e.rows_written ?? 0}, rejected ${e.rows_rejected ?? 0}`),
      e.error ? h("span", { class: "field-error" }, e.error) : null,
      h("a", { href: `/console/executions/${enc(e.id)}` }, "Execution and log"), ...files, table);
  }

  const typePicker = choice([["", "Add a step…"], ...PROCESSORS.map((p) => [p, p]), ["destination", "destination"]], "", (v) => {
    if (v) addStep(v);
    typePicker.value = "";
  }, { "aria-label": "Add a step after the selected node", "data-add-step": "", class: "input pl-picker" });

  const actions = [
    canWrite ? button("Add a source", addSource, { size: "sm" }) : null,
    canWrite ? typePicker : null,
    canWrite ? button("Save", save, { kind: "secondary" }) : null,
    session.can("tasks:run") ? button("Run", run, { kind: "primary" }) : null,
    session.can("tasks:write") ? button("Schedule", schedule) : null,
    linkButton("Export", apiUrl(`/pipelines/${enc(pipeline.id)}/export`), { iconName: "download", attrs: { download: `${pipeline.name}.pipeline.json` } }),
  ];
  drawAll();
  saved = snapshot();
  preview();
  const root = h("section", { class: "page" },
    tabs(session, "/pipelines"),
    pageHeader({ title: pipeline.name, description: pipeline.description, crumbs: [["Pipelines", "/pipelines"], [pipeline.name]], actions: [version] }),
    older ? olderBanner(pipeline, doc, { canWrite: session.can("pipelines:write"), navigate }) : null,
    h("div", { class: "toolbar" }, ...actions.filter(Boolean)),
    banner,
    h("div", { class: "pl-editor" }, h("div", { class: "pl-panel" }, graphBox, runBox), card({ title: "Selected step", body: panel })),
    card({ title: "Live preview", description: "The records before and after the selected step, on the samples.", body: h("div", {}, previewNote, h("div", { class: "pl-previews" }, panes.before, panes.after)) }));
  guardEdits(root, dirty);
  // Once drawn, the graph's area has a size: bring the selected node in sight.
  requestAnimationFrame(() => reveal(graphBox.firstChild, doc, state.selected));
  return root;
}
