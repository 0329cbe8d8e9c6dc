// Pipelines: the list, a new pipeline, and importing a pipeline file.

import { api } from "../api.js";
import { h, timeEl } from "../dom.js";
import { formDialog } from "../ui/dialog.js";
import { listView } from "../ui/list.js";
import { button } from "../ui/page.js";
import { toast, toastError } from "../ui/toast.js";
import { enc, tabs } from "./common.js";

function importButton(navigate) {
  const input = h("input", { type: "file", accept: ".json", class: "sr-only", "aria-label": "Pipeline file to import" });
  input.addEventListener("change", async () => {
    const file = input.files[0];
    if (!file) return;
    try {
      const made = await api.post("/pipelines/import", JSON.parse(await file.text()));
      // An import of a file the pipeline already holds makes no new version.
      toast(made.version > 1
        ? `Imported into ${made.name}: now at version ${made.version} (an unchanged file adds no version).`
        : `Imported as the new pipeline ${made.name}.`);
      navigate(`/pipelines/${enc(made.id)}`);
    } catch (error) {
      toastError(error, "Import failed");
    }
  });
  return h("span", {}, input, button("Import a file", () => input.click()));
}

export default function pipelines({ session, navigate }) {
  const canWrite = session.can("pipelines:write");
  const create = canWrite
    ? button("New pipeline", async () => {
      const made = await formDialog({
        title: "New pipeline",
        fields: [{ name: "name", label: "Name", required: true }, { name: "description", label: "Description" }],
        submitLabel: "Create",
        onSubmit: (values) => api.post("/pipelines", values),
      });
      if (made) navigate(`/pipelines/${enc(made.id)}`);
    }, { kind: "primary", iconName: "plus" })
    : null;
  const view = listView({
    title: "Pipelines",
    description: "Sources, processors and destinations, previewed live and run on your engines.",
    path: "/pipelines",
    actions: [create, canWrite ? importButton(navigate) : null],
    rowHref: (p) => `/pipelines/${enc(p.id)}`,
    columns: [
      { key: "name", label: "Name", link: true },
      { key: "description", label: "Description" },
      { key: "latest_version", label: "Version" },
      { key: "updated_at", label: "Updated", render: (p) => timeEl(p.updated_at) },
    ],
    empty: { title: "No pipelines yet", text: "Upload a dataset, then make a pipeline that reads it." },
  });
  return h("div", {}, tabs(session, "/pipelines"), view.el);
}
