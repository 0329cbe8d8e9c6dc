// One artifact: its versions, and making a task from one.

import { api } from "../api.js";
import { h, timeEl } from "../dom.js";
import { card, facts, pageHeader, button } from "../ui/page.js";
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
      return h("section", { class: "page" },
        pageHeader({ title: a.name, crumbs: [["Console", "/console"], ["Artifacts", "/console/artifacts"], [a.name]], actions: [again] }),
        card({ title: "Details", body: facts([["Kind", a.kind], ["Latest version", String(a.latest_version)], ["Updated", timeEl(a.updated_at)], ["Id", mono(a.id)]]) }),
        card({ title: "Versions", body: versions(a, session, navigate) }),
      );
    },
  });
}
