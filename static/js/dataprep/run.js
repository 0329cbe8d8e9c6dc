// The run dialog: export options, then a live progress bar fed by
// server-sent events, a cancel button and, at the end, the download link.

import { api, ApiError, apiUrl, readEvents } from "../api.js";
import { h, replace } from "../dom.js";
import { openDialog } from "../ui/dialog.js";
import { createForm } from "../ui/form.js";
import { button } from "../ui/page.js";
import { toastError } from "../ui/toast.js";
import { count, enc } from "./common.js";

const FIELDS = [
  { name: "format", label: "Format", type: "select", options: [
    { value: "csv", label: "CSV" }, { value: "xlsx", label: "Excel (XLSX)" },
    { value: "parquet", label: "Parquet" }, { value: "hyper", label: "Tableau Hyper" }] },
  { name: "delimiter", label: "CSV delimiter", value: ",", trim: false },
  { name: "quote", label: "CSV quote", value: "\"" },
  { name: "encoding", label: "CSV encoding", type: "select", options: [
    { value: "utf-8", label: "UTF-8" }, { value: "utf-8-sig", label: "UTF-8 with BOM" },
    { value: "latin-1", label: "Latin-1" }, { value: "cp1252", label: "Windows-1252" }] },
  { name: "formula_guard", label: "Guard against formula injection", type: "checkbox", value: true, hint: "Text cells starting with = + - @ get a leading quote; numbers such as -10 are left as they are." },
  { name: "destination", label: "Destination", type: "select", options: [
    { value: "storage", label: "This tenant's storage (download)" }, { value: "s3", label: "My S3 bucket" }] },
  { name: "bucket", label: "S3 bucket" },
  { name: "key", label: "S3 key", hint: "Where in the bucket, for example exports/people.csv." },
  { name: "region", label: "S3 region", value: "us-east-1" },
  { name: "access_key_id", label: "S3 access key id", hint: "Used for this run only, never stored." },
  { name: "secret_access_key", label: "S3 secret access key", type: "password" },
];

// Which fields belong to which choice: the rest are hidden, and not sent.
const ONLY_FOR = {
  delimiter: ["format", "csv"], quote: ["format", "csv"], encoding: ["format", "csv"], formula_guard: ["format", "csv"],
  bucket: ["destination", "s3"], key: ["destination", "s3"], region: ["destination", "s3"],
  access_key_id: ["destination", "s3"], secret_access_key: ["destination", "s3"],
};

function followChoices(form) {
  const sync = () => {
    const values = form.values();
    for (const [name, [choice, value]] of Object.entries(ONLY_FOR)) {
      form.input(name).closest(".field").hidden = values[choice] !== value;
    }
  };
  form.input("format").addEventListener("change", sync);
  form.input("destination").addEventListener("change", sync);
  sync();
}

function body(v) {
  const options = v.format === "csv"
    ? { delimiter: v.delimiter, quote: v.quote, encoding: v.encoding, formula_guard: v.formula_guard }
    : {};
  const out = { format: v.format, options };
  if (v.destination === "s3") {
    out.destination = { kind: "s3", bucket: v.bucket, key: v.key, region: v.region, access_key_id: v.access_key_id, secret_access_key: v.secret_access_key };
  }
  return out;
}

function mapErrors(error) {
  for (const f of error.fields || []) f.field = String(f.field).replace(/^(options|destination)\./, "");
  throw error;
}

function follow(run, area, onChange) {
  const bar = h("progress", { class: "dp-progress", max: 100, value: 0, "aria-label": "Run progress" });
  const text = h("p", { role: "status", class: "dp-run-status" }, "Queued…");
  const end = h("div", { class: "dp-run-end" });
  const cancel = button("Cancel the run", () => api.post(`/dataprep/runs/${enc(run.id)}/cancel`).catch(toastError), { kind: "danger" });
  replace(area, bar, text, h("div", { class: "dp-run-actions" }, cancel), end);
  const show = (done, total, stage) => {
    if (total) {
      bar.max = total;
      bar.value = Math.min(done, total);
    }
    text.textContent = `${stage || "running"}: ${count(done)} of ${total ? count(total) : "?"} rows`;
  };
  const controller = new AbortController();
  const handlers = {
    progress: (p) => {
      show(p.rows_done, p.rows_total, p.stage);
      onChange({ ...run, status: "running", ...p, id: run.id });
    },
    status: (r) => {
      onChange(r);
      if (r.rows_total) show(r.rows_done, r.rows_total, r.stage || r.status);
      if (r.status === "succeeded") {
        bar.max = 1;
        bar.value = 1;
        text.textContent = `Done: ${count(r.rows_written)} rows written.`;
        cancel.remove();
        replace(end, r.downloadable
          ? h("a", { class: "btn btn-primary", href: apiUrl(`/dataprep/runs/${enc(r.id)}/download`), download: r.file_name }, `Download ${r.file_name}`)
          : h("p", {}, `Written to ${r.target}.`));
      } else if (r.status === "failed" || r.status === "cancelled") {
        cancel.remove();
        text.textContent = r.status === "failed" ? `The run failed: ${r.error}` : "The run was cancelled.";
      }
    },
  };
  readEvents(`/dataprep/runs/${enc(run.id)}/events`, (name, data) => handlers[name]?.(data), controller.signal).catch((error) => {
    if (error.name === "AbortError") return;
    text.textContent = error instanceof ApiError
      ? `Cannot follow the run: ${error.message}.`
      : "Lost the connection to the run; reopen the dialog to follow it.";
  });
  return () => controller.abort();
}

/** The run dialog; onChange(run) hears of the run from its start to its end. */
export function openRunDialog(prepId, { onChange = () => {} } = {}) {
  let stop = () => {};
  const area = h("div", { class: "dp-run" });
  const form = createForm({
    fields: FIELDS,
    submitLabel: "Run on the full dataset",
    onSubmit: (v) => api.post(`/preparations/${enc(prepId)}/runs`, body(v)).catch(mapErrors),
    onDone: (run) => {
      onChange(run);
      stop = follow(run, area, onChange);
    },
  });
  followChoices(form);
  area.append(form.el);
  const dialog = openDialog({ title: "Run the preparation", description: "The steps run on the whole dataset, then the result is exported.", size: "lg", body: area });
  dialog.done.then(() => stop());
  return dialog;
}
