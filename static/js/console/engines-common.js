// What the engines pages share: state badges, run-time helpers, pickers.

import { api, ApiError, listAll } from "../api.js";
import { h } from "../dom.js";
import { badge } from "../ui/page.js";

const TONES = {
  available: "success", busy: "accent", unavailable: "warning", revoked: "neutral",
  queued: "neutral", dispatched: "accent", running: "accent", cancelling: "warning",
  succeeded: "success", failed: "danger", cancelled: "neutral", lost: "danger",
  open: "success", used: "neutral", expired: "warning",
};

export const FINAL = ["succeeded", "failed", "cancelled", "lost"];

export function stateBadge(state) {
  return badge(state, TONES[state] || "neutral");
}

export function rows(e) {
  return `${e.rows_read} read · ${e.rows_written} written · ${e.rows_rejected} rejected`;
}

export function duration(e) {
  if (!e.started_at) return "";
  const end = e.finished_at ? Date.parse(e.finished_at) : Date.now();
  const exact = Math.max(0, (end - Date.parse(e.started_at)) / 1000);
  // Tenths under ten seconds: a small pipeline runs in well under one.
  if (exact < 0.05) return "< 0.1 s";
  if (exact < 10) return `${exact.toFixed(1)} s`;
  const seconds = Math.round(exact);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

export async function environmentOptions() {
  const envs = await listAll("/environments");
  return envs.map((e) => ({ value: e.id, label: e.name }));
}

export async function engineOptions() {
  const page = await api.get("/engines");
  return [{ value: "", label: "Any available engine" },
    ...page.items.filter((e) => e.status !== "revoked").map((e) => ({ value: e.id, label: `${e.name} (${e.state})` }))];
}

export function parseJson(text, field) {
  if (!text || !text.trim()) return {};
  try {
    const value = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) return value;
  } catch {
    // reported below, next to the field
  }
  throw new ApiError(400, {
    detail: `${field} must be a JSON object`,
    errors: [{ field, message: "must be a JSON object, such as {\"city\": \"Nantes\"}" }],
  });
}

export function mono(text) {
  return h("span", { class: "mono" }, text);
}
