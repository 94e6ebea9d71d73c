"""Build: template text -> checked AST -> IR -> artifacts, and whole libraries into `OUT/<id>/`.

`compile_source` chains the stages for one template; `build_library` compiles every
`*.organizer` file under the given paths, writes the artifacts and `OUT/index.json`, and reuses
the artifacts of a source that has not changed since the last build with the same compiler.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from organizer.dsl.config import DEFAULT_CONFIG, LibraryConfig, find_config, load_config
from organizer.dsl.diagnostics import Diagnostic, Severity, Span
from organizer.dsl.frontend import check_source, decode_source
from organizer.dsl.gcpause import gc_paused
from organizer.runtime.program import Program

from .form import emit_form
from .ir_json import ir_object
from .lower import lower
from .schema import draft_schema, plain_text, submission_schema

INDEX = "index.json"
INDEX_FORMAT = "organizer-index/1"
_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")

Emitter = Callable[[Program], dict[str, str]]


def dumps(data: Any, default: Callable[[Any], Any] | None = None) -> str:
    """The one serialisation of every artifact: stable, no NaN, compact (`default` as json.dumps).

    Compact because `indent` switches Python to its pure-Python encoder, 7x slower on a
    5,000-question schema; `python -m json.tool` shows an artifact indented. No check for
    circular references (a sixth of the time): the data is trees the compiler builds, and a cycle
    would still fail, with RecursionError.
    """
    return json.dumps(data, sort_keys=True, ensure_ascii=False, allow_nan=False, check_circular=False,
                      separators=(",", ":"), default=default) + "\n"


def emit_ir(program: Program) -> dict[str, str]:
    """`organizer.json`: `program_to_json(program)`, encoded straight from the dataclasses."""
    return {"organizer.json": dumps(program, default=ir_object)}


def emit_schemas(program: Program) -> dict[str, str]:
    return {"schema.json": dumps(submission_schema(program)), "draft.schema.json": dumps(draft_schema(program))}


#: Every artifact of a template comes from one of these; an emitter returns {file name: text}.
EMITTERS: list[Emitter] = [emit_ir, emit_schemas, emit_form]


@dataclass(frozen=True, slots=True)
class CompileResult:
    file: str
    diagnostics: tuple[Diagnostic, ...]
    program: Program | None          # None when the template has errors
    artifacts: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.program is not None


def compile_source(text: str, file: str = "<string>", config: LibraryConfig | None = None) -> CompileResult:
    """Check and compile one template's text; never raises for bad input."""
    with gc_paused():  # every stage builds large acyclic trees: collecting meanwhile only costs time
        checked = check_source(text, file, config)
        if not checked.ok or checked.module is None or checked.template is None:
            return CompileResult(file, checked.diagnostics, None)
        program = lower(checked.module, checked.template, file, text, config)
        artifacts: dict[str, str] = {}
        for emit in EMITTERS:
            artifacts.update(emit(program))
    return CompileResult(file, checked.diagnostics, program, artifacts)


# --- libraries --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TemplateBuild:
    source: str                      # path relative to the library root, with `/`
    status: str                      # "built", "reused" or "failed"
    id: str | None = None
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True, slots=True)
class BuildReport:
    out: Path
    templates: tuple[TemplateBuild, ...]
    diagnostics: tuple[Diagnostic, ...]  # every file's, plus the library's own (config, paths)

    def _with(self, status: str) -> tuple[TemplateBuild, ...]:
        return tuple(t for t in self.templates if t.status == status)

    @property
    def built(self) -> tuple[TemplateBuild, ...]:
        return self._with("built")

    @property
    def reused(self) -> tuple[TemplateBuild, ...]:
        return self._with("reused")

    @property
    def failed(self) -> tuple[TemplateBuild, ...]:
        return self._with("failed")

    @property
    def ok(self) -> bool:
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)


@cache
def compiler_version() -> str:
    """The package version plus a hash of every source file that shapes the artifacts."""
    import organizer.dsl as dsl_package
    import organizer.runtime.program as program_module

    runtime = Path(program_module.__file__).parent
    here = Path(__file__).parent
    files = sorted([*here.glob("*.py"), *here.glob("*.json"), *here.glob("templates/*"), *here.glob("static/*"),
                    *Path(dsl_package.__file__).parent.rglob("*.py"),
                    *Path(dsl_package.__file__).parent.glob("*.lark"),
                    runtime / "program.py", runtime / "formats.py", runtime / "messages.py",
                    runtime / "messages.json"])
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    try:
        version = metadata.version("organizer")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"{version}+{digest.hexdigest()[:16]}"


def _config_fingerprint(config: LibraryConfig) -> str:
    data = {"context": sorted([".".join(k), v] for k, v in config.context.items()), "defaults": config.defaults}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _error(file: str, code: str, message: str) -> Diagnostic:
    return Diagnostic(Span(file, 1, 1, 1, 1), Severity.ERROR, code, message)


