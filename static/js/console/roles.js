// Roles: sets of permissions. Built-in ones are read only; custom ones are
// made with the permission picker.

import { api } from "../api.js";
import { h } from "../dom.js";
import { formDialog } from "../ui/dialog.js";
import { badge, button } from "../ui/page.js";
import { listView } from "../ui/list.js";
import { permissionPicker, pickerField } from "../ui/pickers.js";
import { toast } from "../ui/toast.js";
import { enc, loadPermissions } from "./common.js";

export function roleFields(permissions, role = {}) {
  return [
    { name: "name", label: "Name", required: true, value: role.name, hint: "For example Pipeline reviewer." },
    { name: "description", label: "Description", type: "textarea", rows: 2, value: role.description },
    pickerField("permissions", "Permissions", () => permissionPicker(permissions, role.permissions || []), {
      required: true, hint: "Grouped by area. A role can only hold permissions you hold yourself.",
    }),
  ];
}

/** The create-role dialog, optionally starting from another role's permissions. */
export async function createRoleDialog(start = {}) {
  const permissions = await loadPermissions();
  return formDialog({
    title: start.name ? `New role from ${start.name}` : "Create a custom role",
    submitLabel: "Create role",
    size: "lg",
    fields: roleFields(permissions, { permissions: (start.permissions || []).filter((p) => p !== "*") }),
    onSubmit: (values) => api.post("/roles", values),
  });
}

export function permissionSummary(role) {
  if (role.permissions.includes("*")) return badge("every permission", "accent");
  return `${role.permissions.length}`;
}

export default function roles({ session, navigate }) {
  const canWrite = session.can("roles:write");
  const create = canWrite
    ? button("Create role", async () => {
      const created = await createRoleDialog();
      if (created) {
        toast(`Role ${created.name} created.`);
        navigate(`/console/roles/${enc(created.id)}`);
      }
    }, { kind: "primary", iconName: "plus" })
    : null;
  return listView({
    title: "Roles",
    description: "A role is a set of permissions. Built-in roles cover the usual jobs; make custom roles for the rest.",
    path: "/roles",
    actions: [create],
    rowHref: (r) => `/console/roles/${enc(r.id)}`,
    columns: [
      { key: "name", label: "Name", link: true },
      { key: "builtin", label: "Kind", render: (r) => (r.builtin ? badge("built-in", "neutral") : badge("custom", "accent")) },
      { key: "description", label: "Description" },
      { key: "permissions", label: "Permissions", className: "num", render: permissionSummary },
      { key: "holders", label: "Holders", className: "num", render: (r) => String(r.holders.length) },
    ],
    empty: { title: "No roles", text: "Built-in roles appear here when the tenant is made." },
  }).el;
}


