"""HTTP for the console: users, groups, roles, service accounts, projects,
tokens, settings and the audit log."""

from tcloud.platform.api import Endpoints

groups: list[Endpoints] = []
