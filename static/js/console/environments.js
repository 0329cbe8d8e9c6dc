// Environments and their workspaces.

import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { formDialog } from "../ui/dialog.js";
import { button, card, errorState, loading, pageHeader } from "../ui/page.js";
import { toast } from "../ui/toast.js";
import { enc } from "./common.js";
import { stateBadge } from "./engines-common.js";

function workspaces(env, session, reload) {
  const body = h("div", {}, loading());
  api.get(`/environments/${enc(env.id)}/workspaces`).then((page) => replace(body,
    h("ul", { class: "plain-list" }, page.items.map((w) => h("li", {}, w.name, " ", stateBadge(w.kind), " ",
      h("span", { class: "muted" }, w.permissions.join(", ")))))), (error) => replace(body, errorState(error)));
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
  const list = h("div", {}, loading());
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
