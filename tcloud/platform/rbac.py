"""Permissions, the built-in roles, and the check every route makes.

A permission is `<area>:<action>`. A role is a set of permissions; a
principal's permissions are the union of its roles, given directly or
through its groups. `*` (tenant administrator) holds every permission.
"""

from __future__ import annotations

from dataclasses import dataclass

from tcloud.platform.errors import Forbidden

ALL = "*"

PERMISSIONS: dict[str, str] = {
    "users:read": "See users",
    "users:write": "Create, edit, deactivate and delete users; reset passwords",
    "groups:read": "See groups and their members",
    "groups:write": "Create, edit and delete groups and their members",
    "roles:read": "See roles and who holds them",
    "roles:write": "Create, edit and delete custom roles; give and take roles",
    "service_accounts:read": "See service accounts",
    "service_accounts:write": "Manage service accounts and their tokens",
    "tokens:admin": "See and revoke anyone's access tokens",
    "projects:read": "See every project",
    "projects:write": "Create, edit and delete projects and their grants",
    "audit:read": "Read the audit log",
    "tenant:settings": "Change the tenant's settings, such as the IP allow-list",
    "environments:read": "See environments and workspaces",
    "environments:write": "Manage environments, workspaces and promotions",
    "engines:read": "See engines",
    "engines:write": "Pair, revoke and manage engines",
    "artifacts:read": "See artifacts",
    "artifacts:write": "Publish artifacts",
    "tasks:read": "See tasks and schedules",
    "tasks:write": "Create and edit tasks and schedules",
    "tasks:run": "Run and cancel tasks",
    "executions:read": "See executions and their logs",
    "connections:read": "See connections",
    "connections:write": "Manage connections",
    "datasets:read": "See datasets and samples",
    "datasets:write": "Manage datasets and upload files",
    "pipelines:read": "See pipelines",
    "pipelines:write": "Build and edit pipelines",
    "preparations:read": "See preparations",
    "preparations:write": "Build preparations and run them",
    "stewardship:read": "See campaigns and records",
    "stewardship:write": "Curate records in campaigns",
    "dictionary:read": "See semantic types",
    "dictionary:write": "Manage semantic types",
    "apis:read": "See API definitions",
    "apis:write": "Design APIs",
    "apitest:read": "See API tests",
    "apitest:write": "Build and run API tests",
}

READ_ALL = [p for p in PERMISSIONS if p.endswith(":read")]


def _reads(*areas: str) -> list[str]:
    return [f"{area}:read" for area in areas]


BUILTIN_ROLES: dict[str, tuple[str, list[str]]] = {
    "Tenant administrator": ("Everything in the tenant", [ALL]),
    "Security administrator": (
        "Users, groups, roles, service accounts, tokens, settings; reads the audit log",
        [
            "users:read", "users:write", "groups:read", "groups:write",
            "roles:read", "roles:write", "service_accounts:read",
            "service_accounts:write", "tokens:admin", "audit:read",
            "tenant:settings", "projects:read",
        ],
    ),
    "Project administrator": (
        "Projects and who may read or write them",
        ["projects:read", "projects:write", "users:read", "groups:read",
         "service_accounts:read", "roles:read"],
    ),
    "Operator": (
        "Runs and watches tasks, reads logs",
        ["tasks:read", "tasks:run", "executions:read", "engines:read",
         "environments:read", "artifacts:read", "projects:read"],
    ),
    "Integration developer": (
        "Publishes artifacts, builds pipelines, makes and edits tasks",
        ["artifacts:read", "artifacts:write", "tasks:read", "tasks:write",
         "tasks:run", "executions:read", "engines:read", "environments:read",
         "connections:read", "connections:write", "datasets:read",
         "datasets:write", "pipelines:read", "pipelines:write",
         "preparations:read", "dictionary:read", "apis:read", "apis:write",
         "apitest:read", "apitest:write", "projects:read"],
    ),
    "Data preparator": (
        "Prepares datasets and runs preparations",
        ["datasets:read", "datasets:write", "connections:read",
         "preparations:read", "preparations:write", "dictionary:read",
         "pipelines:read"],
    ),
    "Data steward": (
        "Curates records in stewardship campaigns",
        ["stewardship:read", "stewardship:write", "datasets:read",
         "dictionary:read"],
    ),
    "Viewer": (
        "Sees everything, changes nothing",
        [p for p in READ_ALL if p != "audit:read"],
    ),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is acting: a user or a service account, with its permissions."""

    kind: str
    id: str
    name: str
    permissions: frozenset[str]
    via: str = "session"
    credential_id: str = ""
    must_change_password: bool = False

    def can(self, permission: str) -> bool:
        return ALL in self.permissions or permission in self.permissions

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise Forbidden(f"this needs the permission {permission}")


SYSTEM = Principal("system", "system", "system", frozenset([ALL]), via="system")


def unknown_permissions(permissions: list[str]) -> list[str]:
    return [p for p in permissions if p != ALL and p not in PERMISSIONS]
