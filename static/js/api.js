// The API client: JSON over fetch with the session cookie, the CSRF token on
// unsafe requests, and problem documents (RFC 9457) turned into ApiError.

const BASE = "/api/v1";
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

let csrfToken = "";
let pending = 0;

// While any request is out, <html data-loading> drives the thin progress
// bar at the top of the page (and tells tests the page has settled).
function track(delta) {
  pending += delta;
  document.documentElement.toggleAttribute("data-loading", pending > 0);
}
const listeners = { unauthorized: [], passwordChange: [] };

export function setCsrfToken(token) {
  csrfToken = token || "";
}

/** Be told when the session has ended (401) or a password change is due. */
export function on(event, handler) {
  listeners[event].push(handler);
}

/** An API error: status, code, detail, and the fields the server named. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `request failed (${status})`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
    this.code = problem.code || "";
    this.title = problem.title || "";
    this.detail = problem.detail || "";
    this.fields = Array.isArray(problem.errors) ? problem.errors : [];
  }

  /** The messages for one field, for example "login" or "entries[0]". */
  messagesFor(field) {
    return this.fields.filter((e) => e.field === field).map((e) => e.message);
  }
}

export function queryString(query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

async function readProblem(response) {
  try {
    const body = await response.json();
    return body && typeof body === "object" ? body : {};
  } catch {
    return { detail: `${response.status} ${response.statusText}` };
  }
}

/** Make one API request; return the JSON body, or null for 204. */
export async function request(method, path, { body, query, signal, quiet } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (UNSAFE.has(method) && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  track(1);
  try {
    return await send(method, path, { body, query, signal, quiet, headers });
  } finally {
    track(-1);
  }
}

async function send(method, path, { body, query, signal, quiet, headers }) {
  let response;
  try {
    response = await fetch(BASE + path + queryString(query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, { title: "Network error", detail: "the server cannot be reached; check your connection" });
  }
  if (response.status === 204) return null;
  if (!response.ok) {
    const error = new ApiError(response.status, await readProblem(response));
    if (!quiet && error.status === 401) listeners.unauthorized.forEach((fn) => fn(error));
    if (!quiet && error.code === "password-change-required") {
      listeners.passwordChange.forEach((fn) => fn(error));
    }
    throw error;
  }
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

export const api = {
  get: (path, query, options = {}) => request("GET", path, { ...options, query }),
  post: (path, body = {}, options = {}) => request("POST", path, { ...options, body }),
  put: (path, body = {}, options = {}) => request("PUT", path, { ...options, body }),
  patch: (path, body = {}, options = {}) => request("PATCH", path, { ...options, body }),
  del: (path, options = {}) => request("DELETE", path, options),
};

/** Every item of a list endpoint, page by page (for pickers; capped). */
export async function listAll(path, query = {}, cap = 1000) {
  const items = [];
  let offset = 0;
  for (;;) {
    const page = await api.get(path, { ...query, limit: 200, offset });
    items.push(...page.items);
    offset += page.items.length;
    if (!page.items.length || offset >= page.total || offset >= cap) return items;
  }
}

/** The URL a browser can open or download directly (GET only). */
export function apiUrl(path, query = {}) {
  return BASE + path + queryString(query);
}

// Server-sent events read over fetch rather than EventSource: the stream ends
// when the server ends it (after a final status), never dials again by
// itself, and aborts with `signal` like any other request. Each event goes to
// onEvent(name, data).
export async function readEvents(path, onEvent, signal) {
  const response = await fetch(apiUrl(path), { credentials: "same-origin", signal, headers: { Accept: "text/event-stream" } });
  if (!response.ok) throw new ApiError(response.status, await readProblem(response));
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const event = /^event: (.*)$/m.exec(block);
      const data = /^data: (.*)$/m.exec(block);
      if (event && data) onEvent(event[1], JSON.parse(data[1]));
    }
  }
}
