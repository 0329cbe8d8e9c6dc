"""HTTP for the console: users, groups, roles, service accounts, projects,
tokens, settings and the audit log.

Each handler reads the request, calls one service function with the
tenant's context, and returns what it got. Every schema field carries an
example, which the OpenAPI description shows and the route-walking tests
send.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tcloud.console import service
from tcloud.platform import people
from tcloud.platform.api import Call, Endpoints
from tcloud.platform.bootstrap import LOGIN_PATTERN
from tcloud.platform.errors import Invalid
from tcloud.platform.schema import (
    Schema,
    array,
    boolean,
    enum,
    integer,
    nullable,
    obj,
    page_of,
    string,
)
from tcloud.platform.schema import name as name_schema

EMAIL = r"^$|^[^@\s]+@[^@\s]+$"
NAME = name_schema() | {"examples": ["walk-through"]}
DESCRIPTION = string(0, 1000, examples=["What it is for"])
ID = string(1, 100, examples=["walk-id"])
IDS = array(ID, 100, uniqueItems=True, examples=[[]])
PRINCIPAL_TYPE = enum(*service.PRINCIPAL_TYPES, examples=["user"])
STATUS = enum("active", "inactive", examples=["active"])
EXPIRES = integer(1, 3650, examples=[30], description="Days until it expires")
REF = obj({"id": string(), "name": string()})
LIMIT = integer(1, 500, default=50)
OFFSET = integer(0, default=0)
Q = string(0, 200, description="Find this text, ignoring case")


def _list_query(**more: Schema) -> Schema:
    return obj(optional={"q": Q, "limit": LIMIT, "offset": OFFSET, **more})


def _principal_type(call: Call) -> str:
    kind = call.param("principal_type")
    if kind not in service.PRINCIPAL_TYPES:
        raise Invalid.field(
            "principal_type", "must be one of " + ", ".join(service.PRINCIPAL_TYPES)
        )
    return kind


users = Endpoints("Users")

USER = obj(
    {
        "id": string(), "login": string(), "email": string(),
        "display_name": string(), "status": STATUS,
        "must_change_password": boolean(), "locked": boolean(),
        "created_at": string(), "updated_at": string(),
        "last_login_at": nullable(string()),
        "roles": array(REF), "groups": array(REF),
    },
    {"temporary_password": string(description="Only in the answer to a create")},
)  # fmt: skip
USER_FILTERS: dict[str, Schema] = {
    "status": STATUS,
    "sort": enum(*people.USER_SORTS, default="login"),
}
NEW_USER = obj(
    {"login": string(1, 64, LOGIN_PATTERN, examples=["walker"])},
    {
        "email": string(0, 254, EMAIL, examples=["walker@example.com"]),
        "display_name": string(0, 200, examples=["Walker"]),
        "password": string(1, 256, description="A temporary one is made if omitted"),
        "role_ids": IDS,
        "group_ids": IDS,
    },
)
USER_CHANGES = obj(
    optional={
        "email": string(0, 254, EMAIL, examples=["walker@example.com"]),
        "display_name": string(0, 200, examples=["Walker"]),
        "status": STATUS,
    }
)


@users.get("/users", "users:read", "List users", query=_list_query(**USER_FILTERS),
           response=page_of(USER))  # fmt: skip
async def list_users(call: Call) -> dict[str, Any]:
    return await service.list_users(call.tenant, **call.query)


@users.get("/users/export.csv", "users:read", "Export users as CSV",
           query=obj(optional={"q": Q, **USER_FILTERS}),
           raw_response="text/csv")  # fmt: skip
async def export_users(call: Call) -> web.Response:
    text = await service.export_users(call.tenant, **call.query)
    return web.Response(
        text=text,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="users.csv"'},
    )


@users.post("/users", "users:write", "Create a user", body=NEW_USER, response=USER,
            status=201)  # fmt: skip
async def create_user(call: Call) -> dict[str, Any]:
    return await service.create_user(call.tenant, **call.body)


@users.get("/users/{id}", "users:read", "Get a user", response=USER)
async def get_user(call: Call) -> dict[str, Any]:
    return await service.get_user(call.tenant, call.param("id"))


@users.patch("/users/{id}", "users:write", "Change or (de)activate a user",
             body=USER_CHANGES, response=USER)  # fmt: skip
async def update_user(call: Call) -> dict[str, Any]:
    return await service.update_user(call.tenant, call.param("id"), call.body)


@users.delete("/users/{id}", "users:write", "Delete a user", status=204)
async def delete_user(call: Call) -> None:
    await service.delete_user(call.tenant, call.param("id"))


@users.post("/users/{id}/reset-password", "users:write", "Reset a user's password",
            response=obj({"temporary_password": string()}))  # fmt: skip
async def reset_password(call: Call) -> dict[str, str]:
    return await service.reset_password(call.tenant, call.param("id"))


@users.post("/users/{id}/unlock", "users:write", "Unlock a locked user", response=USER)
async def unlock_user(call: Call) -> dict[str, Any]:
    return await service.unlock_user(call.tenant, call.param("id"))


groups_api = Endpoints("Groups")

MEMBER = obj({"id": string(), "login": string(), "display_name": string()})
GROUP = obj(
    {"id": string(), "name": string(), "description": string(),
     "created_at": string(), "updated_at": string(),
     "members": array(MEMBER), "roles": array(REF)}
)  # fmt: skip
NEW_GROUP = obj(
    {"name": NAME},
    {"description": DESCRIPTION, "role_ids": IDS, "user_ids": IDS},
)
GROUP_CHANGES = obj(optional={"name": NAME, "description": DESCRIPTION})


@groups_api.get("/groups", "groups:read", "List groups", query=_list_query(),
                response=page_of(GROUP))  # fmt: skip
async def list_groups(call: Call) -> dict[str, Any]:
    return await service.list_groups(call.tenant, **call.query)


@groups_api.post("/groups", "groups:write", "Create a group", body=NEW_GROUP,
                 response=GROUP, status=201)  # fmt: skip
async def create_group(call: Call) -> dict[str, Any]:
    return await service.create_group(call.tenant, **call.body)


@groups_api.get("/groups/{id}", "groups:read", "Get a group", response=GROUP)
async def get_group(call: Call) -> dict[str, Any]:
    return await service.get_group(call.tenant, call.param("id"))


@groups_api.patch("/groups/{id}", "groups:write", "Change a group",
                  body=GROUP_CHANGES, response=GROUP)  # fmt: skip
async def update_group(call: Call) -> dict[str, Any]:
    return await service.update_group(call.tenant, call.param("id"), call.body)


@groups_api.delete("/groups/{id}", "groups:write", "Delete a group", status=204)
async def delete_group(call: Call) -> None:
    await service.delete_group(call.tenant, call.param("id"))


@groups_api.post("/groups/{id}/members", "groups:write", "Add a member",
                 body=obj({"user_id": ID}), response=GROUP)  # fmt: skip
async def add_member(call: Call) -> dict[str, Any]:
    return await service.add_member(call.tenant, call.param("id"), call.body["user_id"])


@groups_api.delete("/groups/{id}/members/{user_id}", "groups:write",
                   "Remove a member", status=204)  # fmt: skip
async def remove_member(call: Call) -> None:
    await service.remove_member(call.tenant, call.param("id"), call.param("user_id"))


roles = Endpoints("Roles")

HOLDER = obj({"type": PRINCIPAL_TYPE, "id": string(), "name": string()})
ROLE = obj(
    {"id": string(), "name": string(), "description": string(),
     "builtin": boolean(), "permissions": array(string()),
     "created_at": string(), "updated_at": string(), "holders": array(HOLDER)}
)  # fmt: skip
PERMISSION = obj({"name": string(), "description": string()})
PERMISSION_LIST = array(string(1, 100, examples=["users:read"]), 200, examples=[[]])
NEW_ROLE = obj(
    {"name": NAME, "permissions": PERMISSION_LIST},
    {"description": DESCRIPTION},
)
ROLE_CHANGES = obj(
    optional={"name": NAME, "description": DESCRIPTION, "permissions": PERMISSION_LIST}
)
GRANT = obj({"principal_type": PRINCIPAL_TYPE, "principal_id": ID})


@roles.get("/permissions", "roles:read", "List the permissions roles are made of",
           response=array(PERMISSION))  # fmt: skip
async def list_permissions(call: Call) -> list[dict[str, str]]:
    return service.list_permissions()


@roles.get("/roles", "roles:read", "List roles", query=_list_query(),
           response=page_of(ROLE))  # fmt: skip
async def list_roles(call: Call) -> dict[str, Any]:
    return await service.list_roles(call.tenant, **call.query)


@roles.post("/roles", "roles:write", "Create a custom role", body=NEW_ROLE,
            response=ROLE, status=201)  # fmt: skip
async def create_role(call: Call) -> dict[str, Any]:
    return await service.create_role(call.tenant, **call.body)


@roles.get("/roles/{id}", "roles:read", "Get a role", response=ROLE)
async def get_role(call: Call) -> dict[str, Any]:
    return await service.get_role(call.tenant, call.param("id"))


@roles.patch("/roles/{id}", "roles:write", "Change a custom role",
             body=ROLE_CHANGES, response=ROLE)  # fmt: skip
async def update_role(call: Call) -> dict[str, Any]:
    return await service.update_role(call.tenant, call.param("id"), call.body)


@roles.delete("/roles/{id}", "roles:write", "Delete a custom role", status=204)
async def delete_role(call: Call) -> None:
    await service.delete_role(call.tenant, call.param("id"))


@roles.post("/roles/{id}/grants", "roles:write", "Give a role", body=GRANT,
            response=ROLE)  # fmt: skip
async def grant_role(call: Call) -> dict[str, Any]:
    body = call.body
    return await service.grant_role(
        call.tenant, call.param("id"), body["principal_type"], body["principal_id"]
    )


@roles.delete("/roles/{id}/grants/{principal_type}/{principal_id}", "roles:write",
              "Take a role away", status=204)  # fmt: skip
async def revoke_role(call: Call) -> None:
    await service.revoke_role(
        call.tenant, call.param("id"), _principal_type(call), call.param("principal_id")
    )


accounts = Endpoints("Service accounts")

ACCOUNT = obj(
    {"id": string(), "name": string(), "description": string(), "status": STATUS,
     "created_at": string(), "updated_at": string(), "roles": array(REF)}
)  # fmt: skip
NEW_ACCOUNT = obj({"name": NAME}, {"description": DESCRIPTION, "role_ids": IDS})
ACCOUNT_CHANGES = obj(
    optional={"name": NAME, "description": DESCRIPTION, "status": STATUS}
)
TOKEN = obj(
    {"id": string(), "name": string(), "prefix": string(), "status": string(),
     "created_by": string(), "created_at": string(),
     "expires_at": nullable(string()), "last_used_at": nullable(string()),
     "revoked_at": nullable(string()),
     "owner": obj({"type": string(), "id": string(), "name": string()})},
    {"token": string(description="The secret; only in the answer to a create")},
)  # fmt: skip
NEW_TOKEN = obj({"name": NAME}, {"expires_in_days": EXPIRES})


@accounts.get("/service-accounts", "service_accounts:read", "List service accounts",
              query=_list_query(), response=page_of(ACCOUNT))  # fmt: skip
async def list_service_accounts(call: Call) -> dict[str, Any]:
    return await service.list_service_accounts(call.tenant, **call.query)


@accounts.post("/service-accounts", "service_accounts:write",
               "Create a service account", body=NEW_ACCOUNT, response=ACCOUNT,
               status=201)  # fmt: skip
async def create_service_account(call: Call) -> dict[str, Any]:
    return await service.create_service_account(call.tenant, **call.body)


@accounts.get("/service-accounts/{id}", "service_accounts:read",
              "Get a service account", response=ACCOUNT)  # fmt: skip
async def get_service_account(call: Call) -> dict[str, Any]:
    return await service.get_service_account(call.tenant, call.param("id"))


@accounts.patch("/service-accounts/{id}", "service_accounts:write",
                "Change or (de)activate a service account", body=ACCOUNT_CHANGES,
                response=ACCOUNT)  # fmt: skip
async def update_service_account(call: Call) -> dict[str, Any]:
    return await service.update_service_account(
        call.tenant, call.param("id"), call.body
    )


@accounts.delete("/service-accounts/{id}", "service_accounts:write",
                 "Delete a service account and revoke its tokens",
                 status=204)  # fmt: skip
async def delete_service_account(call: Call) -> None:
    await service.delete_service_account(call.tenant, call.param("id"))


@accounts.get("/service-accounts/{id}/tokens", "service_accounts:read",
              "List a service account's tokens", response=page_of(TOKEN))  # fmt: skip
async def list_account_tokens(call: Call) -> dict[str, Any]:
    return await service.list_account_tokens(call.tenant, call.param("id"))


@accounts.post("/service-accounts/{id}/tokens", "service_accounts:write",
               "Make a token for a service account", body=NEW_TOKEN, response=TOKEN,
               status=201)  # fmt: skip
async def create_account_token(call: Call) -> dict[str, Any]:
    return await service.create_account_token(
        call.tenant,
        call.param("id"),
        name=call.body["name"],
        expires_in_days=call.body.get("expires_in_days"),
    )


@accounts.delete("/service-accounts/{id}/tokens/{token_id}", "service_accounts:write",
                 "Revoke a service account's token", status=204)  # fmt: skip
async def revoke_account_token(call: Call) -> None:
    await service.revoke_account_token(
        call.tenant, call.param("id"), call.param("token_id")
    )


tokens = Endpoints("Tokens")


@tokens.get("/me/tokens", None, "List my personal access tokens",
            response=page_of(TOKEN))  # fmt: skip
async def list_my_tokens(call: Call) -> dict[str, Any]:
    return await service.list_my_tokens(call.tenant)


@tokens.post("/me/tokens", None, "Make a personal access token", body=NEW_TOKEN,
             response=TOKEN, status=201)  # fmt: skip
async def create_my_token(call: Call) -> dict[str, Any]:
    return await service.create_my_token(
        call.tenant,
        name=call.body["name"],
        expires_in_days=call.body.get("expires_in_days"),
    )


@tokens.delete("/me/tokens/{id}", None, "Revoke one of my tokens", status=204)
async def revoke_my_token(call: Call) -> None:
    await service.revoke_my_token(call.tenant, call.param("id"))


@tokens.get("/tokens", "tokens:admin", "List everyone's tokens",
            query=obj(optional={"limit": LIMIT, "offset": OFFSET}),
            response=page_of(TOKEN))  # fmt: skip
async def list_tokens(call: Call) -> dict[str, Any]:
    return await service.list_tokens(call.tenant, **call.query)


@tokens.delete("/tokens/{id}", "tokens:admin", "Revoke anyone's token", status=204)
async def revoke_token(call: Call) -> None:
    await service.revoke_token(call.tenant, call.param("id"))


projects = Endpoints("Projects")

ACCESS = enum("read", "write", "admin", examples=["read"])
PROJECT = obj(
    {"id": string(), "name": string(), "description": string(),
     "created_by": string(), "created_at": string(), "updated_at": string(),
     "access": ACCESS}
)  # fmt: skip
NEW_PROJECT = obj({"name": NAME}, {"description": DESCRIPTION})
PROJECT_CHANGES = obj(optional={"name": NAME, "description": DESCRIPTION})
PROJECT_GRANT = obj(
    {"project_id": string(), "principal_type": PRINCIPAL_TYPE,
     "principal_id": string(), "access": ACCESS, "created_at": string()},
    {"principal_name": string()},
)  # fmt: skip
GRANT_PATH = "/projects/{id}/grants/{principal_type}/{principal_id}"
PER_PROJECT = (
    "Holders of projects:write may do this on any project; others need the"
    " access named here on this project, given directly or through a group."
)


@projects.get("/projects", None, "List the projects I can see", query=_list_query(),
              response=page_of(PROJECT),
              description="Holders of projects:read see every project; others see"
              " the projects granted to them or their groups.")  # fmt: skip
async def list_projects(call: Call) -> dict[str, Any]:
    return await service.list_projects(call.tenant, **call.query)


@projects.post("/projects", "projects:write", "Create a project", body=NEW_PROJECT,
               response=PROJECT, status=201)  # fmt: skip
async def create_project(call: Call) -> dict[str, Any]:
    return await service.create_project(call.tenant, **call.body)


@projects.get("/projects/{id}", None, "Get a project", response=PROJECT,
              description="Needs read access. " + PER_PROJECT)  # fmt: skip
async def get_project(call: Call) -> dict[str, Any]:
    return await service.get_project(call.tenant, call.param("id"))


@projects.patch("/projects/{id}", None, "Change a project", body=PROJECT_CHANGES,
                response=PROJECT,
                description="Needs write access. " + PER_PROJECT)  # fmt: skip
async def update_project(call: Call) -> dict[str, Any]:
    return await service.update_project(call.tenant, call.param("id"), call.body)


@projects.delete("/projects/{id}", None, "Delete a project", status=204,
                 description="Needs admin access. " + PER_PROJECT)  # fmt: skip
async def delete_project(call: Call) -> None:
    await service.delete_project(call.tenant, call.param("id"))


@projects.get("/projects/{id}/grants", None, "List who may use a project",
              response=page_of(PROJECT_GRANT),
              description="Needs read access. " + PER_PROJECT)  # fmt: skip
async def list_project_grants(call: Call) -> dict[str, Any]:
    return await service.list_project_grants(call.tenant, call.param("id"))


@projects.put(GRANT_PATH, None, "Give access to a project",
              body=obj({"access": ACCESS}), response=PROJECT_GRANT,
              description="Needs admin access. " + PER_PROJECT)  # fmt: skip
async def put_project_grant(call: Call) -> dict[str, Any]:
    return await service.put_project_grant(
        call.tenant,
        call.param("id"),
        _principal_type(call),
        call.param("principal_id"),
        call.body["access"],
    )


@projects.delete(GRANT_PATH, None, "Take access to a project away", status=204,
                 description="Needs admin access. " + PER_PROJECT)  # fmt: skip
async def delete_project_grant(call: Call) -> None:
    await service.delete_project_grant(
        call.tenant, call.param("id"), _principal_type(call), call.param("principal_id")
    )


settings = Endpoints("Settings")

ALLOWLIST = obj(
    {
        "entries": array(
            string(1, 64, examples=["10.0.0.0/8"]),
            500,
            examples=[["127.0.0.0/8"]],
            description="Addresses and ranges; an empty list lets every address in",
        )
    }
)


@settings.get("/settings/ip-allowlist", "tenant:settings", "Get the IP allow-list",
              response=ALLOWLIST)  # fmt: skip
async def get_ip_allowlist(call: Call) -> dict[str, list[str]]:
    return await service.get_ip_allowlist(call.tenant)


@settings.put("/settings/ip-allowlist", "tenant:settings", "Set the IP allow-list",
              body=ALLOWLIST, response=ALLOWLIST,
              description="Refused if the list would shut out the caller's own"
              " address.")  # fmt: skip
async def put_ip_allowlist(call: Call) -> dict[str, list[str]]:
    return await service.put_ip_allowlist(call.tenant, call.body["entries"])


audit_api = Endpoints("Audit")

EVENT = obj(
    {"id": string(), "at": string(), "actor_type": string(), "actor_id": string(),
     "actor_name": string(), "action": string(), "object_type": string(),
     "object_id": string(), "object_name": string(), "outcome": string(),
     "source_ip": string(), "request_id": string(), "details": obj(additional=True)}
)  # fmt: skip
AUDIT_QUERY = _list_query(
    action=string(0, 100, description="e.g. user.create"),
    actor=string(0, 100, description="An actor's id or name"),
    object_type=string(0, 100),
    object_id=string(0, 100),
    outcome=enum("success", "failure", "locked"),
    since=string(0, 40, description="ISO 8601; events at or after"),
    until=string(0, 40, description="ISO 8601; events before"),
)


@audit_api.get("/audit", "audit:read", "Read the audit log, newest first",
               query=AUDIT_QUERY, response=page_of(EVENT))  # fmt: skip
async def list_audit(call: Call) -> dict[str, Any]:
    query = dict(call.query)
    limit, offset = query.pop("limit"), query.pop("offset")
    return await service.list_audit(call.tenant, query, limit=limit, offset=offset)


groups: list[Endpoints] = [
    users,
    groups_api,
    roles,
    accounts,
    tokens,
    projects,
    settings,
    audit_api,
]
