// The filter bar: conditions on columns, joined with "all" (and) or "any" (or).
// Compact: one line per condition, the join only once there are two.

import { h, replace, uid } from "../dom.js";
import { button } from "../ui/page.js";
import { exactNumber } from "./common.js";

const OPS = [
  ["contains", "contains"], ["equals", "equals"], ["range", "between"], ["pattern", "has the pattern (Aa9)"],
  ["matches", "matches the regex"], ["empty", "is empty"], ["invalid", "is invalid"], ["valid", "is valid"],
];
const NEEDS_VALUE = new Set(["contains", "equals", "pattern", "matches"]);
const DEFAULT_JOIN = "and";
// The input a "between" end takes, by the column's inferred type.
const RANGE_INPUT = { date: "date", datetime: "datetime-local" };

function labelled(text, control) {
  const id = uid("flt");
  control.id = id;
  return h("div", { class: "dp-filter-field" }, h("label", { class: "label label-sm", for: id }, text), control);
}

function typeOf(column) {
  return column ? { type: column.type.type, format: column.type.format, ambiguous: column.type.ambiguous || [] } : "string";
}

export function createFilterBar({ columns, onApply }) {
  const rows = h("div", { class: "dp-filter-rows" });
  const join = h("select", { class: "input input-sm" }, h("option", { value: "and" }, "all"), h("option", { value: "or" }, "any"));
  const joinField = labelled("Rows matching", join);
  const problem = h("p", { class: "dp-filter-error field-error", role: "alert", hidden: true });
  const conditions = [];
  const find = (name) => columns().find((c) => c.name === name);

  function addCondition(preset = {}) {
    const column = h("select", { class: "input input-sm" }, columns().map((c) => h("option", { value: c.name, selected: c.name === preset.column }, c.name)));
    const op = h("select", { class: "input input-sm" }, OPS.map(([v, l]) => h("option", { value: v, selected: v === preset.op }, l)));
    const value = h("input", { class: "input input-sm", type: "text", value: preset.value ?? "" });
    const min = h("input", { class: "input input-sm", type: "text" });
    const max = h("input", { class: "input input-sm", type: "text" });
    const error = h("p", { class: "field-error dp-filter-row-error", hidden: true });
    const valueField = labelled("Value", value);
    const rangeFields = h("div", { class: "dp-filter-range" }, labelled("From", min), labelled("To", max));
    const sync = () => {
      valueField.hidden = !NEEDS_VALUE.has(op.value);
      rangeFields.hidden = op.value !== "range";
      const kind = RANGE_INPUT[find(column.value)?.type.type] || "text";
      for (const end of [min, max]) {
        if (end.type !== kind) {
          end.value = "";
          end.type = kind;
        }
      }
    };
    op.addEventListener("change", sync);
    column.addEventListener("change", sync);
    const condition = { column, op, value, min, max, error };
    const remove = button("Remove", () => {
      conditions.splice(conditions.indexOf(condition), 1);
      line.remove();
      joinField.hidden = conditions.length < 2;
    }, { kind: "ghost", size: "sm", attrs: { "aria-label": "Remove the condition" } });
    const line = h("div", { class: "dp-filter-row" },
      h("div", { class: "dp-filter-line" }, labelled("Column", column), labelled("Condition", op), valueField, rangeFields, remove),
      error);
    sync();
    conditions.push(condition);
    joinField.hidden = conditions.length < 2;
    rows.append(line);
  }

  function leaf(c) {
    const spec = { column: c.column.value, op: c.op.value };
    const found = find(spec.column);
    if (NEEDS_VALUE.has(spec.op)) spec.value = c.value.value;
    if (spec.op === "contains") spec.case_sensitive = false;
    if (spec.op === "range") {
      // Dates go as the ISO text the inputs give; numbers stay exact (a
      // large integer is sent as its digits, never through a float).
      const end = (input) => (input.value.trim() === "" ? undefined : input.type === "text" ? exactNumber(input.value.trim()) : input.value);
      spec.min = end(c.min);
      spec.max = end(c.max);
      spec.type = typeOf(found);
    }
    if (spec.op === "invalid" || spec.op === "valid") spec.type = typeOf(found);
    return spec;
  }

  function spec() {
    if (!conditions.length) return null;
    const leaves = conditions.map(leaf);
    return leaves.length === 1 ? leaves[0] : { [join.value]: leaves };
  }

  function clearError() {
    problem.hidden = true;
    for (const c of conditions) c.error.hidden = true;
  }

  /** Say why the filter failed, next to its condition where it names one. */
  function showError(error) {
    clearError();
    const message = (error.fields && error.fields[0] && error.fields[0].message) || error.detail || error.message;
    const text = `The filter is not applied: ${message}`;
    const named = conditions.find((c) => message.includes(`'${c.column.value}'`) || message.includes(`"${c.column.value}"`));
    const target = conditions.length === 1 ? conditions[0] : named;
    if (target) {
      target.error.textContent = text;
      target.error.hidden = false;
    } else {
      problem.textContent = text;
      problem.hidden = false;
    }
  }

  function clear() {
    conditions.length = 0;
    replace(rows);
    join.value = DEFAULT_JOIN;
    joinField.hidden = true;
    clearError();
  }

  joinField.hidden = true;
  const el = h(
    "section",
    { class: "dp-filter", "aria-label": "Filter rows" },
    h("div", { class: "dp-filter-bar" },
      h("h2", { class: "dp-filter-title" }, "Filter"), joinField,
      button("Add a condition", () => addCondition(), { size: "sm" }),
      button("Apply the filter", () => onApply(spec()), { kind: "primary", size: "sm" }),
      button("Clear", () => {
        clear();
        onApply(null);
      }, { kind: "ghost", size: "sm" })),
    rows,
    problem,
  );
  return {
    el,
    showError,
    clearError,
    show(preset) {
      clear();
      addCondition(preset);
      onApply(spec());
    },
  };
}
