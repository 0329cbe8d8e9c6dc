// The live preview's two panes: the records before the selected step and
// after it, its rejected rows with their reason, or why there is nothing
// to show.

import { h, replace } from "../dom.js";
import { grid, plural } from "./common.js";

/** Say in both panes why the selected step has no preview. */
export function explain({ before, after }, id, message) {
  before.classList.remove("is-stale");
  after.classList.remove("is-stale");
  replace(before, h("h3", {}, "Before"), h("p", { class: "muted" }, "No input to show."));
  replace(after, h("h3", {}, `After (${id || "nothing selected"})`), h("p", { class: "pl-why", "data-preview-why": "" }, message));
}

/** Mark the panes as being previewed for the selected step. */
export function pending({ before, after }, inputId, id) {
  for (const [pane, label] of [[before, `Before (${inputId || "none"})`], [after, `After (${id})`]]) {
    const head = pane.querySelector("h3");
    if (head) head.textContent = label;
    pane.classList.add("is-stale");
  }
}

// The reason first: it is what a person looks for in a rejected row.
function reasonFirst(schema) {
  const keys = Object.keys(schema || {});
  const reason = keys.filter((k) => /reason$/.test(k));
  return Object.fromEntries([...reason, ...keys.filter((k) => !reason.includes(k))].map((k) => [k, schema[k]]));
}

function outputTabs(self) {
  const rejects = self.rejects;
  const body = h("div", {});
  const tabs = [["Output", self.count, () => grid(self.schema, self.rows, { label: "After" })],
    ["Rejected", rejects.count, () => grid(reasonFirst(rejects.schema), rejects.rows, { label: "Rejected" })]];
  const buttons = tabs.map(([name, text, draw], i) => {
    const b = h("button", { type: "button", class: "pl-tab", role: "tab", "aria-selected": String(i === 0), "data-preview-tab": name }, `${name} (${text})`);
    b.addEventListener("click", () => {
      for (const other of buttons) other.setAttribute("aria-selected", String(other === b));
      replace(body, draw());
    });
    return b;
  });
  replace(body, tabs[0][2]());
  return h("div", {}, h("div", { class: "pl-tabs", role: "tablist", "aria-label": "Output of the step" }, buttons), body);
}

/** Draw the records before and after a step from the preview's answer. */
export function drawPreview({ before, after }, { id, inputId, found, problems }) {
  const first = found.nodes[inputId];
  const self = found.nodes[id];
  before.classList.remove("is-stale");
  after.classList.remove("is-stale");
  replace(before, h("h3", {}, `Before (${inputId || "none"})`), first && !first.error
    ? h("div", {}, h("p", { class: "muted", "data-count": "before" }, plural(first.count, "record")), grid(first.schema, first.rows, { label: "Before" }))
    : h("p", { class: "muted" }, inputId ? `${inputId} has no output to show.` : "No input."));
  const counts = self && !self.error ? `${plural(self.count, "record")}${self.rejects ? `, ${self.rejects.count} rejected` : ""}` : "";
  replace(after, h("h3", {}, `After (${id})`), self && !self.error
    ? h("div", {}, h("p", { class: "muted", "data-count": "after" }, counts),
      self.rejects && self.rejects.count ? outputTabs(self) : grid(self.schema, self.rows, { label: "After" }))
    : h("p", { class: "field-error", "data-preview-why": "" }, whyNone(id, found, problems)));
}

function whyNone(id, found, problems) {
  if (problems[id]) return problems[id][0].message;
  const broken = Object.entries(found.nodes).find(([, out]) => out.error);
  if (broken) return `No output: ${broken[0]} above has a problem: ${broken[1].error.message}`;
  return "No output.";
}
