// Choosers used as custom form fields: a checklist (optionally grouped) and
// the permission picker grouped by area ("users:read" is in area "users").

import { h, uid } from "../dom.js";

function option(opt, checked, name) {
  const id = uid("opt");
  const box = h("input", { type: "checkbox", class: "checkbox", id, value: opt.value, checked, name });
  return {
    box,
    el: h(
      "label",
      { class: "perm-option", for: id },
      box,
      h("span", { class: opt.mono ? "perm-name" : "" }, opt.label),
      opt.hint ? h("span", { class: "perm-text" }, opt.hint) : null,
    ),
  };
}

/** A list of checkboxes; groups is [{label, options}] or one flat list. */
export function checklist({ options = [], groups, selected = [], name = "choice", emptyText = "Nothing to choose from yet." }) {
  const chosen = new Set(selected);
  const boxes = [];
  const make = (opt) => {
    const made = option(opt, chosen.has(opt.value), name);
    boxes.push(made.box);
    return made.el;
  };
  let body;
  if (groups) {
    body = groups.map((group) => h("fieldset", { class: "perm-area" }, h("legend", {}, group.label), group.options.map(make)));
  } else {
    body = options.length ? h("fieldset", { class: "perm-area perm-flat" }, options.map(make)) : h("p", { class: "muted" }, emptyText);
  }
  return {
    el: h("div", { class: "perm-picker", role: "group" }, body),
    value: () => boxes.filter((b) => b.checked).map((b) => b.value),
    focus: () => boxes[0]?.focus(),
  };
}

/** Group permission names by their area, keeping the server's order. */
export function byArea(permissions) {
  const areas = new Map();
  for (const p of permissions) {
    const area = p.name.split(":")[0];
    if (!areas.has(area)) areas.set(area, []);
    areas.get(area).push(p);
  }
  return [...areas.entries()].map(([area, items]) => ({ area: area.replace(/_/g, " "), items }));
}

/** The permission picker: checkboxes with their descriptions, by area. */
export function permissionPicker(permissions, selected = []) {
  return checklist({
    name: "permissions",
    selected,
    groups: byArea(permissions).map(({ area, items }) => ({
      label: area,
      options: items.map((p) => ({ value: p.name, label: p.name, hint: p.description, mono: true })),
    })),
  });
}

/** Make a form field of a picker (see ui/form.js, type "custom"). */
export function pickerField(name, label, make, extra = {}) {
  return { name, label, type: "custom", render: () => make(), wide: true, ...extra };
}
