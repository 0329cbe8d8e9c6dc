// The forced password change: after a reset or a first sign-in with a
// temporary password, nothing else works until a new one is chosen.

import { api } from "../api.js";
import { h } from "../dom.js";
import { forgetSession, session } from "../session.js";
import { resetShell } from "../shell.js";
import { toast } from "../ui/toast.js";
import { passwordForm } from "./password-form.js";

export default function passwordRequired({ navigate }) {
  if (!session.mustChangePassword) {
    queueMicrotask(() => navigate("/console", { replace: true }));
  }
  const form = passwordForm({
    currentLabel: "Temporary password",
    submitLabel: "Set my password",
    onDone: () => {
      resetShell();
      toast("Your password is changed.");
      navigate("/console", { replace: true });
    },
  });
  const signOut = h("button", { type: "button", class: "btn btn-link" }, "Sign out instead");
  signOut.addEventListener("click", async () => {
    try {
      await api.post("/auth/logout", undefined, { quiet: true });
    } finally {
      forgetSession();
      navigate("/signin", { replace: true });
    }
  });
  const who = session.me ? session.me.login : "";
  queueMicrotask(() => form.focus());
  return h(
    "div",
    { class: "auth-page" },
    h(
      "div",
      { class: "auth-card" },
      h("div", { class: "auth-brand" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), h("span", { class: "brand-name" }, "tcloud")),
      h("h1", { tabindex: "-1" }, "Choose a new password"),
      h("p", { class: "muted" }, `Signed in as ${who}. Your password was set by an administrator; choose your own before you go on.`),
      form.el,
      h("p", { class: "auth-footer" }, signOut),
    ),
  );
}
