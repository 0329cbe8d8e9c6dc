// The prepare processor's form: pick a preparation of the Data Prep app;
// its enabled steps become the node's config (GET /preparations/{id}/processor),
// and the node remembers which preparation they came from in its "ui".

import { api, listAll } from "../api.js";
import { h, replace } from "../dom.js";
import { button } from "../ui/page.js";
import { toastError } from "../ui/toast.js";
import { choice, labelled } from "./controls.js";
import { enc } from "./common.js";

const count = (n) => `${n} step${n === 1 ? "" : "s"}`;

function describeStep(step) {
  const on = step.column || (Array.isArray(step.columns) ? step.columns.join(", ") : "");
  return `${step.function}${on ? ` on ${on}` : ""}`;
}

function stepList(steps) {
  if (!steps.length) return h("p", { class: "muted", "data-path": "steps" }, "No steps yet: pick a preparation.");
  return h("ol", { class: "pl-steps", "data-path": "steps" },
    steps.map((s, i) => h("li", { "data-path": `steps[${i}]`, tabindex: "-1" }, describeStep(s))));
}

export function prepareForm({ node, session, changed }) {
  const ui = node.ui || {};
  const steps = node.config.steps || [];
  const picker = h("div", {}, h("p", { class: "muted" }, "Loading the preparations…"));

  async function take(id) {
    if (!id) return;
    try {
      const made = await api.get(`/preparations/${enc(id)}/processor`);
      node.config = made.config;
      node.ui = { ...node.ui, preparation_id: id, preparation_name: made.name };
      if (!node.name) node.name = made.name;
      changed(true);
    } catch (error) {
      toastError(error, "The preparation could not be read");
    }
  }

  async function fill() {
    try {
      const preps = await listAll("/preparations");
      const options = [["", "Choose a preparation"], ...preps.map((p) => [p.id, `${p.name} (${count((p.steps || []).length)})`])];
      if (ui.preparation_id && !preps.some((p) => p.id === ui.preparation_id)) options.push([ui.preparation_id, `${ui.preparation_name || ui.preparation_id} (deleted)`]);
      replace(picker, labelled("Preparation", choice(options, ui.preparation_id || "", take, { "data-prep": "" }),
        preps.length ? "Its enabled steps are copied into this step; take them again after editing the preparation." : "No preparation yet: make one in Data Prep."));
    } catch (error) {
      replace(picker, h("p", { class: "field-error" }, `The preparations could not be listed: ${error.detail || error.message}`));
    }
  }

  if (session.can("preparations:read")) fill();
  else replace(picker, h("p", { class: "muted" }, "You cannot read preparations; the steps below stay as they are."));
  return h("div", { class: "pl-panel" },
    picker,
    h("div", { class: "field" }, h("span", { class: "label" }, `Steps (${steps.length})`), stepList(steps)),
    ui.preparation_id && session.can("preparations:read") ? button("Take the steps again", () => take(ui.preparation_id), { size: "sm" }) : null);
}
