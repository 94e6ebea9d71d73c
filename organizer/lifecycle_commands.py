"""The lifecycle's commands for `organizer` (registered by organizer/cli.py): clients, sending,
reminders and the outbox, the firm's moves, export and seal.

The store is `--store PATH`, else `$ORGANIZER_STORE`, else `.organizer/store.sqlite3` here.
Compiling a `.organizer` file is the caller's job (`load_ir`), so this module stays in the runtime.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any

from .runtime.lifecycle import jobs
from .runtime.lifecycle.clients import (
    decode_csv,
    firm,
    import_clients,
    put_client,
    put_contact,
    read_csv,
    set_firm,
    set_status,
)
from .runtime.lifecycle.dispatch import Dispatcher, SMTPServer
from .runtime.lifecycle.export import export_zip, seal, verify, verify_zip
from .runtime.lifecycle.outbox import counts
from .runtime.lifecycle.records import (
    Automation,
    Client,
    Contact,
    LifecycleError,
    ReminderSettings,
)
from .runtime.lifecycle.reminders import run as run_reminders
from .runtime.lifecycle.schema import install
from .runtime.lifecycle.sending import Sending, send
from .runtime.lifecycle.states import (
    issued,
    move,
    organizers,
    resend,
    set_reminders,
    todo,
)
from .runtime.lifecycle.table import FORMATS, export_answers
from .runtime.lifecycle.templates import latest_version
from .runtime.store import SQLiteStore, StoreError

#: Turns TEMPLATE (a file) into organizer.json, or returns a message saying why it cannot.
LoadIR = Callable[[str], "dict[str, Any] | str"]
Command = Callable[[argparse.Namespace], int]

EXIT_OK, EXIT_ERRORS = 0, 1
DEFAULT_STORE = Path(".organizer") / "store.sqlite3"


def open_store(args: argparse.Namespace) -> SQLiteStore:
    """`--store`, else `$ORGANIZER_STORE`, else `.organizer/store.sqlite3`, on the clock `--now` fixes."""
    path = Path(args.store or os.environ.get("ORGANIZER_STORE") or DEFAULT_STORE)
    path.parent.mkdir(parents=True, exist_ok=True)
    fixed = getattr(args, "now", None)
    clock = (lambda: fixed) if fixed is not None else (lambda: datetime.now(UTC))
    return install(SQLiteStore(path, clock=clock))


def _guarded(command: Command) -> Command:
    """Refusals become one line on stderr and exit 1, never a traceback."""
    @wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except (LifecycleError, StoreError) as error:
            print(f"organizer: {error}", file=sys.stderr)
            return EXIT_ERRORS
        except BrokenPipeError:  # the reader went away (`| head`): not an error of the input
            raise
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            print(f"organizer: {where}{error.strerror or error}", file=sys.stderr)
            return EXIT_ERRORS
    return run


# --- argument types ---------------------------------------------------------------------------


def moment(text: str) -> datetime:
    """`--now`: ISO 8601; without an offset it is UTC."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time such as 2027-02-01T09:00:00Z") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def smtp_server(text: str) -> SMTPServer:
    host, _, port = text.rpartition(":") if text.count(":") == 1 or text.startswith("[") else (text, "", "25")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT")
    return SMTPServer(host, int(port))


