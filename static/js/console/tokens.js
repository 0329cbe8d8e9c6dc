// Everyone's access tokens, for administrators (tokens:admin).

import { listView } from "../ui/list.js";
import { enc } from "./common.js";
import { tokenColumns } from "./token-ui.js";

export default function tokens({ session }) {
  let view;
  view = listView({
    title: "Access tokens",
    description: "Every personal and service account token of the tenant, newest first. Revoke any that should no longer work.",
    path: "/tokens",
    searchable: false,
    columns: tokenColumns({ owner: true, session, revokePath: (t) => `/tokens/${enc(t.id)}`, reload: () => view.reload() }),
    empty: { title: "No access tokens yet", text: "People make their own under My access tokens; service account tokens are made on each service account's page." },
  });
  return view.el;
}
