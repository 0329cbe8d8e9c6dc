// A pipeline's versions: the history dialog the version badge opens, and
// the banner over an older version, opened read-only, that restores it.

import { api } from "../api.js";
import { h, timeEl } from "../dom.js";
import { openDialog } from "../ui/dialog.js";
import { button } from "../ui/page.js";
import { toast, toastError } from "../ui/toast.js";
import { enc } from "./common.js";

export function versionHref(pipeline, number) {
  const base = `/pipelines/${enc(pipeline.id)}`;
  return number === pipeline.latest_version ? base : `${base}?version=${number}`;
}

function author(id, session) {
  return id === session.me.id ? `${session.me.display_name || session.me.login} (you)` : id;
}

function versionRow(pipeline, v, session, close) {
  const open = h("a", { href: versionHref(pipeline, v.version), "aria-current": v.version === pipeline.version ? "page" : undefined }, `Version ${v.version}`);
  open.addEventListener("click", () => close(null));
  const notes = [v.version === pipeline.latest_version ? "latest" : "", v.notes].filter(Boolean).join(" · ");
  return h("tr", { "data-version": String(v.version) },
    h("td", {}, open), h("td", {}, timeEl(v.created_at)), h("td", {}, author(v.created_by, session)), h("td", {}, notes));
}

/** List the versions; each opens in the editor (an older one read-only). */
export function historyDialog(pipeline, session) {
  openDialog({
    title: `Versions of ${pipeline.name}`,
    size: "lg",
    body: (close) => h("div", { class: "table-wrap" }, h("table", { class: "table", "data-versions": "" },
      h("thead", {}, h("tr", {}, ["Version", "Saved", "By", "Notes"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, (pipeline.versions || []).map((v) => versionRow(pipeline, v, session, close))))),
  });
}

/** The banner over an older version, with its restore action. */
export function olderBanner(pipeline, doc, { canWrite, navigate }) {
  const restore = async () => {
    try {
      const saved = await api.put(`/pipelines/${enc(pipeline.id)}`, { document: doc, notes: `restored from version ${pipeline.version}` });
      toast(`Version ${pipeline.version} restored as version ${saved.version}.`);
      navigate(`/pipelines/${enc(pipeline.id)}`);
    } catch (error) {
      toastError(error, "Not restored");
    }
  };
  return h("div", { class: "pl-older", role: "status", "data-older": "" },
    h("p", {}, `Version ${pipeline.version} of ${pipeline.latest_version}, read-only.`),
    canWrite ? button("Restore as new version", restore, { kind: "primary", size: "sm" }) : null,
    h("a", { href: versionHref(pipeline, pipeline.latest_version) }, "Open the latest version"));
}
