// Executions: every run of a task, with its status, metrics and engine.

import { timeEl } from "../dom.js";
import { listView } from "../ui/list.js";
import { enc } from "./common.js";
import { duration, rows, stateBadge } from "./engines-common.js";

export function executionColumns() {
  return [
    { key: "task_name", label: "Task", link: true },
    { key: "status", label: "Status", render: (e) => stateBadge(e.status) },
    { key: "artifact_name", label: "Artifact", render: (e) => `${e.artifact_name} v${e.artifact_version}` },
    { key: "trigger", label: "Trigger" },
    { key: "attempt", label: "Attempt" },
    { key: "engine_name", label: "Engine", render: (e) => e.engine_name || "" },
    { key: "rows", label: "Rows", render: rows },
    { key: "created_at", label: "Started", render: (e) => timeEl(e.created_at) },
    { key: "duration", label: "Duration", render: duration },
    { key: "error", label: "Error" },
  ];
}

export default function executions() {
  return listView({
    title: "Executions",
    description: "Every run of every task: status, metrics, engine, and the log one click away.",
    path: "/executions",
    searchable: false,
    rowHref: (e) => `/console/executions/${enc(e.id)}`,
    columns: executionColumns(),
    empty: { title: "No executions yet", text: "Run a task to see its executions here." },
  }).el;
}
