// One group: its members and its roles.

import { api } from "../api.js";
import { h, timeEl } from "../dom.js";
import { formDialog } from "../ui/dialog.js";
import { button, card, chips, facts, pageHeader } from "../ui/page.js";
import { toast } from "../ui/toast.js";
import { confirmThen, count, detailView, enc, pickOne } from "./common.js";
import { groupFields } from "./groups.js";

function membersCard(group, session, reload) {
  const canEdit = session.can("groups:write");
  const add = canEdit && session.can("users:read")
    ? button("Add member", () =>
      pickOne({
        title: `Add a member to ${group.name}`,
        label: "User",
        path: "/users",
        name: (u) => (u.display_name ? `${u.login} (${u.display_name})` : u.login),
        exclude: group.members.map((m) => m.id),
        onPick: (userId) => api.post(`/groups/${enc(group.id)}/members`, { user_id: userId }),
      }).then((done) => done && (toast("Member added."), reload())), { iconName: "plus", size: "sm" })
    : null;
  return card({
    title: "Members",
    description: count(group.members.length, "member"),
    actions: [add],
    body: chips(
      group.members.map((m) => ({ ...m, label: m.display_name ? `${m.login} · ${m.display_name}` : m.login, href: session.can("users:read") ? `/console/users/${enc(m.id)}` : null })),
      {
        empty: "Nobody is in this group yet.",
        removeLabel: (m) => `Remove ${m.login}`,
        onRemove: canEdit
          ? (m) => confirmThen({
            title: `Remove ${m.login} from ${group.name}?`,
            message: "They lose the roles this group gives.",
            confirmLabel: "Remove",
            action: () => api.del(`/groups/${enc(group.id)}/members/${enc(m.id)}`),
            success: "Member removed.",
            done: reload,
          })
          : null,
      },
    ),
  });
}

function rolesCard(group, session, reload) {
  const canGive = session.can("roles:write");
  const add = canGive
    ? button("Give a role", () =>
      pickOne({
        title: `Give a role to ${group.name}`,
        label: "Role",
        path: "/roles",
        name: (r) => r.name,
        exclude: group.roles.map((r) => r.id),
        submitLabel: "Give role",
        onPick: (roleId) => api.post(`/roles/${enc(roleId)}/grants`, { principal_type: "group", principal_id: group.id }),
      }).then((done) => done && (toast("Role given."), reload())), { iconName: "plus", size: "sm" })
    : null;
  return card({
    title: "Roles",
    description: "Every member holds these roles.",
    actions: [add],
    body: chips(
      group.roles.map((r) => ({ ...r, label: r.name, href: session.can("roles:read") ? `/console/roles/${enc(r.id)}` : null })),
      {
        empty: "This group gives no role yet.",
        removeLabel: (r) => `Take the role ${r.name} away`,
        onRemove: canGive
          ? (r) => confirmThen({
            title: `Take ${r.name} away from ${group.name}?`,
            message: "Every member loses it, unless they hold it another way.",
            confirmLabel: "Take away",
            action: () => api.del(`/roles/${enc(r.id)}/grants/group/${enc(group.id)}`),
            success: "Role taken away.",
            done: reload,
          })
          : null,
      },
    ),
  });
}

function actions(group, session, reload, navigate) {
  if (!session.can("groups:write")) return [];
  return [
    button("Edit", async () => {
      const saved = await formDialog({
        title: `Edit ${group.name}`,
        submitLabel: "Save changes",
        fields: groupFields(group),
        onSubmit: (values) => api.patch(`/groups/${enc(group.id)}`, values),
      });
      if (saved) {
        toast("Changes saved.");
        reload();
      }
    }),
    button("Delete", () =>
      confirmThen({
        title: `Delete ${group.name}?`,
        message: "Its members lose the roles and project access it gives. The users themselves stay.",
        confirmLabel: "Delete group",
        action: () => api.del(`/groups/${enc(group.id)}`),
        success: `${group.name} is deleted.`,
        done: () => navigate("/console/groups"),
      }), { kind: "danger-outline" }),
  ];
}

export default function group({ params, session, navigate, setTitle }) {
  return detailView({
    load: () => api.get(`/groups/${enc(params.id)}`),
    draw: (g, reload) => {
      setTitle(g.name);
      return h(
        "section",
        { class: "page" },
        pageHeader({
          title: g.name,
          description: g.description || null,
          crumbs: [["Console", "/console"], ["Groups", "/console/groups"], [g.name]],
          actions: actions(g, session, reload, navigate),
        }),
        h("div", { class: "grid-2" }, membersCard(g, session, reload), rolesCard(g, session, reload)),
        card({ title: "Details", body: facts([["Created", timeEl(g.created_at)], ["Updated", timeEl(g.updated_at)], ["Id", h("span", { class: "mono" }, g.id)]]) }),
      );
    },
  });
}
