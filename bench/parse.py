#!/usr/bin/env python3
"""Time the front end on generated templates of 50, 500 and 5,000 questions.

    python bench/parse.py [--sizes 50 500 5000] [--runs 5] [--seed 0] [--mirror] [--profile]
                          [--clock wall|cpu]

For each N it times, interleaved round by round (gc.collect() before every timed call, the
first call of each kind is an untimed warm-up, so the parser's construction is excluded):

  parse        organizer.dsl.parse.parse(text, file), on bench/generate.py's generate(N)
  parse+check  organizer.dsl.frontend.check_source(text, file) ("n/a" while it does not exist)
  mirror parse with --mirror: parse() of generate_peer(N), the 1:1 translation of the peers' model
  json.loads   json.loads of the peers' SurveyJS JSON of the same N (gen_forms.py), the floor

Columns: median of the runs, min-max, µs per question, and the ratio to json.loads taken round
by round (the median of per-round ratios: paired, which is steadier on a noisy machine than a
ratio of medians). `--clock cpu` times process CPU time instead of wall-clock time, which is
steadier when other jobs share the machine. Before timing, every template is checked to parse
(and check) with no error diagnostics; any error is printed with its input line. If parse()
rejects the generated text, the variant with `pattern` and `message` on separate lines is
timed instead, and that is said.

--profile adds, on the largest N:
  * cProfile's top 25 functions by cumulative and by total time;
  * the profiled self time per module: lark.lexer, lark.parsers, other lark, our callbacks
    (organizer.dsl.build_ast), the string decoder (organizer.dsl.strings), the driver and
    post-lexer (organizer.dsl.parse), dataclass __init__s (AST nodes and Spans); builtins and
    stdlib functions are charged to their callers;
  * cyclic GC: the same parse with the collector enabled vs gc.disable() (paired), how many
    collections one parse() call runs, and what GC still costs parse() as called;
  * an un-profiled ablation with GC off: lexing alone (the contextual lexer replayed over the
    parser states recorded in a real parse), parsing with no-op callbacks (lexer + LALR +
    Lark's callback plumbing + post-lexer), our callbacks (the difference to a real parse), and
    the string decoder alone (decode() over every string token).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lark
from generate import gen_forms, generate, generate_peer, surveyjs_text
from organizer.dsl import parse as parse_module
from organizer.dsl.diagnostics import Severity
from organizer.dsl.parse import parse

try:
    from organizer.dsl.frontend import check_source
except ImportError:
    check_source = None


# --------------------------------------------------------------------------- inputs


def errors_of(diagnostics: Any) -> list[Any]:
    return [d for d in diagnostics if d.severity is Severity.ERROR]


def describe(diags: list[Any], text: str, limit: int = 5) -> str:
    lines = text.splitlines()
    out = []
    for d in diags[:limit]:
        src = lines[d.span.line - 1] if 0 < d.span.line <= len(lines) else ""
        out.append(f"    {d.span.file}:{d.span.line}:{d.span.column}: {d.code}: {d.message}"
                   + (f" ({'; '.join(d.notes)})" if d.notes else "") + f"\n      | {src.strip()}")
    if len(diags) > limit:
        out.append(f"    ... and {len(diags) - limit} more")
    return "\n".join(out)


def template_for(n: int, seed: int, report: list[str]) -> tuple[str, str]:
    """The generated template of N questions, checked to parse without errors.

    If the parser rejects the default text (which SPEC section 2 allows), the error is reported
    and the variant that writes `pattern` and `message` on separate lines is used instead.
    """
    file = f"generated_n{n}.organizer"
    text = generate(n, seed)
    errs = errors_of(parse(text, file).diagnostics)
    if errs:
        report.append(f"N={n}: parse() rejects the generated template (SPEC-valid input):\n" + describe(errs, text))
        text = generate(n, seed, split_pattern_message=True)
        errs = errors_of(parse(text, file).diagnostics)
        if errs:
            report.append(f"N={n}: also the split-pattern/message variant fails:\n" + describe(errs, text))
        else:
            report.append(f"N={n}: timing the variant with `pattern` and `message` on separate lines instead")
    return file, text


# --------------------------------------------------------------------------- timing


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
clock = CLOCKS["wall"]


def time_once(fn: Callable[[], Any]) -> float:
    gc.collect()
    t0 = clock()
    fn()
    return clock() - t0


def paired(cands: dict[str, Callable[[], Any]], runs: int) -> dict[str, list[float]]:
    """Run every candidate once per round, rotating the order; returns seconds per round."""
    names = list(cands)
    for name in names:  # warm-up, untimed
        cands[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(runs):
        order = names[r % len(names):] + names[: r % len(names)]
        for name in order:
            times[name].append(time_once(cands[name]))
    return times


def ms(x: float) -> str:
    v = x * 1000
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.2f}" if v >= 0.1 else f"{v:.3f}"


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def fmt(cells: list[str]) -> str:
        return "| " + " | ".join(c.rjust(w) if i != 1 else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))) + " |"

    return "\n".join([fmt(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [fmt(r) for r in rows])


def source_version() -> str:
    """The project's commit, and whether dsl/ has uncommitted changes (others edit it concurrently)."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "dsl"], cwd=root, capture_output=True,
                               text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"
    return f"commit {head}" + (" + uncommitted dsl/ changes" if dirty else "")


