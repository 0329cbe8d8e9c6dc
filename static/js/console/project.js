// One project: its details and who may read, write or administer it.

import { api } from "../api.js";
import { h, replace, timeEl, uid } from "../dom.js";
import { formDialog } from "../ui/dialog.js";
import { button, card, emptyState, errorState, facts, loading, pageHeader } from "../ui/page.js";
import { toast, toastError } from "../ui/toast.js";
import { KINDS, confirmThen, detailView, enc, principalField, principalLink } from "./common.js";
import { ACCESS, accessBadge, projectFields } from "./projects.js";

const RANK = { read: 1, write: 2, admin: 3 };

function grantPath(project, type, id) {
  return `/projects/${enc(project.id)}/grants/${enc(type)}/${enc(id)}`;
}

function accessSelect(project, grant, reload) {
  const id = uid("access");
  const select = h("select", { id, class: "input input-sm", "aria-label": `Access of ${grant.principal_name || grant.principal_id}` },
    ACCESS.map((a) => h("option", { value: a.value, selected: a.value === grant.access }, a.label)));
  select.addEventListener("change", async () => {
    try {
      await api.put(grantPath(project, grant.principal_type, grant.principal_id), { access: select.value });
      toast(`Access changed to ${select.value}.`);
    } catch (error) {
      toastError(error);
      select.value = grant.access;
      return;
    }
    reload();
  });
  return select;
}

function grantsCard(project, session) {
  const isAdmin = RANK[project.access] >= RANK.admin;
  const body = h("div", {}, loading());
  async function load() {
    try {
      const page = await api.get(`/projects/${enc(project.id)}/grants`);
      replace(body, page.items.length ? table(page.items) : emptyState({ title: "Nobody has been granted access", text: isAdmin ? "Grant a group read or write access so that its members can work here." : "" }));
    } catch (error) {
      replace(body, errorState(error, load));
    }
  }
  function table(grants) {
    return h("div", { class: "table-wrap" }, h("table", { class: "table" },
      h("caption", { class: "sr-only" }, "Project access"),
      h("thead", {}, h("tr", {}, ["Who", "Kind", "Access", "Since"].map((t) => h("th", { scope: "col" }, t)), h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Actions")))),
      h("tbody", {}, grants.map((g) => h("tr", {},
        h("td", {}, principalLink(session, g.principal_type, g.principal_id, g.principal_name)),
        h("td", {}, KINDS[g.principal_type] ? KINDS[g.principal_type].label : g.principal_type),
        h("td", {}, isAdmin ? accessSelect(project, g, load) : accessBadge(g.access)),
        h("td", {}, timeEl(g.created_at)),
        h("td", { class: "actions" }, isAdmin
          ? button("Remove", () => confirmThen({
            title: `Remove the access of ${g.principal_name || g.principal_id}?`,
            message: "They keep any access they have through a group or a role.",
            confirmLabel: "Remove access",
            action: () => api.del(grantPath(project, g.principal_type, g.principal_id)),
            success: "Access removed.",
            done: load,
          }), { kind: "ghost-danger", size: "sm" })
          : null))))));
  }
  async function grant() {
    const existing = await api.get(`/projects/${enc(project.id)}/grants`);
    const field = await principalField(session, {
      label: "Who",
      exclude: existing.items.map((g) => ({ type: g.principal_type, id: g.principal_id })),
    });
    const done = await formDialog({
      title: `Grant access to ${project.name}`,
      submitLabel: "Grant access",
      fields: [
        field,
        { name: "access", label: "Access", type: "select", value: "read", options: ACCESS.map((a) => ({ value: a.value, label: `${a.label}: ${a.hint.toLowerCase()}` })) },
      ],
      onSubmit: ({ principal, access }) => api.put(grantPath(project, principal.type, principal.id), { access }),
    });
    if (done) {
      toast("Access granted.");
      load();
    }
  }
  load();
  const canList = session.canAny("users:read", "groups:read", "service_accounts:read");
  return card({
    title: "Access",
    description: "Holders of projects:read and projects:write see and manage every project; the people below have access to this one.",
    actions: [isAdmin && canList ? button("Grant access", () => grant().catch(toastError), { iconName: "plus", size: "sm" }) : null],
    body,
  });
}

function actions(project, reload, navigate) {
  const rank = RANK[project.access] || 0;
  return [
    rank >= RANK.write
      ? button("Edit", async () => {
        const saved = await formDialog({
          title: `Edit ${project.name}`,
          submitLabel: "Save changes",
          fields: projectFields(project),
          onSubmit: (values) => api.patch(`/projects/${enc(project.id)}`, values),
        });
        if (saved) {
          toast("Changes saved.");
          reload();
        }
      })
      : null,
    rank >= RANK.admin
      ? button("Delete", () => confirmThen({
        title: `Delete ${project.name}?`,
        message: "The project and everyone's access to it are removed. This cannot be undone.",
        confirmLabel: "Delete project",
        action: () => api.del(`/projects/${enc(project.id)}`),
        success: `${project.name} is deleted.`,
        done: () => navigate("/console/projects"),
      }), { kind: "danger-outline" })
      : null,
  ];
}

export default function project({ params, session, navigate, setTitle }) {
  return detailView({
    load: () => api.get(`/projects/${enc(params.id)}`),
    draw: (p, reload) => {
      setTitle(p.name);
      return h(
        "section",
        { class: "page" },
        pageHeader({
          title: p.name,
          description: p.description || null,
          crumbs: [["Console", "/console"], ["Projects", "/console/projects"], [p.name]],
          actions: actions(p, reload, navigate),
        }),
        card({ title: "Details", body: facts([["Your access", accessBadge(p.access)], ["Created", timeEl(p.created_at)], ["Updated", timeEl(p.updated_at)], ["Id", h("span", { class: "mono" }, p.id)]]) }),
        grantsCard(p, session),
      );
    },
  });
}