def _positive(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
    return int(text)


# --- commands --------------------------------------------------------------------------------


def _template_version(store: SQLiteStore, template: str, load_ir: LoadIR) -> str:
    if not Path(template).exists():
        if template.endswith((".organizer", ".json")):
            raise LifecycleError(f"{template}: no such file")
        return latest_version(store, template)
    loaded = load_ir(template)
    if isinstance(loaded, str):
        raise LifecycleError(loaded)
    return store.put_template(loaded)


def cmd_send(load_ir: LoadIR) -> Command:
    @_guarded
    def run(args: argparse.Namespace) -> int:
        store = open_store(args)
        client_ids = list(args.client or [])
        if args.clients:
            found = read_csv(decode_csv(Path(args.clients).read_bytes(), args.clients), args.clients)
            for problem in found.problems:
                print(f"organizer: {problem}", file=sys.stderr)
            if found.problems:
                return EXIT_ERRORS
            import_clients(store, found)
            client_ids += [c.id for c, _ in found.clients]
        reminders = None
        if args.no_reminders or args.remind_after is not None or args.remind_limit is not None:
            base = ReminderSettings()
            reminders = ReminderSettings(not args.no_reminders, args.remind_after or base.days,
                                         base.limit if args.remind_limit is None else args.remind_limit)
        version = _template_version(store, args.template, load_ir)
        sent = send(store, Sending(template_version=version, name=args.name, job_id=args.job, year=args.year,
                                   reminders=reminders), client_ids)
        for item in sent:
            print(f"{item.organizer_id}  {item.client_id}  {'sent' if item.created else 'already sent'}")
        created = sum(s.created for s in sent)
        print(f"{created} sent, {len(sent) - created} already sent (template version {version[:12]})")
        return EXIT_OK
    return run


@_guarded
def cmd_reminders_run(args: argparse.Namespace) -> int:
    store = open_store(args)
    result = run_reminders(store)
    print(f"reminders: {result.due} due, {result.queued} queued; {result.submissions} submissions notified")
    return EXIT_OK if args.queue_only else _deliver(store, args)


@_guarded
def cmd_reminders_set(args: argparse.Namespace) -> int:
    store = open_store(args)
    current = issued(store, args.organizer).reminders
    settings = ReminderSettings(current.enabled if args.on is None else args.on,
                                current.days if args.after is None else args.after,
                                current.limit if args.limit is None else args.limit)
    updated = set_reminders(store, args.organizer, settings).reminders
    print(f"reminders {'on' if updated.enabled else 'off'}: after {updated.days} days, at most {updated.limit}")
    return EXIT_OK


@_guarded
def cmd_outbox_send(args: argparse.Namespace) -> int:
    return _deliver(open_store(args), args)


def _deliver(store: SQLiteStore, args: argparse.Namespace) -> int:
    server = args.smtp or smtp_server(os.environ.get("ORGANIZER_SMTP", "127.0.0.1:25"))
    report = Dispatcher(store, server).run()
    for reason in report.reasons:
        print(f"organizer: failed: {reason}", file=sys.stderr)
    if report.unreachable:
        print(f"organizer: {server.host}:{server.port} cannot be reached; the emails wait for the next run",
              file=sys.stderr)
    print(f"outbox: {report.sent} sent, {report.retried} to retry, {report.failed} failed,"
          f" {report.in_doubt} resent after an interrupted delivery")
    return EXIT_OK


@_guarded
def cmd_outbox_status(args: argparse.Namespace) -> int:
    found = counts(open_store(args))
    print(f"pending {found.pending}, sending {found.sending}, sent {found.sent}, failed {found.failed},"
          f" in doubt {found.in_doubt}")
    return EXIT_OK


@_guarded
def cmd_clients_import(args: argparse.Namespace) -> int:
    store = open_store(args)
    found = read_csv(decode_csv(Path(args.file).read_bytes(), args.file), args.file)
    for problem in found.problems:
        print(f"organizer: {problem}", file=sys.stderr)
    if found.problems:
        return EXIT_ERRORS
    print(f"{len(import_clients(store, found))} clients imported")
    return EXIT_OK


@_guarded
def cmd_clients_add(args: argparse.Namespace) -> int:
    store = open_store(args)
    put_client(store, Client(id=args.id, name=args.name, email=args.email or "",
                             status="offline" if args.offline else "active"))
    for email in args.contact or []:
        put_contact(store, Contact(args.id, email, args.name, True))
    print(f"client {args.id} saved")
    return EXIT_OK


@_guarded
def cmd_clients_status(args: argparse.Namespace) -> int:
    changed = set_status(open_store(args), args.id, args.status)
    print(f"client {changed.id} is {changed.status}")
    return EXIT_OK


@_guarded
def cmd_list(args: argparse.Namespace) -> int:
    store = open_store(args)
    found = todo(store, args.client) if args.todo else organizers(
        store, client_id=args.client, states=tuple(args.state or ()))
    for item in found:
        o, i = item.organizer, item.issued
        print(f"{o.id}  {i.client_id}  {o.state:<11}  {i.period}  reminders {i.reminders_sent}/"
              f"{i.reminders.limit if i.reminders.enabled else 'off'}  {o.name}")
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    entries = open_store(args).history(args.organizer)
    if args.format == "json":
        print(json.dumps([{"revision": e.revision, "at": e.at, "kind": e.kind, "actor": e.actor,
                           "on_behalf": e.on_behalf, "changed": list(e.changed)} for e in entries], indent=2))
        return EXIT_OK
    for e in entries:
        behalf = " (on behalf of the client)" if e.on_behalf else ""
        print(f"{e.at}  r{e.revision:<4} {e.kind:<10} {e.actor}{behalf}  {', '.join(e.changed)}".rstrip())
    return EXIT_OK


def cmd_move(name: str) -> Command:
    @_guarded
    def run(args: argparse.Namespace) -> int:
        store = open_store(args)
        if name == "resend":
            print(f"resend {resend(store, args.organizer)} queued")
        elif name == "seal":
            manifest = seal(store, args.organizer, actor=args.actor)
            print(f"sealed: answers sha256 {manifest['answers_sha256']}, {len(manifest['files'])} files")
        else:
            print(f"{args.organizer} is {move(store, args.organizer, name, actor=args.actor).state.replace('_', ' ')}")
        return EXIT_OK
    return run


@_guarded
def cmd_export(args: argparse.Namespace) -> int:
    data = export_zip(open_store(args), args.organizer)
    Path(args.output).write_bytes(data)
    print(f"{args.output}: {len(data)} bytes")
    return EXIT_OK


@_guarded
def cmd_answers(args: argparse.Namespace) -> int:
    chosen = args.format or ("xlsx" if args.output.lower().endswith(".xlsx") else "csv")
    data = export_answers(open_store(args), args.template, format=chosen, period=args.period, repeat=args.repeat)
    if args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        Path(args.output).write_bytes(data)
        print(f"{args.output}: {len(data)} bytes")
    return EXIT_OK


@_guarded
def cmd_verify(args: argparse.Namespace) -> int:
    store = open_store(args)
    problems = verify(store, args.organizer)
    if args.zip:
        problems += verify_zip(store, args.organizer, Path(args.zip).read_bytes())
    for problem in problems:
        print(f"organizer: {problem}", file=sys.stderr)
    print("intact" if not problems else f"{len(problems)} differences from the seal")
    return EXIT_ERRORS if problems else EXIT_OK


@_guarded
def cmd_firm(args: argparse.Namespace) -> int:
    store = open_store(args)
    values = {k: v for k in ("name", "email", "phone", "host", "timezone", "portal_url")
              if (v := getattr(args, k)) is not None}
    current = set_firm(store, **values) if values else firm(store)
    print(json.dumps({k: getattr(current, k) for k in current.__slots__}, indent=2, ensure_ascii=False))
    return EXIT_OK


def cmd_pipeline_add(args: argparse.Namespace) -> int:
    ids = jobs.add_pipeline(open_store(args), args.id, args.name or args.id, args.stage)
    print("stages: " + ", ".join(ids))
    return EXIT_OK


def cmd_automation_add(load_ir: LoadIR) -> Command:
    @_guarded
    def run(args: argparse.Namespace) -> int:
        store = open_store(args)
        version = _template_version(store, args.template, load_ir)
        jobs.add_automation(store, Automation(id=args.id, stage_id=args.stage, template_version=version, name=args.name))
        print(f"automation {args.id}: create organizer {version[:12]} on entering {args.stage}")
        return EXIT_OK
    return run


def cmd_job(args: argparse.Namespace) -> int:
    store = open_store(args)
    if args.job_command == "add":
        found = jobs.add_job(store, args.id, args.client, args.name or args.id, args.pipeline)
    elif args.job_command == "move":
        found = jobs.move_job(store, args.id, args.stage, skip=args.skip or ())
    else:
        found = jobs.archive_job(store, args.id)
    print(f"job {found.id}: stage {found.stage_id or '-'}{' (archived)' if found.archived else ''}")
    return EXIT_OK


# --- the parser ------------------------------------------------------------------------------


def register(commands: Any, load_ir: LoadIR) -> None:
    """Add the lifecycle's commands to the `organizer` parser's subcommands."""
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument("--store", metavar="PATH", help="the store (default: $ORGANIZER_STORE or .organizer/store.sqlite3)")
    clock = argparse.ArgumentParser(add_help=False)
    clock.add_argument("--now", type=moment, metavar="TIME", help="act as if it were TIME (ISO 8601; UTC without offset)")
    smtp = argparse.ArgumentParser(add_help=False)
    smtp.add_argument("--smtp", type=smtp_server, metavar="HOST:PORT",
                      help="the SMTP server (default: $ORGANIZER_SMTP or 127.0.0.1:25)")
    actor = argparse.ArgumentParser(add_help=False)
    actor.add_argument("--actor", default="staff", help="who does it, for the history (default: staff)")

    c = commands.add_parser("send", parents=[store], help="send an organizer to clients (idempotent per period)")
    c.add_argument("template", metavar="TEMPLATE", help="a .organizer file, a built organizer.json or a template id")
    to = c.add_mutually_exclusive_group(required=True)
    to.add_argument("--client", action="append", metavar="ID", help="a client id (repeat for more)")
    to.add_argument("--clients", metavar="FILE.csv", help="clients from a CSV file (imported first)")
    c.add_argument("--name", metavar="TEXT", help="the organizer's name, shortcodes allowed (default: the title)")
    c.add_argument("--job", metavar="ID", help="link the organizers to this job")
    c.add_argument("--year", type=_positive, help="the organizer's <<year>> and period (default: this year)")
    c.add_argument("--no-reminders", action="store_true", help="no automatic reminders")
    c.add_argument("--remind-after", type=_positive, metavar="DAYS", help="days of inactivity before a reminder")
    c.add_argument("--remind-limit", type=_positive, metavar="N", help="at most N automatic reminders")
    c.set_defaults(run=cmd_send(load_ir))

    reminders = commands.add_parser("reminders", help="automatic reminders").add_subparsers(
        dest="reminders_command", required=True, metavar="COMMAND")
    c = reminders.add_parser("run", parents=[store, clock, smtp],
                             help="queue the reminders due now, then deliver the outbox (safe from cron)")
    c.add_argument("--queue-only", action="store_true", help="queue, do not deliver")
    c.set_defaults(run=cmd_reminders_run)
    c = reminders.add_parser("set", parents=[store], help="change an open organizer's reminders")
    c.add_argument("organizer", metavar="ORGANIZER_ID")
    switch = c.add_mutually_exclusive_group()
    switch.add_argument("--on", dest="on", action="store_const", const=True)
    switch.add_argument("--off", dest="on", action="store_const", const=False)
    c.add_argument("--after", type=_positive, metavar="DAYS")
    c.add_argument("--limit", type=_positive, metavar="N")
    c.set_defaults(run=cmd_reminders_set, on=None)

    outbox = commands.add_parser("outbox", help="queued emails").add_subparsers(
        dest="outbox_command", required=True, metavar="COMMAND")
    outbox.add_parser("send", parents=[store, clock, smtp], help="deliver the queued emails").set_defaults(
        run=cmd_outbox_send)
    outbox.add_parser("status", parents=[store], help="count emails by state").set_defaults(run=cmd_outbox_status)

    clients = commands.add_parser("clients", help="the firm's clients").add_subparsers(
        dest="clients_command", required=True, metavar="COMMAND")
    c = clients.add_parser("import", parents=[store], help="add or update clients from a CSV file")
    c.add_argument("file", metavar="FILE.csv")
    c.set_defaults(run=cmd_clients_import)
    c = clients.add_parser("add", parents=[store], help="add or update one client")
    c.add_argument("id")
    c.add_argument("--name", required=True)
    c.add_argument("--email", help="the client's email, a contact with notify on")
    c.add_argument("--contact", action="append", metavar="EMAIL", help="another contact with notify on")
    c.add_argument("--offline", action="store_true", help="not invited yet: no emails")
    c.set_defaults(run=cmd_clients_add)
    for status in ("active", "offline"):
        c = clients.add_parser("activate" if status == "active" else "deactivate", parents=[store],
                               help=f"make a client {status}")
        c.add_argument("id")
        c.set_defaults(run=cmd_clients_status, status=status)

    c = commands.add_parser("list", parents=[store], help="organizers sent, most recently notified first")
    c.add_argument("--client", metavar="ID")
    c.add_argument("--state", action="append", choices=("pending", "in_progress", "submitted", "sealed", "archived",
                                                         "deleted"))
    c.add_argument("--todo", action="store_true", help="the client's to-do list (needs --client)")
    c.set_defaults(run=_guarded(cmd_list))

    c = commands.add_parser("history", parents=[store], help="an organizer's saves, submissions and events, oldest first")
    c.add_argument("organizer", metavar="ORGANIZER_ID")
    c.add_argument("--format", choices=("text", "json"), default="text")
    c.set_defaults(run=_guarded(cmd_history))

    for name, text in (("resend", "email an open organizer again; it goes to the top of the to-do list"),
                       ("unsubmit", "reopen a submitted organizer"), ("seal", "seal a submitted organizer"),
                       ("archive", "archive an organizer"), ("delete", "delete an organizer")):
        c = commands.add_parser(name, parents=[store, actor], help=text)
        c.add_argument("organizer", metavar="ORGANIZER_ID")
        c.set_defaults(run=cmd_move(name))
    c = commands.add_parser("export", parents=[store], help="answers, printout and files of a submitted organizer")
    c.add_argument("organizer", metavar="ORGANIZER_ID")
    c.add_argument("-o", "--output", required=True, metavar="FILE.zip")
    c.set_defaults(run=cmd_export)
    c = commands.add_parser("answers", parents=[store],
                            help="the submitted answers to a template as a table (CSV, or an XLSX workbook)")
    c.add_argument("template", metavar="TEMPLATE_ID")
    c.add_argument("-o", "--output", required=True, metavar="FILE.csv|FILE.xlsx|-")
    c.add_argument("--format", choices=sorted(FORMATS), help="default: from the output's suffix, else csv")
    c.add_argument("--period", help="only organizers of this period (a year)")
    c.add_argument("--repeat", metavar="REPEAT_ID", help="CSV of one repeat's rows instead of the answers")
    c.set_defaults(run=cmd_answers)
    c = commands.add_parser("verify", parents=[store], help="check a sealed organizer (and an export) against its seal")
    c.add_argument("organizer", metavar="ORGANIZER_ID")
    c.add_argument("--zip", metavar="FILE.zip")
    c.set_defaults(run=cmd_verify)

    c = commands.add_parser("firm", parents=[store], help="show or change the firm's settings")
    for name in ("name", "email", "phone", "host", "timezone"):
        c.add_argument(f"--{name}")
    c.add_argument("--portal-url", dest="portal_url")
    c.set_defaults(run=cmd_firm)

    pipeline = commands.add_parser("pipeline", help="pipelines of stages").add_subparsers(
        dest="pipeline_command", required=True, metavar="COMMAND")
    c = pipeline.add_parser("add", parents=[store], help="a pipeline with its stages in order")
    c.add_argument("id")
    c.add_argument("--name")
    c.add_argument("--stage", action="append", required=True, metavar="NAME")
    c.set_defaults(run=_guarded(cmd_pipeline_add))
    c = pipeline.add_parser("automate", parents=[store], help="create an organizer when a job enters a stage")
    c.add_argument("stage", metavar="STAGE_ID")
    c.add_argument("template", metavar="TEMPLATE")
    c.add_argument("--id", required=True, help="the automation's id (to untick it at a move)")
    c.add_argument("--name", metavar="TEXT", help="the organizer's name, shortcodes allowed")
    c.set_defaults(run=cmd_automation_add(load_ir))

    job = commands.add_parser("job", help="jobs moving through a pipeline").add_subparsers(
        dest="job_command", required=True, metavar="COMMAND")
    c = job.add_parser("add", parents=[store])
    c.add_argument("id")
    c.add_argument("--client", required=True)
    c.add_argument("--pipeline", required=True)
    c.add_argument("--name")
    c.set_defaults(run=_guarded(cmd_job))
    c = job.add_parser("move", parents=[store], help="move into a stage, running its automations")
    c.add_argument("id")
    c.add_argument("stage", metavar="STAGE_ID")
    c.add_argument("--skip", action="append", metavar="AUTOMATION", help="untick this automation for the move")
    c.set_defaults(run=_guarded(cmd_job))
    c = job.add_parser("archive", parents=[store], help="archive a job; its organizers' reminders stop")
    c.add_argument("id")
    c.set_defaults(run=_guarded(cmd_job))
