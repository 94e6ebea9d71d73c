"""Small helpers shared by bench/build.py, validate.py, equivalence.py and oracles.py: paired timing
(candidates interleaved round by round, ratios as the median of per-round ratios), number
formatting, Markdown tables and a one-line description of the machine and the versions."""

from __future__ import annotations

import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for extra in (BENCH, ROOT / "tests" / "compiler", ROOT / "tests" / "oracles"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))


def import_pyxform() -> tuple[Any, float]:
    """`pyxform.xls2xform.convert` and the seconds its import took.

    pyxform builds a Lark lexer at import time (pyxform.parsing.expression). When `interegular` is
    installed (it is in this project's dev extra, for Lark's strict mode), Lark runs its terminal
    collision check over pyxform's huge Unicode NCName terminals: `import pyxform` then takes
    215-295 s on this machine instead of ~0.5 s. That check is off while pyxform is imported here
    (the lexer it builds is the same; only the diagnostic is skipped)."""
    import lark.lexer

    saved = lark.lexer.has_interegular
    lark.lexer.has_interegular = False
    try:
        start = time.perf_counter()
        from pyxform.xls2xform import convert
        return convert, time.perf_counter() - start
    finally:
        lark.lexer.has_interegular = saved


def version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_line(packages: Sequence[str] = ()) -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    parts = [f"{os.cpu_count()} CPUs", f"load at start {load}", f"python {platform.python_version()}"]
    parts += [f"{p} {version(p)}" for p in packages]
    return " · ".join(parts)


def timed(action: Callable[[], Any], collect: bool = True) -> tuple[float, Any]:
    """(seconds, result) of one call; a full GC first so earlier garbage is not charged to it."""
    if collect:
        gc.collect()
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def paired_rounds(candidates: dict[str, Callable[[], Any]], rounds: int, warmup: bool = True,
                  collect: bool = True) -> dict[str, list[float]]:
    """Seconds per round for each candidate, run A B C, B C A, ... (rotated each round)."""
    names = list(candidates)
    if warmup:
        for name in names:
            candidates[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            seconds, _ = timed(candidates[name], collect)
            times[name].append(seconds)
    return times


def per_call(action: Callable[[], Any], min_seconds: float = 0.02) -> tuple[Callable[[], None], int]:
    """A batch of back-to-back calls lasting at least `min_seconds`, and its size."""
    batch = 1
    while True:
        start = time.perf_counter()
        for _ in range(batch):
            action()
        if time.perf_counter() - start >= min_seconds or batch >= 1 << 20:
            break
        batch *= 2

    def run() -> None:
        for _ in range(batch):
            action()
    return run, batch


def paired_ratio(a: list[float], b: list[float]) -> float:
    """Median of the per-round ratios a[i] / b[i]."""
    return statistics.median(x / y for x, y in zip(a, b, strict=True))


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[index]


def fmt(x: float | int | None, digits: int = 3) -> str:
    """A number with `digits` significant digits and thousands separators."""
    if x is None:
        return "—"
    if isinstance(x, int):
        return f"{x:,}"
    if x == 0:
        return "0"
    magnitude = abs(x)
    if magnitude >= 10 ** digits:
        return f"{x:,.0f}"
    decimals = max(0, digits - 1 - int(f"{magnitude:e}".split("e")[1]))
    return f"{x:,.{decimals}f}"


def ms(seconds: float) -> str:
    return fmt(seconds * 1000)


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
