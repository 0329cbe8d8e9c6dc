// The frame around every signed-in page: the rail of apps on the left, the
// top bar with the tenant and the user's menu, the console's sub-navigation,
// and the <main> element the page goes into.

import { api } from "./api.js";
import { CONSOLE_NAV } from "./console/nav.js";
import { h, icon, replace } from "./dom.js";
import { navigate } from "./router.js";
import { APPS } from "./routes.js";
import { forgetSession, session } from "./session.js";
import { toast, toastError } from "./ui/toast.js";

let built = null;

function initials(me) {
  const name = (me.display_name || me.login || "?").trim();
  const parts = name.split(/\s+/).filter((p) => /^\p{L}/u.test(p));
  if (parts.length >= 2) return (parts[0][0] + parts[parts.length - 1][0]).toUpperCase();
  return name[0].toUpperCase();
}

function rail() {
  const links = APPS.map((app) =>
    h("li", {}, h("a", { href: app.href, class: "rail-link", "data-app": app.id, title: app.ready ? undefined : `${app.name}: not available yet` }, icon(app.icon, 20), h("span", { class: "rail-label" }, app.name))),
  );
  return h(
    "nav",
    { class: "rail", "aria-label": "Apps" },
    h("a", { href: "/console", class: "brand", "aria-label": "tcloud home" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), h("span", { class: "brand-name" }, "tcloud")),
    h("ul", { class: "rail-list" }, links),
  );
}

async function signOut() {
  try {
    await api.post("/auth/logout", undefined, { quiet: true });
  } catch (error) {
    if (error.status !== 401) {
      toastError(error, "Could not sign out");
      return;
    }
  }
  forgetSession();
  built = null;
  navigate("/signin", { replace: true });
  toast("You are signed out.", "info");
}

function userMenu(me) {
  const menuId = "user-menu";
  const trigger = h(
    "button",
    { type: "button", class: "user-trigger", "aria-haspopup": "menu", "aria-expanded": "false", "aria-controls": menuId },
    h("span", { class: "avatar", "aria-hidden": "true" }, initials(me)),
    h("span", { class: "user-name" }, me.display_name || me.login),
    icon("chevron", 16),
  );
  const items = [
    h("a", { href: "/account/password", role: "menuitem", class: "menu-item", tabindex: "-1" }, "Change password"),
    h("a", { href: "/account/tokens", role: "menuitem", class: "menu-item", tabindex: "-1" }, "My access tokens"),
    h("button", { type: "button", role: "menuitem", class: "menu-item", tabindex: "-1", onclick: signOut }, "Sign out"),
  ];
  const menu = h(
    "div",
    { class: "menu", id: menuId, role: "menu", "aria-label": "Account", hidden: true },
    h("div", { class: "menu-header", role: "presentation" }, h("strong", {}, me.display_name || me.login), h("span", { class: "muted" }, me.login)),
    items,
  );
  const wrap = h("div", { class: "user-menu" }, trigger, menu);

  const open = (focusIndex = 0) => {
    menu.hidden = false;
    trigger.setAttribute("aria-expanded", "true");
    items[focusIndex].focus();
  };
  const close = (refocus = true) => {
    if (menu.hidden) return;
    menu.hidden = true;
    trigger.setAttribute("aria-expanded", "false");
    if (refocus) trigger.focus();
  };
  trigger.addEventListener("click", () => (menu.hidden ? open() : close()));
  trigger.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      open(0);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      open(items.length - 1);
    }
  });
  menu.addEventListener("keydown", (e) => {
    const at = items.indexOf(document.activeElement);
    if (e.key === "Escape") {
      e.preventDefault();
      close();
    } else if (e.key === "ArrowDown") {
      e.preventDefault();
      items[(at + 1) % items.length].focus();
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      items[(at - 1 + items.length) % items.length].focus();
    } else if (e.key === "Home" || e.key === "End") {
      e.preventDefault();
      items[e.key === "Home" ? 0 : items.length - 1].focus();
    } else if (e.key === "Tab") {
      close(false);
    }
  });
  menu.addEventListener("click", (e) => {
    if (e.target.closest(".menu-item")) close(false);
  });
  document.addEventListener("click", (e) => {
    if (!wrap.contains(e.target)) close(false);
  });
  return wrap;
}

function topbar(me) {
  const tenant = me.tenant || {};
  return h(
    "header",
    { class: "topbar" },
    h("div", { class: "tenant" }, h("span", { class: "tenant-label" }, "Tenant"), h("span", { class: "tenant-name", "data-tenant": tenant.name || "" }, tenant.display_name || tenant.name || "")),
    userMenu(me),
  );
}

function consoleNav() {
  const sections = CONSOLE_NAV.map((group) => {
    const items = group.items.filter((item) => (item.anyOf ? session.canAny(item.anyOf) : session.can(item.permission)));
    if (!items.length) return null;
    return h(
      "div",
      { class: "subnav-section" },
      h("h2", { class: "subnav-heading" }, group.section),
      h("ul", {}, items.map((item) => h("li", {}, h("a", { href: item.href, class: "subnav-link", "data-exact": item.exact ? "1" : "" }, item.label)))),
    );
  });
  return h("nav", { class: "subnav", "aria-label": "Console" }, sections);
}

function build(root) {
  const me = session.me;
  const main = h("main", { id: "main", class: "main", tabindex: "-1" });
  const subnav = h("div", { class: "subnav-slot" });
  const el = h(
    "div",
    { class: "shell" },
    h("a", { href: "#main", class: "skip-link" }, "Skip to content"),
    h("div", { class: "rail-col" }, rail()),
    h("div", { class: "shell-body" }, topbar(me), h("div", { class: "workspace" }, subnav, main)),
  );
  el.querySelector(".skip-link").addEventListener("click", (e) => {
    e.preventDefault();
    main.focus();
  });
  replace(root, el);
  return { el, main, subnav, key: `${me.tenant && me.tenant.id}:${me.id}`, subnavFor: null };
}

function markCurrent(container, selector, pathname) {
  let best = null;
  for (const link of container.querySelectorAll(selector)) {
    link.removeAttribute("aria-current");
    const href = link.getAttribute("href");
    const exact = link.dataset.exact === "1";
    const hit = exact ? pathname === href : pathname === href || pathname.startsWith(`${href}/`);
    if (hit && (!best || href.length > best.getAttribute("href").length)) best = link;
  }
  if (best) best.setAttribute("aria-current", "page");
}

/** Put the shell in place (once per user) and return the <main> to fill. */
export function mountShell(root, route, pathname) {
  const key = `${session.me.tenant && session.me.tenant.id}:${session.me.id}`;
  if (!built || built.key !== key || !root.contains(built.el)) built = build(root);
  const app = route.app || "console";
  if (built.subnavFor !== app) {
    replace(built.subnav, app === "console" ? consoleNav() : null);
    built.subnavFor = app;
  }
  for (const link of built.el.querySelectorAll(".rail-link")) {
    if (link.dataset.app === app) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  markCurrent(built.subnav, ".subnav-link", pathname);
  return built.main;
}

/** A page without the shell (sign-in, forced password change). */
export function mountBare(root) {
  built = null;
  const main = h("main", { id: "main", class: "bare", tabindex: "-1" });
  replace(root, main);
  return main;
}

/** Drop the shell so the next page builds it again (after a sign-in). */
export function resetShell() {
  built = null;
}
