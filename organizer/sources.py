"""Finding template files and their library configuration from command-line paths."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .dsl.config import DEFAULT_CONFIG, LibraryConfig, find_config, load_config
from .dsl.diagnostics import Diagnostic, Severity, Span

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
