// The honest page of an app that is not built yet.

import { h, icon } from "../dom.js";
import { APPS } from "../routes.js";
import { linkButton } from "../ui/page.js";

const WHAT = {
  pipelines: "Build data pipelines from source datasets, processors and destinations, with a live preview of every step, and run them on an engine.",
  dataprep: "Load a dataset, look at it in a grid with quality bars, apply functions step by step, and run the preparation on the full data.",
  stewardship: "Curate records in campaigns: validate, resolve, arbitrate and merge them, with states, assignees and history.",
  dictionary: "Define semantic types (patterns, lists of values, compound types) that every app uses to discover and validate columns.",
  apis: "Write an API contract in OpenAPI 3, validate it, serve a live mock of it and its generated documentation.",
  apitest: "Build requests and scenarios with assertions and run them on an engine, from the CLI or in CI.",
};

export default function notAvailable({ route }) {
  const app = APPS.find((a) => a.id === route.app) || { name: route.title, icon: "console" };
  return h(
    "section",
    { class: "page" },
    h(
      "div",
      { class: "empty empty-large" },
      h("span", { class: "empty-icon" }, icon(app.icon, 32)),
      h("h1", { class: "empty-title", tabindex: "-1" }, `${app.name} is not available yet`),
      h("p", {}, WHAT[route.app] || ""),
      h("p", { class: "muted" }, "This app is not part of this version of tcloud. Its place is kept here so that you know it is coming."),
      linkButton("Go to the console", "/console", { kind: "primary" }),
    ),
  );
}
