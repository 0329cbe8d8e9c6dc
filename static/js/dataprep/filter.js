// The filter bar: conditions on columns, joined with "all" (and) or "any" (or).

import { h, replace, uid } from "../dom.js";
import { button } from "../ui/page.js";

const OPS = [
  ["contains", "contains"], ["equals", "equals"], ["range", "between"], ["pattern", "has the pattern (Aa9)"],
  ["matches", "matches the regex"], ["empty", "is empty"], ["invalid", "is invalid"], ["valid", "is valid"],
];
const NEEDS_VALUE = new Set(["contains", "equals", "pattern", "matches"]);

function labelled(text, control) {
  const id = uid("flt");
  control.id = id;
  return h("div", { class: "dp-filter-field" }, h("label", { class: "label label-sm", for: id }, text), control);
}

export function createFilterBar({ columns, onApply }) {
  const rows = h("div", { class: "dp-filter-rows" });
  const join = h("select", { class: "input" }, h("option", { value: "and" }, "all"), h("option", { value: "or" }, "any"));
  const conditions = [];

  function addCondition(preset = {}) {
    const column = h("select", { class: "input" }, columns().map((c) => h("option", { value: c.name, selected: c.name === preset.column }, c.name)));
    const op = h("select", { class: "input" }, OPS.map(([v, l]) => h("option", { value: v, selected: v === preset.op }, l)));
    const value = h("input", { class: "input", type: "text", value: preset.value ?? "" });
    const min = h("input", { class: "input", type: "text" });
    const max = h("input", { class: "input", type: "text" });
    const valueField = labelled("Value", value);
    const rangeFields = h("div", { class: "dp-filter-range" }, labelled("From", min), labelled("To", max));
    const sync = () => {
      valueField.hidden = !NEEDS_VALUE.has(op.value);
      rangeFields.hidden = op.value !== "range";
    };
    op.addEventListener("change", sync);
    const condition = { column, op, value, min, max };
    const remove = button("Remove", () => {
      conditions.splice(conditions.indexOf(condition), 1);
      line.remove();
    }, { kind: "ghost", size: "sm" });
    const line = h("div", { class: "dp-filter-row" }, labelled("Column", column), labelled("Condition", op), valueField, rangeFields, remove);
    sync();
    conditions.push(condition);
    rows.append(line);
  }

  function leaf(c) {
    const spec = { column: c.column.value, op: c.op.value };
    if (NEEDS_VALUE.has(spec.op)) spec.value = c.value.value;
    if (spec.op === "contains") spec.case_sensitive = false;
    if (spec.op === "range") {
      const num = (v) => (v.trim() === "" ? undefined : Number.isNaN(Number(v)) ? v.trim() : Number(v));
      spec.min = num(c.min.value);
      spec.max = num(c.max.value);
    }
    if (spec.op === "invalid" || spec.op === "valid") {
      const found = columns().find((col) => col.name === spec.column);
      spec.type = found ? { type: found.type.type, format: found.type.format } : "string";
    }
    return spec;
  }

  function spec() {
    if (!conditions.length) return null;
    const leaves = conditions.map(leaf);
    return leaves.length === 1 ? leaves[0] : { [join.value]: leaves };
  }

  const el = h(
    "section",
    { class: "dp-filter", "aria-label": "Filter rows" },
    h("div", { class: "dp-filter-head" }, h("h2", { class: "dp-h" }, "Filter"), labelled("Rows matching", join)),
    rows,
    h("div", { class: "dp-filter-actions" },
      button("Add a condition", () => addCondition(), { size: "sm" }),
      button("Apply the filter", () => onApply(spec()), { kind: "primary", size: "sm" }),
      button("Clear", () => {
        conditions.length = 0;
        replace(rows);
        onApply(null);
      }, { kind: "ghost", size: "sm" })),
  );
  return {
    el,
    show(preset) {
      conditions.length = 0;
      replace(rows);
      addCondition(preset);
      onApply(spec());
    },
  };
}
