// Projects: where work lives, and who may read, write or administer it.

import { api } from "../api.js";
import { h, timeEl } from "../dom.js";
import { formDialog } from "../ui/dialog.js";
import { badge, button } from "../ui/page.js";
import { listView } from "../ui/list.js";
import { toast } from "../ui/toast.js";
import { enc } from "./common.js";

export const ACCESS = [
  { value: "read", label: "Read", hint: "See the project and what is in it" },
  { value: "write", label: "Write", hint: "Also change what is in it" },
  { value: "admin", label: "Admin", hint: "Also decide who has access, and delete it" },
];

export function accessBadge(access) {
  const tone = { admin: "accent", write: "success", read: "neutral" }[access] || "neutral";
  return access ? badge(access, tone) : h("span", { class: "muted" }, "none");
}

export function projectFields(project = {}) {
  return [
    { name: "name", label: "Name", required: true, value: project.name, hint: "For example Customer 360." },
    { name: "description", label: "Description", type: "textarea", rows: 3, value: project.description },
  ];
}

export default function projects({ session, navigate }) {
  const canWrite = session.can("projects:write");
  async function onCreate() {
    const created = await formDialog({
      title: "Create a project",
      submitLabel: "Create project",
      fields: projectFields(),
      onSubmit: (values) => api.post("/projects", values),
    });
    if (created) {
      toast(`Project ${created.name} created.`);
      navigate(`/console/projects/${enc(created.id)}`);
    }
  }
  const create = canWrite ? button("Create project", onCreate, { kind: "primary", iconName: "plus" }) : null;
  return listView({
    title: "Projects",
    description: "Projects hold the work of a team. Grant users, groups or service accounts read, write or admin access to each.",
    path: "/projects",
    actions: [create],
    rowHref: (p) => `/console/projects/${enc(p.id)}`,
    columns: [
      { key: "name", label: "Name", link: true },
      { key: "description", label: "Description" },
      { key: "access", label: "Your access", render: (p) => accessBadge(p.access) },
      { key: "created_at", label: "Created", render: (p) => timeEl(p.created_at) },
    ],
    empty: {
      title: "No projects yet",
      action: canWrite ? button("Create the first project", onCreate, { kind: "primary" }) : null,
      text: canWrite ? "Create a project, then grant the groups that work on it access." : "No project has been shared with you yet. Ask a project administrator for access.",
    },
  }).el;
}
