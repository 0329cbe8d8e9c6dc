// The side panels: a column's profile and suggestions, the function picker
// with its parameter form, and the recipe (the list of steps).

import { api, ApiError, apiUrl } from "../api.js";
import { h, replace, svg } from "../dom.js";
import { createForm } from "../ui/form.js";
import { button, loading } from "../ui/page.js";
import { checklist } from "../ui/pickers.js";
import { cellText, count, enc, exactNumber, visibleSpaces } from "./common.js";
import { formatChoices } from "./dates.js";

function histogram(bins) {
  const width = 240;
  const height = 80;
  const top = Math.max(1, ...bins.map((b) => b.count));
  const w = width / bins.length;
  const bars = bins.map((b, i) => {
    const bh = (b.count / top) * (height - 2);
    return svg("rect", { x: i * w + 1, y: height - bh, width: Math.max(1, w - 2), height: bh, class: "dp-bar" }, svg("title", {}, `${b.low} – ${b.high}: ${count(b.count)}`));
  });
  return svg("svg", { class: "dp-histogram", viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": "Histogram" }, ...bars);
}

function valueList(title, items) {
  return h("div", { class: "dp-values" }, h("h4", {}, title), h("ol", {}, items.map((item) => h("li", {}, item.value === null || item.value === "" ? h("span", { class: "dp-value muted" }, "(empty)") : visibleSpaces(cellText(item.value)), h("span", { class: "dp-value-count" }, count(item.count))))));
}

export async function profilePanel(prepId, column) {
  const profile = await api.get(`/preparations/${enc(prepId)}/profile`, { column });
  const numbers = [
    ["Values", count(profile.count)], ["Empty", count(profile.empty)], ["Distinct", count(profile.distinct)], ["Duplicates", count(profile.duplicates)],
    ...("min" in profile ? [["Min", cellText(profile.min)], ["Max", cellText(profile.max)], ["Mean", cellText(profile.mean)]] : []),
    ...Object.entries(profile.quantiles || {}).map(([q, v]) => [`Quantile ${q}`, cellText(v)]),
  ];
  return h(
    "div",
    { class: "dp-profile" },
    h("dl", { class: "dp-stats" }, numbers.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v)))),
    profile.histogram && profile.histogram.length ? histogram(profile.histogram) : null,
    valueList("Top values", profile.top_values),
    valueList("Patterns", profile.patterns),
  );
}

export async function suggestionsPanel(prepId, column, apply) {
  const { items } = await api.get(`/preparations/${enc(prepId)}/suggestions`, { column });
  if (!items.length) return h("p", { class: "muted" }, "Nothing to suggest for this column.");
  return h("ul", { class: "dp-suggestions" }, items.map((s) =>
    h("li", {}, button(`${s.function.replaceAll("_", " ")}`, () => apply({ function: s.function, column: s.column, params: s.params }), { size: "sm" }), h("span", { class: "muted" }, ` ${s.reason}`))));
}

// Parameters the form fills in itself: the column's type from its header,
// the grid's filter.
const AUTOMATIC = (param) => (param.name === "type" && param.type === "any") || param.name === "filter";

function options(param) {
  return param.choice_labels.map((c) => ({ value: c.value, label: c.label }));
}

function checks(values, chosen) {
  return {
    type: "custom",
    render: () => checklist({ options: values, selected: chosen || [], name: "parts" }),
  };
}

function paramField(param, columns, value, datasets, dates) {
  const current = value ?? param.default;
  const base = { name: `params.${param.name}`, label: param.label || param.name, hint: param.description || undefined, required: param.required, value: current ?? "" };
  const none = { value: "", label: "—" };
  if (param.name === "format" && dates && dates.formats.length) {
    const chosen = dates.formats.includes(current) ? current : "";
    return { ...base, type: "select", required: true, value: chosen, hint: "Day and month both fit the dates: say which comes first.",
      options: [{ value: "", label: "Choose the format…" }, ...formatChoices(dates.formats, dates.values)] };
  }
  if (param.type === "boolean") return { ...base, type: "checkbox", required: false, value: Boolean(current) };
  if (param.type === "integer" || param.type === "number") return { ...base, type: "number" };
  if (param.type === "choice") return { ...base, type: "select", options: param.required && !current ? [none, ...options(param)] : options(param) };
  if (param.name === "dataset" && datasets) return { ...base, type: "select", options: [none, ...datasets.map((d) => ({ value: d.id, label: d.name }))] };
  if (param.type === "column") return { ...base, type: "select", options: [none, ...columns.map((c) => ({ value: c, label: c }))] };
  if (param.type === "columns") return { ...base, ...checks(columns.map((c) => ({ value: c, label: c })), current) };
  if (param.type === "list" && param.choices.length) return { ...base, ...checks(options(param), current) };
  if (param.type === "list") return { ...base, hint: `${param.description ? `${param.description}; ` : ""}separate them with commas`, value: Array.isArray(current) ? current.join(", ") : "" };
  if (param.type === "mapping") return { ...base, type: "textarea", rows: 3, hint: `${param.description || ""} (JSON)`.trim(), value: current ? JSON.stringify(current) : "" };
  return base;
}

function shown(param, values) {
  const when = param.shown_when;
  return !when || when.values.includes(String(values[`params.${when.param}`]));
}

