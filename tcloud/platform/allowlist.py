"""The tenant's IP allow-list: addresses and ranges allowed to reach it."""

from __future__ import annotations

import ipaddress

from tcloud.platform import people
from tcloud.platform.context import Platform
from tcloud.platform.errors import FieldError, Invalid

SETTING = "ip_allowlist"


def allowed(allowlist: list[str], address: str) -> bool:
    if not allowlist:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(entry, strict=False) for entry in allowlist)


def normalise(entries: list[str]) -> list[str]:
    """Return the entries as networks, or raise Invalid naming the bad ones."""
    networks, errors = [], []
    for index, entry in enumerate(entries):
        try:
            networks.append(str(ipaddress.ip_network(entry.strip(), strict=False)))
        except ValueError:
            errors.append(
                FieldError(f"entries[{index}]", f"{entry!r} is not an address or range")
            )
    if errors:
        raise Invalid("; ".join(e.message for e in errors), fields=errors)
    return sorted(set(networks))


async def get(platform: Platform, tenant_id: str) -> list[str]:
    """Return the tenant's allow-list, cached until it is changed."""
    cache: dict[str, list[str]] = platform.extras.setdefault(SETTING, {})
    if tenant_id not in cache:
        async with platform.stores.use(tenant_id) as db:
            value = await people.get_setting(db, SETTING)
        cache[tenant_id] = list(value) if isinstance(value, list) else []
    return cache[tenant_id]


def forget(platform: Platform, tenant_id: str) -> None:
    platform.extras.setdefault(SETTING, {}).pop(tenant_id, None)
