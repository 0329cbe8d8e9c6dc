// The side panels: a column's profile and suggestions, the function picker
// with its parameter form, and the recipe (the list of steps).

import { api, apiUrl } from "../api.js";
import { h, replace, svg } from "../dom.js";
import { createForm } from "../ui/form.js";
import { button, loading } from "../ui/page.js";
import { cellText, count, enc } from "./common.js";

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
  return h("div", { class: "dp-values" }, h("h4", {}, title), h("ol", {}, items.map((item) => h("li", {}, h("span", { class: "dp-value" }, cellText(item.value) || "(empty)"), h("span", { class: "dp-value-count" }, count(item.count))))));
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

function paramField(param, columns, value, datasets) {
  const name = `params.${param.name}`;
  const base = { name, label: param.name.replaceAll("_", " "), hint: param.description || undefined, required: param.required, value: value ?? param.default ?? "" };
  if (param.type === "boolean") return { ...base, type: "checkbox", required: false, value: Boolean(value ?? param.default) };
  if (param.type === "integer" || param.type === "number") return { ...base, type: "number" };
  if (param.type === "choice" && param.choices.length) return { ...base, type: "select", options: param.choices.map((c) => ({ value: c, label: c })) };
  if (param.name === "dataset" && datasets) return { ...base, type: "select", options: [{ value: "", label: "—" }, ...datasets.map((d) => ({ value: d.id, label: d.name }))] };
  if (param.type === "column") return { ...base, type: "select", options: [{ value: "", label: "—" }, ...columns.map((c) => ({ value: c, label: c }))] };
  if (["columns", "list"].includes(param.type)) return { ...base, hint: `${param.description || ""} Separate with commas.`.trim(), value: Array.isArray(value ?? param.default) ? (value ?? param.default).join(", ") : "" };
  if (["mapping", "any"].includes(param.type) && param.name === "filter") return { ...base, type: "textarea", rows: 3, value: value ? JSON.stringify(value) : "" };
  if (param.type === "mapping") return { ...base, type: "textarea", rows: 3, value: value ? JSON.stringify(value) : "" };
  return base;
}

function readParams(fn, values) {
  const params = {};
  for (const param of fn.params) {
    let v = values[`params.${param.name}`];
    if (v === "" || v === null || v === undefined) continue;
    if (["columns", "list"].includes(param.type)) v = String(v).split(",").map((x) => x.trim()).filter(Boolean);
    if (param.type === "mapping" || param.name === "filter") v = JSON.parse(v);
    params[param.name] = v;
  }
  return params;
}

/** The parameter form of one function; onSubmit gets {params, target, new_column}. */
export function functionForm(fn, { columns, step = null, targets, datasets, onSubmit }) {
  const fields = fn.params.map((p) => paramField(p, columns, step ? (step.params || {})[p.name] : undefined, fn.name === "lookup" ? datasets : null));
  if (targets && targets.length) fields.unshift({ name: "target", label: "Apply to", type: "select", options: targets });
  if (fn.new_column) fields.push({ name: "new_column", label: `Write to a new column (${fn.new_column})`, type: "checkbox", value: Boolean(step && step.new_column) });
  return createForm({
    fields,
    submitLabel: step ? "Save the step" : "Apply",
    onSubmit: (values) => onSubmit({ params: readParams(fn, values), target: values.target, new_column: values.new_column || undefined }),
  });
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
    r.rows_written != null ? h("span", { class: "muted" }, ` ${count(r.rows_written)} rows`) : null,
    r.downloadable ? h("a", { href: apiUrl(`/dataprep/runs/${enc(r.id)}/download`), download: r.file_name, class: "dp-run-link" }, "Download") : null,
    r.target ? h("span", { class: "muted" }, ` ${r.target}`) : null,
  )));
}

export function waiting(el) {
  replace(el, loading());
}
