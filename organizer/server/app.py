"""The Starlette application: routes, the security middleware, error handlers, and the library
watcher running for the application's lifetime."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Router

from organizer.runtime.store import Store

from . import api, pages, uploads
from .errors import HANDLERS
from .events import Hub
from .library import Library
from .previews import Previews
from .security import SecurityMiddleware, allowed_hosts
from .services import PinnedTemplates, Services
from .watch import watch


def extra_routes(found: Services) -> list[BaseRoute]:
    """The lifecycle's routes (`organizer.server.lifecycle_api`), when that module is installed."""
    try:
        module = importlib.import_module("organizer.server.lifecycle_api")
    except ImportError as exc:
        if exc.name != "organizer.server.lifecycle_api":
            raise
        return []
    routes: list[BaseRoute] = module.routes(found)
    return routes


def create_app(root: Path, store: Store, store_path: Path, port: int, *, extra_hosts: Iterable[str] = (),
               live_reload: bool = True) -> Starlette:
    """The server of the library at `root` over `store`, answering to `port` on loopback names."""
    library = Library(root)
    hub = Hub()
    found = Services(library, store, Previews(store), hub, PinnedTemplates(store))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await asyncio.to_thread(library.refresh)
        watcher = asyncio.create_task(watch(library, hub, store_path)) if live_reload else None
        try:
            yield
        finally:
            hub.close()
            if watcher is not None:
                await watcher

    routes = [*pages.ROUTES, *api.ROUTES, *uploads.ROUTES, *extra_routes(found)]
    app = Starlette(routes=routes, exception_handlers=HANDLERS, lifespan=lifespan,
                    middleware=[Middleware(SecurityMiddleware, hosts=allowed_hosts(port, extra_hosts))])
    app.state.services = found
    assert isinstance(app.router, Router)
    app.router.redirect_slashes = False  # a redirect would be a 3xx answer to a mistyped path
    return app
