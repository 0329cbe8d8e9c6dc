// The controls the step forms are made of: labelled inputs and selects,
// field pickers over the step's input schema, rows that move, and the
// placing of the server's problems next to the control they name.
//
// A control that edits a config field carries data-path, the runtime's
// path of that field ("aggregations[1].field"); several paths, space
// separated, when two spellings of the config reach it ("field fields[0].field").

import { h, uid } from "../dom.js";
import { button } from "../ui/page.js";

/** A control under its label; named by the label alone (a select inside a
 * label would otherwise be named with its chosen option too). */
export function labelled(label, control, hint) {
  const id = uid("lbl");
  if (control.matches("input, select, textarea") && !control.hasAttribute("aria-label")) control.setAttribute("aria-labelledby", id);
  return h("label", { class: "field" }, h("span", { class: "label", id }, label), control, hint ? h("span", { class: "field-hint" }, hint) : null);
}

export function input(value, onInput, attrs = {}) {
  const el = h("input", { class: "input", value: value ?? "", ...attrs });
  el.addEventListener("input", () => onInput(el.value));
  return el;
}

export function choice(options, value, onChange, attrs = {}) {
  const el = h("select", { class: "input", ...attrs }, options.map((o) => {
    const [v, text] = Array.isArray(o) ? o : [o, o];
    return h("option", { value: v, selected: v === value }, text);
  }));
  el.addEventListener("change", () => onChange(el.value));
  return el;
}

export function checkbox(label, checked, onChange, attrs = {}) {
  const box = h("input", { type: "checkbox", class: "checkbox", checked: Boolean(checked), ...attrs });
  box.addEventListener("change", () => onChange(box.checked));
  return h("label", { class: "check-row" }, box, h("span", { class: "label" }, label));
}

/** A select of the input's fields; a value no longer there stays listed. */
export function fieldChoice(schema, value, onChange, attrs = {}, { empty } = {}) {
  const names = Object.keys(schema);
  const options = names.map((n) => [n, `${n} (${schema[n]})`]);
  if (value && !names.includes(value)) options.unshift([value, `${value} (not in the input)`]);
  if (empty !== undefined) options.unshift(["", empty]);
  else if (!value) options.unshift(["", "Choose a field"]);
  return choice(options, value || "", onChange, attrs);
}

/** Checkboxes over the input's fields; onChange gets the ticked names. */
export function fieldChecklist(legend, schema, selected, onChange, { path, only, hint } = {}) {
  const names = Object.keys(schema).filter((n) => !only || only(schema[n]) || selected.includes(n));
  const all = [...names, ...selected.filter((n) => !names.includes(n))];
  const chosen = new Set(selected);
  const boxes = all.map((name) => {
    const box = h("input", { type: "checkbox", class: "checkbox", value: name, checked: chosen.has(name), "data-focus": `${path}:${name}` });
    box.addEventListener("change", () => {
      if (box.checked) chosen.add(name);
      else chosen.delete(name);
      onChange(all.filter((n) => chosen.has(n)));
      numberPaths();
    });
    const type = schema[name] || "not in the input";
    return h("label", { class: "pl-check" }, box, h("span", {}, name), h("span", { class: "pl-type-inline" }, type));
  });
  // The runtime names a picked field by its index in the list: fields[2].
  const numberPaths = () => {
    let i = 0;
    for (const label of boxes) {
      const box = label.querySelector("input");
      box.dataset.path = box.checked ? `${path}[${i++}]` : "";
    }
  };
  numberPaths();
  const body = boxes.length ? h("div", { class: "pl-checks" }, boxes) : h("p", { class: "muted" }, "No fields yet: the preview of the step's input tells them.");
  return h("fieldset", { class: "pl-fieldset", "data-path": path }, h("legend", { class: "label" }, legend), hint ? h("p", { class: "field-hint" }, hint) : null, body);
}

/** Up and down buttons that move items[i]; done() writes and redraws. */
export function moveButtons(items, i, done, key, { disabled = false } = {}) {
  const one = (text, label, by) => {
    const dir = by < 0 ? "up" : "down";
    return button(text, (event) => {
      const [item] = items.splice(i, 1);
      items.splice(i + by, 0, item);
      // The focus follows the item: to the same button at its new place.
      event.currentTarget.dataset.focus = `${key}-${dir}-${i + by}`;
      done();
    }, { size: "sm", kind: "ghost", attrs: { "aria-label": label, disabled: disabled || !items[i + by], "data-focus": `${key}-${dir}-${i}` } });
  };
  return [one("↑", "Move up", -1), one("↓", "Move down", 1)];
}

/** An editable list of rows with move and remove buttons, and an add button. */
export function rowList({ items, render, add, addLabel, changed, path, movable = false, min = 0 }) {
  const rows = items.map((item, i) => {
    const tools = [
      ...(movable ? moveButtons(items, i, () => changed(true), path) : []),
      items.length > min ? button("Remove", () => { items.splice(i, 1); changed(true); }, { size: "sm", kind: "ghost-danger" }) : null,
    ];
    return h("div", { class: "pl-row" }, ...render(item, i), h("div", { class: "pl-row-tools" }, tools));
  });
  return h("div", { class: "pl-rows", "data-path": path }, rows,
    button(addLabel, () => { items.push(add()); changed(true); }, { size: "sm", iconName: "plus", attrs: { "data-focus": `${path}-add` } }));
}

/** The node's key for focus: kept across a redraw of the panel. */
export function focusKey(el) {
  return el && el.dataset ? el.dataset.focus || (el.dataset.path || "").split(" ")[0] : "";
}

export function refocus(root, key) {
  if (!key) return;
  const el = [...root.querySelectorAll("[data-focus], [data-path]")].find((e) => focusKey(e) === key && !e.disabled);
  if (el) el.focus();
}

function byPath(root) {
  const found = new Map();
  for (const el of root.querySelectorAll("[data-path]")) {
    for (const p of el.dataset.path.split(" ")) if (p && !found.has(p)) found.set(p, el);
  }
  return found;
}

// "fields.when.format" falls back to "fields.when", then "fields".
function parent(path) {
  const m = /^(.*)(\.[^.[\]]+|\[\d+\])$/.exec(path);
  return m ? m[1] : "";
}

function caret(expression, position) {
  const at = Math.max(0, Math.min(position - 1, expression.length));
  return h("pre", { class: "pl-caret", "aria-hidden": "true" }, `${expression}\n${" ".repeat(at)}^`);
}

/** Put each problem next to the control its field names; return the others. */
export function showProblems(root, problems) {
  for (const el of root.querySelectorAll("[data-field-error]")) el.remove();
  for (const el of root.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  const controls = byPath(root);
  const left = [];
  for (const p of problems) {
    let path = p.field || "";
    while (path && !controls.has(path)) path = parent(path);
    const el = controls.get(path);
    if (!el) {
      left.push(p);
      continue;
    }
    const id = uid("err");
    const note = h("div", { class: "pl-error", id, "data-field-error": p.field || "" },
      h("p", { class: "field-error" }, p.message),
      p.position && el.value ? caret(el.value, p.position) : null);
    const holder = el.closest(".pl-row") || el.closest(".field, .pl-fieldset") || el;
    holder.after(note);
    if (el.matches("input, select, textarea")) {
      el.setAttribute("aria-invalid", "true");
      el.setAttribute("aria-describedby", id);
    }
  }
  return left;
}
