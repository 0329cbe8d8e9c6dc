// The audit log: every change, sign-in and failed sign-in, newest first.

import { h, timeEl } from "../dom.js";
import { openDialog } from "../ui/dialog.js";
import { badge, button, facts } from "../ui/page.js";
import { listView } from "../ui/list.js";

const OBJECT_TYPES = ["user", "group", "role", "service_account", "token", "project", "settings", "tenant"];

// A date field gives a day; the API wants instants. The day starts and ends
// at local midnight, and "until" includes the day chosen.
function startOfDay(value) {
  const day = new Date(`${value}T00:00:00`);
  return Number.isNaN(day.getTime()) ? value : day.toISOString();
}

function endOfDay(value) {
  const day = new Date(`${value}T00:00:00`);
  if (Number.isNaN(day.getTime())) return value;
  day.setDate(day.getDate() + 1);
  return day.toISOString();
}

function outcomeBadge(outcome) {
  const tone = { success: "success", failure: "danger", locked: "warning" }[outcome] || "neutral";
  return badge(outcome, tone);
}

function showEvent(event) {
  openDialog({
    title: event.action,
    size: "lg",
    body: h("div", { class: "form" },
      facts([
        ["When", timeEl(event.at)],
        ["Outcome", outcomeBadge(event.outcome)],
        ["Actor", `${event.actor_name} (${event.actor_type})`],
        ["Object", `${event.object_name || event.object_id} (${event.object_type})`],
        ["Source address", event.source_ip],
        ["Request id", h("span", { class: "mono" }, event.request_id)],
        ["Event id", h("span", { class: "mono" }, event.id)],
      ]),
      h("div", { class: "field" }, h("span", { class: "label" }, "Details"), h("pre", { class: "code-block" }, JSON.stringify(event.details, null, 2)))),
    actions: (close) => [button("Close", () => close(), { kind: "primary" })],
  });
}

export default function auditLog() {
  return listView({
    title: "Audit log",
    description: "Who did what, when and from where: every change made by a person, a token or the system, and every sign-in.",
    path: "/audit",
    searchLabel: "Search the audit log",
    filters: [
      { name: "action", label: "Action", placeholder: "user.create" },
      { name: "actor", label: "Actor", placeholder: "login or id" },
      { name: "object_type", label: "Object type", type: "select", options: [{ value: "", label: "Any" }, ...OBJECT_TYPES.map((t) => ({ value: t, label: t.replace("_", " ") }))] },
      { name: "outcome", label: "Outcome", type: "select", options: [{ value: "", label: "Any" }, { value: "success", label: "Success" }, { value: "failure", label: "Failure" }, { value: "locked", label: "Locked" }] },
      { name: "since", label: "From", type: "date", toQuery: startOfDay },
      { name: "until", label: "To", type: "date", toQuery: endOfDay },
    ],
    columns: [
      { key: "at", label: "When", render: (e) => timeEl(e.at) },
      { key: "actor_name", label: "Actor", render: (e) => [e.actor_name, h("span", { class: "cell-sub" }, e.actor_type.replace("_", " "))] },
      { key: "action", label: "Action", render: (e) => h("span", { class: "mono" }, e.action) },
      { key: "object", label: "Object", render: (e) => [e.object_name || e.object_id || "—", h("span", { class: "cell-sub" }, e.object_type.replace("_", " "))] },
      { key: "outcome", label: "Outcome", render: (e) => outcomeBadge(e.outcome) },
      { key: "source_ip", label: "Source" },
      { key: "details", label: h("span", { class: "sr-only" }, "Details"), className: "actions", render: (e) => button("Details", () => showEvent(e), { kind: "ghost", size: "sm", attrs: { "aria-label": `Details of ${e.action} at ${e.at}` } }) },
    ],
    empty: { title: "No events yet", text: "Events appear here as people sign in and make changes." },
  }).el;
}
