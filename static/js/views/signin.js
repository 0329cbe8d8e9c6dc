// Sign in: tenant, login and password. The tenant is remembered on this
// browser so that people type it once.

import { api, setCsrfToken } from "../api.js";
import { h } from "../dom.js";
import { loadSession } from "../session.js";
import { createForm } from "../ui/form.js";

const TENANT_KEY = "tcloud.tenant";

function rememberedTenant() {
  try {
    return localStorage.getItem(TENANT_KEY) || "";
  } catch {
    return "";
  }
}

function remember(tenant) {
  try {
    localStorage.setItem(TENANT_KEY, tenant);
  } catch {
    // Private windows may refuse storage; the tenant is only a convenience.
  }
}

function safeNext(query) {
  const next = query.get("next") || "";
  return next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/signin") ? next : "/console";
}

export default function signIn({ query, navigate }) {
  const tenant = rememberedTenant();
  const form = createForm({
    fields: [
      { name: "tenant", label: "Tenant", required: true, value: tenant, autocomplete: "organization", hint: "The name of your organisation's space, for example demo." },
      { name: "login", label: "Login", required: true, autocomplete: "username" },
      { name: "password", label: "Password", type: "password", required: true, autocomplete: "current-password", trim: false },
    ],
    submitLabel: "Sign in",
    errorTitle: "Could not sign in",
    onSubmit: async (values) => {
      const signed = await api.post("/auth/login", values, { quiet: true });
      remember(values.tenant);
      setCsrfToken(signed.csrf_token);
      await loadSession();
      return signed;
    },
    onDone: () => navigate(safeNext(query), { replace: true }),
  });
  form.el.querySelector(".form-actions .btn").classList.add("btn-block");
  const page = h(
    "div",
    { class: "auth-page" },
    h(
      "div",
      { class: "auth-card" },
      h("div", { class: "auth-brand" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), h("span", { class: "brand-name" }, "tcloud")),
      h("h1", { tabindex: "-1" }, "Sign in"),
      h("p", { class: "muted" }, "Sign in to your tenant to manage its people, projects and work."),
      form.el,
    ),
  );
  queueMicrotask(() => (tenant ? form.input("login") : form.input("tenant"))?.focus());
  return page;
}
