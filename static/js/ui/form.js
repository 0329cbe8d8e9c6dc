// Forms: a label on every field, a hint under it, and the messages of a
// problem document placed next to the field they name.
//
//   const form = createForm({
//     fields: [{ name: "login", label: "Login", required: true }],
//     submitLabel: "Create",
//     onSubmit: async (values) => api.post("/users", values),
//     onDone: (result) => ...,
//   });
//   parent.append(form.el);
//
// Field types: text, email, password, number, date, datetime-local, url,
// textarea, select (options: [{value, label}]), checkbox, and custom
// ({ render(field) -> { el, value(), focus? } }).

import { ApiError } from "../api.js";
import { h, replace, sentence, uid } from "../dom.js";

function control(field, id, describedBy) {
  const common = {
    id,
    name: field.name,
    "aria-describedby": describedBy,
    required: field.required || undefined,
    "aria-required": field.required ? "true" : undefined,
    readonly: field.readonly || undefined,
    disabled: field.disabled || undefined,
    autocomplete: field.autocomplete || (field.type === "password" ? "new-password" : "off"),
    placeholder: field.placeholder,
  };
  if (field.type === "textarea") {
    return h("textarea", { ...common, rows: field.rows || 4, class: "input", value: field.value ?? "" });
  }
  if (field.type === "select") {
    const options = (field.options || []).map((o) =>
      h("option", { value: o.value, selected: String(o.value) === String(field.value ?? "") }, o.label),
    );
    return h("select", { ...common, class: "input" }, options);
  }
  if (field.type === "checkbox") {
    return h("input", { ...common, type: "checkbox", class: "checkbox", checked: Boolean(field.value) });
  }
  return h("input", {
    ...common,
    type: field.type || "text",
    class: "input",
    value: field.value ?? "",
    min: field.min,
    max: field.max,
    spellcheck: field.type === "text" || !field.type ? "false" : undefined,
  });
}

function buildField(field) {
  const id = uid(`f-${field.name}`);
  const hintId = field.hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ");
  const error = h("p", { class: "field-error", id: errorId, hidden: true });
  const hint = field.hint ? h("p", { class: "field-hint", id: hintId }, field.hint) : null;
  let input;
  let read;
  let focusTarget;
  let custom = null;
  if (field.type === "custom") {
    custom = field.render({ id, describedBy });
    input = custom.el;
    read = custom.value;
    focusTarget = custom.focus || (() => input.querySelector("input,select,textarea,button")?.focus());
  } else {
    input = control(field, id, describedBy);
    read = () => {
      if (field.type === "checkbox") return input.checked;
      if (field.type === "number") return input.value === "" ? null : Number(input.value);
      return field.trim === false ? input.value : input.value.trim();
    };
    focusTarget = () => input.focus();
  }
  const label = field.type === "custom"
    ? h("span", { class: "label", id: `${id}-label` }, field.label, field.required ? requiredMark() : null)
    : h("label", { class: "label", for: id }, field.label, field.required ? requiredMark() : null);
  const wrap = field.type === "checkbox"
    ? h("div", { class: ["field", "field-check", field.wide && "field-wide"] }, h("div", { class: "check-row" }, input, label), hint, error)
    : h("div", { class: ["field", field.wide && "field-wide"] }, label, hint, input, error);
  if (field.type === "custom") input.setAttribute("aria-labelledby", `${id}-label`);
  return { field, wrap, input, read, focus: focusTarget, error, custom };
}

function requiredMark() {
  return h("span", { class: "required", "aria-hidden": "true" }, " *");
}

function belongsTo(errorField, name) {
  const f = String(errorField || "").replace(/^body\./, "");
  return f === name || f.startsWith(`${name}[`) || f.startsWith(`${name}.`);
}

