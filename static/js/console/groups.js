// Groups: sets of users that carry roles.

import { api } from "../api.js";
import { h, timeEl } from "../dom.js";
import { formDialog } from "../ui/dialog.js";
import { button } from "../ui/page.js";
import { listView } from "../ui/list.js";
import { toast } from "../ui/toast.js";
import { enc } from "./common.js";

export function groupFields(group = {}) {
  return [
    { name: "name", label: "Name", required: true, value: group.name, hint: "For example Data engineers, or Finance analysts." },
    { name: "description", label: "Description", type: "textarea", rows: 3, value: group.description },
  ];
}

export default function groups({ session, navigate }) {
  const canWrite = session.can("groups:write");
  async function onCreate() {
    const created = await formDialog({
      title: "Create a group",
      submitLabel: "Create group",
      fields: groupFields(),
      onSubmit: (values) => api.post("/groups", values),
    });
    if (created) {
      toast(`Group ${created.name} created.`);
      navigate(`/console/groups/${enc(created.id)}`);
    }
  }
  const create = canWrite ? button("Create group", onCreate, { kind: "primary", iconName: "plus" }) : null;
  return listView({
    title: "Groups",
    description: "Sets of users that carry roles: give a role to a group once instead of to each person.",
    path: "/groups",
    actions: [create],
    rowHref: (g) => `/console/groups/${enc(g.id)}`,
    columns: [
      { key: "name", label: "Name", link: true },
      { key: "description", label: "Description" },
      { key: "members", label: "Members", className: "num", render: (g) => String(g.members.length) },
      { key: "roles", label: "Roles", render: (g) => (g.roles.length ? g.roles.map((r) => r.name).join(", ") : h("span", { class: "muted" }, "none")) },
      { key: "created_at", label: "Created", render: (g) => timeEl(g.created_at) },
    ],
    empty: {
      title: "No groups yet",
      action: canWrite ? button("Create the first group", onCreate, { kind: "primary" }) : null,
      text: canWrite ? "Create a group, add people to it, then give it roles." : "No group has been made in this tenant yet.",
    },
  }).el;
}


