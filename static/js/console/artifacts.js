// Artifacts: pipeline plans and Python jobs, versioned, in workspaces.

import { api } from "../api.js";
import { timeEl } from "../dom.js";
import { formDialog } from "../ui/dialog.js";
import { listView } from "../ui/list.js";
import { button } from "../ui/page.js";
import { toast } from "../ui/toast.js";
import { enc } from "./common.js";
import { parseJson, stateBadge } from "./engines-common.js";

const SAMPLE = JSON.stringify({ name: "hello", steps: [{ type: "log", message: "hello {who}" }, { type: "rows", read: 3, written: 3 }] }, null, 2);

export async function publishPlan(name = "") {
  return formDialog({
    title: "Publish a pipeline plan",
    description: "Publishing again under the same name adds a version. Python jobs (zip) are published with `tcloud publish FILE`.",
    submitLabel: "Publish",
    size: "lg",
    fields: [
      { name: "name", label: "Name", required: true, value: name },
      { name: "plan", label: "Plan (JSON)", type: "textarea", rows: 10, required: true, value: SAMPLE },
      { name: "notes", label: "Notes for this version" },
    ],
    onSubmit: (v) => api.post("/artifacts", { name: v.name, kind: "plan", plan: parseJson(v.plan, "plan"), notes: v.notes || "" }),
  });
}

export default function artifacts({ session, navigate }) {
  const publish = session.can("artifacts:write")
    ? button("Publish a plan", async () => {
      const made = await publishPlan();
      if (made) {
        toast(`${made.name} version ${made.latest_version} published.`);
        navigate(`/console/artifacts/${enc(made.id)}`);
      }
    }, { kind: "primary", iconName: "plus" })
    : null;
  return listView({
    title: "Artifacts",
    description: "What engines run: pipeline plans and packaged Python jobs, each with its versions.",
    path: "/artifacts",
    searchable: false,
    actions: [publish],
    rowHref: (a) => `/console/artifacts/${enc(a.id)}`,
    columns: [
      { key: "name", label: "Name", link: true },
      { key: "kind", label: "Kind", render: (a) => stateBadge(a.kind) },
      { key: "latest_version", label: "Latest version" },
      { key: "updated_at", label: "Updated", render: (a) => timeEl(a.updated_at) },
    ],
    empty: { title: "No artifacts yet", text: "Publish a pipeline plan here, or a Python job with `tcloud publish FILE`." },
  }).el;
}
