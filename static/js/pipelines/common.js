// Pieces the pipelines pages share: the app's tabs, its stylesheet, sample
// grids, and uploads with progress.

import { ApiError } from "../api.js";
import { h } from "../dom.js";

export const enc = encodeURIComponent;

/** "1 record", "2 records": a count with its noun in the right number. */
export function plural(n, noun, many = `${noun}s`) {
  return `${n} ${n === 1 ? noun : many}`;
}

/** The format a dataset is read as: its config's, else its name's extension. */
export function formatOf(dataset, fileName) {
  const name = fileName || dataset.config.path || dataset.config.key || "";
  const ext = /\.([a-z0-9]+)$/i.exec(name);
  const byExt = { tsv: "csv", txt: "csv", ndjson: "jsonl" };
  return dataset.config.format || (ext ? byExt[ext[1].toLowerCase()] || ext[1].toLowerCase() : "");
}

/** Load the app's stylesheets once (a <link>: the CSP allows this origin). */
export function useStyles() {
  if (document.querySelector("link[data-pipelines-css]")) return;
  document.head.append(
    h("link", { rel: "stylesheet", href: "/static/css/pipelines.css", "data-pipelines-css": "" }),
    h("link", { rel: "stylesheet", href: "/static/css/pipelines-forms.css" }),
  );
}

const TABS = [
  ["Pipelines", "/pipelines", "pipelines:read"],
  ["Datasets", "/pipelines/datasets", "datasets:read"],
  ["Connections", "/pipelines/connections", "connections:read"],
];

/** The app's sub-navigation, as tabs above each page. */
export function tabs(session, current) {
  useStyles();
  const links = TABS.filter(([, , perm]) => session.can(perm)).map(([label, href]) =>
    h("a", { href, class: "pl-tab", "aria-current": href === current ? "page" : undefined }, label),
  );
  return h("nav", { class: "pl-tabs", "aria-label": "Pipelines" }, links);
}

function cell(value) {
  if (value === null || value === undefined) return h("td", {}, h("span", { class: "pl-null" }, "null"));
  return h("td", {}, typeof value === "object" ? JSON.stringify(value) : String(value));
}

/** A grid of records under their schema: {field: type} and [{field: value}]. */
export function grid(schema, rows, { label = "Records", limit = 200 } = {}) {
  const fields = Object.keys(schema || {});
  const head = h("tr", {}, fields.map((f) => h("th", { scope: "col" }, f, h("span", { class: "pl-type" }, schema[f]))));
  const body = (rows || []).slice(0, limit).map((row) => h("tr", {}, fields.map((f) => cell(row[f]))));
  return h(
    "div",
    { class: "pl-grid-wrap", tabindex: "0", role: "region", "aria-label": label },
    h("table", { class: "pl-grid", "data-grid": label }, h("thead", {}, head), h("tbody", {}, body)),
  );
}

/** Upload a file as the body of a POST, with progress: resolves to the JSON. */
export function upload(path, file, { session, onProgress } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1${path}`);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("X-CSRF-Token", session.me.csrf_token || "");
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body = {};
      try {
        body = JSON.parse(xhr.responseText || "{}");
      } catch {
        body = { detail: `upload failed (${xhr.status})` };
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(new ApiError(xhr.status, body));
    };
    xhr.onerror = () => reject(new ApiError(0, { detail: "the upload did not reach the server" }));
    xhr.send(file);
  });
}

/** A file picker with a progress bar that uploads as a dataset. */
export function uploadControl({ session, onDone, label = "Upload a file" }) {
  const input = h("input", { type: "file", class: "input", accept: ".csv,.tsv,.txt,.xlsx,.jsonl,.ndjson,.parquet", "aria-label": label });
  const bar = h("progress", { class: "pl-progress", max: "1", value: "0", hidden: true, "aria-label": "Upload progress" });
  const status = h("p", { class: "muted", role: "status" });
  input.addEventListener("change", async () => {
    const file = input.files[0];
    if (!file) return;
    const name = file.name.replace(/\.[^.]+$/, "").slice(0, 100) || "dataset";
    bar.hidden = false;
    status.textContent = `Uploading ${file.name}…`;
    try {
      const query = `?name=${enc(name)}&filename=${enc(file.name)}`;
      const made = await upload(`/datasets/upload${query}`, file, { session, onProgress: (f) => (bar.value = String(f)) });
      status.textContent = `Uploaded ${file.name}.`;
      onDone(made);
    } catch (error) {
      status.textContent = `Upload failed: ${error.detail || error.message}`;
    } finally {
      bar.hidden = true;
      input.value = "";
    }
  });
  return h("div", { class: "field" }, h("label", { class: "label" }, label, input), bar, status);
}
