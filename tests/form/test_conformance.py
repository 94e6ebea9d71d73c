"""RELIABILITY 3.2 (6): the form's JavaScript runtime (compiler/static/values.js ... shortcodes.js,
under node) and the Python runtime agree on every (template, answers) pair of a corpus: the visible
sections and items, skipped and hidden sections, repeat rows, computed values (bit-identical: compared as JSON text),
required questions and progress (`evaluate`), the submission payload (`submission`), and the
problems with their pointers, codes, messages and parameters (`validate`, draft and submission).

The corpus: the standard library with its answer files, SPEC's example, the goldens and
`fixtures/semantics.organizer`, each with answer sets from `compiler_answers` (valid by construction,
half with one near miss) and hostile extras; hypothesis-generated templates (tests/strategies.py)
with their own answer sets; a hand-patched IR that orders text (code points, not UTF-16 units).
Every request goes to ONE persistent node process and is also written to `corpus.jsonl` in a temp
folder, so a failure can be replayed with `node tests/form/conformance_runner.js < corpus.jsonl`.
"""

from __future__ import annotations

import copy
import datetime
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "tests" / "compiler"))

from compiler_answers import _CONTEXT, mutate, random_answers  # noqa: E402
from strategies import templates  # noqa: E402
from test_compiler_ir import with_labels  # noqa: E402

from organizer.compiler.build import compile_source  # noqa: E402
from organizer.compiler.form import RUNTIME_FILES, STATIC, formats_data  # noqa: E402
from organizer.dsl import ast as a  # noqa: E402
from organizer.dsl.config import find_config, load_config  # noqa: E402
from organizer.dsl.printer import print_module  # noqa: E402
from organizer.runtime.messages import catalogue  # noqa: E402
from organizer.runtime.program import program_from_json, program_to_json  # noqa: E402
from organizer.runtime.template import Template  # noqa: E402

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

LIBRARY = ROOT / "stdlib_templates"
ANSWERS = ROOT / "tests" / "stdlib" / "answers"
SOURCES = sorted([*LIBRARY.glob("*.organizer"), ROOT / "tests" / "fixtures" / "spec_example.organizer",
                  *ROOT.glob("tests/golden/*/input.organizer"), HERE / "fixtures" / "semantics.organizer"])
PER_TEMPLATE = 400 if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else 120
STDLIB_TODAY = "2027-01-20"
COUNTS: dict[str, int] = {}


def _name(path: Path) -> str:
    return path.parent.name if path.name == "input.organizer" else path.stem


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=True, allow_nan=False)


def as_json_numbers(value: Any) -> Any:
    """A number as a JavaScript double writes it: answers echoed back (the submission) are JSON
    numbers, and JSON does not tell 1.0 from 1 nor keep integers beyond 2^53 (JavaScript has one
    number type). Evaluated values are compared without this."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, dict):
        return {k: as_json_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json_numbers(v) for v in value]
    return value


class NodeRuntime:
    """One node process running the page's runtime; every request is also appended to `corpus.jsonl`."""

    def __init__(self, folder: Path) -> None:
        self.corpus = (folder / "corpus.jsonl").open("w", encoding="utf-8")
        self.process = subprocess.Popen([NODE, str(HERE / "conformance_runner.js")], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, encoding="utf-8", cwd=ROOT)
        self.keys = itertools.count()
        self.request({"op": "init", "runtime": [str(STATIC / name) for name in RUNTIME_FILES], "messages": catalogue(),
                      "formats": formats_data()})

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        line = json.dumps(message, ensure_ascii=True, allow_nan=False)
        self.corpus.write(line + "\n")
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        reply = json.loads(self.process.stdout.readline())
        assert "error" not in reply, reply["error"]
        return reply  # type: ignore[no-any-return]

    def load(self, template: Template) -> int:
        key = next(self.keys)
        self.request({"op": "program", "key": key, "program": program_to_json(template.program)})
        return key

    def close(self) -> None:
        self.corpus.close()
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeRuntime]:
    folder = tmp_path_factory.mktemp("conformance")
    runtime = NodeRuntime(folder)
    yield runtime
    runtime.close()
    print(f"\nconformance corpus: {folder / 'corpus.jsonl'}; pairs: {COUNTS}")


