// A history-API router: every page has a real address. Patterns look like
// "/console/users/:id"; a trailing "/*" matches the rest of the path.

let table = [];
let onChange = () => {};
let guard = null;
let current = "";

function compile(pattern) {
  const keys = [];
  const wildcard = pattern.endsWith("/*");
  const base = (wildcard ? pattern.slice(0, -2) : pattern).replace(/\/$/, "");
  const source = base
    .split("/")
    .map((part) => {
      if (part.startsWith(":")) {
        keys.push(part.slice(1));
        return "([^/]+)";
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  if (wildcard) keys.push("rest");
  return { regex: new RegExp(`^${source}${wildcard ? "(?:/(.*))?" : "/?"}$`), keys };
}

/** Give the router its routes (see routes.js); each needs a `path`. */
export function setRoutes(routes) {
  table = routes.map((route) => ({ route, ...compile(route.path) }));
}

/** Find the route of a path, with its decoded parameters. */
export function match(pathname) {
  for (const { route, regex, keys } of table) {
    const found = regex.exec(pathname);
    if (!found) continue;
    const params = {};
    keys.forEach((key, i) => {
      params[key] = decodeURIComponent(found[i + 1] || "");
    });
    return { route, params };
  }
  return null;
}

/** Ask ask(url) before the app leaves this page (a promise of true to
 * leave); the guard is dropped once the page is left. Returns its remover. */
export function guardLeaving(ask) {
  guard = ask;
  return () => {
    if (guard === ask) guard = null;
  };
}

function render(state) {
  guard = null;
  current = location.href;
  onChange(state);
}

/** Go to an address inside the app (pushes history unless replace). */
export function navigate(url, { replace = false } = {}) {
  const target = new URL(url, location.href);
  if (guard && target.href !== location.href) {
    Promise.resolve(guard(target)).then((leave) => leave && go(target, replace));
    return;
  }
  go(target, replace);
}

function go(target, replace) {
  const same = target.href === location.href;
  if (replace || same) history.replaceState(null, "", target);
  else history.pushState(null, "", target);
  render({ pushed: !replace && !same });
}

// The back button has moved the address already: put it back while asking.
function popped() {
  if (!guard) return render({ pushed: false });
  const target = new URL(location.href);
  history.pushState(null, "", current);
  Promise.resolve(guard(target)).then((leave) => leave && go(target, false));
}

/** Change the query of the current address without rendering the page again. */
export function setQuery(values) {
  const url = new URL(location.href);
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null || value === "" || value === 0) url.searchParams.delete(key);
    else url.searchParams.set(key, String(value));
  }
  history.replaceState(null, "", url);
  current = location.href;
}

function isInternalLink(event) {
  if (event.defaultPrevented || event.button !== 0) return null;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return null;
  const link = event.target.closest && event.target.closest("a[href]");
  if (!link || link.target || link.hasAttribute("download")) return null;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin) return null;
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/static/")) return null;
  return url;
}

/** Start listening to links and the back button; render the current page. */
export function start(render) {
  onChange = render;
  document.addEventListener("click", (event) => {
    const url = isInternalLink(event);
    if (!url) return;
    event.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  });
  window.addEventListener("popstate", popped);
  render({ pushed: false });
}
