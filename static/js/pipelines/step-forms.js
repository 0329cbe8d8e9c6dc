// A form for each processor of the pipeline format, writing the config keys
// the runtime reads (tcloud/runtime/processors/). A form edits `config` in
// place and calls changed() for the live preview, changed(true) when the
// panel must be drawn again (a row added, removed or moved).

import { h } from "../dom.js";
import { checkbox, choice, fieldChecklist, fieldChoice, input, labelled, rowList } from "./controls.js";
import { prepareForm } from "./prepare-form.js";
import { selectForm } from "./select-form.js";

const OPS = ["=", "!=", "<", "<=", ">", ">=", "contains", "starts_with", "ends_with", "matches", "is_empty", "is_not_empty", "in"];
const TYPES = ["string", "int", "float", "bool", "date", "datetime"];
const AGGREGATIONS = [["count", "count"], ["sum", "sum"], ["avg", "average"], ["min", "minimum"], ["max", "maximum"], ["count_distinct", "distinct count"]];
const CASES = [["", "leave as it is"], ["upper", "UPPER CASE"], ["lower", "lower case"], ["title", "Title Case"]];
const isText = (type) => type === "string";

/** Set a key, or drop it when the value is empty. */
function put(config, key, value) {
  if (value === "" || value === undefined || (Array.isArray(value) && !value.length)) delete config[key];
  else config[key] = value;
}

function filterForm({ config, schema, changed }) {
  const conditions = config.conditions || (config.conditions = []);
  const rows = rowList({
    items: conditions, path: "conditions", changed, addLabel: "Add a condition",
    add: () => ({ field: Object.keys(schema)[0] || "", op: "=", value: "" }),
    render: (c, i) => [
      labelled(`Field ${i + 1}`, fieldChoice(schema, c.field, (v) => { c.field = v; changed(); }, { "data-cond": `field-${i}`, "data-path": `conditions[${i}].field` })),
      labelled("Operator", choice(OPS, c.op, (v) => { c.op = v; changed(true); }, { "data-cond": `op-${i}`, "data-path": `conditions[${i}].op` })),
      ["is_empty", "is_not_empty"].includes(c.op) ? h("span", {}) : labelled(c.op === "in" ? "Values (comma separated)" : "Value",
        input(Array.isArray(c.value) ? c.value.join(",") : c.value, (v) => { c.value = c.op === "in" ? v.split(",") : v; changed(); }, { "data-cond": `value-${i}`, "data-path": `conditions[${i}].value` })),
    ],
  });
  return h("div", { class: "pl-panel" },
    labelled("Match", choice([["all", "all conditions"], ["any", "any condition"]], config.match || "all", (v) => { config.match = v; changed(); }, { "data-path": "match" })),
    h("div", { class: "pl-cond-rows" }, rows),
    labelled("SQL expression (optional, ANDed)", input(config.expression || "", (v) => { put(config, "expression", v); changed(); }, { class: "input input-mono", "data-path": "expression" })),
    checkbox("Send the rows that do not match to the reject output", config.reject, (v) => { put(config, "reject", v || ""); changed(); }));
}

function convertForm({ config, schema, changed }) {
  const items = Object.entries(config.fields || {}).map(([field, t]) => ({ field, to: typeof t === "string" ? t : (t || {}).to || "string", format: (t && t.format) || "" }));
  const write = (redraw = false) => {
    config.fields = Object.fromEntries(items.filter((i) => i.field).map((i) => [i.field, i.format ? { to: i.to, format: i.format } : i.to]));
    changed(redraw);
  };
  return h("div", { class: "pl-panel" }, rowList({
    items, path: "fields", changed: write, addLabel: "Add a field to convert",
    add: () => ({ field: Object.keys(schema).find((n) => !items.some((i) => i.field === n)) || "", to: "int", format: "" }),
    render: (item, i) => [
      labelled("Field", fieldChoice(schema, item.field, (v) => { item.field = v; write(true); }, { "data-path": `fields.${item.field}`, "data-focus": `convert-field-${i}` })),
      labelled("To", choice(TYPES, item.to, (v) => { item.to = v; write(true); }, { "data-path": `fields.${item.field}.to`, "data-focus": `convert-to-${i}` })),
      ["date", "datetime"].includes(item.to)
        ? labelled("Format (optional)", input(item.format, (v) => { item.format = v; write(); }, { class: "input input-mono", placeholder: item.to === "date" ? "%d/%m/%Y" : "%d/%m/%Y %H:%M", "data-path": `fields.${item.field}.format` }))
        : h("span", {}),
    ],
  }), h("p", { class: "field-hint" }, "Rows whose value does not convert go to the reject output, with the reason."));
}

