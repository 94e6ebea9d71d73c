"""The `organizer` command line: check, build, validate, evaluate."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from .dsl.diagnostics import Diagnostic, Severity
from .dsl.frontend import check_file
from .dsl.render import render_human, render_json, summary
from .sources import collect

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 70


def _print_diagnostics(diagnostics: list[Diagnostic], sources: dict[str, str], files: int, fmt: str) -> None:
    if fmt == "json":
        print(render_json(diagnostics))
        return
    if diagnostics:
        print(render_human(diagnostics, sources))
        print()
    print(summary(diagnostics, files))


def cmd_check(args: argparse.Namespace) -> int:
    found = collect(args.paths)
    diagnostics = list(found.problems)
    sources = dict(found.config_texts)
    for path, config in found.files:
        result = check_file(path, config)
        diagnostics.extend(result.diagnostics)
        sources[result.file] = result.text
    _print_diagnostics(diagnostics, sources, len(found.files), args.format)
    return EXIT_ERRORS if any(d.severity is Severity.ERROR for d in diagnostics) else EXIT_OK


def build_argparser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="organizer", description="Client questionnaires as code.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = commands.add_parser("check", help="parse and check templates; print diagnostics")
    check.add_argument("paths", nargs="+", metavar="PATH", help=".organizer files or folders")
    check.add_argument("--format", choices=("human", "json"), default="human")
    check.set_defaults(run=cmd_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_argparser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug of ours, never the user's input: say so without a traceback
        print(f"organizer: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("organizer: this is a bug in Organizer; please report it with the input that caused it",
              file=sys.stderr)
        return EXIT_INTERNAL
