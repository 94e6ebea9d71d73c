"""The `organizer` command line: check, build, validate, evaluate, print."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .dsl.diagnostics import Diagnostic, Severity
from .dsl.frontend import check_file
from .dsl.render import render_human, render_json, summary
from .lifecycle_commands import register as register_lifecycle
from .runtime.program import program_to_json
from .sources import LoadedTemplate, collect, load_template, read_context, read_json_file

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


def cmd_build(args: argparse.Namespace) -> int:
    from .compiler.build import build_library

    report = build_library([Path(p) for p in args.paths], Path(args.output))
    diagnostics = list(report.diagnostics)
    if args.format == "json":
        print(json.dumps({
            "ok": report.ok, "out": str(report.out),
            "templates": [{"source": t.source, "id": t.id, "status": t.status} for t in report.templates],
            "diagnostics": [d.to_json() for d in diagnostics]}, indent=2, ensure_ascii=False))
    else:
        sources = {}
        for d in diagnostics:
            if d.span.file not in sources:
                sources[d.span.file] = _read_quietly(d.span.file)
        if diagnostics:
            print(render_human(diagnostics, sources))
            print()
        print(f"built {len(report.built)}, reused {len(report.reused)}, failed {len(report.failed)} "
              f"-> {report.out}")
    return EXIT_OK if report.ok else EXIT_ERRORS


def _read_quietly(file: str) -> str:
    try:
        return Path(file).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


SERVER_EXTRA = ("starlette", "uvicorn", "watchfiles", "anyio")


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        from .server.serve import ServeOptions, serve
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in SERVER_EXTRA:
            raise
        print(f"organizer: serve needs the server extra ({exc.name} is not installed): "
              "pip install 'organizer[server]'", file=sys.stderr)
        return EXIT_ERRORS
    store = Path(args.store) if args.store else None
    return serve(ServeOptions(Path(args.folder), args.port, args.host, store, args.allow_remote))


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535; 0 picks a free one)")
    return int(text)


def _template_ir(path: str) -> dict[str, Any] | str:
    """The organizer.json of a template file, or why there is none (for the lifecycle's commands)."""
    loaded = load_template(path)
    if loaded.template is None:
        return loaded.problem or render_human(loaded.diagnostics, loaded.sources)
    return program_to_json(loaded.template.program)


def _template_and_answers(args: argparse.Namespace) -> tuple[LoadedTemplate, Any, dict[str, Any]] | int:
    loaded = load_template(args.template)
    if loaded.template is None:
        if loaded.problem:
            print(f"organizer: {loaded.problem}", file=sys.stderr)
        else:
            _print_diagnostics(loaded.diagnostics, loaded.sources, 1, getattr(args, "format", "human"))
        return EXIT_ERRORS
    answers, problem = read_json_file(args.answers, "the answers")
    context, context_problem = read_context(args.context)
    if problem or context_problem:
        print(f"organizer: {problem or context_problem}", file=sys.stderr)
        return EXIT_ERRORS
    return loaded, answers, context


def cmd_validate(args: argparse.Namespace) -> int:
    found = _template_and_answers(args)
    if isinstance(found, int):
        return found
    loaded, answers, context = found
    assert loaded.template is not None
    problems = loaded.template.validate(answers, draft=args.draft, context=context or None)
    mode = "draft" if args.draft else "submission"
    if args.format == "json":
        print(json.dumps({"valid": not problems, "mode": mode, "problems": [p.to_json() for p in problems]},
                         indent=2, ensure_ascii=False))
    elif problems:
        for p in problems:
            print(f"{args.answers}:{p.pointer or '/'}: {p.message} [{p.code}]")
        print(f"{len(problems)} problem{'s' * (len(problems) != 1)}: not a valid {mode}")
    else:
        print(f"{args.answers}: a valid {mode}")
    return EXIT_ERRORS if problems else EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    found = _template_and_answers(args)
    if isinstance(found, int):
        return found
    loaded, answers, context = found
    assert loaded.template is not None
    state = loaded.template.evaluate(answers, context or None)
    print(json.dumps(state.to_json(), indent=2, ensure_ascii=False, allow_nan=False))
    return EXIT_OK


def cmd_print(args: argparse.Namespace) -> int:
    found = _template_and_answers(args)
    if isinstance(found, int):
        return found
    loaded, answers, context = found
    assert loaded.template is not None
    if not isinstance(answers, dict):
        print(f"organizer: {args.answers}: the answers must be a JSON object such as {{\"first_name\": \"Ada\"}}",
              file=sys.stderr)
        return EXIT_ERRORS
    from .runtime.printout import render_print

    page = render_print(loaded.template, answers, context or None, name=args.name, submitted_at=args.submitted)
    data = page.encode("utf-8")
    if args.pdf:
        from .pdf import PdfError, render_pdf, why_no_pdf

        reason = why_no_pdf()
        if reason:
            print(f"organizer: {reason}", file=sys.stderr)
            return EXIT_USAGE
        try:
            data = render_pdf(page)
        except PdfError as exc:
            print(f"organizer: {exc}", file=sys.stderr)
            return EXIT_ERRORS
    if args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return EXIT_OK
    try:
        Path(args.output).write_bytes(data)
    except OSError as exc:
        print(f"organizer: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERRORS
    return EXIT_OK


def _submitted_date(text: str) -> str:
    from .runtime.printout import parse_submitted

    try:
        parse_submitted(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def build_argparser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="organizer", description="Client questionnaires as code.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = commands.add_parser("check", help="parse and check templates; print diagnostics")
    check.add_argument("paths", nargs="+", metavar="PATH", help=".organizer files or folders")
    check.add_argument("--format", choices=("human", "json"), default="human")
    check.set_defaults(run=cmd_check)

    build = commands.add_parser("build", help="compile templates into OUT/<id>/ artifacts and OUT/index.json")
    build.add_argument("paths", nargs="+", metavar="PATH", help=".organizer files or folders")
    build.add_argument("-o", "--output", required=True, metavar="DIR", help="the output folder")
    build.add_argument("--format", choices=("human", "json"), default="human")
    build.set_defaults(run=cmd_build)

    serve = commands.add_parser("serve", help="preview the templates of DIR with live reload, on 127.0.0.1")
    serve.add_argument("folder", nargs="?", default=".", metavar="DIR", help="the template library (default: .)")
    serve.add_argument("--port", type=_port, default=8000, help="the port (default 8000; 0 picks a free one)")
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    serve.add_argument("--allow-remote", action="store_true", help="allow a --host other machines can reach")
    serve.add_argument("--store", metavar="PATH", help="the SQLite store (default: DIR/.organizer/store.sqlite3)")
    serve.set_defaults(run=cmd_serve)

    for name, run, text in (("validate", cmd_validate, "validate answers against a template"),
                            ("evaluate", cmd_evaluate, "print what a client sees for these answers, as JSON")):
        command = commands.add_parser(name, help=text)
        command.add_argument("template", metavar="TEMPLATE", help="a .organizer file or a built organizer.json")
        command.add_argument("answers", metavar="ANSWERS.json")
        command.add_argument("--context", metavar="FILE", help="context values (JSON or YAML): client, firm, year")
        if name == "validate":
            command.add_argument("--draft", action="store_true", help="validate an autosaved draft, not a submission")
            command.add_argument("--format", choices=("human", "json"), default="human")
        command.set_defaults(run=run)

    printout = commands.add_parser("print", help="write the printable organizer: visible answers, a page per section")
    printout.add_argument("template", metavar="TEMPLATE", help="a .organizer file or a built organizer.json")
    printout.add_argument("answers", metavar="ANSWERS.json")
    printout.add_argument("--context", metavar="FILE", help="context values (JSON or YAML): client, firm, year")
    printout.add_argument("--name", metavar="TEXT", help="the organizer's name, as text (default: the title)")
    printout.add_argument("--submitted", metavar="DATE", type=_submitted_date,
                          help="submission date (2027-01-20) or date-time (2027-01-20T14:05); else a draft")
    printout.add_argument("--pdf", action="store_true", help="write a PDF (needs the pdf extra)")
    printout.add_argument("-o", "--output", required=True, metavar="OUT", help="the output file, - for stdout")
    printout.set_defaults(run=cmd_print)
    register_lifecycle(commands, _template_ir)
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
