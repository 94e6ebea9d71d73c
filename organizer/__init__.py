"""Organizer: client questionnaires as code.

    import organizer
    template = organizer.compile_file("individual_1040.organizer")   # or organizer.load("organizer.json")
    state = template.evaluate(answers, context)
    problems = template.validate(answers, draft=False)

Importing this package does not load the parser: `compile_file` loads it on first use, so a
service that only loads compiled templates never imports Lark.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .runtime.template import LoadError, Template, load

if TYPE_CHECKING:
    from .dsl.config import LibraryConfig

__all__ = ["CompileError", "LoadError", "Template", "compile_file", "compile_source", "load"]


def __getattr__(name: str) -> object:
    if name == "CompileError":
        from .dsl.diagnostics import CompileError

        return CompileError
    raise AttributeError(name)


def compile_source(text: str, file: str = "<string>", config: LibraryConfig | None = None) -> Template:
    """Compile a template's text; raises `CompileError` (with every diagnostic) when it has errors."""
    from .compiler.build import compile_source as compile_text
    from .dsl.diagnostics import CompileError

    result = compile_text(text, file, config)
    if result.program is None:
        raise CompileError(result.diagnostics)
    return Template(result.program)


def compile_file(path: str | os.PathLike[str]) -> Template:
    """Compile a `.organizer` file with its library's `organizer.yaml`; raises `CompileError`."""
    from pathlib import Path

    from .dsl.config import find_config, load_config
    from .dsl.diagnostics import CompileError
    from .dsl.diagnostics import Severity
    from .dsl.frontend import read_source

    source = Path(path)
    config_path = find_config(source)
    config = None
    if config_path is not None:
        config, problems = load_config(config_path)
        if any(p.severity is Severity.ERROR for p in problems):
            raise CompileError(tuple(problems))
    text, problem = read_source(source, str(source))
    if problem is not None:
        raise CompileError((problem,))
    return compile_source(text, str(source), config)
