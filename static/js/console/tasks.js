// Tasks: an artifact version to run, with its engine, parameters and schedule.

import { api, listAll } from "../api.js";
import { h } from "../dom.js";
import { formDialog } from "../ui/dialog.js";
import { listView } from "../ui/list.js";
import { button } from "../ui/page.js";
import { toast } from "../ui/toast.js";
import { enc } from "./common.js";
import { engineOptions, parseJson } from "./engines-common.js";

export async function createTask(preset = {}) {
  const artifacts = preset.artifact_id ? [] : await listAll("/artifacts");
  const made = await formDialog({
    title: "Make a task",
    submitLabel: "Make task",
    size: "lg",
    fields: [
      { name: "name", label: "Name", required: true, value: preset.name },
      preset.artifact_id ? null : { name: "artifact_id", label: "Artifact", type: "select", required: true,
        options: artifacts.map((a) => ({ value: a.id, label: `${a.name} (latest v${a.latest_version})` })) },
      { name: "engine_id", label: "Engine", type: "select", options: await engineOptions() },
      { name: "parameters", label: "Parameters (JSON)", type: "textarea", rows: 3, value: "{}", hint: "Context variables, for example {\"who\": \"world\"}." },
      { name: "secrets", label: "Secret parameters (JSON)", type: "textarea", rows: 2, value: "{}", hint: "Stored encrypted; an engine gets them sealed to its own key." },
      { name: "cron", label: "Schedule (cron, UTC)", hint: "Five fields, for example 0 3 * * * for 03:00 every day. Empty: run on demand." },
      { name: "max_attempts", label: "Attempts", type: "number", value: 1, min: 1, max: 20, hint: "A failed or lost run is retried until this many attempts." },
    ].filter(Boolean),
    onSubmit: (v) => api.post("/tasks", {
      name: v.name,
      artifact_id: preset.artifact_id || v.artifact_id,
      ...(preset.artifact_version ? { artifact_version: preset.artifact_version } : {}),
      engine_id: v.engine_id || null,
      parameters: parseJson(v.parameters, "parameters"),
      secrets: parseJson(v.secrets, "secrets"),
      cron: (v.cron || "").trim(),
      retry: { max_attempts: Number(v.max_attempts) || 1 },
    }),
  });
  if (made) toast(`Task ${made.name} made.`);
  return made;
}

export default function tasks({ session, navigate }) {
  const make = session.can("tasks:write")
    ? button("Make a task", async () => {
      const made = await createTask();
      if (made) navigate(`/console/tasks/${enc(made.id)}`);
    }, { kind: "primary", iconName: "plus" })
    : null;
  return listView({
    title: "Tasks",
    description: "Artifact versions to run on an engine, now or on a schedule.",
    path: "/tasks",
    searchable: false,
    actions: [make],
    rowHref: (t) => `/console/tasks/${enc(t.id)}`,
    columns: [
      { key: "name", label: "Name", link: true },
      { key: "artifact_name", label: "Artifact", render: (t) => `${t.artifact_name} v${t.artifact_version}` },
      { key: "cron", label: "Schedule", render: (t) => t.cron || h("span", { class: "muted" }, "on demand") },
      { key: "engine_id", label: "Engine", render: (t) => t.engine_id || "any" },
    ],
    empty: { title: "No tasks yet", text: "Publish an artifact, then make a task from one of its versions." },
  }).el;
}
