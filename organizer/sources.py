"""What the commands read: template files with their library configuration, answers, context."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .dsl.config import DEFAULT_CONFIG, LibraryConfig, find_config, load_config
from .dsl.diagnostics import Diagnostic, Severity, Span
from .runtime.template import LoadError, Template, load

EXTENSION = ".organizer"


@dataclass(slots=True)
class SourceSet:
    """The template files named by paths, each with the config of its library."""

    files: list[tuple[Path, LibraryConfig]] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    config_texts: dict[str, str] = field(default_factory=dict)


def collect(paths: list[str]) -> SourceSet:
    found = SourceSet()
    configs: dict[Path, LibraryConfig] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob(f"*{EXTENSION}") if p.is_file())
        elif path.exists():
            files = [path]
        else:
            found.problems.append(Diagnostic(Span(raw, 1, 1, 1, 1), Severity.ERROR, "io", "no such file or folder"))
            continue
        config_path = find_config(path)
        if config_path is None:
            config = DEFAULT_CONFIG
        elif config_path in configs:
            config = configs[config_path]
        else:
            config, problems = load_config(config_path)
            configs[config_path] = config
            found.problems.extend(problems)
            if problems:
                found.config_texts[str(config_path)] = config_path.read_text(encoding="utf-8", errors="replace")
        found.files.extend((f, config) for f in files)
    return found


def read_json_file(path: str, what: str) -> tuple[Any, str | None]:
    """A JSON document (NaN/Infinity refused, nesting bounded), or a message saying what is wrong."""
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except OSError as exc:
        return None, f"{path}: cannot read {what}: {exc.strerror or type(exc).__name__}"
    except UnicodeDecodeError:
        return None, f"{path}: {what} is not UTF-8 text"
    try:
        return json.loads(text, parse_constant=_refuse_constant), None
    except json.JSONDecodeError as exc:
        return None, f"{path}:{exc.lineno}:{exc.colno}: {what} is not valid JSON: {exc.msg}"
    except ValueError as exc:
        return None, f"{path}: {what} is not valid JSON: {exc}"
    except RecursionError:
        return None, f"{path}: {what} nests too deeply"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def read_context(path: str | None) -> tuple[dict[str, Any], str | None]:
    """The `--context` file: a JSON or YAML mapping of context values."""
    if path is None:
        return {}, None
    if path.endswith((".yaml", ".yml")):
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            return {}, f"{path}: cannot read the context: {exc}"
    else:
        data, problem = read_json_file(path, "the context")
        if problem:
            return {}, problem
    if not isinstance(data, dict):
        return {}, f"{path}: the context must be a mapping such as {{\"client\": {{\"first_name\": \"Ada\"}}}}"
    return data, None


@dataclass(slots=True)
class LoadedTemplate:
    template: Template | None
    diagnostics: list[Diagnostic]
    sources: dict[str, str]
    problem: str | None = None


def load_template(path: str) -> LoadedTemplate:
    """A runtime template from a `.organizer` source (compiled here) or a built `organizer.json`."""
    if not path.endswith(EXTENSION):
        try:
            return LoadedTemplate(load(path), [], {})
        except LoadError as exc:
            return LoadedTemplate(None, [], {}, f"{path}: {exc}")
    from .compiler.build import compile_source
    from .dsl.frontend import read_source

    found = collect([path])
    if not found.files:
        return LoadedTemplate(None, found.problems, found.config_texts)
    source, config = found.files[0]
    text, problem = read_source(source, path)
    if problem is not None:
        return LoadedTemplate(None, [*found.problems, problem], found.config_texts)
    result = compile_source(text, path, config)
    diagnostics = [*found.problems, *result.diagnostics]
    sources = {**found.config_texts, path: text}
    if result.program is None:
        return LoadedTemplate(None, diagnostics, sources)
    return LoadedTemplate(Template(result.program), diagnostics, sources)
