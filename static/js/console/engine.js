// One engine: its state, version, capacity, heartbeat and what it runs.

import { api } from "../api.js";
import { h, timeEl } from "../dom.js";
import { card, emptyState, facts, pageHeader, button } from "../ui/page.js";
import { confirmThen, detailView, enc } from "./common.js";
import { mono, stateBadge } from "./engines-common.js";

function running(engine) {
  if (!engine.executions.length) return emptyState({ title: "Nothing running", text: "Run a task to see it here." });
  return h("ul", { class: "plain-list" }, engine.executions.map((e) =>
    h("li", {}, h("a", { href: `/console/executions/${enc(e.id)}` }, e.task_name), " ", stateBadge(e.status))));
}

export default function engine({ params, session, setTitle }) {
  let timer = null;
  const view = detailView({
    load: () => api.get(`/engines/${enc(params.id)}`),
    draw: (e, reload) => {
      setTitle(e.name);
      clearTimeout(timer);
      timer = setTimeout(() => document.body.contains(view) && reload(), 5000);
      const revoke = session.can("engines:write") && e.status !== "revoked"
        ? button("Revoke", () => confirmThen({
          title: `Revoke ${e.name}?`,
          message: "It is refused at once and its connection closed; what it runs is marked lost. Pair it again to bring it back.",
          confirmLabel: "Revoke engine",
          action: () => api.post(`/engines/${enc(e.id)}/revoke`),
          success: `${e.name} is revoked.`,
          done: reload,
        }), { kind: "danger-outline" })
        : null;
      return h("section", { class: "page" },
        pageHeader({ title: e.name, crumbs: [["Console", "/console"], ["Engines", "/console/engines"], [e.name]], actions: [revoke] }),
        card({ title: "Details", body: facts([
          ["State", stateBadge(e.state)],
          ["Version", e.version], ["Protocol", String(e.protocol || "")],
          ["Capabilities", e.capabilities.join(", ")], ["Capacity", String(e.capacity)],
          ["Last heartbeat", timeEl(e.last_heartbeat_at)], ["Paired", timeEl(e.paired_at)],
          ["Kind", e.embedded ? "embedded (runs on the server's machine)" : "remote"],
          ["Id", mono(e.id)],
        ]) }),
        card({ title: "Running now", body: running(e) }),
      );
    },
  });
  return view;
}
