// Pieces every page uses: the header, breadcrumbs, cards, buttons, badges,
// facts lists, empty and error states.

import { h, icon, sentence } from "../dom.js";

/** The page title with its description, breadcrumbs and actions. */
export function pageHeader({ title, description, actions = [], crumbs = [] }) {
  return h(
    "header",
    { class: "page-header" },
    crumbs.length ? breadcrumbs(crumbs) : null,
    h(
      "div",
      { class: "page-header-row" },
      h("div", { class: "page-title" }, h("h1", { tabindex: "-1" }, title), description ? h("p", { class: "page-description" }, description) : null),
      actions.filter(Boolean).length ? h("div", { class: "page-actions" }, actions) : null,
    ),
  );
}

export function breadcrumbs(items) {
  return h(
    "nav",
    { class: "crumbs", "aria-label": "Breadcrumb" },
    h("ol", {}, items.map(([label, href]) => h("li", {}, href ? h("a", { href }, label) : h("span", { "aria-current": "page" }, label)))),
  );
}

/** A button; kind is primary, secondary, ghost or danger. */
export function button(label, onClick, { kind = "secondary", size, iconName, attrs = {} } = {}) {
  return h("button", { type: "button", class: ["btn", `btn-${kind}`, size && `btn-${size}`], onclick: onClick, ...attrs }, iconName ? icon(iconName, 16) : null, label);
}

export function linkButton(label, href, { kind = "secondary", iconName, attrs = {} } = {}) {
  return h("a", { class: ["btn", `btn-${kind}`], href, ...attrs }, iconName ? icon(iconName, 16) : null, label);
}

/** A titled card with optional actions in its header. */
export function card({ title, description, actions = [], body, id }) {
  const headingId = id || `card-${Math.random().toString(36).slice(2)}`;
  return h(
    "section",
    { class: "card", "aria-labelledby": headingId },
    h(
      "header",
      { class: "card-header" },
      h("div", {}, h("h2", { id: headingId }, title), description ? h("p", { class: "card-description" }, description) : null),
      actions.filter(Boolean).length ? h("div", { class: "card-actions" }, actions) : null,
    ),
    h("div", { class: "card-body" }, body),
  );
}

export function badge(text, tone = "neutral") {
  return h("span", { class: ["badge", `badge-${tone}`] }, text);
}

const STATUS_TONES = { active: "success", inactive: "neutral", locked: "warning", revoked: "neutral", expired: "warning", success: "success", failure: "danger", denied: "danger" };

export function statusBadge(status) {
  return badge(status, STATUS_TONES[status] || "neutral");
}

/** A definition list of facts: [[label, value], ...]. */
export function facts(pairs) {
  return h(
    "dl",
    { class: "facts" },
    pairs.filter(Boolean).map(([label, value]) => h("div", { class: "fact" }, h("dt", {}, label), h("dd", {}, value === "" || value == null ? h("span", { class: "muted" }, "—") : value))),
  );
}

/** What to show when there is nothing yet: say what to do first. */
export function emptyState({ title, text, action }) {
  return h("div", { class: "empty" }, h("h2", { class: "empty-title" }, title), text ? h("p", {}, text) : null, action || null);
}

/** An error in place of content; level 1 when it stands for the whole page. */
export function errorState(error, retry, { level = 2 } = {}) {
  const status = error && error.status;
  const title = status === 403 ? "You do not have access to this" : status === 404 ? "Not found" : "Something went wrong";
  return h(
    "div",
    { class: "empty empty-error", role: "alert" },
    h(`h${level}`, { class: "empty-title", tabindex: level === 1 ? "-1" : undefined }, title),
    h("p", {}, sentence((error && error.message) || String(error))),
    retry ? h("button", { type: "button", class: "btn btn-secondary", onclick: retry }, "Try again") : null,
  );
}

export function loading(text = "Loading…") {
  return h("div", { class: "loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), text);
}

/** A small inline list of chips, each with an optional remove button. */
export function chips(items, { onRemove, removeLabel = (x) => `Remove ${x.label}`, empty = "None" } = {}) {
  if (!items.length) return h("p", { class: "muted" }, empty);
  return h(
    "ul",
    { class: "chips" },
    items.map((item) =>
      h(
        "li",
        { class: "chip" },
        item.href ? h("a", { href: item.href }, item.label) : h("span", {}, item.label),
        item.extra || null,
        onRemove ? h("button", { type: "button", class: "chip-remove", "aria-label": removeLabel(item), onclick: () => onRemove(item) }, icon("close", 14)) : null,
      ),
    ),
  );
}
