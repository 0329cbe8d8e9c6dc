// A preparation: the grid of the prepared sample, the filter bar, the side
// panel in tabs (functions, profile, suggestions, steps and runs), undo and
// redo, and the full run.

import { api, listAll } from "../api.js";
import { h, replace } from "../dom.js";
import { formDialog, openDialog } from "../ui/dialog.js";
import { createForm } from "../ui/form.js";
import { breadcrumbs, button, errorState, loading } from "../ui/page.js";
import { toast, toastError } from "../ui/toast.js";
import { count, enc, useStyles } from "./common.js";
import { createFilterBar } from "./filter.js";
import { candidatesOf } from "./dates.js";
import { ambiguousFormats, createGrid } from "./grid.js";
import { functionForm, profilePanel, recipePanel, runsPanel, suggestionsPanel } from "./panels.js";
import { functionPicker } from "./picker.js";
import { openRunDialog } from "./run.js";
import { sidePanel } from "./side.js";

export default async function preparation({ params, session, setTitle, navigate }) {
  useStyles();
  const id = params.id;
  const [initial, catalogue, source] = await Promise.all([
    api.get(`/preparations/${enc(id)}`), api.get("/dataprep/functions"), api.get(`/preparations/${enc(id)}/source`),
  ]);
  const datasets = session.can("datasets:read") ? await listAll("/datasets").catch(() => []) : [];
  const functions = new Map(catalogue.items.map((f) => [f.name, f]));
  const canWrite = session.can("preparations:write");
  let prep = initial;
  let column = null;
  let cell = null;
  const pickerState = { query: "", all: false, chosen: null };
  // Formats a refused date conversion offered, by column (older servers
  // only name them in the message; newer ones send `candidates`).
  const offeredFormats = new Map();
  const liveRuns = new Map();
  let runs = [];
  setTitle(prep.name);

  const columnHead = h("div", { class: "dp-side-head" });
  const functionsBody = h("div", {});
  const profileBody = h("div", {});
  const suggestBody = h("div", {});
  const recipeBody = h("div", {});
  const runsBody = h("div", {});
  const undoButton = button("Undo", () => change(api.post(`/preparations/${enc(id)}/undo`), "Undone."), { size: "sm", attrs: { "aria-keyshortcuts": "Control+Z" } });
  const redoButton = button("Redo", () => change(api.post(`/preparations/${enc(id)}/redo`), "Redone."), { size: "sm", attrs: { "aria-keyshortcuts": "Control+Y" } });
  const runButton = button("Run", () => openRunDialog(id, { onChange: liveRun }).done.then(drawRuns), { kind: "primary", size: "sm" });

  async function drawRuns() {
    try {
      const page = await api.get(`/preparations/${enc(id)}/runs`, { limit: 5 });
      runs = page.items;
      for (const run of runs) if (!["queued", "running"].includes(run.status)) liveRuns.delete(run.id);
      showRuns();
    } catch (error) {
      replace(runsBody, errorState(error));
    }
  }

  function showRuns() {
    const listed = runs.map((r) => ({ ...r, ...liveRuns.get(r.id) }));
    const fresh = [...liveRuns.values()].filter((r) => !runs.some((x) => x.id === r.id));
    replace(runsBody, runsPanel([...fresh.reverse(), ...listed].slice(0, 5)));
  }

  // A run in the dialog is listed from its start and follows its events.
  function liveRun(run) {
    liveRuns.set(run.id, { ...liveRuns.get(run.id), ...run });
    showRuns();
    if (["succeeded", "failed", "cancelled"].includes(run.status)) drawRuns();
  }

  function sourceBar() {
    const facts = [h("span", {}, "Dataset: ", h("strong", {}, source.dataset_name)), h("span", { class: "muted" }, ` ${source.format || ""}`)];
    if (!source.sheets.length) return h("div", { class: "dp-source" }, facts);
    const select = h("select", { class: "input", id: "dp-sheet", disabled: !canWrite || !session.can("datasets:write") },
      source.sheets.map((s) => h("option", { value: s, selected: s === source.sheet }, s)));
    select.addEventListener("change", async () => {
      try {
        Object.assign(source, await api.put(`/preparations/${enc(id)}/sheet`, { sheet: select.value }));
        await refresh();
        toast(`Reading the sheet ${source.sheet}.`);
      } catch (error) {
        select.value = source.sheet;
        toastError(error);
      }
    });
    return h("div", { class: "dp-source" }, facts, h("label", { class: "label label-sm", for: "dp-sheet" }, "Sheet"), select);
  }

  // One row for the way back, the name, the dataset and the actions, so the
  // grid keeps the height.
  function header(actions) {
    return h("header", { class: "page-header dp-header" },
      h("div", { class: "dp-header-title" }, breadcrumbs([["Preparations", "/dataprep"]]), h("h1", { tabindex: "-1", title: prep.name }, prep.name), sourceBar()),
      h("div", { class: "page-actions" }, actions.filter(Boolean)));
  }

  const grid = createGrid({
    prepId: id,
    onColumn: (name) => selectColumn(name),
    onMenu: (col, anchor) => columnMenu(col, anchor),
    onMore: canWrite ? () => change(api.post(`/preparations/${enc(id)}/sample`, {}), "More rows read.").catch(() => {}) : null,
    onCell: (picked) => {
      cell = picked;
      if (picked.column !== column) selectColumn(picked.column);
      else drawColumn();
    },
  });
  const filterBar = createFilterBar({
    columns: () => (grid.meta ? grid.meta.columns : []),
    onApply: (spec) => applyFilter(spec),
  });

  // A filter the server refuses is said next to its condition, and the grid
  // shows every row again, so it never looks filtered when it is not.
  async function applyFilter(spec) {
    try {
      await grid.reload(spec);
      filterBar.clearError();
    } catch (error) {
      filterBar.showError(error);
      await grid.reload(null).catch(toastError);
    }
  }

  async function change(promise, message) {
    try {
      prep = await promise;
      await refresh();
      if (message) toast(message);
      return prep;
    } catch (error) {
      toastError(error);
      throw error;
    }
  }

  async function refresh() {
    undoButton.disabled = !prep.can_undo;
    redoButton.disabled = !prep.can_redo;
    drawRecipe();
    try {
      await grid.reload();
    } catch (error) {
      toastError(error);
    }
    if (column && !grid.meta.columns.some((c) => c.name === column)) column = null;
    drawColumn();
  }

  function drawRecipe() {
    replace(recipeBody, recipePanel(prep, functions, {
      onToggle: (step, enabled) => change(api.patch(`/preparations/${enc(id)}/steps/${enc(step.id)}`, { enabled })).catch(() => {}),
      onMove: (step, position) => change(api.post(`/preparations/${enc(id)}/steps/${enc(step.id)}/move`, { position })).catch(() => {}),
      onDelete: (step) => change(api.del(`/preparations/${enc(id)}/steps/${enc(step.id)}`), "Step deleted.").catch(() => {}),
      onEdit: (step) => editStep(step),
    }));
  }

  function selectColumn(name) {
    column = name;
    side.expand();
    if (cell && cell.column !== name) cell = null;
    grid.select(name);
    drawColumn();
  }

  async function addStep(step) {
    const made = await api.post(`/preparations/${enc(id)}/steps`, { step });
    prep = made;
    await refresh();
    toast(`${functions.get(step.function)?.label || step.function} applied.`);
  }

  function targetsFor(fn) {
    if (fn.target === "none") return [{ value: "table", label: "The whole table" }];
    const targets = [{ value: "column", label: `The column ${column}` }];
    if (grid.filter && fn.scoped) targets.push({ value: "filter", label: "The filtered rows of the column" });
    if (cell && cell.column === column && fn.scoped) {
      // A function made for one cell starts on the selected cell, not the column.
      const one = { value: "cell", label: `The selected cell (row ${cell.rowId + 1})` };
      if (/\bcell\b/i.test(fn.label || "")) targets.unshift(one);
      else targets.push(one);
    }
    if (fn.kind === "cell" && fn.target === "column") targets.push({ value: "all", label: "Every column it applies to" });
    return targets;
  }

  function stepOf(fn, { params, target, new_column }) {
    const step = { function: fn.name, params };
    if (target === "all") step.columns = ["*"];
    else if (fn.target !== "none") step.column = column;
    if (target === "filter") step.scope = { filter: grid.filter };
    if (target === "cell") step.scope = { rows: [cell.rowId] };
    if (new_column) step.new_column = true;
    if (fn.params.some((p) => p.name === "filter") && !params.filter && grid.filter) step.params.filter = grid.filter;
    return step;
  }

  function datesOf(meta) {
    const formats = ambiguousFormats(meta).length ? ambiguousFormats(meta) : offeredFormats.get(meta.name) || [];
    return { formats, values: grid.values(meta.name) };
  }

  function picker(meta) {
    return functionPicker({
      functions,
      column: meta,
      state: pickerState,
      onChoose: (fn) => functionForm(fn, {
        columns: grid.meta.columns.map((c) => c.name),
        column: meta,
        targets: targetsFor(fn),
        datasets,
        dates: datesOf(meta),
        onSubmit: async (v) => {
          try {
            await addStep(stepOf(fn, v));
            pickerState.chosen = null;
          } catch (error) {
            offerFormats(meta, fn, error);
            throw error;
          }
        },
      }).el,
    });
  }

  // Refused for ambiguous dates: draw the form again with the formats as a
  // choice, and say why on it.
  function offerFormats(meta, fn, error) {
    const formats = candidatesOf(error);
    if (!formats.length || !fn.params.some((p) => p.name === "format") || datesOf(meta).formats.length) return;
    offeredFormats.set(meta.name, formats);
    setTimeout(() => {
      drawColumn();
      const select = functionsBody.querySelector("select[name='params.format']");
      if (!select) return;
      const message = select.closest(".field").querySelector(".field-error");
      message.textContent = error.fields[0]?.message || error.message;
      message.hidden = false;
      select.setAttribute("aria-invalid", "true");
      select.focus();
    });
  }

  async function drawColumn() {
    if (!column) {
      replace(columnHead, h("h2", { class: "dp-h" }, "Column"));
      const hint = () => h("p", { class: "muted" }, "Click a column's name to see its functions, profile and suggestions.");
      replace(functionsBody, hint());
      replace(profileBody, hint());
      replace(suggestBody, hint());
      return;
    }
    const shown = column;
    const meta = grid.meta.columns.find((c) => c.name === shown);
    replace(
      columnHead,
      h("h2", { class: "dp-h" }, `Column ${shown}`),
      h("p", { class: "muted dp-side-sub" }, `${meta.type.type} · ${count(meta.quality.valid)} valid, ${count(meta.quality.invalid)} invalid, ${count(meta.quality.empty)} empty`),
    );
    replace(functionsBody, canWrite ? picker(meta) : h("p", { class: "muted" }, "You may read this preparation, not change it."));
    replace(profileBody, loading());
    replace(suggestBody, loading());
    profilePanel(id, shown).then((el) => column === shown && replace(profileBody, el), (e) => replace(profileBody, errorState(e)));
    suggestionsPanel(id, shown, canWrite ? (step) => addStep(step).catch(toastError) : null)
      .then((el) => column === shown && replace(suggestBody, el), (e) => replace(suggestBody, errorState(e)));
  }

  function columnMenu(col, anchor) {
    const close = () => {
      menu.remove();
      document.removeEventListener("keydown", onKey);
      anchor.focus();
    };
    const onKey = (e) => {
      if (e.key === "Escape") close();
    };
    const item = (label, action) => h("button", { type: "button", role: "menuitem", class: "dp-menu-item", onclick: () => {
      close();
      action();
    } }, label);
    const menu = h("div", { class: "dp-menu", role: "menu", "aria-label": `Column ${col.name}` },
      item("Profile and functions", () => selectColumn(col.name)),
      item("Show the empty rows", () => filterBar.show({ column: col.name, op: "empty" })),
      item("Show the invalid rows", () => filterBar.show({ column: col.name, op: "invalid" })),
      canWrite ? item("Delete the column", () => addStep({ function: "delete_column", column: col.name }).catch(toastError)) : null,
      item("Close", () => {}));
    anchor.closest("th").append(menu);
    document.addEventListener("keydown", onKey);
    menu.querySelector("button").focus();
  }

  function editStep(step) {
    const fn = functions.get(step.function);
    if (!fn) return;
    const dialog = openDialog({
      title: `Edit: ${fn.label}`,
      body: (close) => functionForm(fn, {
        columns: grid.meta.columns.map((c) => c.name),
        column: grid.meta.columns.find((c) => c.name === step.column) || null,
        step,
        datasets,
        onSubmit: async (v) => {
          prep = await api.patch(`/preparations/${enc(id)}/steps/${enc(step.id)}`, { params: v.params, new_column: v.new_column || null });
          close(true);
          await refresh();
        },
      }).el,
    });
    return dialog.done;
  }

  async function copyTo() {
    const made = await formDialog({
      title: "Apply to another dataset",
      description: "A copy of the steps, on a dataset with the same columns; every step is checked against it.",
      submitLabel: "Copy",
      fields: [
        { name: "name", label: "Name", required: true, value: `${prep.name} (copy)` },
        { name: "dataset_id", label: "Dataset", type: "select", required: true, value: prep.dataset_id, options: datasets.map((d) => ({ value: d.id, label: d.name })) },
      ],
      onSubmit: (v) => api.post(`/preparations/${enc(id)}/copy`, v),
    });
    if (made) navigate(`/dataprep/${enc(made.id)}`);
  }

  // The file a new pipeline writes: the dataset's name, as a file name.
  function outputName() {
    const base = source.dataset_name.replaceAll("/", "-").replace(/^\.+/, "").trim() || "prepared";
    return /\.(csv|parquet|jsonl)$/i.test(base) ? base : `${base}.csv`;
  }

  // Source on the dataset (read as the grid reads it), this preparation's
  // steps, a file in the file area: what the pipeline editor would make.
  function pipelineOf(node, output) {
    const config = { dataset_id: prep.dataset_id };
    if (Object.keys(node.source_options || {}).length) config.read_options = node.source_options;
    return {
      nodes: [
        { id: "source", type: "source", name: source.dataset_name, config },
        { id: "prepare", type: "prepare", name: node.name, config: node.config, ui: { preparation_id: id, preparation_name: node.name } },
        { id: "destination", type: "destination", name: output, config: { output: { name: output, format: output.split(".").pop().toLowerCase(), options: { formula_guard: true } } } },
      ],
      edges: [{ from: "source", to: "prepare" }, { from: "prepare", to: "destination" }],
    };
  }

  async function newPipeline(node, { name, output }) {
    try {
      return await api.post("/pipelines", { name, description: `Made from the preparation ${prep.name}.`, document: pipelineOf(node, output) });
    } catch (error) {
      for (const f of error.fields || []) if (/\.output\.name$/.test(f.field)) f.field = "output";
      throw error;
    }
  }

  function pipelineForm(node, close) {
    return createForm({
      fields: [
        { name: "name", label: "Pipeline name", required: true, value: prep.name },
        { name: "output", label: "File written in the file area", required: true, value: outputName(), hint: "csv, parquet or jsonl, by its extension." },
      ],
      submitLabel: "New pipeline with these steps",
      onSubmit: (v) => newPipeline(node, v),
      onDone: (made) => {
        close(made);
        navigate(`/pipelines/${enc(made.id)}`);
      },
    });
  }

  async function asProcessor() {
    const node = await api.get(`/preparations/${enc(id)}/processor`);
    const json = h("textarea", { class: "input dp-processor", rows: 16, readonly: true, hidden: true, "aria-label": "Processor node (JSON)", value: JSON.stringify(node, null, 2) });
    const toggle = button("Show as JSON", () => {
      json.hidden = !json.hidden;
      toggle.textContent = json.hidden ? "Show as JSON" : "Hide the JSON";
      toggle.setAttribute("aria-expanded", String(!json.hidden));
    }, { kind: "ghost", size: "sm", attrs: { "aria-expanded": "false" } });
    let form = null;
    openDialog({
      title: "Use in a pipeline",
      description: "A pipeline that reads the dataset, applies these steps through the same runtime and writes a file. Or add the \"prepare\" node below to a pipeline of your own (read a CSV source with its source_options to get what the grid shows).",
      size: "lg",
      body: (close) => {
        if (!session.can("pipelines:write")) {
          json.hidden = false;
          return h("div", { class: "dp-use" }, h("p", { class: "muted" }, "You may not create pipelines; copy the node instead."), json);
        }
        // The JSON goes between the fields and the form's sticky buttons,
        // its toggle beside the main one.
        form = pipelineForm(node, close);
        const buttons = form.el.querySelector(".form-actions");
        buttons.append(toggle);
        buttons.before(json);
        return form.el;
      },
      onOpen: () => form && form.focus(),
    });
  }

  const more = [
    canWrite && datasets.length ? button("Apply to another dataset", () => copyTo().catch(toastError), { size: "sm" }) : null,
    button("Use in a pipeline", () => asProcessor().catch(toastError), { size: "sm" }),
  ];
  const actions = [...more, ...(canWrite ? [undoButton, redoButton, runButton] : [])];
  const side = sidePanel([
    ["functions", "Functions", functionsBody],
    ["profile", "Profile", profileBody],
    ["suggestions", "Ideas", suggestBody, "Suggested steps for the column"],
    ["steps", "Steps", h("div", {},
      h("section", { "aria-label": "Recipe" }, h("h3", { class: "dp-h3" }, "Recipe"), recipeBody),
      h("section", { "aria-label": "Full runs" }, h("h3", { class: "dp-h3" }, "Full runs"), runsBody))],
  ], columnHead);
  const page = h(
    "div",
    { class: "dp-page" },
    header(actions),
    h("div", { class: ["dp-layout", side.collapsed && "dp-layout-collapsed"] },
      h("div", { class: "dp-main" }, filterBar.el, grid.el),
      side.el),
  );

  const onKey = (e) => {
    if (!page.isConnected) {
      document.removeEventListener("keydown", onKey);
      return;
    }
    if (!(e.ctrlKey || e.metaKey) || e.target.closest("input,textarea,select")) return;
    if (e.key === "z" && prep.can_undo) change(api.post(`/preparations/${enc(id)}/undo`), "Undone.").catch(() => {});
    if (e.key === "y" && prep.can_redo) change(api.post(`/preparations/${enc(id)}/redo`), "Redone.").catch(() => {});
  };
  document.addEventListener("keydown", onKey);
  await Promise.all([refresh(), drawRuns()]);
  return page;
}
