// One role: its permissions and who holds it.

import { api } from "../api.js";
import { h, timeEl } from "../dom.js";
import { formDialog } from "../ui/dialog.js";
import { badge, button, card, emptyState, facts, pageHeader } from "../ui/page.js";
import { byArea } from "../ui/pickers.js";
import { toast } from "../ui/toast.js";
import { KINDS, confirmThen, detailView, enc, loadPermissions, principalField, principalLink } from "./common.js";
import { createRoleDialog, roleFields } from "./roles.js";

function permissionsCard(role, catalogue) {
  if (role.permissions.includes("*")) {
    return card({ title: "Permissions", body: h("div", { class: "notice notice-info" }, h("strong", {}, "Every permission. "), "Holders of this role may do anything in the tenant, including what later versions add.") });
  }
  const known = new Map(catalogue.map((p) => [p.name, p.description]));
  const held = catalogue.filter((p) => role.permissions.includes(p.name));
  const unknown = role.permissions.filter((p) => !known.has(p)).map((name) => ({ name, description: "" }));
  const areas = byArea([...held, ...unknown]);
  return card({
    title: "Permissions",
    description: `${role.permissions.length} permission${role.permissions.length === 1 ? "" : "s"}`,
    body: areas.length
      ? h("div", { class: "perm-list" }, areas.map(({ area, items }) => h("div", {}, h("h3", {}, area),
        h("ul", {}, items.map((p) => h("li", {}, h("span", { class: "perm-name" }, p.name), p.description ? h("span", { class: "cell-sub" }, p.description) : null))))))
      : h("p", { class: "muted" }, "This role holds no permission."),
  });
}

function holdersCard(role, session, reload) {
  const canGive = session.can("roles:write");
  const give = canGive
    ? button("Give this role", async () => {
      const field = await principalField(session, { label: "Give it to", exclude: role.holders });
      const done = await formDialog({
        title: `Give ${role.name}`,
        submitLabel: "Give role",
        fields: [field],
        onSubmit: ({ principal }) => api.post(`/roles/${enc(role.id)}/grants`, { principal_type: principal.type, principal_id: principal.id }),
      });
      if (done) {
        toast("Role given.");
        reload();
      }
    }, { iconName: "plus", size: "sm" })
    : null;
  const rows = role.holders.map((p) =>
    h("tr", {},
      h("td", {}, principalLink(session, p.type, p.id, p.name)),
      h("td", {}, KINDS[p.type] ? KINDS[p.type].label : p.type),
      h("td", { class: "actions" }, canGive
        ? button("Take away", () => confirmThen({
          title: `Take ${role.name} away from ${p.name}?`,
          message: "They lose its permissions at once.",
          confirmLabel: "Take away",
          action: () => api.del(`/roles/${enc(role.id)}/grants/${enc(p.type)}/${enc(p.id)}`),
          success: "Role taken away.",
          done: reload,
        }), { size: "sm", kind: "ghost-danger" })
        : null)));
  return card({
    title: "Holders",
    description: "Given directly to these users, groups and service accounts.",
    actions: [give],
    body: rows.length
      ? h("div", { class: "table-wrap" }, h("table", { class: "table" }, h("caption", { class: "sr-only" }, "Holders"),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Kind"), h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Actions")))),
        h("tbody", {}, rows)))
      : emptyState({ title: "Nobody holds this role", text: canGive ? "Give it to a user, a group or a service account." : "" }),
  });
}

function actions(role, session, catalogue, reload, navigate) {
  if (!session.can("roles:write")) return [];
  const copy = button("Copy as custom role", async () => {
    const created = await createRoleDialog(role);
    if (created) {
      toast(`Role ${created.name} created.`);
      navigate(`/console/roles/${enc(created.id)}`);
    }
  });
  if (role.builtin) return role.permissions.includes("*") ? [] : [copy];
  return [
    button("Edit", async () => {
      const saved = await formDialog({
        title: `Edit ${role.name}`,
        submitLabel: "Save changes",
        size: "lg",
        fields: roleFields(catalogue, role),
        onSubmit: (values) => api.patch(`/roles/${enc(role.id)}`, values),
      });
      if (saved) {
        toast("Changes saved.");
        reload();
      }
    }),
    copy,
    button("Delete", () => confirmThen({
      title: `Delete ${role.name}?`,
      message: "Everyone who holds it loses its permissions at once.",
      confirmLabel: "Delete role",
      action: () => api.del(`/roles/${enc(role.id)}`),
      success: `${role.name} is deleted.`,
      done: () => navigate("/console/roles"),
    }), { kind: "danger-outline" }),
  ];
}

export default function role({ params, session, navigate, setTitle }) {
  let catalogue = null;
  return detailView({
    load: async () => {
      const [r, perms] = await Promise.all([api.get(`/roles/${enc(params.id)}`), catalogue || loadPermissions()]);
      catalogue = perms;
      return r;
    },
    draw: (r, reload) => {
      setTitle(r.name);
      return h(
        "section",
        { class: "page" },
        pageHeader({
          title: r.name,
          description: r.description || null,
          crumbs: [["Console", "/console"], ["Roles", "/console/roles"], [r.name]],
          actions: actions(r, session, catalogue, reload, navigate),
        }),
        r.builtin ? h("div", { class: "notice" }, badge("built-in", "neutral"), " Built-in roles cannot be changed or deleted. To adjust one, copy it as a custom role.") : null,
        h("div", { class: "grid-2" }, permissionsCard(r, catalogue), holdersCard(r, session, reload)),
        card({ title: "Details", body: facts([["Kind", r.builtin ? "Built-in" : "Custom"], ["Created", timeEl(r.created_at)], ["Updated", timeEl(r.updated_at)], ["Id", h("span", { class: "mono" }, r.id)]]) }),
      );
    },
  });
}