def python_result(template: Template, answers: Any, context: dict[str, Any]) -> dict[str, Any]:
    return {
        "state": template.evaluate(answers, context).to_json(),
        "submission": template.submission(answers, context),
        "problems": {mode: [p.to_json() for p in template.validate(answers, draft=mode == "draft", context=context)]
                     for mode in ("submission", "draft")},
    }


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    found = []
    if canonical(expected["state"]) != canonical(actual["state"]):
        found.append(f"state: python {canonical(expected['state'])} != js {canonical(actual['state'])}")
    python, js = canonical(as_json_numbers(expected["submission"])), canonical(actual["submission"])
    if python != js:
        found.append(f"submission: python {python} != js {js}")
    for mode in ("submission", "draft"):
        python = sorted(canonical(p) for p in expected["problems"][mode])
        js = sorted(canonical(p) for p in actual["problems"][mode])
        if python != js:
            only_py, only_js = sorted(set(python) - set(js)), sorted(set(js) - set(python))
            found.append(f"{mode} problems: only python {only_py}; only js {only_js}")
    return found


def check(node: NodeRuntime, template: Template, key: int, answers: Any, context: dict[str, Any],
          counter: str) -> list[str]:
    try:
        json.dumps(answers, allow_nan=False)
    except ValueError:
        return []  # NaN and Infinity are not JSON: nothing a page can send
    reply = node.request({"op": "case", "program": key, "answers": answers, "context": context})
    COUNTS[counter] = COUNTS.get(counter, 0) + 1
    return differences(python_result(template, answers, context), reply)


def _compile(path: Path) -> Template:
    found = find_config(path)
    result = compile_source(path.read_text(encoding="utf-8"), path.name, load_config(found)[0] if found else None)
    assert result.program is not None, [d.message for d in result.diagnostics]
    return Template(result.program)


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def stdlib_context() -> dict[str, Any]:
    config, problems = load_config(LIBRARY / "organizer.yaml")
    assert problems == []
    return {**_json_ready(config.preview), "today": STDLIB_TODAY}


def hostile_variants(answers: dict[str, Any], rng: random.Random) -> list[Any]:
    """Keys that are Object.prototype names, surrogates and NUL, odd numbers, deep nesting, non-objects."""
    keys = list(answers)
    variants: list[Any] = [
        {**answers, "__proto__": {"polluted": True}, "constructor": 1, "toString": "x", "hasOwnProperty": None},
        [], "answers", None, 3,
    ]
    if keys:
        key = rng.choice(keys)
        for value in ("\ud800", "a\x00b", "\U0001f600" * 3, "e\u0301", "", -0.0, 1e-7, 0.1 + 0.2, 2**53 + 1,
                      -(2**53) - 1, 1e300, 1.0, 12.345, [], [[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]], {"a": {"b": 1}}):
            variants.append({**answers, key: copy.deepcopy(value)})
    return variants


# --- the standard library, its answer files and random answer sets ------------------------------------


@pytest.mark.parametrize("path", SOURCES, ids=[_name(p) for p in SOURCES])
def test_templates_with_answer_sets(node: NodeRuntime, path: Path) -> None:
    template = _compile(path)
    key = node.load(template)
    stdlib = path.parent == LIBRARY
    context = stdlib_context() if stdlib else dict(_CONTEXT)
    failures = []
    cases: list[Any] = []
    if stdlib:
        for file in sorted((ANSWERS / template.id).glob("*.json")):
            if not file.name.endswith(".expected.json"):
                cases.append(json.loads(file.read_text(encoding="utf-8")))
    rng = random.Random(_name(path))
    for n in range(PER_TEMPLATE):
        answers = random_answers(template, rng)
        cases.append(mutate(answers, template, rng) if n % 2 else answers)
    cases += hostile_variants(cases[0] if cases else {}, rng)
    cases.append({})
    for answers in cases:
        for problem in check(node, template, key, answers, context, "library"):
            failures.append((answers, problem))
    # prefill from the context, last period's answers and defaults
    for previous in (None, cases[0] if cases and isinstance(cases[0], dict) else {}, {"__proto__": 1}):
        reply = node.request({"op": "prefill", "program": key, "context": context, "previous": previous})
        COUNTS["prefill"] = COUNTS.get("prefill", 0) + 1
        python = as_json_numbers(template.prefill(context, previous))
        if canonical(python) != canonical(reply["answers"]):
            failures.append((previous, f"prefill: python {canonical(python)} != js {canonical(reply['answers'])}"))
    # the same answers without `today` and `year`: both runtimes fill in the current date
    for answers in cases[:5]:
        for problem in check(node, template, key, answers, {"client": {"first_name": "Jo"}}, "library"):
            failures.append((answers, problem))
    assert failures == [], failures[:3]


# --- hypothesis-generated templates ------------------------------------------------------------------------


GENERATED = settings(deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture])


@GENERATED
@given(module=templates(), rng=st.randoms(use_true_random=False))
def test_generated_templates(node: NodeRuntime, module: a.Module, rng: random.Random) -> None:
    source = print_module(with_labels(module))
    result = compile_source(source, "generated.organizer")
    assume(result.program is not None)
    assert result.program is not None
    template = Template(result.program)
    key = node.load(template)
    for n in range(12):
        answers = random_answers(template, rng)
        if n % 2:
            answers = mutate(answers, template, rng)
        problems = check(node, template, key, answers, dict(_CONTEXT), "generated")
        assert problems == [], (source, answers, problems)


