// The console's home: counts of what the tenant holds, first steps, and
// the latest audit events.

import { api } from "../api.js";
import { h, replace, timeEl } from "../dom.js";
import { card, pageHeader } from "../ui/page.js";

const TILES = [
  { label: "Users", path: "/users", href: "/console/users", permission: "users:read", text: "People who sign in" },
  { label: "Groups", path: "/groups", href: "/console/groups", permission: "groups:read", text: "Sets of users with roles" },
  { label: "Roles", path: "/roles", href: "/console/roles", permission: "roles:read", text: "Sets of permissions" },
  { label: "Service accounts", path: "/service-accounts", href: "/console/service-accounts", permission: "service_accounts:read", text: "Identities for scripts and CI" },
  { label: "Projects", path: "/projects", href: "/console/projects", text: "Where work lives" },
];

function tile(t) {
  const number = h("span", { class: "tile-count", "aria-hidden": "true" }, "–");
  const label = h("span", { class: "tile-label" }, t.label);
  const el = h("a", { class: "tile", href: t.href }, number, label, h("span", { class: "tile-text" }, t.text));
  api.get(t.path, { limit: 1 }).then(
    (page) => {
      replace(number, String(page.total));
      el.setAttribute("aria-label", `${t.label}: ${page.total}`);
    },
    () => replace(number, "–"),
  );
  return el;
}

function firstSteps(session) {
  const steps = [
    session.can("users:write") && ["Add the people", "Create users; each gets a temporary password to change at first sign-in.", "/console/users"],
    session.can("groups:write") && ["Make groups", "Put people in groups and give each group the roles it needs.", "/console/groups"],
    session.can("projects:write") && ["Create a project", "Then grant your groups read, write or admin access to it.", "/console/projects"],
    session.can("service_accounts:write") && ["Automate", "Make a service account and a token for each script or CI job.", "/console/service-accounts"],
  ].filter(Boolean);
  if (!steps.length) return null;
  return card({
    title: "First steps",
    body: h("ol", { class: "steps" }, steps.map(([title, text, href]) => h("li", {}, h("div", {}, h("a", { href }, h("strong", {}, title)), h("span", { class: "muted" }, text))))),
  });
}

function recentEvents() {
  const list = h("ul", { class: "events" }, h("li", { class: "muted" }, "Loading…"));
  api.get("/audit", { limit: 6 }).then(
    (page) => replace(list, page.items.length
      ? page.items.map((e) => h("li", {}, h("span", {}, h("strong", {}, e.actor_name), " ", h("span", { class: "mono" }, e.action), " ", e.object_name || ""), timeEl(e.at)))
      : h("li", { class: "muted" }, "Nothing has happened yet.")),
    (error) => replace(list, h("li", { class: "muted" }, error.message)),
  );
  return card({ title: "Recent activity", actions: [h("a", { href: "/console/audit", class: "btn btn-ghost btn-sm" }, "Open the audit log")], body: list });
}

export default function home({ session }) {
  const me = session.me;
  const tiles = TILES.filter((t) => session.can(t.permission));
  const roleless = !(me.permissions || []).length;
  return h(
    "section",
    { class: "page" },
    pageHeader({
      title: `Welcome, ${me.display_name || me.login}`,
      description: `This is the console of ${me.tenant.display_name || me.tenant.name}: manage its people, their access, and its projects.`,
    }),
    roleless
      ? h("div", { class: "notice notice-info" }, h("strong", {}, "You hold no role yet. "),
        "You can see the projects shared with you and manage your own access tokens. Ask a security administrator of your tenant for the role your work needs.")
      : null,
    h("div", { class: "cards" }, tiles.map(tile)),
    h("div", { class: "grid-2" }, firstSteps(session), session.can("audit:read") ? recentEvents() : null),
  );
}
