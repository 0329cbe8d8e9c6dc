// The side panel of a preparation: tabs (Functions, Profile, Suggestions,
// Steps) under the chosen column's name, and a button that folds the panel
// away so the grid takes the whole width. The tab and the fold are kept
// for the next visit.

import { h, uid } from "../dom.js";

const KEPT = "tcloud.dataprep.side";

function kept() {
  try {
    return JSON.parse(localStorage.getItem(KEPT)) || {};
  } catch {
    return {};
  }
}

function keep(state) {
  try {
    localStorage.setItem(KEPT, JSON.stringify(state));
  } catch {
    // Storage may be off (private windows): the panel just starts afresh.
  }
}

/** tabs: [[key, label, body, title?], ...]; head sits above the tabs. */
export function sidePanel(tabs, head) {
  const state = { tab: tabs[0][0], collapsed: false, ...kept() };
  if (!tabs.some(([key]) => key === state.tab)) state.tab = tabs[0][0];
  const base = uid("dp-tab");
  const buttons = new Map();
  const panels = new Map();
  for (const [key, label, body, title] of tabs) {
    const tab = h("button", { type: "button", role: "tab", id: `${base}-${key}`, class: "dp-tab", "aria-controls": `${base}-${key}-panel`, title,
      onclick: () => show(key), onkeydown: (e) => arrow(e, key) }, label);
    buttons.set(key, tab);
    panels.set(key, h("div", { role: "tabpanel", id: `${base}-${key}-panel`, class: "dp-tabpanel", "aria-labelledby": tab.id, tabindex: "0" }, body));
  }
  const fold = h("button", { type: "button", class: "btn btn-ghost btn-sm dp-fold", onclick: () => setCollapsed(!state.collapsed) });
  const content = h("div", { class: "dp-side-content" }, head,
    h("div", { class: "dp-tabs", role: "tablist", "aria-label": "Column panel" }, [...buttons.values()]),
    [...panels.values()]);
  const el = h("aside", { class: "dp-side", "aria-label": "Side panel" }, fold, content);

  function show(key, focus = false) {
    state.tab = key;
    keep(state);
    for (const [k, tab] of buttons) {
      tab.setAttribute("aria-selected", String(k === key));
      tab.tabIndex = k === key ? 0 : -1;
      panels.get(k).hidden = k !== key;
    }
    if (focus) buttons.get(key).focus();
  }

  function arrow(event, key) {
    const keys = tabs.map(([k]) => k);
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    show(keys[(keys.indexOf(key) + step + keys.length) % keys.length], true);
  }

  function setCollapsed(collapsed) {
    state.collapsed = collapsed;
    keep(state);
    content.hidden = collapsed;
    fold.textContent = collapsed ? "Show the panel" : "Hide the panel";
    fold.setAttribute("aria-expanded", String(!collapsed));
    el.classList.toggle("dp-side-collapsed", collapsed);
    el.parentElement?.classList.toggle("dp-layout-collapsed", collapsed);
  }

  setCollapsed(state.collapsed);
  show(state.tab);
  return {
    el,
    show,
    expand: () => state.collapsed && setCollapsed(false),
    get collapsed() {
      return state.collapsed;
    },
  };
}
