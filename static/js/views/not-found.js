// The page for an address the UI does not know.

import { h } from "../dom.js";
import { linkButton } from "../ui/page.js";

export default function notFound() {
  return h(
    "section",
    { class: "page" },
    h(
      "div",
      { class: "empty empty-large" },
      h("h1", { class: "empty-title", tabindex: "-1" }, "There is no page at this address"),
      h("p", {}, `Nothing lives at ${location.pathname}. The link may be old, or the address mistyped.`),
      linkButton("Go to the console", "/console", { kind: "primary" }),
    ),
  );
}
