// The function picker: the functions that fit the column's type, grouped by
// category, with a search box and a switch to show every function the server
// accepts for the column. Choosing one opens its parameter form above the
// list, where it is seen without scrolling.

import { h, replace, uid } from "../dom.js";

// The server checks a step against the column's stored type: a text column
// takes every function, a typed one only those declared for its type.
const STORED = [[/^(String|Null)/, "any"], [/^U?Int/, "integer"], [/^(Float|Decimal)/, "decimal"],
  [/^Boolean/, "boolean"], [/^Datetime/, "datetime"], [/^Date/, "date"]];

export function storedType(dtype) {
  const found = STORED.find(([pattern]) => pattern.test(dtype || ""));
  return found ? found[1] : "string";
}

function accepts(fn, column) {
  return fn.target === "none" || fn.types.includes(storedType(column.dtype));
}

export function fits(fn, column) {
  return fn.target === "none" || fn.types.includes(column.type.type);
}

function matches(fn, words) {
  const text = `${fn.label} ${fn.name} ${fn.description} ${fn.category}`.toLowerCase();
  return words.every((w) => text.includes(w));
}

function capital(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Group functions by category, in alphabetical order of the categories. */
function byCategory(fns) {
  const groups = new Map();
  for (const fn of fns) {
    if (!groups.has(fn.category)) groups.set(fn.category, []);
    groups.get(fn.category).push(fn);
  }
  return [...groups].sort(([a], [b]) => a.localeCompare(b));
}

/**
 * The picker for one column; state ({query, all}) survives redraws.
 * onChoose(fn) returns the node to show above the list for that function.
 */
export function functionPicker({ functions, column, state, onChoose }) {
  const searchId = uid("dp-search");
  const search = h("input", { type: "search", id: searchId, class: "input", value: state.query, placeholder: "upper, trim, date…", autocomplete: "off" });
  const showAll = h("input", { type: "checkbox", class: "checkbox", id: uid("dp-all"), checked: state.all });
  const counted = h("p", { class: "dp-picker-count muted", role: "status" });
  const list = h("div", { class: "dp-fn-list", role: "group", "aria-label": "Functions" });
  const formArea = h("div", { class: "dp-function-form" });
  const type = column.type.type;

  function choose(fn, chosenButton) {
    state.chosen = fn.name;
    list.querySelectorAll(".dp-fn").forEach((b) => b.setAttribute("aria-pressed", String(b === chosenButton)));
    replace(formArea, h("h4", { class: "dp-fn-title" }, fn.label), h("p", { class: "muted" }, fn.description), onChoose(fn));
  }

  function item(fn) {
    const other = !fits(fn, column);
    const button = h("button", { type: "button", class: ["dp-fn", other && "dp-fn-other"], "aria-pressed": String(state.chosen === fn.name), "data-function": fn.name, title: fn.description, onclick: () => {
      choose(fn, button);
      formArea.scrollIntoView({ block: "nearest" });
    } }, fn.label);
    const note = other ? h("span", { class: "dp-fn-note" }, ` for ${fn.types.filter((t) => t !== "any").join(", ")}`) : null;
    return h("li", {}, button, note);
  }

  function draw() {
    state.query = search.value;
    state.all = showAll.checked;
    const words = state.query.toLowerCase().split(/\s+/).filter(Boolean);
    const usable = [...functions.values()].filter((fn) => accepts(fn, column) && matches(fn, words));
    const fitting = usable.filter((fn) => fits(fn, column));
    const shown = state.all ? [...fitting, ...usable.filter((fn) => !fits(fn, column))] : fitting;
    const hidden = usable.length - shown.length;
    counted.textContent = `${shown.length} ${shown.length === 1 ? "function fits" : "functions fit"} a ${type} column`
      + (state.all ? ", others after them" : hidden ? `; ${hidden} more with "Show all"` : "") + ".";
    replace(list, shown.length
      ? byCategory(shown).map(([category, fns]) => h("section", { class: "dp-fn-group" }, h("h4", {}, capital(category)), h("ul", {}, fns.map(item))))
      : h("p", { class: "muted" }, "No function matches the search."));
  }

  search.addEventListener("input", draw);
  showAll.addEventListener("change", draw);
  draw();
  const chosen = functions.get(state.chosen);
  const chosenButton = chosen && list.querySelector(`[data-function="${chosen.name}"]`);
  if (chosenButton) choose(chosen, chosenButton);
  return h(
    "section",
    { class: "dp-picker", "aria-label": "Apply a function" },
    formArea,
    h("h3", { class: "dp-h3" }, "Apply a function"),
    h("div", { class: "dp-picker-tools" },
      h("label", { class: "label label-sm", for: searchId }, "Find a function"), search,
      h("div", { class: "check-row" }, showAll, h("label", { class: "label label-sm", for: showAll.id }, "Show all functions"))),
    counted, list,
  );
}