export function createForm({
  fields, submitLabel = "Save", cancelLabel = "Cancel", onCancel, onSubmit, onDone,
  className, danger = false, layout = "stack", errorTitle = "This could not be saved",
}) {
  const parts = fields.filter(Boolean).map(buildField);
  const banner = h("div", { class: "form-error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit", class: ["btn", danger ? "btn-danger" : "btn-primary"] }, submitLabel);
  const cancel = onCancel
    ? h("button", { type: "button", class: "btn btn-ghost", onclick: onCancel }, cancelLabel)
    : null;
  const el = h(
    "form",
    { class: ["form", `form-${layout}`, className], novalidate: true },
    banner,
    h("div", { class: "form-fields" }, parts.map((p) => p.wrap)),
    h("div", { class: "form-actions" }, submit, cancel),
  );

  function values() {
    const out = {};
    for (const part of parts) {
      if (part.field.readonly && part.field.omitReadonly !== false) continue;
      out[part.field.name] = part.read();
    }
    return out;
  }

  function clearErrors() {
    banner.hidden = true;
    replace(banner);
    for (const part of parts) {
      part.error.hidden = true;
      replace(part.error);
      part.wrap.classList.remove("has-error");
      part.input.removeAttribute("aria-invalid");
      if (part.custom && part.custom.setErrors) part.custom.setErrors([]);
    }
  }

  function showFieldError(part, messages) {
    replace(part.error, messages.join("; "));
    part.error.hidden = false;
    part.wrap.classList.add("has-error");
    part.input.setAttribute("aria-invalid", "true");
  }

  /** Place an error: field messages next to their fields, the rest on top. */
  function setErrors(error) {
    clearErrors();
    const fieldErrors = error instanceof ApiError ? error.fields : error.fields || [];
    const placed = new Set();
    let first = null;
    for (const part of parts) {
      const mine = fieldErrors.filter((e) => belongsTo(e.field, part.field.name));
      if (!mine.length) continue;
      mine.forEach((e) => placed.add(e));
      // A custom field may place errors on its own parts ("entries[2]").
      const rest = part.custom && part.custom.setErrors ? part.custom.setErrors(mine) : mine;
      if (rest.length) showFieldError(part, rest.map((e) => e.message));
      first = first || part;
    }
    const rest = fieldErrors.filter((e) => !placed.has(e));
    if (!first || rest.length) {
      const heading = errorTitle;
      replace(
        banner,
        h("p", { class: "form-error-title" }, heading),
        rest.length
          ? h("ul", {}, rest.map((e) => h("li", {}, e.field ? `${e.field}: ${e.message}` : e.message)))
          : h("p", {}, sentence(error.detail || error.message || String(error))),
      );
      banner.hidden = false;
    }
    if (first) (first.custom && first.custom.focusError ? first.custom.focusError : first.focus)();
  }

  function checkRequired() {
    const missing = parts
      .filter((p) => p.field.required && p.field.type !== "checkbox")
      .filter((p) => {
        const v = p.read();
        return v === "" || v === null || v === undefined || (Array.isArray(v) && !v.length);
      })
      .map((p) => ({ field: p.field.name, message: "is required" }));
    return missing;
  }

  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    const missing = checkRequired();
    if (missing.length) {
      setErrors({ fields: missing, detail: "fill in the required fields" });
      return;
    }
    clearErrors();
    submit.disabled = true;
    el.setAttribute("aria-busy", "true");
    try {
      const result = await onSubmit(values());
      if (onDone) await onDone(result);
    } catch (error) {
      if (error && error.name === "AbortError") return;
      setErrors(error instanceof ApiError ? error : { detail: error.message || String(error), fields: [] });
    } finally {
      submit.disabled = false;
      el.removeAttribute("aria-busy");
    }
  });

  return {
    el,
    values,
    setErrors,
    clearErrors,
    input: (name) => parts.find((p) => p.field.name === name)?.input,
    focus: () => parts.find((p) => !p.field.readonly && !p.field.disabled)?.focus(),
  };
}