# --- text ordering, which the language forbids but the IR can hold -------------------------------------------

ORDERED_TEXT = '''
organizer ordering "Ordering" {
  section s "S" {
    text t1 "One"
    text t2 "Two"
    yesno lt "lt" when t1 == t2
    yesno le "le" when t1 == t2
    yesno gt "gt" when t1 == t2
    yesno ge "ge" when t1 == t2
    computed joined "Joined" = t1 + t2
  }
}
'''
STRINGS = ["", "a", "b", "ab", "\uffff", "\ue000", "\U0001f600", "\U00010000", "\ud7ff", "a\U0001f600",
           "a\uffff", "e\u0301", "\u00e9", "Z", "\x00"]


def test_text_ordering_is_by_code_points(node: NodeRuntime) -> None:
    result = compile_source(ORDERED_TEXT, "ordering.organizer")
    assert result.program is not None
    data = program_to_json(result.program)
    items = data["sections"][0]["items"]
    for item in items:
        if item["id"] in ("lt", "le", "gt", "ge"):
            op = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}[item["id"]]
            item["visible_when"] = {"op": op, "args": [{"ref": "t1"}, {"ref": "t2"}]}
    items[-1]["value_type"] = "string"
    template = Template(program_from_json(data))
    key = node.load(template)
    failures = []
    for one, two in itertools.product(STRINGS, repeat=2):
        for problem in check(node, template, key, {"t1": one, "t2": two}, dict(_CONTEXT), "ordering"):
            failures.append(((one, two), problem))
    assert failures == [], failures[:3]
    assert COUNTS["ordering"] >= len(STRINGS) ** 2


# --- expression trees and formats, one by one --------------------------------------------------------------

NAMES = ("a", "b", "c")
SECTION_NAMES = ("s1", "s2")
FIELD_NAMES = ("f", "g")
CTX_PATHS = (("year",), ("today",), ("client", "first_name"), ("client", "rate"), ("client", "flag"),
             ("client", "list"), ("client", "missing"), ("client",), ("client", "first_name", "x"))
EXPR_CONTEXT = {"year": 2026, "today": "2026-06-15",
                "client": {"first_name": "Jo", "rate": 1.5, "flag": True, "list": [1]}}
# no lone low surrogate: a lone high one followed by it would be one code point in JSON (and in JS)
_ALPHABET = st.sampled_from(["a", "b", "\u00e9", "\ue000", "\uffff", "\U0001f600", "\U00010000", "\ud800", "\x00",
                             "1", "-"])
_TEXTS = st.lists(_ALPHABET, max_size=3).map("".join)
_INTS = st.integers(-(2**53 - 1), 2**53 - 1) | st.sampled_from([0, 1, -1, 2, 3, 10, 2**53 - 1, -(2**53 - 1)])
_FLOATS = (st.floats(allow_nan=False, allow_infinity=False, min_value=-(2**53 - 1), max_value=2**53 - 1)
           | st.sampled_from([0.1, 0.2, 0.3, 1e-7, 5e-324, 2.5, -0.0, 1e15 + 0.3, 4503599627370495.5]))


def _as_number(value: float) -> int | float:
    return int(value) if value.is_integer() else value


NUMBERS = _INTS | _FLOATS.map(_as_number)
SCALARS = st.booleans() | NUMBERS | _TEXTS
VALUES = st.none() | SCALARS | st.lists(SCALARS, max_size=3)


def _leaves() -> st.SearchStrategy[dict[str, Any]]:
    refs = st.sampled_from(NAMES).map(lambda n: {"ref": n}) | st.sampled_from(FIELD_NAMES).map(lambda n: {"field": n})
    return st.one_of(
        (SCALARS | st.lists(SCALARS, max_size=3)).map(lambda v: {"lit": v}),
        refs,
        st.sampled_from(SECTION_NAMES).map(lambda n: {"section": n}),
        st.sampled_from(CTX_PATHS).map(lambda p: {"ctx": list(p)}),
        st.tuples(st.sampled_from(["answered", "count"]), refs).map(lambda t: {"op": t[0], "args": [t[1]]}),
    )


