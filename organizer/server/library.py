"""The template library the server shows: every `.organizer` file under the root, compiled.

Paths only ever come from walking the root, never from a URL: each file is confined with
`os.path.realpath` and `os.path.commonpath` (a symlink that leaves the root is reported, not read),
and routes look entries up by key. The `.organizer/` folder (the store) is never walked.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from organizer.compiler.build import compile_source
from organizer.dsl.config import CONFIG_NAME, DEFAULT_CONFIG, LibraryConfig, load_config
from organizer.dsl.diagnostics import Diagnostic, Severity, Span
from organizer.dsl.frontend import decode_source
from organizer.dsl.render import render_human, summary
from organizer.runtime.program import Program
from organizer.runtime.template import Template

EXTENSION = ".organizer"
STATE_FOLDER = ".organizer"  # the store's folder inside a library: never a template folder
TEMPLATE_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
DECLARATION = re.compile(r"^[ \t]*organizer[ \t]+([a-z][a-z0-9_]{0,63})\b", re.MULTILINE)
MAX_TEMPLATES = 2_000
MAX_SOURCE_BYTES = 8 * 1024 * 1024


def inside(root: str, path: str) -> bool:
    """Whether `path` (already resolved) lies within `root` (already resolved)."""
    try:
        return os.path.commonpath([root, path]) == root
    except ValueError:  # different drives, or a mix of absolute and relative paths
        return False


@dataclass(frozen=True, slots=True)
class Entry:
    """One template file as last compiled: what the index, the preview and the events show."""

    key: str                      # the template id, or a stand-in when the file has none
    file: str                     # relative to the root, with `/`
    title: str                    # shortcodes resolved with the preview context
    template: Template | None     # None when the template has errors
    errors: int
    warnings: int
    diagnostics_text: str         # exactly what `organizer check` prints for this file
    version: str                  # changes whenever the source, its config or the result changes
    preview: dict[str, Any] = field(default_factory=dict)  # the library's sample context

    @property
    def state(self) -> str:
        return "errors" if self.errors else "warnings" if self.warnings else "clean"


@dataclass(frozen=True, slots=True)
class _Config:
    config: LibraryConfig
    problems: tuple[Diagnostic, ...]
    text: str
    stamp: tuple[int, int]


class Library:
    """The compiled templates under `root`; `refresh()` recompiles what changed since last time."""

    def __init__(self, root: Path) -> None:
        self.root = os.path.realpath(root)
        self._lock = threading.Lock()
        self._entries: dict[str, Entry] = {}
        self._cache: dict[str, tuple[Any, Entry]] = {}
        self._configs: dict[str, _Config] = {}

    def entries(self) -> list[Entry]:
        return sorted(self._entries.values(), key=lambda e: e.file)

    def entry(self, key: str) -> Entry | None:
        return self._entries.get(key)

    def refresh(self) -> dict[str, Entry]:
        """Rescan the root; recompile files whose bytes, stat or config changed. Returns the entries
        by key (entries whose version changed are what live reload announces)."""
        with self._lock:
            self._configs = {path: c for path, c in self._configs.items() if _stamp(path) == c.stamp}
            entries: dict[str, Entry] = {}
            cache: dict[str, tuple[Any, Entry]] = {}
            for path in self._sources():
                entry = self._compile(path, cache)
                key = entry.key
                if key in entries:  # two files declare one id: the second gets a stand-in key
                    key = _stand_in(entry.file)
                    entry = _duplicate(entry, key, entries[entry.key].file)
                entries[key] = entry
            self._entries, self._cache = entries, cache
            return dict(entries)

    def _sources(self) -> list[str]:
        found: list[str] = []
        for folder, folders, files in os.walk(self.root, followlinks=False):
            folders[:] = sorted(f for f in folders if f != STATE_FOLDER)
            found += [os.path.join(folder, f) for f in sorted(files) if f.endswith(EXTENSION)]
            if len(found) >= MAX_TEMPLATES:
                return found[:MAX_TEMPLATES]
        return found

    def _compile(self, path: str, cache: dict[str, tuple[Any, Entry]]) -> Entry:
        shown = os.path.relpath(path, self.root).replace(os.sep, "/")
        real = os.path.realpath(path)
        if not inside(self.root, real):
            return _failed(shown, "this file is a link to a place outside the library; it is not read")
        config = self._config_for(os.path.dirname(path))
        stamp = (_stamp(real), config.stamp if config else None)
        before = self._cache.get(path)
        if before is not None and before[0] == stamp:
            cache[path] = before
            return before[1]
        entry = self._build(real, shown, config)
        cache[path] = (stamp, entry)
        return entry

    def _build(self, real: str, shown: str, config: _Config | None) -> Entry:
        try:
            with open(real, "rb") as handle:
                data = handle.read(MAX_SOURCE_BYTES + 1)
        except OSError as exc:
            return _failed(shown, f"cannot read this file: {exc.strerror or type(exc).__name__}")
        if len(data) > MAX_SOURCE_BYTES:
            return _failed(shown, f"this file is larger than {MAX_SOURCE_BYTES} bytes")
        text, problem = decode_source(data, shown)
        library = config.config if config else DEFAULT_CONFIG
        sources = {shown: text, **({str(library.path): config.text} if config and library.path else {})}
        found = [*(config.problems if config else ())]
        if problem is not None:
            return _entry(shown, None, None, [*found, problem], sources, data, library)
        result = compile_source(text, shown, library)
        found += result.diagnostics
        ident = result.program.id if result.program else _declared_id(text)
        return _entry(shown, ident, result.program, found, sources, data, library)

    def _config_for(self, folder: str) -> _Config | None:
        """The nearest `organizer.yaml` between a file's folder and the root, both included."""
        current = folder
        while inside(self.root, os.path.realpath(current)):
            path = os.path.join(current, CONFIG_NAME)
            if os.path.isfile(path) and inside(self.root, os.path.realpath(path)):
                return self._load_config(path)
            if os.path.realpath(current) == self.root:
                return None
            current = os.path.dirname(current)
        return None

    def _load_config(self, path: str) -> _Config:
        known = self._configs.get(path)
        if known is not None:
            return known
        shown = os.path.relpath(path, self.root).replace(os.sep, "/")
        config, problems = load_config(Path(path))
        config = LibraryConfig(config.context, config.preview, config.defaults, shown)
        problems = [Diagnostic(Span(shown, *p.span[1:]), p.severity, p.code, p.message, p.label, p.notes)
                    for p in problems]
        try:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        loaded = _Config(config, tuple(problems), text, _stamp(path))
        self._configs[path] = loaded
        return loaded