/** A select that types a field's name into an expression at the cursor. */
function insertField(schema, target) {
  return choice([["", "Insert a field…"], ...Object.keys(schema)], "", (name) => {
    const at = target.selectionStart ?? target.value.length;
    target.value = `${target.value.slice(0, at)}${name}${target.value.slice(target.selectionEnd ?? at)}`;
    target.dispatchEvent(new Event("input"));
    target.focus();
  }, { class: "input input-sm pl-insert", "aria-label": "Insert a field into the expression" });
}

function calculateForm({ config, schema, changed }) {
  const items = Array.isArray(config.fields) ? config.fields : [{ field: config.field || "", expression: config.expression || "" }];
  // One field is written as field and expression, several as fields.
  const write = (redraw = false) => {
    for (const key of Object.keys(config)) delete config[key];
    if (items.length === 1) Object.assign(config, items[0]);
    else config.fields = items;
    changed(redraw);
  };
  return h("div", { class: "pl-panel" }, rowList({
    items, path: "fields", changed: write, addLabel: "Add a calculated field", min: 1,
    add: () => ({ field: `field_${items.length + 1}`, expression: "" }),
    render: (item, i) => {
      // The first item is also reached as plain field and expression.
      const path = (key) => `fields[${i}].${key}${i === 0 ? ` ${key}` : ""}`;
      const expr = input(item.expression, (v) => { item.expression = v; write(); }, { class: "input input-mono", spellcheck: "false", placeholder: "distance / air_time * 60", "data-path": path("expression") });
      return [
        labelled("Field name", input(item.field, (v) => { item.field = v; write(); }, { "data-path": path("field") })),
        h("div", { class: "field pl-expr" }, h("label", { class: "field" }, h("span", { class: "label" }, "Expression (SQL)"), expr), insertField(schema, expr)),
      ];
    },
  }), h("p", { class: "field-hint" }, "A field that exists is replaced. Each expression sees the fields calculated above it."));
}

function aggregateForm({ config, schema, changed }) {
  const items = config.aggregations || (config.aggregations = []);
  return h("div", { class: "pl-panel" },
    fieldChecklist("Group by", schema, config.group_by || [], (v) => { put(config, "group_by", v); changed(); }, { path: "group_by", hint: "None ticked: one row for the whole input." }),
    rowList({
      items, path: "aggregations", changed, addLabel: "Add an aggregation",
      add: () => ({ op: "sum", field: Object.keys(schema).find((n) => ["int", "float"].includes(schema[n])) || "" }),
      render: (a, i) => [
        labelled("Aggregation", choice(AGGREGATIONS, a.op, (v) => {
          // A count counts every row unless a field is chosen for it.
          if (v === "count" && a.op !== "count") delete a.field;
          a.op = v;
          changed(true);
        }, { "data-path": `aggregations[${i}].op` })),
        labelled("Of field", fieldChoice(schema, a.field, (v) => { put(a, "field", v); changed(true); }, { "data-path": `aggregations[${i}].field` }, { empty: a.op === "count" ? "every row" : undefined })),
        labelled("Output name", input(a.as, (v) => { put(a, "as", v); changed(); }, { placeholder: a.op === "count" && !a.field ? "count" : `${a.op}_${a.field || "field"}`, "data-path": `aggregations[${i}].as` })),
      ],
    }));
}

function keyPairs(config) {
  if (Array.isArray(config.on) && config.on.length) return config.on.map((k) => ({ left: k, right: k }));
  const rights = config.right_on || [];
  return (config.left_on || []).map((k, i) => ({ left: k, right: rights[i] || "" }));
}

function joinForm({ config, schema, right, changed, rightInput }) {
  const pairs = keyPairs(config);
  // Keys of the same name on both sides are written as "on".
  const write = (redraw = false) => {
    for (const key of ["on", "left_on", "right_on"]) delete config[key];
    if (pairs.every((p) => p.left === p.right)) config.on = pairs.map((p) => p.left);
    else Object.assign(config, { left_on: pairs.map((p) => p.left), right_on: pairs.map((p) => p.right) });
    changed(redraw);
  };
  return h("div", { class: "pl-panel" },
    rightInput,
    labelled("Join", choice([["inner", "inner: only rows with a match"], ["left", "left: every left row, matched or not"]], config.how || "inner", (v) => { config.how = v; changed(); }, { "data-path": "how" })),
    rowList({
      items: pairs, path: "on left_on right_on", changed: write, addLabel: "Add a key",
      add: () => ({ left: Object.keys(schema)[0] || "", right: Object.keys(right)[0] || "" }),
      render: (p, i) => [
        labelled(`Left key ${i + 1}`, fieldChoice(schema, p.left, (v) => { p.left = v; write(); }, { "data-path": `on[${i}] left_on[${i}]` })),
        labelled(`Right key ${i + 1}`, fieldChoice(right, p.right, (v) => { p.right = v; write(); }, { "data-path": `right_on[${i}]` })),
      ],
    }),
    labelled("Suffix for right fields whose names clash", input(config.suffix || "", (v) => { put(config, "suffix", v); changed(); }, { placeholder: "_right", "data-path": "suffix" })));
}

