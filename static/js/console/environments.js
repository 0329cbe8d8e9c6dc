// Environments and their workspaces.

import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { formDialog } from "../ui/dialog.js";
import { button, card, chips, errorState, loading, pageHeader } from "../ui/page.js";
import { toast } from "../ui/toast.js";
import { attempt, enc, principalField } from "./common.js";
import { stateBadge } from "./engines-common.js";

const PERMISSIONS = ["view", "author", "execute", "publish", "manage"];

async function saveGrants(ws, grants) {
  return api.put(`/workspaces/${enc(ws.id)}/grants`, { grants });
}

function grantsOf(ws, session) {
  const body = h("span", { class: "muted" }, "…");
  const canManage = ws.permissions.includes("manage");
  async function load() {
    const { grants } = await api.get(`/workspaces/${enc(ws.id)}/grants`);
    replace(body, chips(grants.map((g) => ({ ...g, label: `${g.principal_id} · ${g.permission}` })), {
      empty: ws.kind === "personal" ? "Only its owner" : "Nobody granted: open to the tenant's roles",
      removeLabel: (g) => `Take ${g.permission} away from ${g.principal_id}`,
      onRemove: canManage
        ? (g) => attempt(() => saveGrants(ws, grants.filter((x) => x !== g).map(strip)), "Permission taken away.", load)
        : null,
    }));
    return grants;
  }
  load().catch((error) => replace(body, errorState(error)));
  const grant = canManage
    ? button("Grant", async () => {
      const current = await load();
      const done = await formDialog({
        title: `Grant a permission on ${ws.name}`,
        submitLabel: "Grant",
        fields: [
          await principalField(session, { label: "To" }),
          { name: "permission", label: "Permission", type: "select", options: PERMISSIONS.map((x) => ({ value: x, label: x })) },
        ],
        onSubmit: (v) => saveGrants(ws, [...current.map(strip),
          { principal_type: v.principal.type, principal_id: v.principal.id, permission: v.permission }]),
      });
      if (done) {
        toast("Permission granted.");
        load();
      }
    }, { size: "sm" })
    : null;
  return h("div", { class: "workspace-grants" }, body, grant);
}

function strip(g) {
  return { principal_type: g.principal_type, principal_id: g.principal_id, permission: g.permission };
}

function workspaces(env, session, reload) {
  const body = h("div", {}, loading());
  api.get(`/environments/${enc(env.id)}/workspaces`).then((page) => replace(body,
    h("ul", { class: "plain-list" }, page.items.map((w) => h("li", {},
      h("strong", {}, w.name), " ", stateBadge(w.kind), " ",
      h("span", { class: "muted" }, `you: ${w.permissions.join(", ")}`),
      grantsOf(w, session))))), (error) => replace(body, errorState(error)));
  const add = session.can("environments:write")
    ? button("Add a workspace", async () => {
      if (await formDialog({ title: `Add a workspace to ${env.name}`, submitLabel: "Add workspace",
        fields: [{ name: "name", label: "Name", required: true }, { name: "description", label: "Description" }],
        onSubmit: (v) => api.post(`/environments/${enc(env.id)}/workspaces`, v) })) {
        toast("Workspace added.");
        reload();
      }
    }, { size: "sm" })
    : null;
  return card({ title: env.name, description: env.description || `Created ${new Date(env.created_at).toLocaleDateString()}`, actions: [add], body });
}

export default function environments({ session }) {
  const list = h("div", { class: "page" }, loading());
  async function load() {
    try {
      const page = await api.get("/environments");
      replace(list, ...page.items.map((e) => workspaces(e, session, load)));
    } catch (error) {
      replace(list, errorState(error, load));
    }
  }
  load();
  const create = session.can("environments:write")
    ? button("Create environment", async () => {
      if (await formDialog({ title: "Create an environment", submitLabel: "Create environment",
        fields: [{ name: "name", label: "Name", required: true, hint: "For example dev or prod." }, { name: "description", label: "Description" }],
        onSubmit: (v) => api.post("/environments", v) })) {
        toast("Environment created.");
        load();
      }
    }, { kind: "primary", iconName: "plus" })
    : null;
  return h("section", { class: "page" },
    pageHeader({ title: "Environments", description: "Self-contained spaces with their own engines and workspaces.", actions: [create] }),
    list,
  );
}
