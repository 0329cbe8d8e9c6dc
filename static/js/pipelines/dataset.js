// One dataset: where it is, how it is read (CSV options, the sheet), its
// schema and the first 1,000 records as the engine read them.

import { api, apiUrl } from "../api.js";
import { h, replace } from "../dom.js";
import { detailView } from "../console/common.js";
import { button, card, errorState, facts, linkButton, loading, pageHeader } from "../ui/page.js";
import { toast, toastError } from "../ui/toast.js";
import { enc, formatOf, grid, plural, tabs } from "./common.js";

const ENCODINGS = ["utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "cp1252"];
const DELIMITERS = [[",", "comma"], [";", "semicolon"], ["\t", "tab"], ["|", "pipe"]];

function select(label, name, options, value) {
  const control = h("select", { class: "input", name }, options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)));
  return { control, el: h("label", { class: "field" }, h("span", { class: "label" }, label), control) };
}

const LONG_ROWS = [["error", "stop with an error"], ["truncate", "cut to the header's fields"]];

function csvForm(dataset, found, save) {
  const options = { ...(found.options || {}), ...(dataset.config.options || {}) };
  const encoding = select("Encoding", "encoding", ENCODINGS.map((e) => [e, e]), options.encoding || "utf-8");
  const delimiter = select("Delimiter", "delimiter", DELIMITERS, options.delimiter || ",");
  const quote = select("Quote", "quote", [['"', 'double quote "'], ["'", "single quote '"], ["", "none"]], options.quote ?? '"');
  const longRows = select("Rows longer than the header", "long_rows", LONG_ROWS, options.long_rows || "error");
  const header = h("input", { type: "checkbox", class: "checkbox", checked: options.header !== false });
  const apply = button("Apply", () => save({
    ...dataset.config,
    format: "csv",
    options: {
      ...(dataset.config.options || {}),
      encoding: encoding.control.value, delimiter: delimiter.control.value, quote: quote.control.value || null,
      header: header.checked, long_rows: longRows.control.value,
    },
  }), { kind: "primary" });
  return h("div", { class: "toolbar", "data-read-settings": "" }, encoding.el, delimiter.el, quote.el, longRows.el,
    h("label", { class: "check-row" }, header, h("span", { class: "label" }, "First row is the header")), apply);
}

function sheetForm(dataset, found, save) {
  const sheets = (found.sheets || []).map((s) => [s, s]);
  const chosen = (dataset.config.options || {}).sheet;
  if (chosen && !found.sheets?.includes(chosen)) sheets.unshift([chosen, chosen]);
  const sheet = select("Sheet", "sheet", sheets, chosen || (sheets[0] || [])[0]);
  return h("div", { class: "toolbar", "data-read-settings": "" }, sheet.el,
    button("Apply", () => save({ ...dataset.config, format: "xlsx", options: { sheet: sheet.control.value } }), { kind: "primary" }));
}

// The read settings stay whatever the engine answered, so that settings
// that fail to read can be corrected here.
function settingsForm(dataset, found, session, save) {
  if (!session.can("datasets:write")) return null;
  const format = found.format || formatOf(dataset, dataset.file && dataset.file.name);
  return format === "csv" ? csvForm(dataset, found, save) : format === "xlsx" ? sheetForm(dataset, found, save) : null;
}

function readError(error) {
  return h("div", { class: "form-error", role: "alert", "data-read-error": "" },
    h("p", { class: "form-error-title" }, "The engine could not read this dataset"),
    h("p", {}, error.detail || error.message),
    h("p", {}, "Correct the settings above and apply them, or read again."));
}

function sampleCard(dataset, session, reload) {
  const body = h("div", {}, loading("The engine is reading the first records…"));
  const save = async (config) => {
    try {
      await api.patch(`/datasets/${enc(dataset.id)}`, { config });
      toast("Settings saved; reading again.");
      reload();
    } catch (error) {
      toastError(error);
    }
  };
  async function load(refresh = false) {
    replace(body, loading("The engine is reading the first records…"));
    try {
      const found = await api.get(`/datasets/${enc(dataset.id)}/sample`, refresh ? { refresh: true } : {});
      const fields = Object.keys(found.schema || {});
      replace(body,
        settingsForm(dataset, found, session, save),
        h("p", { class: "muted" }, `${plural(fields.length, "field")}, ${plural(found.rows.length, "record")} in the sample (format ${found.format}).`),
        grid(found.schema, found.rows, { label: "Sample", limit: 1000 }));
    } catch (error) {
      if (error.status === 401 || error.status === 403 || error.status === 404) replace(body, errorState(error, () => load(true)));
      else replace(body, settingsForm(dataset, {}, session, save), readError(error));
    }
  }
  load();
  return card({ title: "Schema and sample", description: "The first 1,000 records, read by your engine.", body, actions: [button("Read again", () => load(true), { size: "sm" })] });
}

export default function dataset({ params, session, setTitle }) {
  return detailView({
    load: () => api.get(`/datasets/${enc(params.id)}`),
    draw: (d, reload) => {
      setTitle(d.name);
      const file = d.config.file_id ? linkButton("Download the file", apiUrl(`/files/${enc(d.config.file_id)}/content`), { iconName: "download" }) : null;
      return h("section", { class: "page" },
        tabs(session, "/pipelines/datasets"),
        pageHeader({ title: d.name, description: d.description, crumbs: [["Pipelines", "/pipelines"], ["Datasets", "/pipelines/datasets"], [d.name]], actions: [file] }),
        card({ title: "Details", body: facts([["Connection", `${d.connection_name} (${d.connection_kind})`], ["Where", d.file ? `${d.file.name} (${plural(d.file.size, "byte")})` : d.config.path || d.config.key || d.config.table || d.config.query], ["Id", d.id]]) }),
        sampleCard(d, session, reload));
    },
  });
}
