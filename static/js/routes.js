// The page registry: which address shows which view module. To add a page,
// add a line here (and, for a console page, an entry in console/nav.js).
// See static/js/README.md for the contract of a view module.
//
//   path        address pattern; ":name" is a parameter, "/*" the rest
//   view        () => import("./module.js"), loaded on first visit
//   app         the rail entry to highlight (see APPS below)
//   title       the document title
//   permission  hide the page (and its nav entry) without it; "*" holds all
//   layout      "shell" (default) or "bare" (sign-in, forced password change)
//   public      true if it needs nobody signed in

const notAvailable = () => import("./views/not-available.js");

export const routes = [
  { path: "/signin", view: () => import("./views/signin.js"), layout: "bare", public: true, title: "Sign in" },
  { path: "/password/required", view: () => import("./views/password-required.js"), layout: "bare", title: "Choose a new password" },

  { path: "/", redirect: "/console" },
  { path: "/account/password", view: () => import("./views/change-password.js"), app: "console", title: "Change password" },
  { path: "/account/tokens", view: () => import("./console/my-tokens.js"), app: "console", title: "My access tokens" },

  { path: "/console", view: () => import("./console/home.js"), app: "console", title: "Console" },
  { path: "/console/users", view: () => import("./console/users.js"), app: "console", title: "Users", permission: "users:read" },
  { path: "/console/users/:id", view: () => import("./console/user.js"), app: "console", title: "User", permission: "users:read" },
  { path: "/console/groups", view: () => import("./console/groups.js"), app: "console", title: "Groups", permission: "groups:read" },
  { path: "/console/groups/:id", view: () => import("./console/group.js"), app: "console", title: "Group", permission: "groups:read" },
  { path: "/console/roles", view: () => import("./console/roles.js"), app: "console", title: "Roles", permission: "roles:read" },
  { path: "/console/roles/:id", view: () => import("./console/role.js"), app: "console", title: "Role", permission: "roles:read" },
  { path: "/console/service-accounts", view: () => import("./console/service-accounts.js"), app: "console", title: "Service accounts", permission: "service_accounts:read" },
  { path: "/console/service-accounts/:id", view: () => import("./console/service-account.js"), app: "console", title: "Service account", permission: "service_accounts:read" },
  { path: "/console/tokens", view: () => import("./console/tokens.js"), app: "console", title: "Access tokens", permission: "tokens:admin" },
  { path: "/console/projects", view: () => import("./console/projects.js"), app: "console", title: "Projects" },
  { path: "/console/projects/:id", view: () => import("./console/project.js"), app: "console", title: "Project" },
  { path: "/console/environments", view: () => import("./console/environments.js"), app: "console", title: "Environments", permission: "environments:read" },
  { path: "/console/engines", view: () => import("./console/engines.js"), app: "console", title: "Engines", permission: "engines:read" },
  { path: "/console/engines/:id", view: () => import("./console/engine.js"), app: "console", title: "Engine", permission: "engines:read" },
  { path: "/console/artifacts", view: () => import("./console/artifacts.js"), app: "console", title: "Artifacts", permission: "artifacts:read" },
  { path: "/console/artifacts/:id", view: () => import("./console/artifact.js"), app: "console", title: "Artifact", permission: "artifacts:read" },
  { path: "/console/tasks", view: () => import("./console/tasks.js"), app: "console", title: "Tasks", permission: "tasks:read" },
  { path: "/console/tasks/:id", view: () => import("./console/task.js"), app: "console", title: "Task", permission: "tasks:read" },
  { path: "/console/executions", view: () => import("./console/executions.js"), app: "console", title: "Executions", permission: "executions:read" },
  { path: "/console/executions/:id", view: () => import("./console/execution.js"), app: "console", title: "Execution", permission: "executions:read" },
  { path: "/console/audit", view: () => import("./console/audit.js"), app: "console", title: "Audit log", permission: "audit:read" },
  { path: "/console/settings", view: () => import("./console/settings.js"), app: "console", title: "Settings", permission: "tenant:settings" },

  { path: "/pipelines", view: () => import("./pipelines/list.js"), app: "pipelines", title: "Pipelines", permission: "pipelines:read" },
  { path: "/pipelines/datasets", view: () => import("./pipelines/datasets.js"), app: "pipelines", title: "Datasets", permission: "datasets:read" },
  { path: "/pipelines/datasets/:id", view: () => import("./pipelines/dataset.js"), app: "pipelines", title: "Dataset", permission: "datasets:read" },
  { path: "/pipelines/connections", view: () => import("./pipelines/connections.js"), app: "pipelines", title: "Connections", permission: "connections:read" },
  { path: "/pipelines/:id", view: () => import("./pipelines/editor.js"), app: "pipelines", title: "Pipeline", permission: "pipelines:read" },
  { path: "/dataprep", view: () => import("./dataprep/list.js"), app: "dataprep", title: "Preparations", permission: "preparations:read" },
  { path: "/dataprep/:id", view: () => import("./dataprep/preparation.js"), app: "dataprep", title: "Preparation", permission: "preparations:read" },
  { path: "/stewardship/*", view: notAvailable, app: "stewardship", title: "Stewardship" },
  { path: "/dictionary/*", view: notAvailable, app: "dictionary", title: "Dictionary" },
  { path: "/apis/*", view: notAvailable, app: "apis", title: "APIs" },
  { path: "/apitest/*", view: notAvailable, app: "apitest", title: "API Tester" },

  { path: "/*", view: () => import("./views/not-found.js"), title: "Not found" },
];

// The apps of the left rail. `ready: false` shows the honest
// "not available yet" page; flip it when the app has pages.
export const APPS = [
  { id: "console", name: "Console", href: "/console", icon: "console", ready: true },
  { id: "pipelines", name: "Pipelines", href: "/pipelines", icon: "pipelines", ready: true },
  { id: "dataprep", name: "Data Prep", href: "/dataprep", icon: "dataprep", ready: true },
  { id: "stewardship", name: "Stewardship", href: "/stewardship", icon: "stewardship", ready: false },
  { id: "dictionary", name: "Dictionary", href: "/dictionary", icon: "dictionary", ready: false },
  { id: "apis", name: "APIs", href: "/apis", icon: "apis", ready: false },
  { id: "apitest", name: "API Tester", href: "/apitest", icon: "apitest", ready: false },
];
