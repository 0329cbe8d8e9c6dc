// A list page over a list endpoint ({items, total, limit, offset}; q, sort,
// limit, offset): search, sortable columns, filters, paging, an empty state.
// Its state lives in the page address, so a list can be shared and reloaded.
//
//   listView({
//     title: "Users", path: "/users", defaultSort: "login",
//     columns: [{ key: "login", label: "Login", sortable: true, link: true }],
//     rowHref: (row) => `/console/users/${row.id}`,
//     empty: { title: "No users yet", text: "Create the first one." },
//   })

import { api } from "../api.js";
import { h, icon, replace, uid } from "../dom.js";
import { setQuery } from "../router.js";
import { emptyState, errorState, loading, pageHeader } from "./page.js";

const PAGE_SIZE = 25;

function readState(filters, defaultSort) {
  const params = new URLSearchParams(location.search);
  const state = {
    q: params.get("q") || "",
    sort: params.get("sort") || defaultSort || "",
    offset: Math.max(0, Number(params.get("offset")) || 0),
    filters: {},
  };
  for (const f of filters) state.filters[f.name] = params.get(f.name) || f.value || "";
  return state;
}

function sortOf(state, key) {
  if (state.sort === key) return "ascending";
  if (state.sort === `-${key}`) return "descending";
  return null;
}

function headerCell(column, state, onSort) {
  if (!column.sortable) return h("th", { scope: "col", class: column.className }, column.label);
  const direction = sortOf(state, column.sortKey || column.key);
  const name = direction === "ascending" ? "up" : direction === "descending" ? "down" : "sort";
  return h(
    "th",
    { scope: "col", class: column.className, "aria-sort": direction || "none" },
    h(
      "button",
      { type: "button", class: ["sort-btn", direction && "is-sorted"], onclick: () => onSort(column.sortKey || column.key, direction) },
      column.label,
      icon(name, 14),
    ),
  );
}

function cellContent(column, row, rowHref) {
  const value = column.render ? column.render(row) : row[column.key];
  const missing = value === undefined || value === null || value === "";
  if (missing && column.className === "actions") return "";
  const content = missing ? h("span", { class: "muted" }, "—") : value;
  if (column.link && rowHref) return h("a", { href: rowHref(row), class: "row-link" }, content);
  return content;
}

function filterControl(filter, onChange) {
  const id = uid(`filter-${filter.name}`);
  const common = { id, name: filter.name, class: "input" };
  const control = filter.type === "select"
    ? h("select", common, (filter.options || []).map((o) => h("option", { value: o.value }, o.label)))
    : h("input", { ...common, type: filter.type || "text", placeholder: filter.placeholder });
  const commit = () => onChange(filter.name, control.value.trim());
  control.addEventListener("change", commit);
  if (!filter.type || filter.type === "text") {
    control.addEventListener("keydown", (e) => {
      if (e.key === "Enter") commit();
    });
  }
  return { el: h("div", { class: "filter" }, h("label", { for: id, class: "label label-sm" }, filter.label), control), control };
}

