// Building DOM nodes. Text only ever goes in through text nodes and
// textContent: nothing here parses HTML, so data from a user or a dataset
// can never become markup.

const PROPERTIES = new Set(["value", "checked", "disabled", "selected", "hidden", "indeterminate"]);
const FORBIDDEN = new Set(["innerHTML", "outerHTML", "style", "srcdoc"]);
const SVG = "http://www.w3.org/2000/svg";

function setProp(el, key, value) {
  if (FORBIDDEN.has(key)) throw new Error(`dom: ${key} is not allowed`);
  if (value === undefined || value === null || value === false) {
    if (PROPERTIES.has(key)) el[key] = false;
    return;
  }
  if (key === "class") {
    el.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
  } else if (key === "text") {
    el.textContent = String(value);
  } else if (key === "dataset") {
    Object.assign(el.dataset, value);
  } else if (key.startsWith("on") && typeof value === "function") {
    el.addEventListener(key.slice(2).toLowerCase(), value);
  } else if (PROPERTIES.has(key)) {
    el[key] = value;
  } else if (key.toLowerCase().startsWith("on")) {
    throw new Error(`dom: ${key} must be a function`);
  } else {
    el.setAttribute(key, value === true ? "" : String(value));
  }
}

export function append(parent, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false || child === true) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Make an element: h("a", {href: "/x", class: "link"}, "text", otherNode). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) setProp(el, key, value);
  return append(el, ...children);
}

/** Make an SVG element (for icons and small drawings). */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  for (const child of children) el.append(child);
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

export function replace(el, ...children) {
  return append(clear(el), ...children);
}

let counter = 0;
/** A page-unique id for label/for and aria-describedby pairs. */
export function uid(prefix = "id") {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** The visually hidden text that screen readers still read. */
export function srOnly(text) {
  return h("span", { class: "sr-only" }, text);
}

const ICONS = {
  console: "M4 5h16v10H4zM8 19h8M12 15v4",
  pipelines: "M3 6a2 2 0 1 0 4 0a2 2 0 1 0-4 0M17 6a2 2 0 1 0 4 0a2 2 0 1 0-4 0M10 18a2 2 0 1 0 4 0a2 2 0 1 0-4 0M7 6h10M6.2 7.8l4.6 8.4M17.8 7.8l-4.6 8.4",
  dataprep: "M4 5h16M4 10h16M4 15h10M4 20h6M17 14l3 3-3 3",
  stewardship: "M12 3l7 3v5c0 5-3 8-7 10-4-2-7-5-7-10V6zM9 12l2 2 4-4",
  dictionary: "M5 4h11a3 3 0 0 1 3 3v13H8a3 3 0 0 1-3-3zM5 17a3 3 0 0 1 3-3h11",
  apis: "M8 7l-5 5 5 5M16 7l5 5-5 5M13 5l-2 14",
  apitest: "M9 3h6M10 3v6l-5 9a2 2 0 0 0 2 3h10a2 2 0 0 0 2-3l-5-9V3M7 15h10",
  user: "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21a8 8 0 0 1 16 0",
  chevron: "M6 9l6 6 6-6",
  search: "M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14zM21 21l-5-5",
  copy: "M9 9h11v11H9zM5 15H4V4h11v1",
  close: "M6 6l12 12M18 6L6 18",
  plus: "M12 5v14M5 12h14",
  download: "M12 4v11M7 10l5 5 5-5M5 20h14",
  up: "M7 14l5-5 5 5",
  down: "M7 10l5 5 5-5",
  sort: "M8 10l4-4 4 4M8 14l4 4 4-4",
};

/** A line icon from the small set above, hidden from screen readers. */
export function icon(name, size = 18) {
  return svg(
    "svg",
    {
      viewBox: "0 0 24 24", width: size, height: size, fill: "none", stroke: "currentColor",
      "stroke-width": 1.8, "stroke-linecap": "round", "stroke-linejoin": "round",
      "aria-hidden": "true", focusable: "false", class: "icon",
    },
    svg("path", { d: ICONS[name] || "" }),
  );
}

/** Format an ISO time for people, in their locale; "" stays "". */
export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleString(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  });
}

/** A <time> element showing a date, with the exact value as its datetime. */
export function timeEl(iso, fallback = "—") {
  if (!iso) return h("span", { class: "muted" }, fallback);
  return h("time", { datetime: iso, title: iso }, when(iso));
}

/** The API's messages are fragments ("the login is wrong"): make a sentence. */
export function sentence(text) {
  const s = String(text || "").trim();
  if (!s) return s;
  const first = s[0].toUpperCase() + s.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}
