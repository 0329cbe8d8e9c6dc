// One user: details, status, password, roles and groups.

import { api } from "../api.js";
import { h, replace, timeEl } from "../dom.js";
import { formDialog } from "../ui/dialog.js";
import { button, card, chips, facts, pageHeader } from "../ui/page.js";
import { showSecretOnce } from "../ui/secret.js";
import { toast } from "../ui/toast.js";
import { attempt, confirmThen, detailView, enc, pickOne } from "./common.js";
import { userBadges } from "./users.js";

function editDialog(user) {
  return formDialog({
    title: `Edit ${user.login}`,
    submitLabel: "Save changes",
    fields: [
      { name: "login", label: "Login", value: user.login, readonly: true, hint: "A login cannot be changed." },
      { name: "display_name", label: "Display name", value: user.display_name },
      { name: "email", label: "Email", type: "email", value: user.email },
    ],
    onSubmit: (values) => api.patch(`/users/${enc(user.id)}`, values),
  });
}

async function resetPassword(user, reload) {
  const ok = await confirmThen({
    title: `Reset the password of ${user.login}?`,
    message: "They get a temporary password to change at their next sign-in. Their sessions end and their access tokens are revoked now.",
    confirmLabel: "Reset password",
    action: () => api.post(`/users/${enc(user.id)}/reset-password`),
    done: (result) =>
      showSecretOnce({
        title: `Temporary password for ${user.login}`,
        label: "Temporary password",
        value: result.temporary_password,
        note: "Give it to them by a safe channel; they must change it when they sign in. It cannot be shown again.",
      }),
  });
  if (ok) reload();
}

function statusAction(user, session, reload) {
  if (user.status === "active" && user.id === session.me.id) return null;
  if (user.status === "active") {
    return button("Deactivate", () =>
      confirmThen({
        title: `Deactivate ${user.login}?`,
        message: "They are signed out at once and cannot sign in, and their tokens are revoked. You can activate them again later.",
        confirmLabel: "Deactivate",
        action: () => api.patch(`/users/${enc(user.id)}`, { status: "inactive" }),
        success: `${user.login} is deactivated.`,
        done: reload,
      }));
  }
  return button("Activate", () =>
    attempt(() => api.patch(`/users/${enc(user.id)}`, { status: "active" }), `${user.login} is active again.`, reload));
}

function actions(user, session, reload, navigate) {
  if (!session.can("users:write")) return [];
  const self = user.id === session.me.id;
  return [
    button("Edit", async () => {
      if (await editDialog(user)) {
        toast("Changes saved.");
        reload();
      }
    }),
    button("Reset password", () => resetPassword(user, reload)),
    user.locked ? button("Unlock", () => attempt(() => api.post(`/users/${enc(user.id)}/unlock`), `${user.login} is unlocked.`, reload)) : null,
    statusAction(user, session, reload),
    self ? null : button("Delete", () =>
      confirmThen({
        title: `Delete ${user.login}?`,
        message: "This removes the user, their roles, group memberships and project grants, and revokes their tokens. It cannot be undone.",
        confirmLabel: "Delete user",
        action: () => api.del(`/users/${enc(user.id)}`),
        success: `${user.login} is deleted.`,
        done: () => navigate("/console/users"),
      }), { kind: "danger-outline" }),
  ];
}

/** The roles a user holds through their groups, loaded after the page. */
function inheritedRoles(user, session) {
  if (!user.groups.length || !session.can("groups:read")) return null;
  const list = h("p", { class: "muted" }, "Loading the roles of their groups…");
  Promise.all(user.groups.map((g) => api.get(`/groups/${enc(g.id)}`))).then(
    (groups) => {
      const via = new Map();
      for (const g of groups) {
        for (const r of g.roles) via.set(r.id, { ...r, groups: [...(via.get(r.id)?.groups || []), g.name] });
      }
      replace(list, via.size
        ? h("span", {}, "Through groups: ", [...via.values()].map((r, i) => [i ? ", " : "", h("strong", {}, r.name), ` (${r.groups.join(", ")})`]))
        : "Their groups give no role.");
    },
    () => replace(list, ""),
  );
  return list;
}

