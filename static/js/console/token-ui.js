// Access tokens, shared by my tokens, a service account's tokens and the
// administrators' list of everyone's tokens.

import { api } from "../api.js";
import { h, timeEl } from "../dom.js";
import { formDialog } from "../ui/dialog.js";
import { button, statusBadge } from "../ui/page.js";
import { showSecretOnce } from "../ui/secret.js";
import { toast } from "../ui/toast.js";
import { KINDS, confirmThen, enc } from "./common.js";

export const EXPIRY_OPTIONS = [
  { value: "30", label: "30 days" },
  { value: "90", label: "90 days" },
  { value: "365", label: "1 year" },
  { value: "", label: "Never (not recommended)" },
];

/** Ask for a name and an expiry, make the token, show its secret once. */
export async function createTokenDialog(path, { title = "Create an access token", owner } = {}) {
  const created = await formDialog({
    title,
    description: owner ? `The token acts as ${owner}, with its permissions.` : "The token acts as you, with your permissions. Use it from the CLI or CI as a bearer token.",
    submitLabel: "Create token",
    fields: [
      { name: "name", label: "Name", required: true, hint: "What it is for, for example ci-nightly or laptop-cli." },
      { name: "expires_in_days", label: "Expires after", type: "select", value: "90", options: EXPIRY_OPTIONS },
    ],
    onSubmit: (values) => {
      const body = { name: values.name };
      if (values.expires_in_days) body.expires_in_days = Number(values.expires_in_days);
      return api.post(path, body);
    },
  });
  if (!created) return null;
  toast(`Token ${created.name} created.`);
  await showSecretOnce({
    title: `Token ${created.name}`,
    label: "Access token",
    value: created.token,
    note: "Copy it now and keep it somewhere safe: only its first characters are kept, so it cannot be shown again.",
  });
  return created;
}

export function revokeButton(token, revokePath, done) {
  if (token.status !== "active") return null;
  return button("Revoke", () => confirmThen({
    title: `Revoke ${token.name}?`,
    message: "Anything using this token stops working at once. This cannot be undone.",
    confirmLabel: "Revoke token",
    action: () => api.del(revokePath),
    success: `${token.name} is revoked.`,
    done,
  }), { kind: "ghost-danger", size: "sm" });
}

/** Columns for listView, or for tokenTable. */
export function tokenColumns({ owner = false, revokePath, reload, session }) {
  return [
    { key: "name", label: "Name", render: (t) => [h("span", { class: "row-title" }, t.name), h("span", { class: "cell-sub mono" }, `${t.prefix}…`)] },
    owner ? { key: "owner", label: "Owner", render: (t) => ownerCell(t, session) } : null,
    { key: "status", label: "Status", render: (t) => statusBadge(t.status) },
    { key: "created_at", label: "Created", render: (t) => timeEl(t.created_at) },
    { key: "expires_at", label: "Expires", render: (t) => timeEl(t.expires_at, "never") },
    { key: "last_used_at", label: "Last used", render: (t) => timeEl(t.last_used_at, "never") },
    revokePath ? { key: "actions", label: h("span", { class: "sr-only" }, "Actions"), className: "actions", render: (t) => revokeButton(t, revokePath(t), reload) } : null,
  ].filter(Boolean);
}

function ownerCell(token, session) {
  const kind = KINDS[token.owner.type];
  const readable = token.owner.type === "user" ? "users:read" : "service_accounts:read";
  const label = token.owner.name || token.owner.id;
  const link = kind && session && session.can(readable) ? h("a", { href: kind.href(token.owner.id) }, label) : label;
  return [link, h("span", { class: "cell-sub" }, kind ? kind.label : token.owner.type)];
}

/** A plain table of tokens (for the short, unpaged lists). */
export function tokenTable(items, options) {
  const columns = tokenColumns(options);
  return h("div", { class: "table-wrap" }, h("table", { class: "table" },
    h("caption", { class: "sr-only" }, "Access tokens"),
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.className }, c.label)))),
    h("tbody", {}, items.map((t) => h("tr", {}, columns.map((c) => h("td", { class: c.className }, c.render(t))))))));
}


