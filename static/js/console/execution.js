// One execution, live: status, rows read, written and rejected, and the log
// as it is written (server-sent events); cancel while it runs.

import { api, apiUrl } from "../api.js";
import { h, replace, timeEl } from "../dom.js";
import { button, card, facts, pageHeader } from "../ui/page.js";
import { attempt, enc } from "./common.js";
import { duration, FINAL, mono, rows, stateBadge } from "./engines-common.js";

function summary(e) {
  return facts([
    ["Status", stateBadge(e.status)], ["Rows", rows(e)], ["Task", h("a", { href: `/console/tasks/${enc(e.task_id)}` }, e.task_name)],
    ["Artifact", `${e.artifact_name} v${e.artifact_version}`], ["Engine", e.engine_id ? h("a", { href: `/console/engines/${enc(e.engine_id)}` }, e.engine_id) : ""],
    ["Trigger", `${e.trigger} (attempt ${e.attempt})`], ["Created", timeEl(e.created_at)], ["Duration", duration(e)],
    ["Error", e.error], ["Id", mono(e.id)],
  ]);
}

export default function execution({ params, session, setTitle }) {
  const header = h("div", {});
  const details = h("div", {});
  const log = h("pre", { class: "code-block", "aria-live": "polite", "data-log": "" });
  const root = h("section", { class: "page" }, header, card({ title: "Details", body: details }), card({ title: "Log", body: log }));
  const controller = new AbortController();

  function draw(e) {
    setTitle(`${e.task_name} ${e.status}`);
    const cancel = session.can("tasks:run") && !FINAL.includes(e.status) && e.status !== "cancelling"
      ? button("Cancel", () => attempt(() => api.post(`/executions/${enc(e.id)}/cancel`), "Cancel requested."), { kind: "danger-outline" })
      : null;
    replace(header, pageHeader({ title: e.task_name, description: `Execution ${e.id}`, crumbs: [["Console", "/console"], ["Executions", "/console/executions"], [e.id]], actions: [cancel] }));
    replace(details, summary(e));
  }

  function handle(kind, data) {
    if (kind === "status") draw(data);
    if (kind === "log") {
      for (const line of data.lines) log.append(`${line.line}\n`);
      log.scrollTop = log.scrollHeight;
    }
  }

  // A fetch stream rather than EventSource: it ends when the server ends the
  // stream (after the final status), and never dials again by itself.
  async function follow() {
    const response = await fetch(apiUrl(`/executions/${enc(params.id)}/events`), {
      credentials: "same-origin", signal: controller.signal, headers: { Accept: "text/event-stream" },
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const kind = /^event: (.*)$/m.exec(block);
        const data = /^data: (.*)$/m.exec(block);
        if (kind && data) handle(kind[1], JSON.parse(data[1]));
      }
    }
  }

  api.get(`/executions/${enc(params.id)}`).then((e) => {
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