def _branches(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    binary = ["==", "!=", "<", "<=", ">", ">=", "in", "has", "+", "-", "*", "/"]
    return st.one_of(
        st.tuples(st.sampled_from(["and", "or"]), st.lists(inner, min_size=2, max_size=3))
        .map(lambda t: {"op": t[0], "args": t[1]}),
        st.tuples(st.sampled_from(["not", "neg"]), inner).map(lambda t: {"op": t[0], "args": [t[1]]}),
        st.tuples(st.sampled_from(binary), inner, inner).map(lambda t: {"op": t[0], "args": [t[1], t[2]]}),
    )


EXPRESSIONS = st.recursive(_leaves(), _branches, max_leaves=10)


@settings(deadline=None, max_examples=1000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(expr=EXPRESSIONS, values=st.fixed_dictionaries({n: VALUES for n in NAMES}),
       sections=st.fixed_dictionaries({s: st.booleans() for s in SECTION_NAMES}),
       row=st.fixed_dictionaries({f: VALUES for f in FIELD_NAMES}))
def test_expressions(node: NodeRuntime, expr: dict[str, Any], values: dict[str, Any], sections: dict[str, bool],
                     row: dict[str, Any]) -> None:
    from organizer.runtime.expressions import evaluate_expr

    python = evaluate_expr(expr, values, context=EXPR_CONTEXT, sections=sections, row=row)
    reply = node.request({"op": "expr", "expr": expr,
                          "env": {"values": values, "sections": sections, "row": row, "context": EXPR_CONTEXT}})
    COUNTS["expressions"] = COUNTS.get("expressions", 0) + 1
    assert canonical(python) == canonical(reply["value"]), (expr, values, sections, row)


LANGUAGES = ("en", "nl", "xx")
CURRENCIES = (None, "USD", "EUR", "GBP", "CHF", "JPY", "usd")
DATES = st.dates().map(lambda d: d.isoformat()) | st.sampled_from(["2023-02-29", "2024-02-29", "", "x", "0001-01-01"])
SIZES = st.integers(0, 2**53 - 1) | st.sampled_from(
    [1, 1000, 1024, 1050, 1250, 1536, 1572864, 20 * 1024**2, 10**9, 1.5 * 10**12, 999_950, 1_049_999])


def _python_format(call: list[Any]) -> str:
    from organizer.runtime import messages as m

    kind, language, *args = call
    match kind:
        case "number":
            return m.format_number(args[0], language)
        case "money":
            return m.format_money(args[0], args[1], language, args[2])
        case "date":
            return m.format_date(args[0], language)
        case "size":
            return m.format_size(int(args[0]), language)
        case "problem":
            return m.problem_message(args[0], args[1], language, args[2])
        case "ui":
            return m.ui(args[0], language, **args[1])
    raise AssertionError(kind)


def _problem_calls(draw: st.DrawFn, language: str) -> list[list[Any]]:
    number, currency = draw(NUMBERS), draw(st.sampled_from(CURRENCIES))
    decimals = draw(st.sampled_from([None, 0, 1, 2, 3]))
    count = draw(st.integers(0, 100_000))
    return [
        ["problem", language, "minimum", {"min": number, "currency": currency, "decimals": decimals}, "money"],
        ["problem", language, "maximum", {"max": number}, "number"],
        ["problem", language, "min-length", {"min": count, "count": count}, "text"],
        ["problem", language, "max-items", {"max": count, "count": count}, draw(st.sampled_from(["file", None]))],
        ["problem", language, "decimals", {"decimals": count, "count": count}, "money"],
        ["problem", language, "date-min", {"min": draw(DATES)}, "date"],
        ["problem", language, "file-size", {"max_size": int(draw(SIZES))}, "file"],
        ["problem", language, "file-type", {"accept": draw(st.lists(st.sampled_from(["pdf", "jpg"])))}, "file"],
        ["problem", language, "required", {}, draw(st.sampled_from(["choice", "yesno", "text", "repeat"]))],
        ["problem", language, "no-such-code", {"x": 1}, None],
        ["ui", language, "progress", {"n": count, "total": count + 1}],
        ["ui", language, "problems_title", {"count": draw(st.sampled_from([1, 2, count]))}],
        ["ui", language, "row", {"n": count}],
    ]


@st.composite
def format_calls(draw: st.DrawFn) -> list[list[Any]]:
    language = draw(st.sampled_from(LANGUAGES))
    calls = [["number", language, draw(NUMBERS)],
             ["money", language, draw(NUMBERS), draw(st.sampled_from(CURRENCIES)),
              draw(st.sampled_from([None, 0, 1, 2, 3]))],
             ["date", language, draw(DATES)],
             ["size", language, int(draw(SIZES))]]
    return calls + _problem_calls(draw, language)


@settings(deadline=None, max_examples=500, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(calls=format_calls())
def test_formats_and_messages(node: NodeRuntime, calls: list[list[Any]]) -> None:
    reply = node.request({"op": "format", "calls": calls})
    COUNTS["formats"] = COUNTS.get("formats", 0) + len(calls)
    for call, text in zip(calls, reply["texts"], strict=True):
        assert _python_format(call) == text, call
