// Preparations: the list, with "prepare a dataset" and "upload a file".

import { api, ApiError, listAll } from "../api.js";
import { h, replace, timeEl } from "../dom.js";
import { formDialog, openDialog } from "../ui/dialog.js";
import { createForm } from "../ui/form.js";
import { listView } from "../ui/list.js";
import { button } from "../ui/page.js";
import { toast, toastError } from "../ui/toast.js";
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

/** The dataset of that exact name, if the inventory has one. */
async function datasetNamed(name) {
  const page = await api.get("/datasets", { q: name, limit: 100 });
  return { found: page.items.find((d) => d.name === name) || null, names: new Set(page.items.map((d) => d.name)) };
}

function freeName(name, names) {
  for (let n = 2; ; n += 1) if (!names.has(`${name} ${n}`)) return `${name} ${n}`;
}

/** Open the dataset's preparation, or prepare it when it has none yet. */
async function openDataset(dataset, navigate) {
  const page = await api.get("/preparations", { dataset_id: dataset.id, limit: 1 });
  const prep = page.items[0] || (await api.post("/preparations", { name: dataset.name, dataset_id: dataset.id }));
  navigate(`/dataprep/${enc(prep.id)}`);
}

function uploadProgress() {
  const bar = h("progress", { class: "dp-progress", max: 100, "aria-label": "Upload progress" });
  const text = h("p", { class: "dp-run-status", role: "status" });
  const el = h("div", { class: "dp-upload-progress", hidden: true }, bar, text);
  return {
    el,
    show(sent, total) {
      el.hidden = false;
      if (sent < total) {
        bar.max = total;
        bar.value = sent;
        text.textContent = `Uploading: ${Math.floor((sent / total) * 100)}% of ${megabytes(total)}`;
      } else {
        bar.removeAttribute("value");
        text.textContent = "Uploaded; reading the file and its sample…";
      }
    },
    hide() {
      el.hidden = true;
    },
  };
}

function megabytes(bytes) {
  return `${(bytes / 1048576).toLocaleString("en-GB", { maximumFractionDigits: 1 })} MB`;
}

// A workbook's sheets are known once the server has read it: from a 400
// answer that lists them (newer servers), or from the dataset's source
// after the upload, when the choice is offered before the grid opens.
function sheetField() {
  const select = h("select", { class: "input" });
  const part = {
    field: {
      name: "sheet", label: "Sheet", type: "custom", hint: "The sheet of the workbook to read.",
      render: ({ id, describedBy }) => {
        select.id = id;
        select.setAttribute("aria-describedby", describedBy);
        return { el: select, value: () => select.value, focus: () => select.focus() };
      },
    },
    offer(sheets) {
      replace(select, sheets.map((s) => h("option", { value: s }, s)));
      select.closest(".field").hidden = !sheets.length;
    },
  };
  return part;
}

function sheetsOf(error) {
  const problem = error.problem || {};
  const listed = problem.sheets || error.fields.find((f) => Array.isArray(f.sheets))?.sheets;
  return Array.isArray(listed) ? listed : [];
}

/** After the upload of a workbook of several sheets: which one to read. */
function chooseSheet(made, source, area, closeDialog) {
  const form = createForm({
    fields: [{ name: "sheet", label: "Sheet", type: "select", value: source.sheet, hint: `The workbook has ${source.sheets.length} sheets; the grid reads one.`,
      options: source.sheets.map((s) => ({ value: s, label: s })) }],
    submitLabel: "Open",
    onSubmit: async (v) => {
      if (v.sheet !== source.sheet) await api.put(`/preparations/${enc(made.id)}/sheet`, { sheet: v.sheet });
    },
    onDone: () => closeDialog(made),
  });
  replace(area, h("p", {}, `${made.name} is uploaded. Choose the sheet to prepare.`), form.el);
  form.focus();
}

async function workbookSheets(made) {
  const source = await api.get(`/preparations/${enc(made.id)}/source`).catch(() => null);
  return source && source.sheets.length > 1 ? source : null;
}

function uploadDialog(session, navigate) {
  let form;
  const sheet = sheetField();
  const progress = uploadProgress();
  const conflict = h("div", { class: "dp-conflict", hidden: true });
  const nameTaken = (name) => new ApiError(409, { code: "conflict", detail: `a dataset named ${name} already exists`, errors: [{ field: "name", message: `a dataset named ${name} already exists` }] });

  // The name is taken: offer the dataset that has it, or the next free name.
  async function offer(name, close) {
    const { found, names } = await datasetNamed(name).catch(() => ({ found: null, names: new Set([name]) }));
    const other = freeName(name, names);
    replace(conflict,
      h("p", {}, `A dataset named ${name} already exists.`),
      h("div", { class: "dp-conflict-actions" },
        found ? button(`Open the dataset ${name}`, () => openDataset(found, navigate).then(() => close(null), toastError), { kind: "primary" }) : null,
        button(`Upload as ${other}`, () => {
          form.input("name").value = other;
          form.el.requestSubmit();
        })));
    conflict.hidden = false;
  }

  const { close, done } = openDialog({
    title: "Upload a file",
    description: "The file becomes a dataset of the inventory, opened in the grid.",
    body: (closeDialog) => {
      form = createForm({
        fields: [
          fileField(),
          { name: "name", label: "Name", hint: "The file's name if empty." },
          sheet.field,
        ],
        submitLabel: "Upload",
        onCancel: () => closeDialog(null),
        onSubmit: async (v) => {
          if (!v.file) throw new ApiError(400, { detail: "choose a file", errors: [{ field: "file", message: "choose a file to upload" }] });
          const name = v.name || v.file.name.replace(/\.[^.]+$/, "");
          conflict.hidden = true;
          try {
            if (session.can("datasets:read") && (await datasetNamed(name)).found) throw nameTaken(name);
            const made = await uploadFile(session, "/preparations/upload", v.file, { name, filename: v.file.name, sheet: v.sheet }, progress.show);
            return { made, workbook: /\.xlsx$/i.test(v.file.name) ? await workbookSheets(made) : null };
          } catch (error) {
            progress.hide();
            if (error instanceof ApiError) sheet.offer(sheetsOf(error));
            if (error.status === 409) await offer(name, closeDialog);
            throw error.status === 409 && !error.fields.length ? nameTaken(name) : error;
          }
        },
        onDone: ({ made, workbook }) => (workbook ? chooseSheet(made, workbook, area, closeDialog) : closeDialog(made)),
      });
      const area = h("div", { class: "dp-upload" }, conflict, form.el, progress.el);
      return area;
    },
    onOpen: () => {
      sheet.offer([]);
      form.focus();
    },
  });
  done.then((made) => {
    if (!made) return;
    toast(`${made.name} is ready.`);
    navigate(`/dataprep/${enc(made.id)}`);
  });
  return close;
}

export default function preparations({ session, navigate }) {
  useStyles();
  const can = session.can("preparations:write");
  const actions = can
    ? [
      session.can("datasets:write") ? button("Upload a file", () => uploadDialog(session, navigate), { iconName: "plus" }) : null,
      button("Prepare a dataset", () => prepareDataset(navigate).catch(toastError), { kind: "primary", iconName: "plus" }),
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
