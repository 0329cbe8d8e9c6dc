"""Build the web.Application from a Config.

Long-lived parts start in cleanup contexts, in this order, and close in the
reverse order: the control store and keys, the tenant stores, the broker,
the blob store, then the first tenant; apps add theirs after (the engine
hub, the scheduler, the embedded engine).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import orjson
from aiohttp import web

from tcloud import log
from tcloud.appkeys import CONFIG, ENDPOINTS, METRICS, PLATFORM
from tcloud.config import ROOT, Config, ConfigError
from tcloud.platform import api as api_module
from tcloud.platform import bootstrap, db, openapi
from tcloud.platform.auth import AuthCache
from tcloud.platform.broker import Broker
from tcloud.platform.context import Platform
from tcloud.platform.http import edge
from tcloud.platform.keys import KeyRing, MasterKeyFile
from tcloud.platform.metrics import Metrics
from tcloud.platform.tenancy import TenantIndex, TenantStores

STATIC = ROOT / "static"
STORE_PACKAGES = [
    "tcloud.platform",
    "tcloud.console",
    "tcloud.engines",
    "tcloud.pipelines",
    "tcloud.dataprep",
]

Announce = Callable[[bootstrap.NewTenant], None]


def _api_groups() -> list[api_module.Endpoints]:
    from tcloud.console.routes import groups as console_groups
    from tcloud.dataprep.routes import groups as dataprep_groups
    from tcloud.engines.routes import groups as engines_groups
    from tcloud.identity.routes import endpoints as identity_endpoints
    from tcloud.pipelines.routes import groups as pipelines_groups

    return [
        identity_endpoints,
        *console_groups,
        *engines_groups,
        *pipelines_groups,
        *dataprep_groups,
    ]


@asynccontextmanager
async def open_platform(config: Config) -> AsyncIterator[Platform]:
    """Open the stores and keys of a data folder; close them on the way out."""
    data = config.data_path
    data.mkdir(parents=True, exist_ok=True)
    control = db.Database(data / "control.db", config.store_busy_timeout_ms)
    await control.open(db.discover(STORE_PACKAGES, "control"))
    master = MasterKeyFile(config.master_key_path)
    keyring = KeyRing(control, master)
    if not master.path.exists() and await keyring.holds_keys():
        await control.close()
        raise ConfigError(
            f"the master key file {master.path} is missing, but the control store"
            " holds data keys wrapped by it: restore the file (a new key would"
            " make every tenant's data unreadable)"
        )
    master.load_or_create()
    stores = TenantStores(
        data / "tenants",
        db.discover(STORE_PACKAGES, "tenant"),
        config.tenant_store_cap,
        config.store_busy_timeout_ms,
    )
    platform = Platform(
        config=config,
        control=control,
        tenants=TenantIndex(control),
        stores=stores,
        keyring=keyring,
        auth_cache=AuthCache(),
        broker=Broker(),
    )
    platform.blobs = _blob_service(platform)
    try:
        yield platform
    finally:
        await platform.broker.close()
        if platform.blobs is not None:
            await platform.blobs.close()
        await stores.close()
        await control.close()


def _platform_context(
    announce: Announce | None,
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        async with open_platform(app[CONFIG]) as platform:
            app[PLATFORM] = platform
            first = await bootstrap.ensure_first_tenant(platform)
            if first is not None and announce is not None:
                announce(first)
            log.server.info("platform_started data_dir=%s", platform.config.data_path)
            yield
        log.server.info("platform_stopped")

    return context


def _blob_service(platform: Platform):  # type: ignore[no-untyped-def]
    try:
        from tcloud.platform.blobs import make_blob_service
    except ImportError:
        return None
    return make_blob_service(platform)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    platform = request.app.get(PLATFORM)
    if platform is None:
        return web.json_response({"status": "starting"}, status=503)
    await platform.control.fetchval("SELECT 1")
    return web.json_response({"status": "ready"})


async def metrics(request: web.Request) -> web.Response:
    app_metrics = request.app[METRICS]
    platform = request.app[PLATFORM]
    app_metrics.open_stores.set(platform.stores.open_count)
    app_metrics.tenants.set(len(await platform.tenants.all()))
    return web.Response(
        body=app_metrics.render(), content_type="text/plain", charset="utf-8"
    )


async def openapi_json(request: web.Request) -> web.Response:
    document = openapi.build(request.config_dict[ENDPOINTS])
    return web.Response(body=orjson.dumps(document), content_type="application/json")


async def static_file(request: web.Request) -> web.StreamResponse:
    """Serve a file of static/, or a 404 problem document if there is none."""
    root = STATIC.resolve()
    path = (root / request.match_info["path"]).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Cache-Control": "no-cache"})


async def index(request: web.Request) -> web.StreamResponse:
    """Serve the browser UI for any page address; its router takes it from there."""
    path = request.match_info["tail"]
    if path.startswith(("api/", "engine/", "static/")):
        raise web.HTTPNotFound()
    return web.FileResponse(
        STATIC / "index.html", headers={"Cache-Control": "no-cache"}
    )


def _add_engines(app: web.Application) -> None:
    from tcloud.engines.embedded import embedded_context
    from tcloud.engines.hub import hub_context, hub_shutdown
    from tcloud.engines.routes import add_engine_routes
    from tcloud.engines.scheduler import scheduler_context

    app.cleanup_ctx.extend([hub_context, scheduler_context, embedded_context])
    app.on_shutdown.append(hub_shutdown)
    add_engine_routes(app)

    from tcloud.pipelines.routes import add_engine_routes as add_pipeline_doors

    add_pipeline_doors(app)


def _add_dataprep(app: web.Application) -> None:
    from tcloud.dataprep.state import dataprep_context

    app.cleanup_ctx.append(dataprep_context)


def build_app(config: Config, announce: Announce | None = None) -> web.Application:
    """Return the whole server as one aiohttp application."""
    app = web.Application(middlewares=[edge], client_max_size=config.max_body_bytes)
    app[CONFIG] = config
    app[METRICS] = Metrics()
    app.cleanup_ctx.append(_platform_context(announce))
    _add_engines(app)
    _add_dataprep(app)

    api = web.Application()
    endpoints = api_module.mount(api, _api_groups())
    app[ENDPOINTS] = endpoints
    api.router.add_get("/openapi.json", openapi_json)
    app.add_subapp("/api/v1", api)

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/static/{path:.+}", static_file)
    app.router.add_get("/{tail:.*}", index)
    return app
