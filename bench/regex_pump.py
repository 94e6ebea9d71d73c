"""Pump attack on the portable pattern subset (RELIABILITY S4).

Every accepted pattern of the test corpus (`tests/dsl/test_regex_subset.py`) is matched against
`prefix + pump * k + suffix` strings, where the prefix and suffix complete a shortest match around
each repeat and the pumps are one iteration of it, or single characters it can match. Prints the
worst match time per engine: Python `re`, and Node with the `u` and `v` flags (median of 3 runs
after one warm-up run).

    python bench/regex_pump.py [--k 50000] [--control]

`--control` first pumps two known-bad patterns, to show the harness notices slow matching.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from organizer.dsl.regex_subset import (
    Alt,
    Atom,
    CharSet,
    Group,
    Node,
    PatternError,
    Repeat,
    Seq,
    check_pattern,
    parse_pattern,
)

ROOT = Path(__file__).resolve().parents[1]
BUDGET_MS = 10.0
RUNS = 3

_NODE_SCRIPT = r"""
const readline = require("readline");
let flags = ["u", "v"];
try { new RegExp("a", "v"); } catch (e) { flags = ["u"]; }
process.stdout.write(JSON.stringify({ flags }) + "\n");
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const { p, prefix, pump, k, suffix, runs } = JSON.parse(line);
  const s = prefix + pump.repeat(k) + suffix;
  const out = {};
  for (const flag of flags) {
    const re = new RegExp(p, flag);
    const times = [];
    let verdict = re.test(s);  // warm-up, as in Python
    for (let i = 0; i < runs; i++) {
      const t = process.hrtime.bigint();
      verdict = re.test(s);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    times.sort((a, b) => a - b);
    out[flag] = { ms: times[Math.floor(runs / 2)], verdict };
  }
  process.stdout.write(JSON.stringify(out) + "\n");
});
"""


@dataclass(frozen=True, slots=True)
class Attack:
    prefix: str
    pump: str
    suffix: str

    def text(self, k: int) -> str:
        return self.prefix + self.pump * k + self.suffix

    def describe(self, k: int) -> str:
        return f"{self.prefix!r} + {self.pump!r}*{k} + {self.suffix!r}"


@dataclass(frozen=True, slots=True)
class Timing:
    engine: str
    ms: float
    verdict: bool


class NodeTimer:
    """One persistent Node process; each request builds the string in JS and times `test`."""

    def __init__(self) -> None:
        executable = shutil.which("node") or "/usr/bin/node"
        self.proc = subprocess.Popen([executable, "-e", _NODE_SCRIPT], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, encoding="utf-8")
        self.flags: tuple[str, ...] = tuple(self._read()["flags"])

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        reply: dict[str, Any] = json.loads(self.proc.stdout.readline())
        return reply

    def time(self, portable: str, attack: Attack, k: int) -> list[Timing]:
        assert self.proc.stdin is not None
        request = {"p": portable, "prefix": attack.prefix, "pump": attack.pump, "k": k,
                   "suffix": attack.suffix, "runs": RUNS}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        reply = self._read()
        return [Timing(f"node/{flag}", float(reply[flag]["ms"]), bool(reply[flag]["verdict"])) for flag in self.flags]

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def time_python(portable: str, text: str) -> Timing:
    compiled = re.compile(portable)
    verdict = compiled.search(text) is not None  # warm-up: the first run pays for memory
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        verdict = compiled.search(text) is not None
        times.append((time.perf_counter() - start) * 1000)
    return Timing("python", statistics.median(times), verdict)


# --- building attacks from the pattern tree ----------------------------------------------------

_PREFERRED = "a0A -.,é_!\t"


def samples(chars: CharSet, limit: int = 3) -> list[str]:
    """A few characters of the set, readable ones first."""
    inside = [c for c in _PREFERRED if any(lo <= ord(c) <= hi for lo, hi in chars.ranges)]
    inside += [chr(lo) for lo, _ in chars.ranges if chr(lo).isprintable() and chr(lo) not in inside]
    return inside[:limit] or [chr(chars.ranges[0][0])]


def witness(node: Node) -> str:
    """A shortest string `node` matches."""
    match node:
        case Atom():
            return samples(node.chars, 1)[0]
        case Group():
            return witness(node.body)
        case Repeat():
            return witness(node.item) * node.min
        case Seq():
            return "".join(witness(item) for item in node.items)
        case Alt():
            return min((witness(branch) for branch in node.branches), key=len)
    raise AssertionError(node)


def around(node: Node, target: Repeat) -> tuple[str, str] | None:
    """The text a shortest match puts before and after `target`, or None if it is not inside."""
    if node is target:
        return "", ""
    match node:
        case Atom():
            return None
        case Group():
            return around(node.body, target)
        case Repeat():
            inner = around(node.item, target)
            if inner is None:
                return None
            return inner[0], inner[1] + witness(node.item) * max(node.min - 1, 0)
        case Seq():
            for i, item in enumerate(node.items):
                if (inner := around(item, target)) is not None:
                    before = "".join(witness(x) for x in node.items[:i])
                    after = "".join(witness(x) for x in node.items[i + 1:])
                    return before + inner[0], inner[1] + after
            return None
        case Alt():
            for branch in node.branches:
                if (inner := around(branch, target)) is not None:
                    return inner
            return None
    raise AssertionError(node)


def repeats(node: Node) -> Iterator[Repeat]:
    match node:
        case Repeat():
            yield node
            yield from repeats(node.item)
        case Group():
            yield from repeats(node.body)
        case Seq():
            for item in node.items:
                yield from repeats(item)
        case Alt():
            for branch in node.branches:
                yield from repeats(branch)


def all_chars(node: Node) -> CharSet:
    match node:
        case Atom():
            return node.chars
        case Group():
            return all_chars(node.body)
        case Repeat():
            return all_chars(node.item)
        case Seq() | Alt():
            parts = node.items if isinstance(node, Seq) else node.branches
            out = CharSet(())
            for part in parts:
                out |= all_chars(part)
            return out
    raise AssertionError(node)


def attacks(tree: Alt) -> list[Attack]:
    found: dict[Attack, None] = {}
    for repeat in repeats(tree):
        if repeat.max is not None and repeat.max == repeat.min:
            continue
        placed = around(tree, repeat)
        assert placed is not None
        prefix, suffix = placed
        pumps = {witness(repeat.item) or "a", *samples(all_chars(repeat.item))}
        for pump in pumps:
            for end in (suffix, suffix + "!", "!", "\n", suffix + "\n", "\x00"):
                found[Attack(prefix, pump, end)] = None
    for pump in {witness(tree) or "a", *samples(all_chars(tree))}:
        for end in ("!", "\n", ""):
            found[Attack("", pump, end)] = None
    return list(found)


# --- running -------------------------------------------------------------------------------------


def load_corpus() -> tuple[str, ...]:
    spec = importlib.util.spec_from_file_location("regex_corpus", ROOT / "tests/dsl/test_regex_subset.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    corpus: tuple[str, ...] = module.ACCEPTED
    return corpus


def pump_pattern(node: NodeTimer, source: str, k: int) -> tuple[list[tuple[Timing, str]], int, int]:
    """Worst timing per engine for one pattern, the number of strings, and verdict disagreements."""
    portable = check_pattern(source).portable
    tree = parse_pattern(source)
    assert portable is not None and not isinstance(tree, PatternError)
    worst: dict[str, tuple[Timing, str]] = {}
    disagreements = 0
    cases = attacks(tree)
    for attack in cases:
        timings = [time_python(portable, attack.text(k)), *node.time(portable, attack, k)]
        disagreements += len({t.verdict for t in timings}) > 1
        for timing in timings:
            if timing.engine not in worst or timing.ms > worst[timing.engine][0].ms:
                worst[timing.engine] = (timing, attack.describe(k))
    return list(worst.values()), len(cases), disagreements


def control(node: NodeTimer) -> None:
    """Patterns the checker rejects, pumped raw: the harness must see them slow down."""
    print("control (rejected patterns, pumped anyway):")
    for portable, pump, k in (("^(?:(a+)+)(?!\\n)$", "a", 22), ("^(?:a*a*)(?!\\n)$", "a", 5_000)):
        attack = Attack("", pump, "!")
        timings = [time_python(portable, attack.text(k)), *node.time(portable, attack, k)]
        shown = ", ".join(f"{t.engine} {t.ms:.1f} ms" for t in timings)
        print(f"  {portable}  {attack.describe(k)}: {shown}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--k", type=int, default=50_000, help="pump repetitions (default 50,000)")
    parser.add_argument("--control", action="store_true", help="also pump two known-bad patterns")
    args = parser.parse_args()
    node = NodeTimer()
    if args.control:
        control(node)
    corpus = load_corpus()
    overall: dict[str, tuple[Timing, str, str]] = {}
    strings = disagreements = 0
    print(f"{'pattern':<44} {'python':>9} " + " ".join(f"{'node/' + f:>9}" for f in node.flags) + " ms")
    for source in corpus:
        worst, count, disagree = pump_pattern(node, source, args.k)
        strings, disagreements = strings + count, disagreements + disagree
        by_engine = {timing.engine: timing.ms for timing, _ in worst}
        label = source if len(source) <= 42 else source[:39] + "..."
        print(f"{label:<44} " + " ".join(f"{by_engine[e]:>9.2f}" for e in ("python", *(f"node/{f}" for f in node.flags))))
        for timing, described in worst:
            if timing.engine not in overall or timing.ms > overall[timing.engine][0].ms:
                overall[timing.engine] = (timing, source, described)
    node.close()
    print(f"\n{len(corpus)} patterns, {strings} pump strings of k={args.k:,}, median of {RUNS} runs each")
    print(f"verdict disagreements between engines: {disagreements}")
    over = False
    for engine, (timing, source, described) in sorted(overall.items()):
        over |= timing.ms > BUDGET_MS
        print(f"worst {engine:<7} {timing.ms:8.2f} ms  on {source!r} with {described}")
    print(f"budget {BUDGET_MS:.0f} ms: {'EXCEEDED' if over else 'met'}")
    return 1 if over or disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