def find_sources(paths: list[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """Every `*.organizer` file under `paths` (files or folders, recursively), each once, sorted."""
    found: dict[Path, Path] = {}
    problems = []
    for path in paths:
        if path.is_dir():
            candidates = sorted(p for p in path.rglob("*.organizer") if p.is_file())
        elif path.is_file():
            candidates = [path]
        else:
            problems.append(_error(str(path), "io", "no such file or folder"))
            continue
        for candidate in candidates:
            found.setdefault(candidate.resolve(), candidate)
    return sorted(found.values(), key=lambda p: str(p.resolve())), problems


def _library_root(paths: list[Path], sources: list[Path]) -> Path:
    folders = [p.resolve() if p.is_dir() else p.resolve().parent for p in paths if p.exists()]
    folders += [s.resolve().parent for s in sources]
    return Path(os.path.commonpath(folders)) if folders else Path.cwd()


def build_library(paths: list[Path], out: Path, config: LibraryConfig | None = None) -> BuildReport:
    """Compile every template under `paths` into `out`; a broken template does not stop the others.

    Without `config`, each template uses the nearest `organizer.yaml` above it (SPEC 4).
    """
    sources, problems = find_sources(paths)
    builder = _LibraryBuilder(out, _library_root(paths, sources), config)
    results = [builder.build(source) for source in sources]
    builder.finish()
    diagnostics = [*problems, *builder.config_problems, *(d for r in results for d in r.diagnostics)]
    return BuildReport(out, tuple(results), tuple(diagnostics))


class _LibraryBuilder:
    def __init__(self, out: Path, root: Path, config: LibraryConfig | None) -> None:
        self.out = out
        self.root = root
        self.config = config
        self.configs: dict[Path | None, LibraryConfig] = {}
        self.config_problems: list[Diagnostic] = []
        self.version = compiler_version()
        self.previous_ids: set[Any] = set()
        self.previous = self._previous_index()
        self.entries: dict[str, dict[str, Any]] = {}

    def _previous_index(self) -> dict[str, dict[str, Any]]:
        """Last build's entries by source path, if that build used this compiler."""
        try:
            index = json.loads((self.out / INDEX).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(index, dict) or index.get("format") != INDEX_FORMAT:
            return {}
        templates = [t for t in index.get("templates", []) if isinstance(t, dict)]
        self.previous_ids = {t.get("id") for t in templates}
        if index.get("compiler") != self.version:
            return {}
        return {t["source"]: t for t in templates if isinstance(t.get("source"), str)}

    def _config_for(self, source: Path) -> LibraryConfig:
        if self.config is not None:
            return self.config
        path = find_config(source.resolve())
        if path not in self.configs:
            config, problems = load_config(path) if path is not None else (DEFAULT_CONFIG, [])
            self.configs[path] = config
            self.config_problems.extend(problems)
        return self.configs[path]

    def build(self, source: Path) -> TemplateBuild:
        shown = source.resolve().relative_to(self.root).as_posix()
        try:
            data = source.read_bytes()
        except OSError as exc:
            return TemplateBuild(shown, "failed", None, (_error(shown, "io", f"cannot read this file: {exc.strerror}"),))
        config = self._config_for(source)
        digest, fingerprint = hashlib.sha256(data).hexdigest(), _config_fingerprint(config)
        before = self.previous.get(shown)
        if (before is not None and before.get("sha256") == digest and before.get("config_sha256") == fingerprint
                and self._intact(before)):
            return self._record(shown, before, "reused", ())
        text, problem = decode_source(data, shown)
        if problem is not None:
            return TemplateBuild(shown, "failed", None, (problem,))
        result = compile_source(text, shown, config)
        if result.program is None:
            return TemplateBuild(shown, "failed", None, result.diagnostics)
        program = result.program
        if program.id in self.entries:
            other = self.entries[program.id]["source"]
            clash = _error(shown, "duplicate-template", f"template id `{program.id}` is also used by {other}")
            return TemplateBuild(shown, "failed", program.id, (*result.diagnostics, clash))
        self._write(program.id, result.artifacts)
        entry = {"id": program.id, "title": plain_text(program.title), "source": shown, "sha256": digest,
                 "config_sha256": fingerprint, "artifacts": sorted(result.artifacts)}
        return self._record(shown, entry, "built", result.diagnostics)

    def _intact(self, entry: dict[str, Any]) -> bool:
        ident = entry.get("id")
        return (isinstance(ident, str) and _ID.fullmatch(ident) is not None and ident not in self.entries
                and all((self.out / ident / name).is_file() for name in entry.get("artifacts", ())))

    def _record(self, shown: str, entry: dict[str, Any], status: str,
                diagnostics: tuple[Diagnostic, ...]) -> TemplateBuild:
        self.entries[entry["id"]] = entry
        return TemplateBuild(shown, status, entry["id"], diagnostics)

    def _write(self, ident: str, artifacts: dict[str, str]) -> None:
        folder = self.out / ident
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in artifacts.items():
            _write_atomic(folder / name, content)

    def finish(self) -> None:
        """Remove folders of templates the last build had and this one has not; write the index."""
        for stale in sorted(str(i) for i in self.previous_ids - set(self.entries)):
            folder = self.out / stale
            if _ID.fullmatch(stale) and folder.is_dir() and not folder.is_symlink():
                shutil.rmtree(folder)
        index = {"format": INDEX_FORMAT, "compiler": self.version,
                 "templates": [self.entries[k] for k in sorted(self.entries)]}
        self.out.mkdir(parents=True, exist_ok=True)
        _write_atomic(self.out / INDEX, dumps(index))


def _write_atomic(path: Path, content: str) -> None:
    """Write through a temporary file and rename, so a reader never sees half an artifact."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
