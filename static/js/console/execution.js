// One execution, live: status, rows read, written and rejected (in all and
// per step), the files it wrote, and the log as it is written (server-sent
// events); cancel while it runs.

import { api, apiUrl, readEvents } from "../api.js";
import { h, replace, timeEl } from "../dom.js";
import { button, card, facts, linkButton, pageHeader } from "../ui/page.js";
import { attempt, enc } from "./common.js";
import { duration, FINAL, mono, rows, stateBadge } from "./engines-common.js";

function link(href, text) {
  return h("a", { href }, text);
}

function summary(e, pipeline) {
  const engine = e.engine_id ? link(`/console/engines/${enc(e.engine_id)}`, e.engine_name || e.engine_id) : "";
  return facts([
    ["Status", stateBadge(e.status)], ["Rows", rows(e)], ["Task", link(`/console/tasks/${enc(e.task_id)}`, e.task_name)],
    ["Pipeline", pipeline ? link(`/pipelines/${enc(pipeline.id)}`, `${pipeline.name} v${pipeline.version}`) : ""],
    ["Artifact", link(`/console/artifacts/${enc(e.artifact_id)}`, `${e.artifact_name} v${e.artifact_version}`)], ["Engine", engine],
    ["Trigger", `${e.trigger} (attempt ${e.attempt})`], ["Created", timeEl(e.created_at)], ["Duration", duration(e)],
    ["Error", e.error], ["Id", mono(e.id)],
  ].filter(([label, value]) => label !== "Pipeline" || value));
}

function number(n) {
  return h("td", { class: "num" }, (n ?? 0).toLocaleString());
}

function steps(e) {
  const counts = Object.entries((e.result && e.result.steps) || {});
  if (!counts.length) return h("p", { class: "muted" }, FINAL.includes(e.status) ? "No counts per step for this execution." : "Counts per step come when the run ends.");
  return h("div", { class: "table-wrap" }, h("table", { class: "table", "data-steps": "" },
    h("caption", { class: "sr-only" }, "Rows per step"),
    h("thead", {}, h("tr", {}, ["Step", "Read", "Written", "Rejected"].map((t, i) => h("th", { scope: "col", class: i ? "num" : null }, t)))),
    h("tbody", {}, counts.map(([step, c]) => h("tr", {},
      h("td", {}, mono(step)), number(c.rows_read), number(c.rows_written), number(c.rows_rejected))))));
}

function size(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  return bytes < 1 << 20 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

function outputs(e) {
  const files = (e.result && e.result.files) || [];
  if (!files.length) return h("p", { class: "muted" }, FINAL.includes(e.status) ? "This execution wrote no file to the file area." : "Files appear here when the run succeeds.");
  return h("div", { class: "table-wrap" }, h("table", { class: "table", "data-outputs": "" },
    h("caption", { class: "sr-only" }, "Output files"),
    h("thead", {}, h("tr", {}, ["File", "Size", ""].map((t, i) => h("th", { scope: "col", class: i === 1 ? "num" : null }, t)))),
    h("tbody", {}, files.map((f) => h("tr", {},
      h("td", {}, f.name), h("td", { class: "num" }, size(f.size)),
      h("td", { class: "actions" }, linkButton("Download", apiUrl(`/files/${enc(f.id)}/content`),
        { iconName: "download", attrs: { download: f.name, "data-file": f.name, "aria-label": `Download ${f.name}` } })))))));
}

export default function execution({ params, session, setTitle }) {
  const header = h("div", {});
  const details = h("div", {});
  const perStep = h("div", {});
  const files = h("div", {});
  const log = h("pre", { class: "code-block", "aria-live": "polite", "data-log": "" });
  const root = h("section", { class: "page" }, header, card({ title: "Details", body: details }),
    card({ title: "Rows per step", body: perStep }), card({ title: "Output files", body: files }), card({ title: "Log", body: log }));
  const controller = new AbortController();
  let pipeline = null;

  // The pipeline a plan artifact runs, looked up once: the engines app does
  // not know pipelines, the pipelines app answers by artifact version.
  async function findPipeline(e) {
    if (!session.can("pipelines:read")) return;
    const page = await api.get(`/pipelines?artifact_version_id=${enc(e.artifact_version_id)}`);
    pipeline = page.items[0] || null;
  }

  function draw(e) {
    setTitle(`${e.task_name} ${e.status}`);
    const cancel = session.can("tasks:run") && !FINAL.includes(e.status) && e.status !== "cancelling"
      ? button("Cancel", () => attempt(() => api.post(`/executions/${enc(e.id)}/cancel`), "Cancel requested."), { kind: "danger-outline" })
      : null;
    replace(header, pageHeader({ title: e.task_name, description: `Execution ${e.id}`, crumbs: [["Console", "/console"], ["Executions", "/console/executions"], [e.id]], actions: [cancel] }));
    replace(details, summary(e, pipeline));
    replace(perStep, steps(e));
    replace(files, outputs(e));
  }

  function handle(kind, data) {
    if (kind === "status") draw(data);
    if (kind === "log") {
      for (const line of data.lines) log.append(`${line.line}\n`);
      log.scrollTop = log.scrollHeight;
    }
  }

  function follow() {
    return readEvents(`/executions/${enc(params.id)}/events`, handle, controller.signal);
  }


  api.get(`/executions/${enc(params.id)}`).then(async (e) => {
    await findPipeline(e).catch(() => null);
    draw(e);
    return follow();
  }).catch((error) => {
    if (error.name !== "AbortError") log.append(`(live log stopped: ${error.message})\n`);
  });
  const stop = new MutationObserver(() => {
    if (!document.body.contains(root)) {
      controller.abort();
      stop.disconnect();
    }
  });
  stop.observe(document.body, { childList: true, subtree: true });
  return root;
}
