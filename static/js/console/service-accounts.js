// Service accounts: identities for scripts and CI, not tied to a person.

import { api, listAll } from "../api.js";
import { h, timeEl } from "../dom.js";
import { formDialog } from "../ui/dialog.js";
import { button, statusBadge } from "../ui/page.js";
import { listView } from "../ui/list.js";
import { checklist, pickerField } from "../ui/pickers.js";
import { toast } from "../ui/toast.js";
import { enc } from "./common.js";

export function accountFields(account = {}) {
  return [
    { name: "name", label: "Name", required: true, value: account.name, hint: "For example ci-deployer." },
    { name: "description", label: "Description", type: "textarea", rows: 2, value: account.description, hint: "What uses it, and who to ask about it." },
  ];
}

export default function serviceAccounts({ session, navigate }) {
  const canWrite = session.can("service_accounts:write");
  async function onCreate() {
    const roles = session.can("roles:read") ? await listAll("/roles") : [];
    const created = await formDialog({
      title: "Create a service account",
      submitLabel: "Create service account",
      size: "lg",
      layout: "grid",
      fields: [
        ...accountFields(),
        roles.length ? pickerField("role_ids", "Roles", () => checklist({ name: "role_ids", options: roles.map((r) => ({ value: r.id, label: r.name, hint: r.description })) })) : null,
      ],
      onSubmit: (values) => api.post("/service-accounts", values),
    });
    if (created) {
      toast(`Service account ${created.name} created. Now make it a token.`);
      navigate(`/console/service-accounts/${enc(created.id)}`);
    }
  }
  const create = canWrite ? button("Create service account", onCreate, { kind: "primary", iconName: "plus" }) : null;
  return listView({
    title: "Service accounts",
    description: "Identities for scripts, CI and other machines. Each has its own roles and tokens.",
    path: "/service-accounts",
    actions: [create],
    rowHref: (a) => `/console/service-accounts/${enc(a.id)}`,
    columns: [
      { key: "name", label: "Name", link: true },
      { key: "description", label: "Description" },
      { key: "status", label: "Status", render: (a) => statusBadge(a.status) },
      { key: "roles", label: "Roles", render: (a) => (a.roles.length ? a.roles.map((r) => r.name).join(", ") : h("span", { class: "muted" }, "none")) },
      { key: "created_at", label: "Created", render: (a) => timeEl(a.created_at) },
    ],
    empty: {
      title: "No service accounts yet",
      action: canWrite ? button("Create the first service account", onCreate, { kind: "primary" }) : null,
      text: canWrite ? "Create one for each script or pipeline that calls the API, give it only the roles it needs, then make it a token." : "No service account has been made in this tenant yet.",
    },
  }).el;
}
