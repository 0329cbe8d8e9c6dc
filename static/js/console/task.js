// One task: its artifact version, engine, parameters and schedule; run it now.

import { api } from "../api.js";
import { h, timeEl } from "../dom.js";
import { listView } from "../ui/list.js";
import { button, card, facts, pageHeader } from "../ui/page.js";
import { toastError } from "../ui/toast.js";
import { detailView, enc } from "./common.js";
import { mono } from "./engines-common.js";
import { executionColumns } from "./executions.js";

export default function task({ params, session, navigate, setTitle }) {
  return detailView({
    load: () => api.get(`/tasks/${enc(params.id)}`),
    draw: (t) => {
      setTitle(t.name);
      const run = session.can("tasks:run")
        ? button("Run now", async () => {
          try {
            const started = await api.post(`/tasks/${enc(t.id)}/run`);
            navigate(`/console/executions/${enc(started.id)}`);
          } catch (error) {
            toastError(error);
          }
        }, { kind: "primary" })
        : null;
      const history = listView({
        title: "Executions", headerless: true, searchable: false, path: "/executions",
        extraQuery: () => ({ task_id: t.id }), columns: executionColumns(),
        rowHref: (e) => `/console/executions/${enc(e.id)}`,
        empty: { title: "Not run yet", text: "Run it now, or give it a schedule." },
      });
      return h("section", { class: "page" },
        pageHeader({ title: t.name, crumbs: [["Console", "/console"], ["Tasks", "/console/tasks"], [t.name]], actions: [run] }),
        card({ title: "Details", body: facts([
          ["Artifact", h("a", { href: `/console/artifacts/${enc(t.artifact_id)}` }, `${t.artifact_name} v${t.artifact_version}`)],
          ["Engine", t.engine_id || "any available engine"], ["Schedule", t.cron || "on demand"],
          ["Next run", timeEl(t.next_run_at)], ["Parameters", mono(JSON.stringify(t.parameters))],
          ["Secret parameters", t.secret_names.join(", ")],
          ["Attempts", String(t.retry.max_attempts)], ["Time limit", `${t.timeout_seconds} s`], ["Id", mono(t.id)],
        ]) }),
        card({ title: "Executions", body: history.el }),
      );
    },
  });
}
