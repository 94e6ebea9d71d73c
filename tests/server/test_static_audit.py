"""RELIABILITY X3 for the server package, and the lifecycle's routes mounted when their module
exists: read as source, no server needed."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

from starlette.routing import Route

import organizer.server as server_package
from organizer.server.app import create_app, extra_routes

PACKAGE = Path(server_package.__file__).parent


def test_every_environment_autoescapes_and_markup_wraps_only_our_static_files() -> None:
    sources = {path.name: path.read_text(encoding="utf-8") for path in PACKAGE.glob("*.py")}
    environments = [line for text in sources.values() for line in text.splitlines() if "Environment(" in line
                    and not line.lstrip().startswith(("from", "def", "#"))]
    assert environments and all("autoescape=True" in line for line in environments)
    markup = [(name, line.strip()) for name, text in sources.items() for line in text.splitlines()
              if "Markup(" in line and not line.lstrip().startswith(("def", "\"\"\""))]
    assert markup == [("pages.py", "return Markup(text)  # reviewed: the package's own static files, checked above")]
    assert not any("from_string" in text for text in sources.values())


def test_templates_and_scripts_use_no_unsafe_sinks() -> None:
    for template in (PACKAGE / "templates").glob("*.j2"):
        assert "|safe" not in template.read_text().replace(" ", "")
    script = (PACKAGE / "static" / "preview.js").read_text()
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function", script)


def test_the_lifecycle_routes_are_mounted_when_their_module_exists(tmp_path: Path) -> None:
    async def ping(request: object) -> None:
        return None

    module = types.ModuleType("organizer.server.lifecycle_api")
    module.routes = lambda found: [Route("/clients", ping)]  # type: ignore[attr-defined]
    saved = sys.modules.get(module.__name__)
    sys.modules[module.__name__] = module
    try:
        assert [r.path for r in extra_routes(object())] == ["/clients"]  # type: ignore[arg-type,attr-defined]
        app = create_app(tmp_path, object(), tmp_path / "store", 8000, live_reload=False)  # type: ignore[arg-type]
        assert "/clients" in [getattr(r, "path", None) for r in app.routes]
    finally:
        if saved is None:
            del sys.modules[module.__name__]
        else:
            sys.modules[module.__name__] = saved
