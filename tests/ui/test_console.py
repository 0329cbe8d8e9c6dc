"""The console in a real browser: the administrator's walk through people,
groups, projects and roles; what a viewer sees; the forced password change
after a reset; and field errors from the server placed next to their field."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.ui.conftest import settle
from tests.ui.helpers import PASSWORD, api_session, sign_in, sign_out, unique
from tests.ui.test_pipelines import engine  # noqa: F401 - a fixture

pytestmark = pytest.mark.browser
CREATE = re.compile(r"^Create\b")
NEW_PASSWORD = re.compile(r"^New password")
PASSWORD_LABEL = re.compile(r"^Password")


@pytest.fixture
def admin_api(browser, server):  # type: ignore[no-untyped-def]
    context, api = api_session(browser, server)
    yield api
    context.close()


def test_administrator_walks_through_the_console(page, shot) -> None:  # type: ignore[no-untyped-def]
    login, group, project = unique("ada"), unique("Engineers"), unique("Customer 360")
    page.goto("/console/users")
    page.wait_for_url("**/signin?next=*")
    shot(page, "01-sign-in")
    sign_in(page, here=True)
    page.wait_for_url("**/console/users")
    page.get_by_role("heading", name="Users", level=1).wait_for()
    shot(page, "02-users")

    page.get_by_role("button", name="Create user").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Login").fill(login)
    dialog.get_by_label("Display name").fill("Ada Lovelace")
    dialog.get_by_label("Email").fill(f"{login}@example.com")
    shot(page, "03-create-user")
    dialog.get_by_role("button", name="Create user").click()
    secret = page.get_by_role("dialog").locator("[data-secret]")
    secret.wait_for()
    assert len(secret.input_value()) >= 12
    shot(page, "04-temporary-password")
    page.get_by_role("button", name="I have copied it").click()
    page.get_by_role("heading", name="Ada Lovelace", level=1).wait_for()
    shot(page, "05-user")

    page.get_by_role("link", name="Groups", exact=True).click()
    page.get_by_role("heading", name="Groups", level=1).wait_for()
    shot(page, "06-groups")
    page.get_by_role("button", name="Create group", exact=True).click()
    page.get_by_role("dialog").get_by_label("Name").fill(group)
    page.get_by_role("dialog").get_by_role("button", name="Create group").click()
    page.get_by_role("heading", name=group, level=1).wait_for()
    page.get_by_role("button", name="Add member").click()
    page.get_by_role("dialog").get_by_label("User").select_option(
        label=f"{login} (Ada Lovelace)"
    )
    page.get_by_role("dialog").get_by_role("button", name="Add").click()
    page.locator(".chip", has_text=login).wait_for()
    shot(page, "07-group-with-member")

    page.get_by_role("link", name="Projects", exact=True).click()
    page.get_by_role("button", name="Create project", exact=True).click()
    page.get_by_role("dialog").get_by_label("Name").fill(project)
    page.get_by_role("dialog").get_by_label("Description").fill(
        "One view of every customer"
    )
    page.get_by_role("dialog").get_by_role("button", name="Create project").click()
    page.get_by_role("heading", name=project, level=1).wait_for()
    page.get_by_role("button", name="Grant access").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Kind").select_option("group")
    dialog.get_by_label("Name").select_option(label=group)
    dialog.get_by_label("Access").select_option("write")
    shot(page, "08-grant-access")
    dialog.get_by_role("button", name="Grant access").click()
    page.get_by_role("cell", name=group).wait_for()
    shot(page, "09-project-with-grant")

    page.get_by_role("link", name="Users", exact=True).click()
    page.get_by_label("Search users").fill(login)
    page.get_by_text("1–1 of 1").wait_for()
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    assert download.value.suggested_filename == "users.csv"
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and login in lines[1]
    page.get_by_role("link", name=login).click()
    page.get_by_role("button", name="Give a role").click()
    page.get_by_role("dialog").get_by_label("Role").select_option(label="Data steward")
    page.get_by_role("dialog").get_by_role("button", name="Give role").click()
    page.locator(".chip", has_text="Data steward").wait_for()
    page.locator(".chip", has_text=group).wait_for()
    shot(page, "10-user-with-role-and-group")

    pages = ["Roles", "Service accounts", "Access tokens", "Audit log", "Settings"]
    for name, heading in [*((p, p) for p in pages), ("Home", None)]:
        page.get_by_role("link", name=name, exact=True).click()
        page.locator("h1").first.wait_for()
        if heading:
            page.get_by_role("heading", name=heading, level=1).wait_for()
        shot(page, "11-" + name.lower().replace(" ", "-"))
    page.get_by_role("link", name="Stewardship").click()
    page.get_by_role("heading", name="Stewardship is not available yet").wait_for()
    shot(page, "12-not-available")

    sign_out(page)
    page.get_by_role("heading", name="Sign in").wait_for()
    shot(page, "13-signed-out")
    page.goto("/console/users")
    page.wait_for_url("**/signin?next=*")


def test_viewer_sees_no_create_buttons(page, shot, admin_api) -> None:  # type: ignore[no-untyped-def]
    viewer = unique("vera")
    admin_api.user(viewer, role="Viewer")
    group = admin_api.call("POST", "/groups", {"name": unique("Viewers")}, status=201)
    sign_in(page, viewer, PASSWORD)

    for path, heading in [("/console/users", "Users"), ("/console/groups", "Groups"),
                          ("/console/roles", "Roles"),
                          ("/console/service-accounts", "Service accounts"),
                          ("/console/projects", "Projects")]:  # fmt: skip
        page.goto(path)
        page.get_by_role("heading", name=heading, level=1).wait_for()
        page.locator(".list-results .table, .list-results .empty").first.wait_for()
        assert page.get_by_role("button", name=CREATE).count() == 0, path
    shot(page, "20-viewer-projects")

    page.goto(f"/console/groups/{group['id']}")
    page.get_by_role("heading", name=group["name"]).wait_for()
    for label in ("Edit", "Delete", "Add member", "Give a role"):
        assert page.get_by_role("button", name=label).count() == 0, label
    assert page.get_by_role("link", name="Access tokens").count() == 0
    assert page.get_by_role("link", name="Audit log").count() == 0
    shot(page, "21-viewer-group")

    page.goto("/console/audit")
    page.get_by_role("heading", name="You do not have access to this").wait_for()
    shot(page, "22-viewer-no-audit")


def test_reset_password_forces_a_new_one(page, shot, admin_api) -> None:  # type: ignore[no-untyped-def]
    login = unique("grace")
    user = admin_api.user(login, display_name="Grace Hopper")
    sign_in(page)
    page.goto(f"/console/users/{user['id']}")
    page.get_by_role("heading", name="Grace Hopper").wait_for()
    page.get_by_role("button", name="Reset password").click()
    shot(page, "30-reset-confirm")
    page.get_by_role("dialog").get_by_role("button", name="Reset password").click()
    secret = page.get_by_role("dialog").locator("[data-secret]")
    secret.wait_for()
    temporary = secret.input_value()
    shot(page, "31-reset-temporary-password")
    page.get_by_role("button", name="I have copied it").click()
    page.locator(".badge", has_text="must change password").wait_for()
    sign_out(page)

    sign_in(page, login, temporary)
    page.wait_for_url("**/password/required")
    page.get_by_role("heading", name="Choose a new password").wait_for()
    page.get_by_label("Temporary password").fill(temporary)
    page.get_by_label(NEW_PASSWORD).fill("short")
    page.get_by_label("Repeat the new password").fill("short")
    page.get_by_role("button", name="Set my password").click()
    error = page.locator(".field", has=page.get_by_label(NEW_PASSWORD))
    error.locator(".field-error").wait_for()
    assert "at least" in error.locator(".field-error").inner_text()
    shot(page, "32-forced-change-error")

    page.get_by_label(NEW_PASSWORD).fill("N3w-secret-pass")
    page.get_by_label("Repeat the new password").fill("N3w-secret-pass")
    page.get_by_role("button", name="Set my password").click()
    page.wait_for_url("**/console")
    page.get_by_role("heading", name="Welcome, Grace Hopper").wait_for()
    shot(page, "33-after-forced-change")
    page.goto("/console/users")
    page.get_by_role("heading", name="You do not have access to this").wait_for()


def test_field_errors_sit_next_to_their_field(page, shot) -> None:  # type: ignore[no-untyped-def]
    page.goto("/signin")
    page.get_by_label("Tenant").fill("demo")
    page.get_by_label("Login").fill("admin")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").get_by_text(
        "the login or the password is wrong"
    ).wait_for()
    shot(page, "40-sign-in-error")

    sign_in(page)
    page.goto("/console/users")
    page.get_by_role("button", name="Create user").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Create user").click()
    login_field = dialog.locator(".field", has=page.get_by_label("Login"))
    assert login_field.locator(".field-error").inner_text() == "is required"

    dialog.get_by_label("Login").fill("not a login!")
    dialog.get_by_role("button", name="Create user").click()
    message = login_field.locator(".field-error")
    message.get_by_text("has characters that are not allowed here").wait_for()
    assert dialog.get_by_label("Login").get_attribute("aria-invalid") == "true"
    described = dialog.get_by_label("Login").get_attribute("aria-describedby")
    assert message.get_attribute("id") in described.split()
    shot(page, "41-field-error")

    dialog.get_by_label("Login").fill(unique("linus"))
    dialog.get_by_label(PASSWORD_LABEL).fill("abc")
    dialog.get_by_role("button", name="Create user").click()
    password_field = dialog.locator(".field", has=page.get_by_label(PASSWORD_LABEL))
    password_field.locator(".field-error").get_by_text("at least").wait_for()
    assert login_field.locator(".field-error").is_hidden()
    shot(page, "42-password-policy-error")


def test_allow_list_error_sits_next_to_its_entry(page, shot) -> None:  # type: ignore[no-untyped-def]
    sign_in(page)
    page.goto("/console/settings")
    page.get_by_role("heading", name="Settings", level=1).wait_for()
    page.get_by_role("button", name="Add an address or range").click()
    page.get_by_label("Entry 1").fill("127.0.0.0/8")
    page.get_by_role("button", name="Add an address or range").click()
    page.get_by_label("Entry 2").fill("not-an-address")
    page.get_by_role("button", name="Save allow-list").click()
    entry = page.locator(".entry", has=page.get_by_label("Entry 2"))
    entry.locator(".field-error").get_by_text("is not an address or range").wait_for()
    assert (
        page.locator(".entry", has=page.get_by_label("Entry 1"))
        .locator(".field-error")
        .is_hidden()
    )
    shot(page, "50-allow-list-error")

    page.get_by_role("button", name="Remove this entry").nth(1).click()
    page.get_by_role("button", name="Save allow-list").click()
    page.get_by_text("Only this address may sign in or call the API.").wait_for()
    page.get_by_role("button", name="Remove this entry").click()
    page.get_by_role("button", name="Save allow-list").click()
    page.get_by_text("Empty: every address may reach this tenant.").wait_for()


def test_tokens_are_shown_once_then_revoked(page, shot, context) -> None:  # type: ignore[no-untyped-def]
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    account = unique("ci-deployer")
    sign_in(page)
    page.goto("/console/service-accounts")
    page.get_by_role("button", name="Create service account", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill(account)
    dialog.get_by_label("Integration developer").check()
    dialog.get_by_role("button", name="Create service account").click()
    page.get_by_role("heading", name=account, level=1).wait_for()
    page.locator(".chip", has_text="Integration developer").wait_for()
    page.get_by_role("button", name="Create token").click()
    page.get_by_role("dialog").get_by_label("Name").fill("nightly")
    page.get_by_role("dialog").get_by_role("button", name="Create token").click()
    secret = page.get_by_role("dialog").locator("[data-secret]")
    secret.wait_for()
    token = secret.input_value()
    assert token.startswith("tcp_")
    page.get_by_role("dialog").get_by_role("button", name="Copy").click()
    page.get_by_text("Copied to the clipboard.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == token
    shot(page, "60-token-shown-once")
    page.get_by_role("button", name="I have copied it").click()
    page.get_by_role("cell", name="nightly").wait_for()
    shot(page, "61-service-account")
    page.get_by_role("button", name="Revoke").click()
    page.get_by_role("dialog").get_by_role("button", name="Revoke token").click()
    page.locator(".badge", has_text="revoked").wait_for()

    page.goto("/account/tokens")
    page.get_by_role("heading", name="You have no access tokens").wait_for()
    shot(page, "62-my-tokens-empty")
    page.get_by_role("button", name="Create your first token").click()
    page.get_by_role("dialog").get_by_label("Name").fill("laptop-cli")
    page.get_by_role("dialog").get_by_label("Expires after").select_option("30")
    page.get_by_role("dialog").get_by_role("button", name="Create token").click()
    page.get_by_role("button", name="I have copied it").click()
    page.get_by_role("cell", name="laptop-cli").wait_for()
    shot(page, "63-my-tokens")

    page.goto("/console/tokens")
    page.get_by_role("cell", name=account).wait_for()
    shot(page, "64-all-tokens")
    page.goto("/console/audit?action=token.revoke")
    page.get_by_role("cell", name="token.revoke").first.wait_for()
    assert page.get_by_label("Action").input_value() == "token.revoke"
    assert page.get_by_role("cell", name="token.create").count() == 0
    page.get_by_role("button", name="Details").first.click()
    page.get_by_role("dialog").get_by_text("owner_type").wait_for()
    shot(page, "65-audit-event")


def test_keyboard_reaches_the_user_menu(page, shot) -> None:  # type: ignore[no-untyped-def]
    sign_in(page)
    trigger = page.locator(".user-trigger")
    trigger.focus()
    page.keyboard.press("ArrowDown")
    first = page.get_by_role("menuitem", name="Change password")
    assert first.evaluate("el => el === document.activeElement")
    page.keyboard.press("ArrowUp")
    assert page.get_by_role("menuitem", name="Sign out").evaluate(
        "el => el === document.activeElement"
    )
    page.keyboard.press("Escape")
    assert page.get_by_role("menu").is_hidden()
    assert trigger.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.wait_for_url("**/account/password")
    page.get_by_role("heading", name="Change password", level=1).wait_for()
    shot(page, "90-change-password")


def test_custom_role_is_made_with_the_permission_picker(page, shot, admin_api) -> None:  # type: ignore[no-untyped-def]
    name = unique("Auditor")
    holder = admin_api.user(unique("iris"))
    sign_in(page)
    page.goto("/console/roles")
    page.get_by_role("button", name="Create role").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_role("group", name="audit").get_by_label("audit:read").check()
    dialog.get_by_label("users:read").check()
    shot(page, "70-permission-picker")
    dialog.get_by_role("button", name="Create role").click()
    page.get_by_role("heading", name=name, level=1).wait_for()
    page.get_by_text("2 permissions").wait_for()

    page.get_by_role("button", name="Give this role").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Kind").select_option("user")
    dialog.get_by_label("Name").select_option(label=holder["login"])
    dialog.get_by_role("button", name="Give role").click()
    page.get_by_role("cell", name=holder["login"]).wait_for()
    shot(page, "71-custom-role")

    page.get_by_role("button", name="Edit").click()
    page.get_by_role("dialog").get_by_label("groups:read").check()
    page.get_by_role("dialog").get_by_role("button", name="Save changes").click()
    page.get_by_text("3 permissions").wait_for()
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete role").click()
    page.wait_for_url("**/console/roles")
    page.get_by_role("link", name="Viewer").wait_for()
    settle(page)
    assert page.get_by_role("link", name=name).count() == 0


def test_user_is_unlocked_deactivated_and_deleted(page, shot, admin_api) -> None:  # type: ignore[no-untyped-def]
    login = unique("locked")
    user = admin_api.user(login)
    for _ in range(5):
        response = admin_api.request.post(
            "/api/v1/auth/login",
            data={"tenant": "demo", "login": login, "password": "Wr0ng-password!"},
        )
        assert response.status in (401, 423)
    sign_in(page)
    page.goto(f"/console/users/{user['id']}")
    page.locator(".badge", has_text=re.compile("^locked$")).wait_for()
    shot(page, "80-user-locked")
    page.get_by_role("button", name="Unlock").click()
    page.get_by_text(f"{login} is unlocked.").wait_for()
    page.locator(".badge", has_text=re.compile("^locked$")).wait_for(state="detached")

    page.get_by_role("button", name="Deactivate").click()
    page.get_by_role("dialog").get_by_role("button", name="Deactivate").click()
    page.locator(".badge", has_text=re.compile("^inactive$")).wait_for()
    page.get_by_role("button", name="Activate").click()
    page.locator(".badge", has_text=re.compile("^active$")).wait_for()

    page.get_by_role("button", name="Delete").click()
    shot(page, "81-delete-confirm")
    page.get_by_role("dialog").get_by_role("button", name="Delete user").click()
    page.wait_for_url("**/console/users")
    page.get_by_label("Search users").fill(login)
    page.get_by_role("heading", name="Nothing matches").wait_for()
    shot(page, "82-no-match")

    page.goto(f"/console/users/{user['id']}")
    page.get_by_role("heading", name="Not found").wait_for()
    page.goto("/no/such/page")
    page.get_by_role("heading", name="There is no page at this address").wait_for()
    shot(page, "83-not-found")


def test_lists_page_sort_and_keep_their_state_in_the_address(page, admin_api) -> None:  # type: ignore[no-untyped-def]
    tag = unique("paged")
    for n in range(27):
        admin_api.call("POST", "/groups", {"name": f"{tag}-{n:02}"}, status=201)
    sign_in(page)
    page.goto("/console/groups")
    page.get_by_label("Search groups").fill(tag)
    page.wait_for_url(f"**q={tag}**")
    page.get_by_text("1–25 of 27").wait_for()
    page.get_by_role("button", name="Next").click()
    page.get_by_text("26–27 of 27").wait_for()
    assert "offset=25" in page.url and f"q={tag}" in page.url
    page.reload()
    page.get_by_text("26–27 of 27").wait_for()
    assert page.get_by_label("Search groups").input_value() == tag
    page.get_by_role("button", name="Previous").click()
    page.get_by_text("1–25 of 27").wait_for()

    page.goto("/console/users")
    header = page.get_by_role("columnheader", name="Login")
    assert header.get_attribute("aria-sort") == "ascending"
    header.get_by_role("button").click()
    page.wait_for_url("**sort=-login**")
    assert header.get_attribute("aria-sort") == "descending"
    logins = page.locator("tbody tr td:first-child").all_inner_texts()
    assert logins == sorted(logins, key=str.lower, reverse=True)


def test_names_are_shown_as_text_never_as_markup(page, admin_api) -> None:  # type: ignore[no-untyped-def]
    name = f"<img src=x onerror=alert(1)><b>{unique('bold')}</b>"
    group = admin_api.call("POST", "/groups", {"name": name}, status=201)
    sign_in(page)
    page.goto(f"/console/groups/{group['id']}")
    page.get_by_role("heading", name=name, level=1).wait_for()
    assert page.locator("main img, main b").count() == 0
    page.goto("/console/groups")
    page.get_by_role("link", name=name).wait_for()
    assert page.locator("main img, main b").count() == 0


def test_project_is_edited_its_grant_changed_and_it_is_deleted(page, admin_api) -> None:  # type: ignore[no-untyped-def]
    project = admin_api.call(
        "POST", "/projects", {"name": unique("Ledger")}, status=201
    )
    group = admin_api.call("POST", "/groups", {"name": unique("Finance")}, status=201)
    grant = f"/projects/{project['id']}/grants/group/{group['id']}"
    admin_api.call("PUT", grant, {"access": "read"})
    sign_in(page)
    page.goto(f"/console/projects/{project['id']}")
    page.get_by_role("cell", name=group["name"]).wait_for()
    page.get_by_label(f"Access of {group['name']}").select_option("admin")
    page.get_by_text("Access changed to admin.").wait_for()
    assert (
        admin_api.call("GET", f"/projects/{project['id']}/grants")["items"][0]["access"]
        == "admin"
    )

    page.get_by_role("button", name="Edit").click()
    page.get_by_role("dialog").get_by_label("Description").fill("The books")
    page.get_by_role("dialog").get_by_role("button", name="Save changes").click()
    page.get_by_text("The books").wait_for()
    page.get_by_role("button", name="Remove").click()
    page.get_by_role("dialog").get_by_role("button", name="Remove access").click()
    page.get_by_role("heading", name="Nobody has been granted access").wait_for()
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete project").click()
    page.wait_for_url("**/console/projects")
    page.get_by_role("heading", name="Projects", level=1).wait_for()
    settle(page)
    assert page.get_by_role("link", name=project["name"]).count() == 0


@pytest.mark.usefixtures("engine")
def test_an_execution_shows_names_steps_and_its_files(page, shot, admin_api) -> None:  # type: ignore[no-untyped-def]
    name = unique("flights")
    upload = admin_api.request.fetch(
        f"/api/v1/datasets/upload?name={name}&filename={name}.csv",
        method="POST",
        data=b"id,carrier,delay\n1,AA,20\n2,UA,\n3,AA,7\n",
        headers={"Origin": admin_api.origin, "X-CSRF-Token": admin_api.csrf,
                 "Content-Type": "application/octet-stream"},
    )  # fmt: skip
    assert upload.status == 201, upload.text()
    pipeline = admin_api.call("POST", "/pipelines", {
        "name": unique("Delays"), "document": delays(upload.json()["id"])
    }, status=201)  # fmt: skip
    run = admin_api.call("POST", f"/pipelines/{pipeline['id']}/run", {}, status=201)
    done = finished(admin_api, run["id"])

    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page)
    page.goto(f"/console/executions/{run['id']}")
    page.locator("[data-outputs]").wait_for()

    details = page.locator(".card", has_text="Details")
    assert details.get_by_role("link", name=done["task_name"]).count() == 1
    link = details.get_by_role("link", name=f"{pipeline['name']} v1", exact=True)
    assert link.get_attribute("href") == f"/pipelines/{pipeline['id']}"
    assert details.get_by_role("link", name="ui").count() == 1
    assert re.search(r"Duration\s*(< )?\d+\.\d s", details.inner_text(), re.I)
    steps = page.locator("[data-steps] tbody tr")
    assert steps.count() == 3
    assert steps.filter(has_text="late").inner_text().split() == ["late", "3", "2", "0"]
    download = page.locator("[data-file='delays.csv']")
    assert download.get_attribute("href") == (
        f"/api/v1/files/{done['result']['files'][0]['id']}/content"
    )
    shot(page, "console-execution")
    with page.expect_download() as got:
        download.click()
    assert Path(got.value.path()).read_text() == "id,carrier,delay\n1,AA,20\n3,AA,7\n"


def delays(dataset_id: str) -> dict:
    late = {"conditions": [{"field": "delay", "op": ">", "value": 0}]}
    return {
        "nodes": [
            {"id": "src", "type": "source", "config": {"dataset_id": dataset_id}},
            {"id": "late", "type": "filter", "config": late},
            {
                "id": "out",
                "type": "destination",
                "config": {"output": {"name": "delays.csv"}},
            },
        ],  # fmt: skip
        "edges": [{"from": "src", "to": "late"}, {"from": "late", "to": "out"}],
    }


def finished(api, exec_id: str) -> dict:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        row = api.call("GET", f"/executions/{exec_id}")
        if row["status"] in ("succeeded", "failed"):
            assert row["status"] == "succeeded", row
            return dict(row)
        time.sleep(0.2)
    raise AssertionError("the run did not finish")
