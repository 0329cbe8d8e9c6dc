// Users: the people who sign in to the tenant.

import { api, apiUrl, listAll } from "../api.js";
import { h, timeEl } from "../dom.js";
import { formDialog } from "../ui/dialog.js";
import { badge, button, statusBadge } from "../ui/page.js";
import { listView } from "../ui/list.js";
import { checklist, pickerField } from "../ui/pickers.js";
import { showSecretOnce } from "../ui/secret.js";
import { toast } from "../ui/toast.js";
import { enc } from "./common.js";

export function userBadges(user) {
  return h(
    "span",
    { class: "badges" },
    statusBadge(user.status),
    user.locked ? badge("locked", "warning") : null,
    user.must_change_password ? badge("must change password", "accent") : null,
  );
}

function names(items) {
  return items.length ? items.map((x) => x.name).join(", ") : "";
}

/** The create-user dialog; resolves with the new user, or null. */
export async function createUserDialog(session) {
  const [roles, groups] = await Promise.all([
    session.can("roles:read") ? listAll("/roles") : [],
    session.can("groups:read") ? listAll("/groups") : [],
  ]);
  const fields = [
    { name: "login", label: "Login", required: true, autocomplete: "off", hint: "Letters, digits and . _ @ -; what they type to sign in." },
    { name: "display_name", label: "Display name", autocomplete: "off" },
    { name: "email", label: "Email", type: "email", autocomplete: "off" },
    { name: "password", label: "Password", type: "password", trim: false, autocomplete: "new-password",
      hint: "Leave empty to generate a temporary password, shown once; they choose their own at first sign-in." },
    roles.length ? pickerField("role_ids", "Roles", () => checklist({ name: "role_ids", options: roles.map((r) => ({ value: r.id, label: r.name, hint: r.description })) })) : null,
    groups.length ? pickerField("group_ids", "Groups", () => checklist({ name: "group_ids", options: groups.map((g) => ({ value: g.id, label: g.name, hint: g.description })) })) : null,
  ];
  const created = await formDialog({
    title: "Create a user",
    submitLabel: "Create user",
    size: "lg",
    layout: "grid",
    fields,
    onSubmit: (values) => {
      const body = { ...values };
      if (!body.password) delete body.password;
      return api.post("/users", body);
    },
  });
  if (!created) return null;
  toast(`User ${created.login} created.`);
  if (created.temporary_password) {
    await showSecretOnce({
      title: `Temporary password for ${created.login}`,
      label: "Temporary password",
      value: created.temporary_password,
      note: "Give it to them by a safe channel; they must change it when they first sign in. It cannot be shown again.",
    });
  }
  return created;
}

export default function users({ session, navigate }) {
  const canWrite = session.can("users:write");
  const exportLink = h("a", { class: "btn btn-secondary", href: apiUrl("/users/export.csv"), download: "users.csv" }, "Export CSV");
  const create = canWrite
    ? button("Create user", async () => {
      const created = await createUserDialog(session);
      if (created) navigate(`/console/users/${enc(created.id)}`);
    }, { kind: "primary", iconName: "plus" })
    : null;
  const view = listView({
    title: "Users",
    description: "People who sign in to this tenant. Their roles, direct or through groups, decide what they may do.",
    path: "/users",
    defaultSort: "login",
    actions: [exportLink, create],
    filters: [{ name: "status", label: "Status", type: "select", options: [{ value: "", label: "Any status" }, { value: "active", label: "Active" }, { value: "inactive", label: "Inactive" }] }],
    rowHref: (u) => `/console/users/${enc(u.id)}`,
    columns: [
      { key: "login", label: "Login", sortable: true, link: true, render: (u) => h("span", { class: "nowrap" }, u.login) },
      { key: "display_name", label: "Name and email", render: (u) => [u.display_name || "", u.email ? h("span", { class: "cell-sub" }, u.email) : null] },
      { key: "status", label: "Status", render: userBadges },
      { key: "roles", label: "Roles", render: (u) => names(u.roles) },
      { key: "groups", label: "Groups", render: (u) => names(u.groups) },
      { key: "last_login_at", label: "Last sign-in", sortable: true, render: (u) => timeEl(u.last_login_at, "never") },
      { key: "created_at", label: "Created", sortable: true, render: (u) => timeEl(u.created_at) },
    ],
    empty: {
      title: "No users yet",
      text: canWrite ? "Create the first user, then give them a role or put them in a group." : "Nobody has been added to this tenant yet.",
    },
  });
  // Keep the export in step with the search and the status filter.
  const refreshExport = () => {
    const params = new URLSearchParams(location.search);
    exportLink.setAttribute("href", apiUrl("/users/export.csv", { q: params.get("q"), status: params.get("status"), sort: params.get("sort") }));
  };
  exportLink.addEventListener("focus", refreshExport);
  exportLink.addEventListener("mouseenter", refreshExport);
  exportLink.addEventListener("click", refreshExport);
  return view.el;
}