function readParams(fn, values, column) {
  const params = {};
  for (const param of fn.params) {
    if (param.name === "type" && param.type === "any" && column) params.type = { type: column.type.type, format: column.type.format };
    if (AUTOMATIC(param) || !shown(param, values)) continue;
    let v = values[`params.${param.name}`];
    if (v === "" || v === null || v === undefined || (Array.isArray(v) && !v.length && !param.required)) continue;
    if (param.type === "list" && !param.choices.length) v = String(v).split(",").map((x) => x.trim()).filter(Boolean);
    if (param.type === "mapping") v = parseJson(param, v);
    params[param.name] = v;
  }
  return params;
}

// A number field's text as JSON should carry it: an integer beyond ±2^53
// keeps its digits instead of going through a float.
function exact(fn, values, form) {
  const out = { ...values };
  for (const param of fn.params) {
    if (param.type !== "integer" && param.type !== "number") continue;
    const input = form.input(`params.${param.name}`);
    if (input && input.value.trim() !== "") out[`params.${param.name}`] = exactNumber(input.value.trim());
  }
  return out;
}

function parseJson(param, text) {
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, { detail: `${param.label} is not valid JSON`, errors: [{ field: `params.${param.name}`, message: "is not valid JSON" }] });
  }
}

// Hide the fields that do not apply to the choice beside them ("Other
// column" only while "With" is "another column").
function followChoices(fn, form) {
  const sync = () => {
    const values = form.values();
    for (const param of fn.params) {
      const input = form.input(`params.${param.name}`);
      if (input) input.closest(".field").hidden = !shown(param, values);
    }
  };
  for (const param of fn.params) {
    if (param.type === "choice") form.input(`params.${param.name}`)?.addEventListener("change", sync);
  }
  sync();
}

/** The parameter form of one function; onSubmit gets {params, target, new_column}. */
export function functionForm(fn, { columns, column = null, step = null, targets, datasets, dates = null, onSubmit }) {
  const visible = fn.params.filter((p) => !AUTOMATIC(p));
  const fields = visible.map((p) => paramField(p, columns, step ? (step.params || {})[p.name] : undefined, fn.name === "lookup" ? datasets : null, dates));
  if (targets && targets.length) fields.unshift({ name: "target", label: "Apply to", type: "select", options: targets });
  const target = column ? `${column.name}_${fn.new_column}` : `a new column (…_${fn.new_column})`;
  if (fn.new_column && !fn.creates) fields.push({ name: "new_column", label: `Write the result to ${column ? `the new column ${target}` : target}`, type: "checkbox", value: Boolean(step && step.new_column) });
  const note = fn.params.some((p) => p.name === "filter") ? h("p", { class: "field-hint" }, "Uses the rows of the filter above the grid.") : null;
  const form = createForm({
    fields,
    submitLabel: step ? "Save the step" : "Apply",
    onSubmit: (values) => onSubmit({ params: readParams(fn, exact(fn, values, form), column), target: values.target, new_column: values.new_column || undefined }),
  });
  followChoices(fn, form);
  return { ...form, el: note ? h("div", {}, note, form.el) : form.el };
}

export function recipePanel(prep, functions, { onToggle, onMove, onDelete, onEdit }) {
  if (!prep.steps.length) return h("p", { class: "muted" }, "No steps yet: apply a function to a column.");
  const last = prep.steps.length - 1;
  return h("ol", { class: "dp-recipe" }, prep.steps.map((step, i) => {
    const fn = functions.get(step.function);
    const target = step.columns ? step.columns.join(", ") : step.column || "";
    const label = `${fn ? fn.label : step.function}${target ? ` on ${target}` : ""}${step.scope ? " (some rows)" : ""}`;
    const toggle = h("input", { type: "checkbox", class: "checkbox", checked: step.enabled !== false, "aria-label": `Enable step ${i + 1}: ${label}`, onchange: (e) => onToggle(step, e.target.checked) });
    return h(
      "li",
      { class: ["dp-step", step.enabled === false && "dp-step-off"], "data-step-id": step.id },
      h("div", { class: "dp-step-line" }, toggle, h("span", { class: "dp-step-label" }, label)),
      h("div", { class: "dp-step-actions" },
        button("Edit", () => onEdit(step), { kind: "ghost", size: "sm", attrs: { "aria-label": `Edit step ${i + 1}` } }),
        button("Up", () => onMove(step, i - 1), { kind: "ghost", size: "sm", attrs: { disabled: i === 0, "aria-label": `Move step ${i + 1} up` } }),
        button("Down", () => onMove(step, i + 1), { kind: "ghost", size: "sm", attrs: { disabled: i === last, "aria-label": `Move step ${i + 1} down` } }),
        button("Delete", () => onDelete(step), { kind: "ghost", size: "sm", attrs: { "aria-label": `Delete step ${i + 1}` } })),
    );
  }));
}

export function runsPanel(runs) {
  if (!runs.length) return h("p", { class: "muted" }, "No full run yet.");
  return h("ul", { class: "dp-runs" }, runs.map((r) => h(
    "li",
    {},
    h("span", { class: `dp-run-${r.status}` }, `${r.format} · ${r.status}`),
    (r.status === "running" || r.status === "queued") && r.rows_total
      ? h("span", { class: "muted" }, ` ${count(r.rows_done)} of ${count(r.rows_total)} rows`) : null,
    r.rows_written != null ? h("span", { class: "muted" }, ` ${count(r.rows_written)} rows`) : null,
    r.downloadable ? h("a", { href: apiUrl(`/dataprep/runs/${enc(r.id)}/download`), download: r.file_name, class: "dp-run-link" }, "Download") : null,
    r.target ? h("span", { class: "muted" }, ` ${r.target}`) : null,
  )));
}

export function waiting(el) {
  replace(el, loading());
}
