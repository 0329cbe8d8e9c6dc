// Modal dialogs on the native <dialog> element: it traps focus, closes on
// Escape and gives focus back to what opened it.

import { append, h, icon } from "../dom.js";
import { createForm } from "./form.js";

/** Open a dialog; close(value) resolves the promise it returns. */
export function openDialog({ title, description, body, actions = [], size = "md", onOpen }) {
  const opener = document.activeElement;
  const titleId = `dlg-${Math.random().toString(36).slice(2)}`;
  let resolve;
  const done = new Promise((r) => {
    resolve = r;
  });
  const dialog = h("dialog", { class: ["dialog", `dialog-${size}`], "aria-labelledby": titleId });
  const close = (value = null) => {
    if (!dialog.open) return;
    dialog.close();
    dialog.remove();
    if (opener && opener.isConnected) opener.focus();
    resolve(value);
  };
  const closeButton = h("button", { type: "button", class: "icon-btn", "aria-label": "Close", onclick: () => close(null) }, icon("close"));
  const content = typeof body === "function" ? body(close) : body;
  const actionNodes = typeof actions === "function" ? actions(close) : actions;
  append(
    dialog,
    h("header", { class: "dialog-header" }, h("h2", { id: titleId }, title), closeButton),
    h("div", { class: "dialog-body" }, description ? h("p", { class: "dialog-text" }, description) : null, content),
    actionNodes && actionNodes.length ? h("footer", { class: "dialog-actions" }, actionNodes) : null,
  );
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    close(null);
  });
  document.body.append(dialog);
  dialog.showModal();
  if (onOpen) onOpen(dialog);
  return { close, done, dialog };
}

/** Ask for a yes or no; resolves true when confirmed. */
export function confirmDialog({ title, message, confirmLabel = "Confirm", danger = false }) {
  const { done } = openDialog({
    title,
    description: message,
    size: "sm",
    actions: (close) => [
      h("button", { type: "button", class: "btn btn-ghost", onclick: () => close(false) }, "Cancel"),
      h("button", { type: "button", class: ["btn", danger ? "btn-danger" : "btn-primary"], "data-confirm": "", onclick: () => close(true) }, confirmLabel),
    ],
    onOpen: (dialog) => dialog.querySelector("[data-confirm]").focus(),
  });
  return done.then(Boolean);
}

/** A form in a dialog; resolves with what onSubmit returned, or null. */
export function formDialog({ title, description, fields, submitLabel = "Save", onSubmit, danger, size, layout }) {
  let form;
  const handle = openDialog({
    title,
    description,
    size,
    body: (close) => {
      form = createForm({
        fields,
        submitLabel,
        danger,
        layout,
        onCancel: () => close(null),
        onSubmit,
        onDone: (result) => close(result ?? true),
      });
      return form.el;
    },
    onOpen: () => form.focus(),
  });
  return handle.done;
}
