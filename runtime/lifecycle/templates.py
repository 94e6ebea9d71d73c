"""Pinned template versions as runtime Templates, loaded once per process (a version is a sha256
of its content, so a cached Template can never be stale)."""

from __future__ import annotations

from ..store import NotFound, SQLiteStore
from ..template import Template, load
from .records import Unknown

_LOADED: dict[str, Template] = {}


def pinned(store: SQLiteStore, version: str) -> Template:
    """The Template of a pinned version."""
    found = _LOADED.get(version)
    if found is None:
        try:
            found = load(store.template_json(version))
        except NotFound:
            raise Unknown(f"no template version {version!r} in the store") from None
        _LOADED[version] = found
    return found


def latest_version(store: SQLiteStore, template_id: str) -> str:
    """The most recently pinned version of a template id."""
    row = store.connection().execute("SELECT version FROM templates WHERE template_id = ? ORDER BY created_at DESC, rowid DESC"
                                " LIMIT 1", (template_id,)).fetchone()
    if row is None:
        raise Unknown(f"no template {template_id!r} in the store: send it from its .organizer file once")
    return str(row[0])
