// One service account: its roles and its tokens.

import { api } from "../api.js";
import { h, replace, timeEl } from "../dom.js";
import { formDialog } from "../ui/dialog.js";
import { button, card, chips, emptyState, errorState, facts, loading, pageHeader, statusBadge } from "../ui/page.js";
import { toast } from "../ui/toast.js";
import { attempt, confirmThen, detailView, enc, pickOne } from "./common.js";
import { accountFields } from "./service-accounts.js";
import { createTokenDialog, tokenTable } from "./token-ui.js";

function rolesCard(account, session, reload) {
  const canGive = session.can("roles:write");
  return card({
    title: "Roles",
    description: "What its tokens may do.",
    actions: [canGive
      ? button("Give a role", () => pickOne({
        title: `Give a role to ${account.name}`,
        label: "Role",
        path: "/roles",
        name: (r) => r.name,
        exclude: account.roles.map((r) => r.id),
        submitLabel: "Give role",
        onPick: (roleId) => api.post(`/roles/${enc(roleId)}/grants`, { principal_type: "service_account", principal_id: account.id }),
      }).then((done) => done && (toast("Role given."), reload())), { iconName: "plus", size: "sm" })
      : null],
    body: chips(account.roles.map((r) => ({ ...r, label: r.name, href: session.can("roles:read") ? `/console/roles/${enc(r.id)}` : null })), {
      empty: "No role yet: its tokens can do nothing.",
      removeLabel: (r) => `Take the role ${r.name} away`,
      onRemove: canGive
        ? (r) => confirmThen({
          title: `Take ${r.name} away from ${account.name}?`,
          message: "Its tokens lose these permissions at once.",
          confirmLabel: "Take away",
          action: () => api.del(`/roles/${enc(r.id)}/grants/service_account/${enc(account.id)}`),
          success: "Role taken away.",
          done: reload,
        })
        : null,
    }),
  });
}

function tokensCard(account, session) {
  const canWrite = session.can("service_accounts:write");
  const body = h("div", {}, loading());
  const base = `/service-accounts/${enc(account.id)}/tokens`;
  async function load() {
    try {
      const page = await api.get(base);
      replace(body, page.items.length
        ? tokenTable(page.items, { session, reload: load, revokePath: canWrite ? (t) => `${base}/${enc(t.id)}` : null })
        : emptyState({ title: "No tokens yet", text: canWrite ? "Create a token for the script or CI job that uses this account." : "" }));
    } catch (error) {
      replace(body, errorState(error, load));
    }
  }
  load();
  return card({
    title: "Tokens",
    description: "Bearer tokens that act as this account.",
    actions: [canWrite
      ? button("Create token", async () => {
        if (await createTokenDialog(base, { title: `Create a token for ${account.name}`, owner: account.name })) load();
      }, { iconName: "plus", size: "sm" })
      : null],
    body,
  });
}

function actions(account, session, reload, navigate) {
  if (!session.can("service_accounts:write")) return [];
  const active = account.status === "active";
  return [
    button("Edit", async () => {
      const saved = await formDialog({
        title: `Edit ${account.name}`,
        submitLabel: "Save changes",
        fields: accountFields(account),
        onSubmit: (values) => api.patch(`/service-accounts/${enc(account.id)}`, values),
      });
      if (saved) {
        toast("Changes saved.");
        reload();
      }
    }),
    active
      ? button("Deactivate", () => confirmThen({
        title: `Deactivate ${account.name}?`,
        message: "Its tokens stop working until you activate it again.",
        confirmLabel: "Deactivate",
        action: () => api.patch(`/service-accounts/${enc(account.id)}`, { status: "inactive" }),
        success: `${account.name} is deactivated.`,
        done: reload,
      }))
      : button("Activate", () => attempt(() => api.patch(`/service-accounts/${enc(account.id)}`, { status: "active" }), `${account.name} is active again.`, reload)),
    button("Delete", () => confirmThen({
      title: `Delete ${account.name}?`,
      message: "Its tokens are revoked and its roles and project grants removed. This cannot be undone.",
      confirmLabel: "Delete service account",
      action: () => api.del(`/service-accounts/${enc(account.id)}`),
      success: `${account.name} is deleted.`,
      done: () => navigate("/console/service-accounts"),
    }), { kind: "danger-outline" }),
  ];
}

export default function serviceAccount({ params, session, navigate, setTitle }) {
  return detailView({
    load: () => api.get(`/service-accounts/${enc(params.id)}`),
    draw: (a, reload) => {
      setTitle(a.name);
      return h(
        "section",
        { class: "page" },
        pageHeader({
          title: a.name,
          description: a.description || null,
          crumbs: [["Console", "/console"], ["Service accounts", "/console/service-accounts"], [a.name]],
          actions: actions(a, session, reload, navigate),
        }),
        card({ title: "Details", body: facts([["Status", statusBadge(a.status)], ["Created", timeEl(a.created_at)], ["Updated", timeEl(a.updated_at)], ["Id", h("span", { class: "mono" }, a.id)]]) }),
        rolesCard(a, session, reload),
        tokensCard(a, session),
      );
    },
  });
}
