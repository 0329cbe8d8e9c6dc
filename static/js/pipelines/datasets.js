// Datasets: the list, and uploading a file as a new dataset.

import { api, listAll } from "../api.js";
import { h, timeEl } from "../dom.js";
import { formDialog } from "../ui/dialog.js";
import { listView } from "../ui/list.js";
import { button, card } from "../ui/page.js";
import { enc, formatOf, tabs, uploadControl } from "./common.js";

async function newDataset(navigate) {
  const connections = (await listAll("/connections")).filter((c) => c.kind !== "files");
  const made = await formDialog({
    title: "New dataset on a connection",
    description: "A file in a folder or bucket (its path or key), or a database table or query.",
    fields: [
      { name: "name", label: "Name", required: true },
      { name: "connection_id", label: "Connection", type: "select", required: true, options: connections.map((c) => ({ value: c.id, label: `${c.name} (${c.kind})` })) },
      { name: "where", label: "Path, key or table", hint: "For a folder: a path inside it; for S3: the key; for a database: a table." },
      { name: "query", label: "Query", hint: "A database dataset may be one SELECT instead of a table." },
    ],
    submitLabel: "Create",
    onSubmit: (v) => {
      const kind = (connections.find((c) => c.id === v.connection_id) || {}).kind;
      const config = kind === "folder" ? { path: v.where } : kind === "s3" ? { key: v.where } : v.query ? { query: v.query } : { table: v.where };
      return api.post("/datasets", { name: v.name, connection_id: v.connection_id, config });
    },
  });
  if (made) navigate(`/pipelines/datasets/${enc(made.id)}`);
}

// A file-area dataset names its file by id: its name tells the format.
function formatCell(d, files) {
  const config = d.config;
  if (config.table || config.query) return config.table ? "table" : "query";
  return formatOf(d, files.get(config.file_id)) || "—";
}

export default async function datasets({ session, navigate }) {
  const files = new Map((await listAll("/files")).map((f) => [f.id, f.name]));
  const canWrite = session.can("datasets:write");
  const view = listView({
    title: "Datasets",
    description: "Files and tables your pipelines read and write, each with its schema and a sample.",
    path: "/datasets",
    actions: [canWrite && session.can("connections:read") ? button("New dataset", () => newDataset(navigate), { iconName: "plus" }) : null],
    rowHref: (d) => `/pipelines/datasets/${enc(d.id)}`,
    columns: [
      { key: "name", label: "Name", link: true },
      { key: "connection_name", label: "Connection", render: (d) => `${d.connection_name} (${d.connection_kind})` },
      { key: "format", label: "Format", render: (d) => formatCell(d, files) },
      { key: "updated_at", label: "Updated", render: (d) => timeEl(d.updated_at) },
    ],
    empty: { title: "No datasets yet", text: "Upload a CSV, XLSX, JSON lines or Parquet file to make the first one." },
  });
  const uploader = canWrite
    ? card({ title: "Upload a file", description: "The file goes to the tenant's file area, encrypted; a dataset is made on it.", body: uploadControl({ session, label: "File to upload", onDone: (d) => navigate(`/pipelines/datasets/${enc(d.id)}`) }) })
    : null;
  return h("div", { class: "page" }, tabs(session, "/pipelines/datasets"), uploader, view.el);
}