function sortForm({ config, schema, changed }) {
  const keys = (config.by || []).map((k) => (typeof k === "string" ? { field: k } : k));
  config.by = keys;
  return h("div", { class: "pl-panel" }, rowList({
    items: keys, path: "by", changed, addLabel: "Add a sort key", movable: true,
    add: () => ({ field: Object.keys(schema).find((n) => !keys.some((k) => k.field === n)) || "", order: "asc" }),
    render: (k, i) => [
      labelled(`Sort by ${i + 1}`, fieldChoice(schema, k.field, (v) => { k.field = v; changed(); }, { "data-path": `by[${i}].field` })),
      labelled("Order", choice([["asc", "ascending"], ["desc", "descending"]], k.order || "asc", (v) => { k.order = v; changed(); }, { "data-path": `by[${i}].order` })),
      labelled("Nulls", choice([["last", "last"], ["first", "first"]], k.nulls || "last", (v) => { put(k, "nulls", v === "first" ? v : ""); changed(); }, { "data-path": `by[${i}].nulls` })),
    ],
  }));
}

function dedupeForm({ config, schema, changed }) {
  return h("div", { class: "pl-panel" },
    fieldChecklist("Compare on", schema, config.fields || [], (v) => { put(config, "fields", v); changed(); }, { path: "fields", hint: "None ticked: rows equal in every field are duplicates." }),
    labelled("Keep", choice([["first", "the first row of each"], ["last", "the last row of each"]], config.keep || "first", (v) => { config.keep = v; changed(); }, { "data-path": "keep" })));
}

function cleanOptions(config) {
  const ops = (config.operations || []).map((o) => (typeof o === "string" ? { op: o } : o));
  return {
    trim: ops.some((o) => o.op === "trim"),
    case: [...ops].reverse().find((o) => ["upper", "lower", "title"].includes(o.op))?.op || "",
    replaces: ops.filter((o) => o.op === "replace"),
    collapse: ops.some((o) => o.op === "collapse_spaces"),
  };
}

function cleanForm({ config, schema, changed }) {
  const o = cleanOptions(config);
  // Written in the order they apply: trim, case, replacements, spaces.
  const write = (redraw = false) => {
    config.operations = [o.trim && "trim", o.case, ...o.replaces, o.collapse && "collapse_spaces"].filter(Boolean);
    changed(redraw);
  };
  const first = Number(o.trim) + Number(Boolean(o.case));
  return h("div", { class: "pl-panel" },
    fieldChecklist("Text fields to clean", schema, config.fields || [], (v) => { config.fields = v; changed(); }, { path: "fields", only: isText }),
    h("fieldset", { class: "pl-fieldset", "data-path": "operations" }, h("legend", { class: "label" }, "Operations, applied in this order"),
      checkbox("Trim spaces at both ends", o.trim, (v) => { o.trim = v; write(true); }),
      labelled("Case", choice(CASES, o.case, (v) => { o.case = v; write(true); })),
      rowList({
        items: o.replaces, path: "replaces", changed: write, addLabel: "Add a replacement",
        add: () => ({ op: "replace", find: "", with: "" }),
        render: (r, i) => [
          labelled("Replace", input(r.find, (v) => { r.find = v; write(); }, { class: "input input-mono", "data-path": `operations[${first + i}].find operations[${first + i}]` })),
          labelled("With", input(r.with, (v) => { r.with = v; write(); }, { class: "input input-mono", "data-path": `operations[${first + i}].with` })),
          checkbox("Regular expression", r.regex, (v) => { put(r, "regex", v || ""); write(); }),
        ],
      }),
      checkbox("Collapse runs of spaces into one", o.collapse, (v) => { o.collapse = v; write(true); })));
}

function splitForm({ config, schema, changed }) {
  const text = Object.fromEntries(Object.entries(schema).filter(([, t]) => isText(t)));
  return h("div", { class: "pl-panel" },
    labelled("Field to split", fieldChoice(text, config.field, (v) => { config.field = v; changed(); }, { "data-path": "field" }), "Each part becomes a row; the other fields are repeated."),
    labelled("Separator", input(config.separator, (v) => { config.separator = v; changed(); }, { class: "input input-mono", "data-path": "separator" })),
    checkbox("Trim spaces around each part", config.trim !== false, (v) => { config.trim = v; changed(); }),
    checkbox("Drop empty parts", config.drop_empty !== false, (v) => { config.drop_empty = v; changed(); }));
}

const FORMS = {
  filter: filterForm, select: selectForm, convert: convertForm, calculate: calculateForm,
  aggregate: aggregateForm, join: joinForm, sort: sortForm, dedupe: dedupeForm,
  clean: cleanForm, split: splitForm, prepare: prepareForm,
};

/** The form of a processor, or null for a type without one. */
export function stepForm(type, context) {
  const form = FORMS[type];
  return form ? form(context) : null;
}

export function hasForm(type) {
  return type in FORMS;
}