export function listView(options) {
  const {
    title, description, path, columns, rowHref, actions = [], empty, defaultSort = "",
    searchLabel = `Search ${String(title).toLowerCase()}`, filters = [], pageSize = PAGE_SIZE,
    extraQuery = () => ({}), crumbs = [], searchable = true, headerless = false, caption,
  } = options;
  const state = readState(filters, defaultSort);
  const results = h("div", { class: "list-results" });
  const announce = h("p", { class: "sr-only", role: "status" });
  let controller = null;

  const searchId = uid("search");
  const search = h("input", {
    type: "search", class: "input search-input", id: searchId, value: state.q,
    placeholder: "Search…", autocomplete: "off",
  });
  let debounce;
  search.addEventListener("input", () => {
    clearTimeout(debounce);
    debounce = setTimeout(load, 250);
  });

  const filterControls = filters.map((f) =>
    filterControl(f, (name, value) => {
      state.filters[name] = value;
      state.offset = 0;
      load();
    }),
  );
  filterControls.forEach((fc, i) => {
    fc.control.value = state.filters[filters[i].name];
  });

  function sync() {
    setQuery({ q: state.q, sort: state.sort === defaultSort ? "" : state.sort, offset: state.offset, ...state.filters });
  }

  function onSort(key, direction) {
    state.sort = direction === "ascending" ? `-${key}` : key;
    state.offset = 0;
    load();
  }

  function table(page) {
    return h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "table" },
        h("caption", { class: "sr-only" }, caption || title),
        h("thead", {}, h("tr", {}, columns.map((c) => headerCell(c, state, onSort)))),
        h("tbody", {}, page.items.map((row) => h("tr", {}, columns.map((c) => h("td", { class: c.className }, cellContent(c, row, rowHref)))))),
      ),
    );
  }

  function pager(page) {
    const first = page.total ? page.offset + 1 : 0;
    const last = page.offset + page.items.length;
    const prev = h("button", { type: "button", class: "btn btn-secondary btn-sm", disabled: page.offset === 0 }, "Previous");
    const next = h("button", { type: "button", class: "btn btn-secondary btn-sm", disabled: last >= page.total }, "Next");
    prev.addEventListener("click", () => {
      state.offset = Math.max(0, page.offset - pageSize);
      load();
    });
    next.addEventListener("click", () => {
      state.offset = page.offset + pageSize;
      load();
    });
    return h(
      "nav",
      { class: "pager", "aria-label": `${title} pages` },
      h("p", { class: "pager-status" }, `${first}–${last} of ${page.total}`),
      page.total > pageSize ? h("div", { class: "pager-buttons" }, prev, next) : null,
    );
  }

  function filtering() {
    return Boolean(state.q) || Object.values(state.filters).some(Boolean);
  }

  function noMatch() {
    const reset = h("button", { type: "button", class: "btn btn-secondary" }, "Clear the search");
    reset.addEventListener("click", () => {
      state.q = "";
      search.value = "";
      filters.forEach((f, i) => {
        state.filters[f.name] = "";
        filterControls[i].control.value = "";
      });
      state.offset = 0;
      load();
    });
    return emptyState({ title: "Nothing matches", text: state.q ? `No ${String(title).toLowerCase()} match “${state.q}”.` : "Nothing matches these filters.", action: reset });
  }

  async function load() {
    // A search still waiting for its pause counts: paging or sorting then
    // applies to what the box shows, from its first page.
    clearTimeout(debounce);
    const typed = searchable ? search.value.trim() : "";
    if (typed !== state.q) {
      state.q = typed;
      state.offset = 0;
    }
    sync();
    if (controller) controller.abort();
    controller = new AbortController();
    const { signal } = controller;
    results.setAttribute("aria-busy", "true");
    if (!results.firstChild) replace(results, loading());
    const filterQuery = {};
    for (const f of filters) {
      const value = state.filters[f.name];
      filterQuery[f.name] = value && f.toQuery ? f.toQuery(value) : value;
    }
    const query = { q: searchable ? state.q : "", sort: state.sort, limit: pageSize, offset: state.offset, ...filterQuery, ...extraQuery() };
    try {
      const page = await api.get(path, query, { signal });
      if (signal.aborted) return;
      if (!page.items.length && page.total > 0 && state.offset > 0) {
        state.offset = 0;
        load();
        return;
      }
      replace(announce, `${page.total} ${page.total === 1 ? "result" : "results"}`);
      if (!page.items.length) replace(results, filtering() ? noMatch() : emptyState(typeof empty === "function" ? empty() : empty || { title: `No ${String(title).toLowerCase()} yet` }));
      else replace(results, table(page), pager(page));
    } catch (error) {
      if (error.name === "AbortError") return;
      replace(results, errorState(error, load));
    } finally {
      if (!signal.aborted) results.removeAttribute("aria-busy");
    }
  }

  const toolbar = searchable || filters.length
    ? h("div", { class: "toolbar", role: "search" },
      searchable
        ? h("div", { class: "search" }, h("label", { for: searchId, class: "label label-sm" }, searchLabel), h("div", { class: "search-box" }, icon("search", 16), search))
        : null,
      filterControls.map((f) => f.el))
    : null;
  const el = h(
    "section",
    { class: "page page-list" },
    headerless ? null : pageHeader({ title, description, actions, crumbs }),
    toolbar,
    announce,
    results,
  );
  load();
  return { el, reload: load };
}
