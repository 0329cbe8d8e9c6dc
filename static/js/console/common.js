// What the console's pages share: a detail page that loads and redraws,
// principal names, and the dialogs that pick a user, group, role or account.

import { api, listAll } from "../api.js";
import { h, replace } from "../dom.js";
import { confirmDialog, formDialog } from "../ui/dialog.js";
import { errorState, loading } from "../ui/page.js";
import { toast, toastError } from "../ui/toast.js";

export const KINDS = {
  user: { label: "User", plural: "Users", path: "/users", href: (id) => `/console/users/${encodeURIComponent(id)}`, name: (x) => x.login },
  group: { label: "Group", plural: "Groups", path: "/groups", href: (id) => `/console/groups/${encodeURIComponent(id)}`, name: (x) => x.name },
  service_account: { label: "Service account", plural: "Service accounts", path: "/service-accounts", href: (id) => `/console/service-accounts/${encodeURIComponent(id)}`, name: (x) => x.name },
};

export function enc(id) {
  return encodeURIComponent(id);
}

/**
 * A detail page: load() fetches the object, draw(object, reload) returns
 * the page. reload() fetches again and redraws in place.
 */
export function detailView({ load, draw }) {
  const root = h("div", { class: "detail" }, loading());
  async function reload() {
    try {
      const object = await load();
      replace(root, draw(object, reload));
    } catch (error) {
      if (error.name === "AbortError") return;
      replace(root, h("section", { class: "page" }, errorState(error, reload, { level: 1 })));
    }
  }
  reload();
  return root;
}

/** Ask to confirm, run the action, say it worked or show what went wrong. */
export async function confirmThen({ title, message, confirmLabel, danger = true, action, done, success }) {
  if (!(await confirmDialog({ title, message, confirmLabel, danger }))) return false;
  try {
    const result = await action();
    if (success) toast(success);
    if (done) await done(result);
    return true;
  } catch (error) {
    toastError(error);
    return false;
  }
}

/** Run an action and report it in a toast. */
export async function attempt(action, success, done) {
  try {
    const result = await action();
    if (success) toast(success);
    if (done) await done(result);
    return result;
  } catch (error) {
    toastError(error);
    return undefined;
  }
}

/** Choose one item of a list endpoint in a dialog and act on it. */
export async function pickOne({ title, label, path, name, exclude = [], submitLabel = "Add", hint, extraFields = [], onPick }) {
  let items;
  try {
    items = await listAll(path);
  } catch (error) {
    toastError(error);
    return null;
  }
  const skip = new Set(exclude);
  const options = items.filter((x) => !skip.has(x.id)).map((x) => ({ value: x.id, label: name(x) }));
  if (!options.length) {
    toast(`There is nothing left to add: every ${label.toLowerCase()} is already here.`, "info");
    return null;
  }
  return formDialog({
    title,
    submitLabel,
    fields: [{ name: "id", label, type: "select", required: true, options: [{ value: "", label: `Choose a ${label.toLowerCase()}…` }, ...options], hint }, ...extraFields],
    onSubmit: (values) => onPick(values.id, values),
  });
}

/** "3 members", "1 role". */
export function count(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

export async function loadPermissions() {
  const result = await api.get("/permissions");
  return Array.isArray(result) ? result : result.items;
}

/**
 * A form field choosing a principal: its kind, then which one. value() is
 * { type, id }. Only the kinds the signed-in person may list are offered.
 */
export async function principalField(session, { name = "principal", label = "Who", exclude = [] } = {}) {
  const kinds = [
    ["user", "users:read", "/users"],
    ["group", "groups:read", "/groups"],
    ["service_account", "service_accounts:read", "/service-accounts"],
  ].filter(([, permission]) => session.can(permission));
  const lists = await Promise.all(kinds.map(([, , path]) => listAll(path)));
  const skip = new Set(exclude.map((p) => `${p.type}:${p.id}`));
  const choices = Object.fromEntries(kinds.map(([kind], i) => [kind, lists[i].filter((x) => !skip.has(`${kind}:${x.id}`))]));
  return {
    name,
    label,
    type: "custom",
    wide: true,
    required: true,
    render: ({ id }) => {
      const kindSelect = h("select", { class: "input", id: `${id}-kind`, "aria-label": "Kind" },
        kinds.map(([kind]) => h("option", { value: kind }, KINDS[kind].label)));
      const whoSelect = h("select", { class: "input", id: `${id}-who`, "aria-label": "Name" });
      const fill = () => {
        const kind = kindSelect.value;
        const items = choices[kind] || [];
        replace(whoSelect, h("option", { value: "" }, items.length ? `Choose a ${KINDS[kind].label.toLowerCase()}…` : "None left to choose"),
          items.map((x) => h("option", { value: x.id }, KINDS[kind].name(x))));
      };
      kindSelect.addEventListener("change", fill);
      fill();
      return {
        el: h("div", { class: "principal-picker" }, kindSelect, whoSelect),
        value: () => (whoSelect.value ? { type: kindSelect.value, id: whoSelect.value } : ""),
        focus: () => kindSelect.focus(),
      };
    },
  };
}

export function principalLink(session, type, id, name) {
  const kind = KINDS[type];
  const readable = { user: "users:read", group: "groups:read", service_account: "service_accounts:read" }[type];
  const label = name || id;
  return kind && session.can(readable) ? h("a", { href: kind.href(id) }, label) : h("span", {}, label);
}
