// Connections: the file area, folders on the engine's machine, S3 buckets,
// SQLite and PostgreSQL databases; test one from an engine.

import { api } from "../api.js";
import { h } from "../dom.js";
import { formDialog } from "../ui/dialog.js";
import { listView } from "../ui/list.js";
import { badge, button } from "../ui/page.js";
import { toast, toastError } from "../ui/toast.js";
import { enc, tabs } from "./common.js";

const KINDS = [
  { value: "folder", label: "Folder on the engine's machine" },
  { value: "s3", label: "S3 bucket" },
  { value: "sqlite", label: "SQLite file" },
  { value: "postgres", label: "PostgreSQL" },
];

function configOf(v) {
  if (v.kind === "s3") return { endpoint: v.endpoint, bucket: v.bucket, region: v.region, access_key: v.access_key };
  if (v.kind === "postgres") return { host: v.host, port: Number(v.port) || 5432, database: v.database, user: v.user };
  return { path: v.path };
}

// The fields each kind has; the others are hidden while it is chosen.
const FIELDS_OF = {
  folder: ["path"],
  sqlite: ["path"],
  s3: ["endpoint", "bucket", "region", "access_key", "secret"],
  postgres: ["host", "port", "database", "user", "secret"],
};

function showFieldsOf(select) {
  const form = select.closest("form");
  const shown = FIELDS_OF[select.value] || [];
  for (const names of Object.values(FIELDS_OF)) {
    for (const name of names) {
      const el = form && form.querySelector(`[name="${name}"]`);
      if (el) el.closest(".field").hidden = !shown.includes(name);
    }
  }
}

// A select of the kinds that shows only the chosen kind's fields.
function kindField() {
  return {
    name: "kind", label: "Kind", type: "custom", required: true,
    render: ({ id }) => {
      const select = h("select", { id, class: "input", name: "kind" }, KINDS.map((k) => h("option", { value: k.value }, k.label)));
      select.addEventListener("change", () => showFieldsOf(select));
      queueMicrotask(() => showFieldsOf(select));
      return { el: select, value: () => select.value, focus: () => select.focus() };
    },
  };
}

async function newConnection() {
  return formDialog({
    title: "New connection",
    description: "The secret is stored encrypted and reaches engines sealed.",
    layout: "grid",
    fields: [
      { name: "name", label: "Name", required: true },
      kindField(),
      { name: "path", label: "Path on the engine's machine", hint: "A folder, or a SQLite file." },
      { name: "endpoint", label: "S3 endpoint", hint: "Empty for AWS." },
      { name: "bucket", label: "Bucket" },
      { name: "region", label: "Region" },
      { name: "access_key", label: "Access key" },
      { name: "host", label: "Host" },
      { name: "port", label: "Port", type: "number", value: 5432 },
      { name: "database", label: "Database" },
      { name: "user", label: "User" },
      { name: "secret", label: "Secret key or password", type: "password" },
    ],
    submitLabel: "Create",
    onSubmit: (v) => {
      const secret = FIELDS_OF[v.kind].includes("secret") && v.secret;
      return api.post("/connections", { name: v.name, kind: v.kind, config: configOf(v), ...(secret ? { secret } : {}) });
    },
  });
}

async function test(c) {
  try {
    const found = await api.post(`/connections/${enc(c.id)}/test`);
    toast(`${c.name}: ${found.message}`, found.ok ? "success" : "error");
  } catch (error) {
    toastError(error, c.name);
  }
}

function where(c) {
  const x = c.config || {};
  return x.path || (x.bucket && `s3://${x.bucket}`) || (x.host && `${x.user}@${x.host}/${x.database}`) || "the tenant's file area";
}

export default function connections({ session }) {
  let view;
  const create = session.can("connections:write")
    ? button("New connection", async () => {
      if (await newConnection()) view.reload();
    }, { kind: "primary", iconName: "plus" })
    : null;
  view = listView({
    title: "Connections",
    description: "Where data lives. Tests, samples and runs reach them from your engine, never from the server.",
    path: "/connections",
    actions: [create],
    columns: [
      { key: "name", label: "Name" },
      { key: "kind", label: "Kind", render: (c) => badge(c.kind, "accent") },
      { key: "where", label: "Where", render: where },
      { key: "has_secret", label: "Secret", render: (c) => (c.has_secret ? "stored, encrypted" : "") },
      { key: "test", label: "", className: "actions", render: (c) => button("Test", () => test(c), { size: "sm" }) },
    ],
    empty: { title: "No connections yet", text: "Add a folder, a bucket or a database." },
  });
  return h("div", {}, tabs(session, "/pipelines/connections"), view.el);
}
