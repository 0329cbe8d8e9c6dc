// The field selector's form: one row per input field, ticked to keep it,
// with a new name and a place in the output order. Written back as the
// select processor's keep or drop, rename and order.

import { h } from "../dom.js";
import { button } from "../ui/page.js";
import { choice, labelled, moveButtons } from "./controls.js";

/** Rows in output order, kept ones first, from a select config. */
function rowsOf(config, names) {
  const listed = Array.isArray(config.keep) && config.keep.length ? config.keep : null;
  const dropped = new Set(config.drop || []);
  const rename = config.rename || {};
  let kept = (listed || names).filter((n) => !dropped.has(n));
  const final = (n) => rename[n] || n;
  const first = (config.order || []).map((o) => kept.find((n) => final(n) === o)).filter(Boolean);
  kept = [...first, ...kept.filter((n) => !first.includes(n))];
  const row = (name, keep) => ({ name, keep, as: rename[name] || "" });
  return {
    mode: listed ? "listed" : "all",
    rows: [...kept.map((n) => row(n, true)), ...names.filter((n) => !kept.includes(n)).map((n) => row(n, false))],
  };
}

function configOf({ mode, rows }, names) {
  const kept = rows.filter((r) => r.keep);
  const out = {};
  if (mode === "listed") out.keep = kept.map((r) => r.name);
  else {
    const dropped = rows.filter((r) => !r.keep).map((r) => r.name);
    if (dropped.length) out.drop = dropped;
    const inInputOrder = names.filter((n) => kept.some((r) => r.name === n));
    if (kept.some((r, i) => r.name !== inInputOrder[i])) out.order = kept.map((r) => r.as || r.name);
  }
  const renamed = kept.filter((r) => r.as && r.as !== r.name);
  if (renamed.length) out.rename = Object.fromEntries(renamed.map((r) => [r.name, r.as]));
  return out;
}

// The runtime names a field by its place in keep, drop or order.
function pathsOf(state, out) {
  return state.rows.map((r) => [
    out.keep && out.keep.indexOf(r.name) >= 0 ? `keep[${out.keep.indexOf(r.name)}]` : "",
    out.drop && out.drop.indexOf(r.name) >= 0 ? `drop[${out.drop.indexOf(r.name)}]` : "",
    out.order && out.order.indexOf(r.as || r.name) >= 0 ? `order[${out.order.indexOf(r.as || r.name)}]` : "",
  ].filter(Boolean).join(" "));
}

export function selectForm({ config, schema, changed }) {
  const names = Object.keys(schema);
  const state = rowsOf(config, names);
  const boxes = [];
  const write = (redraw = false) => {
    const out = configOf(state, names);
    for (const key of Object.keys(config)) delete config[key];
    Object.assign(config, out);
    pathsOf(state, out).forEach((p, i) => boxes[i] && (boxes[i].dataset.path = p));
    changed(redraw);
  };
  // Only kept fields have a place in the output; the others follow.
  const kept = state.rows.filter((r) => r.keep);
  const reorder = () => {
    state.rows = [...kept, ...state.rows.filter((r) => !r.keep)];
    write(true);
  };
  const rows = state.rows.map((r, i) => {
    const box = h("input", { type: "checkbox", class: "checkbox", checked: r.keep, "aria-label": `Keep ${r.name}`, "data-focus": `keep:${r.name}` });
    box.addEventListener("change", () => { r.keep = box.checked; write(true); });
    boxes.push(box);
    const rename = h("input", { class: "input input-sm", value: r.as, placeholder: r.name, "aria-label": `New name for ${r.name}`, "data-path": `rename.${r.name}`, disabled: !r.keep });
    rename.addEventListener("input", () => { r.as = rename.value.trim(); write(); });
    return h("div", { class: ["pl-row pl-select-row", !r.keep && "is-off"] },
      h("label", { class: "pl-check" }, box, h("span", {}, r.name), h("span", { class: "pl-type-inline" }, schema[r.name] || "not in the input")),
      rename,
      h("div", { class: "pl-row-tools" }, r.keep ? moveButtons(kept, i, reorder, "select") : null));
  });
  pathsOf(state, configOf(state, names)).forEach((p, i) => (boxes[i].dataset.path = p));
  const tickAll = (keep) => { for (const r of state.rows) r.keep = keep; write(true); };
  return h("div", { class: "pl-panel" },
    h("div", { class: "pl-fieldset", "data-path": "keep drop rename order" },
      h("div", { class: "pl-select-bar" }, h("span", { class: "label" }, "Fields"),
        button("Keep all", () => tickAll(true), { size: "sm", kind: "ghost" }), button("Keep none", () => tickAll(false), { size: "sm", kind: "ghost" })),
      h("div", { class: "pl-select-head", "aria-hidden": "true" }, h("span", { class: "label-sm" }, "Keep, in output order"), h("span", { class: "label-sm" }, "Rename to")),
      rows.length ? rows : h("p", { class: "muted" }, "No fields yet: the preview of the step's input tells them.")),
    labelled("Fields that appear upstream later", choice([["all", "are kept"], ["listed", "are left out"]], state.mode, (v) => { state.mode = v; write(); }),
      "Kept: the unticked fields are dropped. Left out: only the ticked ones are kept."));
}
