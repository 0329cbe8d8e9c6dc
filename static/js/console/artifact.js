// One artifact: its versions, and making a task from one.

import { api, listAll } from "../api.js";
import { h, timeEl } from "../dom.js";
import { formDialog } from "../ui/dialog.js";
import { button, card, facts, pageHeader } from "../ui/page.js";
import { toast } from "../ui/toast.js";
import { detailView, enc } from "./common.js";
import { mono } from "./engines-common.js";
import { publishPlan } from "./artifacts.js";
import { createTask } from "./tasks.js";

function versions(a, session, navigate) {
  return h("div", { class: "table-wrap" }, h("table", { class: "table" },
    h("caption", { class: "sr-only" }, "Versions"),
    h("thead", {}, h("tr", {}, ["Version", "Published", "Size", "SHA-256", ""].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, a.versions.map((v) => h("tr", {},
      h("td", {}, String(v.version)), h("td", {}, timeEl(v.created_at)), h("td", {}, `${v.size} bytes`),
      h("td", {}, mono(v.sha256.slice(0, 16))),
      h("td", { class: "actions" }, session.can("tasks:write")
        ? button("Make a task", async () => {
          const task = await createTask({ artifact_id: a.id, artifact_version: v.version, name: `${a.name} v${v.version}` });
          if (task) navigate(`/console/tasks/${enc(task.id)}`);
        }, { size: "sm" })
        : null))))));
}

async function promoteDialog(a) {
  const envs = (await listAll("/environments")).filter((e) => e.id !== a.environment_id);
  const made = await formDialog({
    title: `Promote ${a.name}`,
    description: "Copies a version and the tasks made from it into the Shared workspace of another environment.",
    submitLabel: "Promote",
    fields: [
      { name: "artifact_version", label: "Version", type: "select", options: a.versions.map((v) => ({ value: v.version, label: `v${v.version}` })) },
      { name: "target_environment_id", label: "To environment", type: "select", required: true, options: envs.map((e) => ({ value: e.id, label: e.name })) },
    ],
    onSubmit: (v) => api.post("/promotions", { artifact_id: a.id, artifact_version: Number(v.artifact_version), target_environment_id: v.target_environment_id }),
  });
  if (made) toast(`Promoted as version ${made.version.version}, with ${made.tasks.length} task(s).`);
}

export default function artifact({ params, session, navigate, setTitle }) {
  return detailView({
    load: () => api.get(`/artifacts/${enc(params.id)}`),
    draw: (a, reload) => {
      setTitle(a.name);
      const again = session.can("artifacts:write") && a.kind === "plan"
        ? button("Publish a new version", async () => {
          const made = await publishPlan(a.name);
          if (made) {
            toast(`Version ${made.latest_version} published.`);
            reload();
          }
        })
        : null;
      const promote = session.can("environments:write")
        ? button("Promote", () => promoteDialog(a))
        : null;
      return h("section", { class: "page" },
        pageHeader({ title: a.name, crumbs: [["Console", "/console"], ["Artifacts", "/console/artifacts"], [a.name]], actions: [promote, again] }),
        card({ title: "Details", body: facts([["Kind", a.kind], ["Latest version", String(a.latest_version)], ["Updated", timeEl(a.updated_at)], ["Id", mono(a.id)]]) }),
        card({ title: "Versions", body: versions(a, session, navigate) }),
      );
    },
  });
}
