// Engines: what runs the work, their state, and pairing a new one.

import { api } from "../api.js";
import { h, timeEl } from "../dom.js";
import { formDialog } from "../ui/dialog.js";
import { listView } from "../ui/list.js";
import { button } from "../ui/page.js";
import { showSecretOnce } from "../ui/secret.js";
import { enc } from "./common.js";
import { environmentOptions, stateBadge } from "./engines-common.js";

export async function pairEngine() {
  const made = await formDialog({
    title: "Pair an engine",
    description: "Make a single-use pairing key, then run the command it gives on the engine's machine.",
    submitLabel: "Make pairing key",
    fields: [
      { name: "engine_name", label: "Engine name", hint: "How the engine shows in the console, for example laptop or etl-1." },
      { name: "environment_id", label: "Environment", type: "select", options: await environmentOptions() },
      { name: "expires_in_minutes", label: "Expires after (minutes)", type: "number", value: 60, min: 1, max: 10080 },
    ],
    onSubmit: (values) => api.post("/engine-pairing-keys", { ...values, expires_in_minutes: Number(values.expires_in_minutes) || 60 }),
  });
  if (!made) return null;
  await showSecretOnce({
    title: "Pairing key",
    label: "Run on the engine's machine, then `tcloud engine run`",
    value: made.command,
    note: `The key works once and expires ${new Date(made.expires_at).toLocaleString()}.`,
  });
  return made;
}

export default function engines({ session }) {
  let view;
  const pair = session.can("engines:write")
    ? button("Pair an engine", async () => {
      if (await pairEngine()) view.reload();
    }, { kind: "primary", iconName: "plus" })
    : null;
  view = listView({
    title: "Engines",
    description: "The engines that run your tasks. Each belongs to an environment and serves its workspaces.",
    path: "/engines",
    searchable: false,
    actions: [pair],
    rowHref: (e) => `/console/engines/${enc(e.id)}`,
    columns: [
      { key: "name", label: "Name", link: true },
      { key: "state", label: "State", render: (e) => stateBadge(e.state) },
      { key: "version", label: "Version" },
      { key: "capacity", label: "Capacity" },
      { key: "running", label: "Running", render: (e) => String(e.running.length) },
      { key: "last_heartbeat_at", label: "Last heartbeat", render: (e) => timeEl(e.last_heartbeat_at) },
      { key: "embedded", label: "Kind", render: (e) => (e.embedded ? "embedded" : "remote") },
    ],
    empty: {
      title: "No engines yet",
      text: "Pair an engine: make a pairing key, then run `tcloud engine pair` and `tcloud engine run` on any machine.",
    },
  });
  return h("div", {}, view.el);
}
