// Preparations: the list, with "prepare a dataset" and "upload a file".

import { api, listAll } from "../api.js";
import { h, timeEl } from "../dom.js";
import { formDialog } from "../ui/dialog.js";
import { listView } from "../ui/list.js";
import { button } from "../ui/page.js";
import { toast } from "../ui/toast.js";
import { enc, uploadFile, useStyles } from "./common.js";

async function prepareDataset(navigate) {
  const datasets = await listAll("/datasets");
  const made = await formDialog({
    title: "Prepare a dataset",
    description: datasets.length ? "Open a dataset of the inventory in the grid." : "The inventory has no dataset yet: upload a file instead.",
    submitLabel: "Open",
    fields: [
      { name: "name", label: "Name", required: true },
      { name: "dataset_id", label: "Dataset", type: "select", required: true, options: datasets.map((d) => ({ value: d.id, label: d.name })) },
    ],
    onSubmit: (v) => api.post("/preparations", v),
  });
  if (made) navigate(`/dataprep/${enc(made.id)}`);
}

function fileField() {
  return {
    name: "file",
    label: "File",
    required: true,
    hint: "CSV, XLSX, JSON lines or Parquet.",
    type: "custom",
    render: ({ id, describedBy }) => {
      const input = h("input", { type: "file", id, class: "input", "aria-describedby": describedBy, accept: ".csv,.txt,.tsv,.xlsx,.jsonl,.ndjson,.parquet" });
      return { el: input, value: () => input.files[0] || null, focus: () => input.focus() };
    },
  };
}

async function uploadDialog(session, navigate) {
  const made = await formDialog({
    title: "Upload a file",
    description: "The file becomes a dataset of the inventory, opened in the grid.",
    submitLabel: "Upload",
    fields: [
      fileField(),
      { name: "name", label: "Name", hint: "The file's name if empty." },
      { name: "sheet", label: "Sheet", hint: "For a workbook: the sheet to read; the first if empty." },
    ],
    onSubmit: async (v) => {
      if (!v.file) throw Object.assign(new Error("choose a file"), { fields: [] });
      const name = v.name || v.file.name.replace(/\.[^.]+$/, "");
      return uploadFile(session, "/preparations/upload", v.file, { name, filename: v.file.name, sheet: v.sheet });
    },
  });
  if (made) {
    toast(`${made.name} is ready.`);
    navigate(`/dataprep/${enc(made.id)}`);
  }
}

export default function preparations({ session, navigate }) {
  useStyles();
  const can = session.can("preparations:write");
  const actions = can
    ? [
      session.can("datasets:write") ? button("Upload a file", () => uploadDialog(session, navigate), { iconName: "plus" }) : null,
      button("Prepare a dataset", () => prepareDataset(navigate), { kind: "primary", iconName: "plus" }),
    ]
    : [];
  return listView({
    title: "Preparations",
    description: "Clean and shape datasets step by step, then run the steps on the whole data and export it.",
    path: "/preparations",
    actions,
    rowHref: (p) => `/dataprep/${enc(p.id)}`,
    columns: [
      { key: "name", label: "Name", link: true },
      { key: "steps", label: "Steps", render: (p) => String(p.steps.length) },
      { key: "updated_at", label: "Updated", render: (p) => timeEl(p.updated_at) },
    ],
    empty: { title: "No preparations yet", text: "Upload a file or prepare a dataset of the inventory to start." },
  }).el;
}