def _stamp(path: str) -> tuple[int, int]:
    try:
        info = os.stat(path)
    except OSError:
        return (-1, -1)
    return (info.st_mtime_ns, info.st_size)


def _declared_id(text: str) -> str | None:
    """The id in a template's `organizer ID "Title" {` line, read even when the file has errors, so
    a broken template keeps its key (and its open previews) until it is fixed."""
    found = DECLARATION.search(text)
    return found.group(1) if found else None


def _stand_in(shown: str) -> str:
    """The key of a file without a usable id: stable, and never a template id (`-` is no id char)."""
    return "file-" + hashlib.sha256(shown.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _entry(shown: str, ident: str | None, program: Program | None, diagnostics: list[Diagnostic],
           sources: dict[str, str], data: bytes, config: LibraryConfig) -> Entry:
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    text = (render_human(diagnostics, sources) + "\n\n" if diagnostics else "") + summary(diagnostics, 1)
    key = ident if ident and TEMPLATE_ID.fullmatch(ident) else _stand_in(shown)
    template = Template(program) if program is not None and not errors else None
    title = template.title(context=config.preview) if template is not None else shown
    salt = repr((sorted(config.preview.items()), sorted(config.context.items())))
    version = hashlib.sha256(b"\0".join((data, text.encode("utf-8", "surrogatepass"),
                                          salt.encode("utf-8", "surrogatepass")))).hexdigest()
    return Entry(key, shown, title, template, errors, len(diagnostics) - errors, text, version, dict(config.preview))


def _failed(shown: str, message: str) -> Entry:
    problem = Diagnostic(Span(shown, 1, 1, 1, 1), Severity.ERROR, "io", message)
    return _entry(shown, None, None, [problem], {}, message.encode(), DEFAULT_CONFIG)


def _duplicate(entry: Entry, key: str, other: str) -> Entry:
    problem = Diagnostic(Span(entry.file, 1, 1, 1, 1), Severity.ERROR, "duplicate-template",
                         f"template id `{entry.key}` is also used by {other}")
    text = render_human([problem], {}) + "\n\n" + entry.diagnostics_text
    return Entry(key, entry.file, entry.title, None, entry.errors + 1, entry.warnings, text, entry.version + "-dup",
                 entry.preview)
