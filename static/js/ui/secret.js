// A secret shown once (a token, a temporary password), with a copy button.

import { h, icon } from "../dom.js";
import { openDialog } from "./dialog.js";
import { toast } from "./toast.js";

async function copy(text, input) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // The clipboard API needs a secure context or a permission: fall back
    // to selecting the text so that the person can copy it themselves.
    input.focus();
    input.select();
    toast("Press Ctrl+C (or Cmd+C) to copy the selected text.", "info");
    return;
  }
  toast("Copied to the clipboard.");
}

/** The secret in a read-only field with a Copy button beside it. */
export function secretField(label, value) {
  const id = `secret-${Math.random().toString(36).slice(2)}`;
  const input = h("input", { id, class: "input input-mono", readonly: true, value, spellcheck: "false", "data-secret": "" });
  input.addEventListener("focus", () => input.select());
  const button = h("button", { type: "button", class: "btn btn-secondary", onclick: () => copy(value, input) }, icon("copy", 16), "Copy");
  return h(
    "div",
    { class: "field" },
    h("label", { class: "label", for: id }, label),
    h("div", { class: "secret-row" }, input, button),
  );
}

/** A dialog that shows a secret once and says so. */
export function showSecretOnce({ title, label, value, note }) {
  const { done } = openDialog({
    title,
    size: "md",
    body: h(
      "div",
      {},
      h("div", { class: "notice notice-warning" },
        h("strong", {}, "Shown once. "),
        note || "Copy it now: it cannot be shown again after you close this dialog."),
      secretField(label, value),
    ),
    actions: (close) => [h("button", { type: "button", class: "btn btn-primary", onclick: () => close(true) }, "I have copied it")],
    onOpen: (dialog) => dialog.querySelector("[data-secret]").focus(),
  });
  return done;
}
