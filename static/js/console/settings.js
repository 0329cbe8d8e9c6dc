// Tenant settings: the IP allow-list.

import { api } from "../api.js";
import { h, icon, replace, uid } from "../dom.js";
import { createForm } from "../ui/form.js";
import { card, pageHeader } from "../ui/page.js";
import { toast } from "../ui/toast.js";
import { detailView } from "./common.js";

/** An editable list of addresses, each with its own error line. */
function entriesEditor(initial) {
  const list = h("div", { class: "entries" });
  const rows = [];

  function addRow(value = "", focus = false) {
    const id = uid("entry");
    const input = h("input", { id, class: "input", value, placeholder: "203.0.113.0/24", spellcheck: "false", autocomplete: "off" });
    const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
    input.setAttribute("aria-describedby", `${id}-error`);
    const row = { input, error };
    const remove = h("button", { type: "button", class: "icon-btn", "aria-label": "Remove this entry" }, icon("close", 16));
    const label = h("label", { for: id, class: "sr-only" });
    row.el = h("div", { class: "entry" }, label, h("div", { class: "entry-row" }, input, remove), error);
    remove.addEventListener("click", () => {
      const at = rows.indexOf(row);
      rows.splice(at, 1);
      row.el.remove();
      renumber();
      (rows[at] || rows[at - 1])?.input.focus() || addButton.focus();
    });
    rows.push(row);
    list.append(row.el);
    renumber();
    if (focus) input.focus();
  }

  function renumber() {
    rows.forEach((row, i) => replace(row.el.querySelector("label"), `Entry ${i + 1}`));
  }

  const addButton = h("button", { type: "button", class: "btn btn-secondary btn-sm" }, icon("plus", 16), "Add an address or range");
  addButton.addEventListener("click", () => addRow("", true));
  initial.forEach((value) => addRow(value));

  return {
    el: h("div", { class: "entries-editor", role: "group" }, list, h("div", {}, addButton)),
    value: () => rows.map((r) => r.input.value.trim()).filter(Boolean),
    focus: () => (rows[0] ? rows[0].input.focus() : addButton.focus()),
    focusError: () => (rows.find((r) => r.el.classList.contains("has-error")) || rows[0])?.input.focus(),
    setErrors(errors) {
      const rest = [];
      rows.forEach((row) => {
        row.error.hidden = true;
        replace(row.error);
        row.el.classList.remove("has-error");
        row.input.removeAttribute("aria-invalid");
      });
      // The server numbers the entries it was sent, which are the non-empty rows.
      const sent = rows.filter((r) => r.input.value.trim());
      for (const e of errors) {
        const match = /^entries\[(\d+)\]$/.exec(e.field);
        const row = match ? sent[Number(match[1])] : null;
        if (!row) {
          rest.push(e);
          continue;
        }
        replace(row.error, e.message);
        row.error.hidden = false;
        row.el.classList.add("has-error");
        row.input.setAttribute("aria-invalid", "true");
      }
      return rest;
    },
  };
}

export default function settings() {
  return detailView({
    load: () => api.get("/settings/ip-allowlist"),
    draw: (allow, reload) => {
      const form = createForm({
        fields: [{
          name: "entries",
          label: "Allowed addresses and ranges",
          type: "custom",
          hint: "Each entry is an IPv4 or IPv6 address, or a range in CIDR notation such as 10.0.0.0/8. With no entry, every address is let in.",
          render: () => entriesEditor(allow.entries),
        }],
        submitLabel: "Save allow-list",
        errorTitle: "The allow-list was not saved",
        onSubmit: (values) => api.put("/settings/ip-allowlist", values),
        onDone: () => {
          toast("The IP allow-list is saved.");
          reload();
        },
      });
      return h(
        "section",
        { class: "page page-narrow" },
        pageHeader({ title: "Settings", description: "Settings that apply to the whole tenant.", crumbs: [["Console", "/console"], ["Settings"]] }),
        card({
          title: "IP allow-list",
          description: allow.entries.length
            ? allow.entries.length === 1
              ? "Only this address may sign in or call the API."
              : `Only these ${allow.entries.length} addresses and ranges may sign in or call the API.`
            : "Empty: every address may reach this tenant.",
          body: [
            h("div", { class: "notice notice-info" }, "Sign-ins and API calls from any other address are refused. A list that would shut out your own address is refused too."),
            form.el,
          ],
        }),
      );
    },
  });
}
