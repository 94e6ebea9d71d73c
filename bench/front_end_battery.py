#!/usr/bin/env python3
"""Figures for the front end's reliability battery (RELIABILITY.md P1, P2, P4, P5, P8).

    python bench/front_end_battery.py [--templates 1000] [--mutations 10000]

P1: generated templates -> print -> parse -> check -> compile -> evaluate(empty answers):
uncaught exceptions, round-trip mismatches, p99 compile time. P2: mutated library templates
(token deletion, duplication and swap, random bytes, encodings, line endings): uncaught
exceptions and diagnostics outside the file. P4: nesting depths up to 100,000. P5: a 1 MB
template's compile time and peak memory (in a child process).
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from strategies import templates  # noqa: E402

from organizer.compiler.build import compile_source  # noqa: E402
from organizer.dsl.frontend import check_source, decode_source  # noqa: E402
from organizer.dsl.parse import normalise_newlines, parse  # noqa: E402
from organizer.dsl.printer import print_module  # noqa: E402
from organizer.runtime.template import Template  # noqa: E402

_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*|[0-9]+|\S')


def p1(count: int) -> None:
    stats = {"templates": 0, "uncaught": 0, "mismatch": 0, "compiled": 0}
    times: list[float] = []

    @settings(max_examples=count, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(templates())
    def run(module: object) -> None:
        stats["templates"] += 1
        try:
            text = print_module(module)  # type: ignore[arg-type]
            if parse(text, "g.organizer").module != module:
                stats["mismatch"] += 1
            start = time.perf_counter()
            result = compile_source(text, "g.organizer")
            times.append(time.perf_counter() - start)
            if result.program is not None:
                stats["compiled"] += 1
                Template(result.program).evaluate({})
        except Exception:  # noqa: BLE001 - counting them is the point
            stats["uncaught"] += 1

    started = time.perf_counter()
    run()
    times.sort()
    p99 = times[int(len(times) * 0.99) - 1] * 1000 if times else 0.0
    print(f"P1: {stats['templates']:,} generated templates: {stats['uncaught']} uncaught, "
          f"{stats['mismatch']} round-trip mismatches, {stats['compiled']:,} compiled; "
          f"p99 compile {p99:.1f} ms; {time.perf_counter() - started:.0f} s")


def _mutate(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8")
    kind = rng.randrange(8)
    tokens = [m for m in _TOKEN.finditer(text)]
    if kind < 3 and tokens:
        m = rng.choice(tokens)
        if kind == 0:
            return (text[: m.start()] + text[m.end():]).encode()
        if kind == 1:
            return (text[: m.end()] + " " + m.group() + text[m.end():]).encode()
        other = rng.choice(tokens)
        a, b = sorted((m, other), key=lambda x: x.start())
        if a.end() <= b.start():
            return (text[: a.start()] + b.group() + text[a.end(): b.start()] + a.group() + text[b.end():]).encode()
    if kind == 3:
        spot = rng.randrange(len(data) + 1)
        return data[:spot] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 8))) + data[spot:]
    if kind == 4:
        return text.replace("\n", rng.choice(["\r\n", "\r", "\n\t"])).encode()
    if kind == 5:
        return b"\xef\xbb\xbf" + data
    if kind == 6:
        spot = rng.randrange(len(text) + 1)
        return (text[:spot] + rng.choice(['"""', '"', "\x00", "{", "}", "\u202e", "(" * 50]) + text[spot:]).encode()
    return data[: rng.randrange(len(data) + 1)]


def p2(count: int) -> None:
    rng = random.Random(20261127)
    sources = [p.read_bytes() for p in sorted((ROOT / "stdlib_templates").glob("*.organizer"))]
    uncaught = out_of_bounds = diagnostics = 0
    started = time.perf_counter()
    for _ in range(count):
        data = _mutate(rng, rng.choice(sources))
        try:
            text, problem = decode_source(data, "m.organizer")
            found = [problem] if problem else list(check_source(text, "m.organizer").diagnostics)
        except Exception:  # noqa: BLE001
            uncaught += 1
            continue
        shown = normalise_newlines(data.decode("utf-8", errors="replace").removeprefix("\ufeff")).split("\n")
        for d in found:
            diagnostics += 1
            line_ok = 1 <= d.span.line <= len(shown)
            if not line_ok or not 1 <= d.span.column <= len(shown[d.span.line - 1]) + 2:
                out_of_bounds += 1
    print(f"P2: {count:,} mutated inputs: {uncaught} uncaught, {diagnostics:,} diagnostics, "
          f"{out_of_bounds} outside their file; {time.perf_counter() - started:.0f} s")


def _wrap(body: str) -> str:
    return f'organizer t "T" {{\n  section s "S" {{\n    yesno a "A"\n{body}\n  }}\n}}\n'


def p4() -> None:
    shapes = {
        "not chain": lambda n: _wrap('    text b "B" when ' + "not " * n + "a"),
        "parentheses": lambda n: _wrap('    text b "B" when ' + "(" * n + "a" + ")" * n),
        "if blocks": lambda n: _wrap("    if a {\n" * n + '    text b "B"\n' + "    }\n" * n),
        "groups": lambda n: _wrap("".join(f'    group g{i} "G" {{\n' for i in range(n)) + '    text b "B"\n'
                                  + "    }\n" * n),
        "and chain": lambda n: _wrap('    text b "B" when ' + " and ".join(["a"] * n)),
    }
    for name, make in shapes.items():
        row = []
        for depth in (10, 100, 1_000, 100_000):
            text = make(depth)
            start = time.perf_counter()
            try:
                result = check_source(text, "d.organizer")
                codes = sorted({d.code for d in result.diagnostics if d.severity.value == "error"})
                outcome = "ok" if not codes else ",".join(codes)
            except RecursionError:
                outcome = "RecursionError"
            row.append(f"{depth:,}: {outcome} {1000 * (time.perf_counter() - start):.0f} ms")
        print(f"P4 {name}: " + "; ".join(row))


def p5() -> None:
    code = (
        "import sys, time, resource; sys.path.insert(0, 'bench'); from generate import generate\n"
        "from organizer.compiler.build import compile_source\n"
        "text = generate(7600)\n"
        "start = time.perf_counter(); result = compile_source(text, 'big.organizer')\n"
        "took = time.perf_counter() - start\n"
        "print(len(text.encode()), took, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, result.ok,"
        " len(result.diagnostics))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    size, took, rss, ok, count = out.stdout.split()
    print(f"P5: a {int(size) / 1e6:.2f} MB template compiles (all artifacts) in {float(took):.2f} s, "
          f"peak RSS {int(rss) / 1024:.0f} MB (compiled: {ok}, {count} diagnostics)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--templates", type=int, default=1000)
    parser.add_argument("--mutations", type=int, default=10_000)
    args = parser.parse_args()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    p4()
    p5()
    p1(args.templates)
    p2(args.mutations)
    print(f"max RSS of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
