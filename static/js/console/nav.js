// The console's sub-navigation. Append entries here when you add a console
// page (and its route in routes.js). An entry is hidden from people who
// lack its permission; `permission` may be one name or a list of which any
// one is enough (`anyOf`).

export const CONSOLE_NAV = [
  {
    section: "Overview",
    items: [{ label: "Home", href: "/console", exact: true }],
  },
  {
    section: "Security",
    items: [
      { label: "Users", href: "/console/users", permission: "users:read" },
      { label: "Groups", href: "/console/groups", permission: "groups:read" },
      { label: "Roles", href: "/console/roles", permission: "roles:read" },
      { label: "Service accounts", href: "/console/service-accounts", permission: "service_accounts:read" },
      { label: "Access tokens", href: "/console/tokens", permission: "tokens:admin" },
    ],
  },
  {
    section: "Work",
    items: [{ label: "Projects", href: "/console/projects" }],
  },
  {
    section: "Run",
    items: [
      { label: "Environments", href: "/console/environments", permission: "environments:read" },
      { label: "Engines", href: "/console/engines", permission: "engines:read" },
      { label: "Artifacts", href: "/console/artifacts", permission: "artifacts:read" },
      { label: "Tasks", href: "/console/tasks", permission: "tasks:read" },
      { label: "Executions", href: "/console/executions", permission: "executions:read" },
    ],
  },
  {
    section: "Tenant",
    items: [
      { label: "Audit log", href: "/console/audit", permission: "audit:read" },
      { label: "Settings", href: "/console/settings", permission: "tenant:settings" },
    ],
  },
];

/** Add an entry to a section, making the section if it is new. */
export function addConsoleNav(section, item, { before } = {}) {
  let group = CONSOLE_NAV.find((g) => g.section === section);
  if (!group) {
    group = { section, items: [] };
    const at = before ? CONSOLE_NAV.findIndex((g) => g.section === before) : -1;
    if (at >= 0) CONSOLE_NAV.splice(at, 0, group);
    else CONSOLE_NAV.push(group);
  }
  group.items.push(item);
}
