// What the dataprep pages share: their stylesheet, raw uploads, small helpers.

import { ApiError, apiUrl } from "../api.js";
import { h } from "../dom.js";

/** Load dataprep's own stylesheet once (a <link>, as the CSP allows). */
export function useStyles() {
  if (document.querySelector("link[data-dataprep]")) return;
  document.head.append(h("link", { rel: "stylesheet", href: "/static/js/dataprep/dataprep.css", "data-dataprep": "" }));
}

export function enc(id) {
  return encodeURIComponent(id);
}

/** Upload a file as is (streamed by the server) and return the JSON answer. */
export async function uploadFile(session, path, file, query) {
  const response = await fetch(apiUrl(path, query), {
    method: "POST",
    headers: { "Content-Type": "application/octet-stream", "X-CSRF-Token": session.me.csrf_token || "", Accept: "application/json" },
    body: file,
    credentials: "same-origin",
  });
  const text = await response.text();
  const body = text ? JSON.parse(text) : {};
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

/** The text a cell shows: empty cells stay empty, everything else as text. */
export function cellText(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "true" : "false";
  return String(value);
}

export function count(n) {
  return Number(n || 0).toLocaleString("en-GB");
}
