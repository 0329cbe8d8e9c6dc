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

function answer(xhr) {
  try {
    return xhr.responseText ? JSON.parse(xhr.responseText) : {};
  } catch {
    return { detail: `${xhr.status} ${xhr.statusText}` };
  }
}

/**
 * Upload a file as is (streamed by the server) and return the JSON answer.
 * XMLHttpRequest, not fetch, for its upload progress: onProgress(sent, total).
 */
export function uploadFile(session, path, file, query, onProgress = () => {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", apiUrl(path, query));
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("X-CSRF-Token", session.me.csrf_token || "");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (e) => onProgress(e.loaded, e.total || file.size));
    xhr.addEventListener("load", () => (xhr.status < 400 ? resolve(answer(xhr)) : reject(new ApiError(xhr.status, answer(xhr)))));
    xhr.addEventListener("error", () => reject(new ApiError(0, { title: "Network error", detail: "the server cannot be reached; check your connection" })));
    xhr.send(file);
  });
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
