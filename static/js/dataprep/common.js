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

/**
 * A number typed by a person, as JSON should carry it: a Number while it is
 * exact, the digits as text for an integer beyond ±2^53 (as the server sends
 * them), the text itself when it is no number.
 */
export function exactNumber(text) {
  if (/^[+-]?\d+$/.test(text) && !Number.isSafeInteger(Number(text))) return text;
  return Number.isNaN(Number(text)) ? text : Number(text);
}

const SPACE_MARK = { " ": "·", "\t": "→", "\u00a0": "°" };

/**
 * A value with its leading and trailing white space made visible (a middle dot), so
 * "active" and "active " read apart; the title says what the marks are.
 */
export function visibleSpaces(text) {
  const [, lead, middle, trail] = /^(\s*)([\s\S]*?)(\s*)$/.exec(text);
  if (!lead && !trail) return h("span", { class: "dp-value" }, text);
  const mark = (spaces) => (spaces ? h("span", { class: "dp-ws", "aria-hidden": "true" }, [...spaces].map((c) => SPACE_MARK[c] || "·").join("")) : null);
  const said = [lead && `${lead.length} leading`, trail && `${trail.length} trailing`].filter(Boolean).join(" and ");
  const title = `"${text}": ${said} white space (a space shows as ·, a tab as →)`;
  return h("span", { class: "dp-value", title }, mark(lead), middle, mark(trail));
}