def bench(sizes: list[int], runs: int, seed: int, mirror: bool) -> None:
    report: list[str] = []
    rows: list[list[str]] = []
    have_peers = gen_forms() is not None
    for n in sizes:
        file, text = template_for(n, seed, report)
        inputs: dict[str, tuple[str, Callable[[], Any]]] = {"parse": (text, partial(parse, text, file))}
        if check_source is not None:
            inputs["parse+check"] = (text, partial(check_source, text, file))
        if mirror and have_peers:
            mtext = generate_peer(n)
            merrs = errors_of(parse(mtext, "mirror.organizer").diagnostics)
            if merrs:
                report.append(f"N={n}: the 1:1 mirror does not parse:\n" + describe(merrs, mtext))
            inputs["mirror parse"] = (mtext, partial(parse, mtext, "mirror.organizer"))
        if have_peers:
            sjs = surveyjs_text(n)
            inputs["json.loads"] = (sjs, partial(json.loads, sjs))
        cands = {k: fn for k, (_, fn) in inputs.items()}
        failing: dict[str, str] = {}
        for name, fn in list(cands.items()):
            try:
                result = fn()
            except Exception as exc:  # noqa: BLE001 -- a work-in-progress checker must not stop the run
                failing[name] = f"error: {type(exc).__name__}"
                report.append(f"N={n}: {name} raised {type(exc).__name__}: {exc}")
                del cands[name]
                continue
            if name == "parse+check" and (cerrs := errors_of(result.diagnostics)):
                report.append(f"N={n}: check_source reports {len(cerrs)} error(s):\n" + describe(cerrs, text))
        times = paired(cands, runs)
        floor = times.get("json.loads")
        for name in ["parse", "parse+check", "mirror parse", "json.loads"]:
            if name == "parse+check" and check_source is None:
                rows.append([str(n), name, "", "n/a", "", "", ""])
                continue
            if name in failing:
                rows.append([str(n), name, "", failing[name], "", "", ""])
                continue
            if name not in times:
                continue
            t = times[name]
            kib = len(inputs[name][0].encode()) / 1024
            ratio = f"{statistics.median(a / b for a, b in zip(t, floor)):.1f}×" if floor else "n/a"
            rows.append([str(n), name, f"{kib:,.1f}", ms(statistics.median(t)), f"{ms(min(t))}–{ms(max(t))}",
                         f"{statistics.median(t) / n * 1e6:,.1f}" if n else "", ratio])
        if not have_peers:
            rows.append([str(n), "json.loads", "", "n/a (no gen_forms.py)", "", "", ""])
    print(f"# front-end timing at {source_version()}: median of {runs} runs "
          f"({'process CPU' if clock is time.process_time else 'wall-clock'} time), gc.collect() before each; "
          f"python {platform.python_version()}, lark {lark.__version__}, {os.cpu_count()} CPUs, "
          f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(table(["N", "what", "input KiB", "median ms", "min–max ms", "µs/question", "ratio to json.loads"], rows))
    if report:
        print("\nProblems found while checking the inputs:")
        for line in report:
            print("  " + line)


# --------------------------------------------------------------------------- profile


CATEGORIES = (
    ("dataclass __init__ (AST nodes, Spans)", ("<string>:__init__",)),
    ("lark.lexer", ("/lark/lexer.py",)),
    ("lark.parsers", ("/lark/parsers/",)),
    ("lark other (callback plumbing, frontends)", ("/lark/",)),
    ("organizer.dsl.strings (decoder)", ("/dsl/strings.py",)),
    ("organizer.dsl.build_ast (callbacks)", ("/dsl/build_ast.py",)),
    ("organizer.dsl.parse (post-lexer, driver)", ("/dsl/parse.py",)),
    ("organizer.dsl other", ("/dsl/",)),
)


def category(func: tuple[str, int, str]) -> str | None:
    filename = func[0].replace(os.sep, "/")
    if filename == "<string>" and func[2] == "__init__":
        filename = "<string>:__init__"
    for name, needles in CATEGORIES:
        if any(x in filename for x in needles):
            return name
    return None  # builtins ('~'), generated code ('<string>'), stdlib: charged to the caller


def module_breakdown(prof: cProfile.Profile) -> dict[str, float]:
    """Self time per category, from the profiler's raw entries (pstats would merge every
    dataclass __init__ into one '<string>:2' row); an uncategorised function (builtin, stdlib)
    is charged to its callers in proportion to the time spent in it from each of them."""
    entries = prof.getstats()
    edges: dict[Any, list[tuple[Any, float]]] = {}
    for e in entries:
        for sub in e.calls or ():
            edges.setdefault(sub.code, []).append((e.code, sub.inlinetime))

    def category_of(code: Any) -> str | None:
        if isinstance(code, str):
            return None  # a builtin
        return category((code.co_filename, code.co_firstlineno, code.co_name))

    memo: dict[Any, dict[str, float]] = {}

    def share_of(code: Any, seen: frozenset) -> dict[str, float]:
        cat = category_of(code)
        if cat is not None:
            return {cat: 1.0}
        if code in memo:
            return memo[code]
        callers = edges.get(code, [])
        total = sum(t for _, t in callers)
        out: dict[str, float] = {}
        if not callers or total <= 0 or code in seen:
            out = {"other (unattributed)": 1.0}
        else:
            for caller, t in callers:
                for c, f in share_of(caller, seen | {code}).items():
                    out[c] = out.get(c, 0.0) + f * t / total
        memo[code] = out
        return out

    totals: dict[str, float] = {}
    for e in entries:
        for c, f in share_of(e.code, frozenset()).items():
            totals[c] = totals.get(c, 0.0) + e.inlinetime * f
    return totals


def names_inlined(parser: lark.Lark) -> set[str]:
    """Rules Lark splices into their parent (`_rule`): they must keep building Trees."""
    return {str(r.origin.name) for r in parser.rules if str(r.origin.name).startswith("_")}


def collections_during(fn: Callable[[], Any]) -> str:
    """How many cyclic collections, per generation, run during fn() (0 if it pauses GC)."""
    counts = [0, 0, 0]

    def hook(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            counts[info["generation"]] += 1

    gc.collect()
    gc.callbacks.append(hook)
    try:
        fn()
    finally:
        gc.callbacks.remove(hook)
    return f"gen0 {counts[0]}, gen1 {counts[1]}, gen2 {counts[2]}"


def build_null_parser() -> lark.Lark:
    """The same grammar and options with callbacks that do nothing (lexer + parser + plumbing)."""
    probe = parse_module.build_parser(None)
    names = {str(r.alias or r.origin.name) for r in probe.rules} - {n for n in names_inlined(probe)}
    null_cls = type("NullCallbacks", (lark.Transformer,), {name: (lambda self, c: None) for name in names})
    return parse_module.build_parser(null_cls())


def record_lexer(parser: lark.Lark, text: str) -> tuple[list[int], list[lark.Token]]:
    """Parse once, recording the parser state before each token and every raw token."""
    from lark.lexer import ContextualLexer

    positions: list[int] = []
    tokens: list[lark.Token] = []
    original = ContextualLexer.lex

    def recording(self: Any, lexer_state: Any, parser_state: Any) -> Any:
        try:
            while True:
                positions.append(parser_state.position)
                tok = self.lexers[parser_state.position].next_token(lexer_state, parser_state)
                tokens.append(tok)
                yield tok
        except EOFError:
            pass

    ContextualLexer.lex = recording  # type: ignore[method-assign]
    try:
        parser.parse(text)
    finally:
        ContextualLexer.lex = original  # type: ignore[method-assign]
    return positions, tokens


def replay_lexer(parser: lark.Lark, text: str, positions: list[int]) -> int:
    """Run the contextual lexer alone, feeding it the recorded parser states."""
    from lark.lexer import LexerState
    from lark.utils import TextSlice

    contextual = parser.parser.lexer.lexer  # ParsingFrontend -> PostLexConnector -> ContextualLexer

    class _State:
        __slots__ = ("position",)
        position: Any

    ps = _State()
    it = iter(positions)
    ps.position = next(it)
    count = 0
    for _tok in contextual.lex(LexerState(TextSlice.cast_from(text)), ps):
        ps.position = next(it)
        count += 1
    return count


def profile(n: int, seed: int, runs: int) -> None:
    from organizer.dsl.build_ast import AstBuilder
    from organizer.dsl.strings import decode

    _file, text = template_for(n, seed, [])
    file = "p.organizer"
    parse(text, file)  # warm-up: builds the parser
    print(f"\n# profile of parse(), N={n} ({len(text.encode()) / 1024:,.0f} KiB, {text.count(chr(10)):,} lines)")

    prof = cProfile.Profile()
    gc.collect()
    prof.enable()
    parse(text, file)
    prof.disable()
    for key, title in (("cumulative", "cumulative"), ("tottime", "total (self)")):
        buf = io.StringIO()
        st = pstats.Stats(prof, stream=buf)
        st.sort_stats(key).print_stats(25)
        body = buf.getvalue()
        body = body[body.find("   ncalls"):] if "   ncalls" in body else body
        print(f"\n## top 25 by {title} time (cProfile; inflates call-heavy code; every dataclass "
              f"__init__ shares the row '<string>:2(__init__)' and only one of them is shown)\n{body.rstrip()}")

    breakdown = module_breakdown(prof)
    total = sum(breakdown.values())
    print(f"\n## profiled self time by module (builtins charged to their callers); "
          f"total {total * 1000:,.0f} ms under cProfile")
    for name, t in sorted(breakdown.items(), key=lambda kv: -kv[1]):
        print(f"  {name:48s} {t * 1000:8,.0f} ms  {100 * t / total:5.1f} %")

    # Un-profiled measurements, on parsers built here (same grammar, options and callbacks as
    # parse(), no lock, no BOM/newline/bidi pre-pass) so GC can be switched per call.
    src = parse_module.normalise_newlines(text) + "\n"
    null_parser = build_null_parser()
    full_parser = parse_module.build_parser(AstBuilder())
    positions, raw_tokens = record_lexer(full_parser, src)
    strings = [tk for tk in raw_tokens if tk.type in ("STRING", "TRIPLE_STRING")]

    def no_gc(fn: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            gc.disable()
            try:
                return fn()
            finally:
                gc.enable()
        return run

    def full() -> None:
        full_parser.options.transformer.reset(file)
        full_parser.parse(src)

    def decode_all() -> None:
        for tk in strings:
            decode(str(tk), file, tk.line, tk.column)

    # Cyclic GC: the same parse with the collector enabled and disabled, paired.
    gct = paired({"gc on": full, "gc off": no_gc(full)}, runs)
    on, off = statistics.median(gct["gc on"]), statistics.median(gct["gc off"])
    share = statistics.median(1 - b / a for a, b in zip(gct["gc on"], gct["gc off"]))
    own = collections_during(partial(parse, text, file))
    print(f"\n## cyclic GC (median of {runs}, paired): collector enabled {ms(on)} ms, gc.disable() {ms(off)} ms "
          f"-> GC is {100 * share:.0f} % of a parse with GC on (thresholds {gc.get_threshold()}); "
          f"collections run during one parse() call: {own}")
    # What GC still costs parse() as called: when parse() re-enables the collector, the next
    # allocation runs a young collection over everything the parse allocated and kept.
    api = paired({"parse()": partial(parse, text, file), "parse() inside gc.disable()": no_gc(partial(parse, text, file))},
                 runs)
    a_on, a_off = statistics.median(api["parse()"]), statistics.median(api["parse() inside gc.disable()"])
    a_share = statistics.median(1 - b / a for a, b in zip(api["parse()"], api["parse() inside gc.disable()"]))
    print(f"   parse() as called {ms(a_on)} ms vs inside a caller's gc.disable() {ms(a_off)} ms -> "
          f"GC left in parse(): {100 * a_share:.0f} %")

    cands = {
        "lex only": no_gc(lambda: replay_lexer(full_parser, src, positions)),
        "lex+parse, no-op callbacks": no_gc(lambda: null_parser.parse(src)),
        "full parse (our callbacks)": no_gc(full),
        "decode() of every string": no_gc(decode_all),
        "parse() as called": lambda: parse(text, file),
    }
    med = {k: statistics.median(v) for k, v in paired(cands, runs).items()}
    whole = med["full parse (our callbacks)"]
    lex, null = med["lex only"], med["lex+parse, no-op callbacks"]
    dec = med["decode() of every string"]
    print(f"\n## un-profiled ablation, N={n}, gc disabled during each call, median of {runs} (paired rounds); "
          f"{len(raw_tokens):,} tokens, {len(strings):,} string tokens")
    for k, v in med.items():
        print(f"  {k:40s} {ms(v):>8} ms")
    print("  => shares of the full parse (GC off):")
    parts = [
        ("lexing (lark.lexer, incl. Token objects)", lex),
        ("LALR parsing + Lark callback plumbing + post-lexer", null - lex),
        ("our callbacks excluding the decoder (build_ast + AST nodes)", whole - null - dec),
        ("string decoder (strings.decode)", dec),
    ]
    for name, v in parts:
        print(f"     {name:62s} {ms(v):>8} ms  {100 * v / whole:5.1f} %")
    print(f"     (with the collector on, GC adds {ms(on - off)} ms = {100 * share:.0f} % of that parse)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[50, 500, 5000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--mirror", action="store_true", help="also time the 1:1 mirror of the peers' model")
    ap.add_argument("--profile", action="store_true", help="profile the parse of the largest size")
    ap.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                    help="wall (default) or cpu: process CPU time, steadier when other jobs share the machine")
    args = ap.parse_args(argv)
    global clock
    clock = CLOCKS[args.clock]
    bench(args.sizes, args.runs, args.seed, args.mirror)
    if args.profile:
        profile(max(args.sizes), args.seed, args.runs)


if __name__ == "__main__":
    main()