function rolesCard(user, session, reload) {
  const canGive = session.can("roles:write");
  return card({
    title: "Roles",
    description: "Given directly. Roles of their groups apply too.",
    actions: [
      canGive
        ? button("Give a role", () =>
          pickOne({
            title: `Give a role to ${user.login}`,
            label: "Role",
            path: "/roles",
            name: (r) => r.name,
            exclude: user.roles.map((r) => r.id),
            submitLabel: "Give role",
            onPick: (roleId) => api.post(`/roles/${enc(roleId)}/grants`, { principal_type: "user", principal_id: user.id }),
          }).then((done) => done && (toast("Role given."), reload())), { iconName: "plus", size: "sm" })
        : null,
    ],
    body: [chips(
      user.roles.map((r) => ({ ...r, label: r.name, href: session.can("roles:read") ? `/console/roles/${enc(r.id)}` : null })),
      {
        empty: "No role given directly.",
        removeLabel: (r) => `Take the role ${r.name} away`,
        onRemove: canGive
          ? (r) => confirmThen({
            title: `Take ${r.name} away from ${user.login}?`,
            message: "They lose the permissions of this role at once, unless a group gives it to them.",
            confirmLabel: "Take away",
            action: () => api.del(`/roles/${enc(r.id)}/grants/user/${enc(user.id)}`),
            success: "Role taken away.",
            done: reload,
          })
          : null,
      },
    ), inheritedRoles(user, session)],
  });
}

function groupsCard(user, session, reload) {
  const canEdit = session.can("groups:write");
  return card({
    title: "Groups",
    description: "They hold the roles of every group they are in.",
    actions: [
      canEdit
        ? button("Add to a group", () =>
          pickOne({
            title: `Add ${user.login} to a group`,
            label: "Group",
            path: "/groups",
            name: (g) => g.name,
            exclude: user.groups.map((g) => g.id),
            onPick: (groupId) => api.post(`/groups/${enc(groupId)}/members`, { user_id: user.id }),
          }).then((done) => done && (toast("Added to the group."), reload())), { iconName: "plus", size: "sm" })
        : null,
    ],
    body: chips(
      user.groups.map((g) => ({ ...g, label: g.name, href: session.can("groups:read") ? `/console/groups/${enc(g.id)}` : null })),
      {
        empty: "Not in any group.",
        removeLabel: (g) => `Remove from ${g.name}`,
        onRemove: canEdit
          ? (g) => confirmThen({
            title: `Remove ${user.login} from ${g.name}?`,
            message: "They lose the roles this group gives.",
            confirmLabel: "Remove",
            action: () => api.del(`/groups/${enc(g.id)}/members/${enc(user.id)}`),
            success: "Removed from the group.",
            done: reload,
          })
          : null,
      },
    ),
  });
}

export default function user({ params, session, navigate, setTitle }) {
  return detailView({
    load: () => api.get(`/users/${enc(params.id)}`),
    draw: (u, reload) => {
      setTitle(u.login);
      return h(
        "section",
        { class: "page" },
        pageHeader({
          title: u.display_name || u.login,
          description: u.display_name ? u.login : null,
          crumbs: [["Console", "/console"], ["Users", "/console/users"], [u.login]],
          actions: actions(u, session, reload, navigate),
        }),
        card({
          title: "Details",
          body: facts([
            ["Login", h("span", { class: "mono" }, u.login)],
            ["Display name", u.display_name],
            ["Email", u.email],
            ["Status", userBadges(u)],
            ["Last sign-in", timeEl(u.last_login_at, "never")],
            ["Created", timeEl(u.created_at)],
            ["Updated", timeEl(u.updated_at)],
            ["Id", h("span", { class: "mono" }, u.id)],
          ]),
        }),
        h("div", { class: "grid-2" }, rolesCard(u, session, reload), groupsCard(u, session, reload)),
      );
    },
  });
}
