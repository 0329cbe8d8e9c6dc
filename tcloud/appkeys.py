"""Every typed key kept on the aiohttp applications and requests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from tcloud.config import Config
    from tcloud.platform.api import Endpoint
    from tcloud.platform.context import Platform
    from tcloud.platform.metrics import Metrics

CONFIG: web.AppKey[Config] = web.AppKey("config")
PLATFORM: web.AppKey[Platform] = web.AppKey("platform")
ENDPOINTS: web.AppKey[list[Endpoint]] = web.AppKey("endpoints")
METRICS: web.AppKey[Metrics] = web.AppKey("metrics")
REQUEST_ID: web.RequestKey[str] = web.RequestKey("request_id", str)
