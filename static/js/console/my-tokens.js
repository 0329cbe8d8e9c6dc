// My access tokens: personal tokens for the CLI and CI.

import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { button, emptyState, errorState, loading, pageHeader } from "../ui/page.js";
import { enc } from "./common.js";
import { createTokenDialog, tokenTable } from "./token-ui.js";

export default function myTokens({ session }) {
  const results = h("div", {}, loading());
  const create = button("Create token", async () => {
    if (await createTokenDialog("/me/tokens")) load();
  }, { kind: "primary", iconName: "plus" });

  async function load() {
    try {
      const page = await api.get("/me/tokens");
      replace(results, page.items.length
        ? tokenTable(page.items, { session, reload: load, revokePath: (t) => `/me/tokens/${enc(t.id)}` })
        : emptyState({ title: "You have no access tokens", text: "Create one to call the API from the command line or from CI: send it as Authorization: Bearer <token>.", action: button("Create your first token", create.onclick || (() => create.click()), { kind: "primary" }) }));
    } catch (error) {
      replace(results, errorState(error, load));
    }
  }
  load();
  return h(
    "section",
    { class: "page" },
    pageHeader({
      title: "My access tokens",
      description: "Personal tokens act as you, with your permissions. Revoke one as soon as you no longer need it.",
      crumbs: [["Account"], ["Access tokens"]],
      actions: [create],
    }),
    results,
  );
}
