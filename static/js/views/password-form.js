// The change-password form, used by the forced change and the account page.

import { api, setCsrfToken } from "../api.js";
import { loadSession } from "../session.js";
import { createForm } from "../ui/form.js";

export function passwordForm({ currentLabel = "Current password", submitLabel = "Change password", onDone }) {
  return createForm({
    fields: [
      { name: "current_password", label: currentLabel, type: "password", required: true, autocomplete: "current-password", trim: false },
      { name: "new_password", label: "New password", type: "password", required: true, autocomplete: "new-password", trim: false,
        hint: "At least 12 characters (unless the server is set to another minimum), mixing two of lower case, upper case, digits and symbols, and not containing your login." },
      { name: "confirm", label: "Repeat the new password", type: "password", required: true, autocomplete: "new-password", trim: false },
    ],
    submitLabel,
    errorTitle: "The password was not changed",
    onSubmit: async ({ current_password, new_password, confirm }) => {
      if (new_password !== confirm) {
        const error = new Error("the two new passwords differ");
        error.fields = [{ field: "confirm", message: "does not match the new password" }];
        throw error;
      }
      const result = await api.post("/me/password", { current_password, new_password });
      setCsrfToken(result.csrf_token);
      await loadSession();
      return result;
    },
    onDone,
  });
}
