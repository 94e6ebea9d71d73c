"""The front end in one call: bytes or text -> parse -> check -> AST plus diagnostics."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .ast import Module, Template
from .check import check_module
from .config import DEFAULT_CONFIG, LibraryConfig
from .diagnostics import Diagnostic, DiagnosticBag, Severity, Span
from .gcpause import gc_paused
from .parse import normalise_newlines, parse


@dataclass(frozen=True, slots=True)
class CheckResult:
    file: str
    text: str
    module: Module | None
    diagnostics: tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        return self.module is not None and not any(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def template(self) -> Template | None:
        """The checked template, or None when the file has errors."""
        return self.module.templates[0] if self.ok and self.module is not None else None


def check_source(text: str, file: str = "<string>", config: LibraryConfig | None = None) -> CheckResult:
    """Parse and check one template's text; never raises for bad input."""
    bag = DiagnosticBag()
    with gc_paused():
        parsed = parse(text, file)
        bag.extend(parsed.diagnostics)
        if parsed.module is not None:
            check_module(parsed.module, config or DEFAULT_CONFIG, bag)
    return CheckResult(file, text, parsed.module, bag.sorted())


def decode_source(data: bytes, file: str) -> tuple[str, Diagnostic | None]:
    """UTF-8 text of a template file, or a diagnostic at the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        good = normalise_newlines(data[: exc.start].decode("utf-8").removeprefix("\ufeff"))
        line = good.count("\n") + 1
        column = len(good) - (good.rfind("\n") + 1) + 1
        return good, Diagnostic(Span(file, line, column, line, column + 1), Severity.ERROR, "encoding",
                                f"this file is not UTF-8 text (byte 0x{data[exc.start]:02x})",
                                "templates are UTF-8 text files")


def read_source(path: Path, file: str) -> tuple[str, Diagnostic | None]:
    """A template file's text, or the diagnostic saying why it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return "", Diagnostic(Span(file, 1, 1, 1, 1), Severity.ERROR, "io", f"cannot read this file: {reason}")
    return decode_source(data, file)


def check_file(path: Path, config: LibraryConfig | None = None, display: str | None = None) -> CheckResult:
    """Read and check one `.organizer` file; unreadable files become a diagnostic."""
    file = display or str(path)
    text, problem = read_source(path, file)
    if problem is not None:
        return CheckResult(file, text, None, (problem,))
    return check_source(text, file, config)
