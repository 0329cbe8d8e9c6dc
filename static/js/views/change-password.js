// Change my password (from the user menu).

import { h } from "../dom.js";
import { resetShell } from "../shell.js";
import { card, pageHeader } from "../ui/page.js";
import { toast } from "../ui/toast.js";
import { passwordForm } from "./password-form.js";

export default function changePassword({ navigate }) {
  const form = passwordForm({
    onDone: () => {
      resetShell();
      toast("Your password is changed. Your other sessions were signed out.");
      navigate("/console");
    },
  });
  return h(
    "section",
    { class: "page page-narrow" },
    pageHeader({ title: "Change password", description: "Changing it signs you out everywhere else." }),
    card({ title: "New password", body: form.el }),
  );
}
