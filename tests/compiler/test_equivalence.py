"""RELIABILITY 3.2: the JSON Schemas accept exactly what the runtime accepts, except where every
runtime problem is a rule listed in `runtime_only` (pointer and code).

Templates: the standard library, SPEC's example and the goldens. Answers: valid by construction
from the IR (every question answered from its domain, hidden values dropped by the runtime's
`submission`), half of them with one near miss (compiler_answers.py). Both oracles run with and
without format assertion; both modes (submission and draft).
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter
from pathlib import Path

import pytest
from compiler_answers import disagreement, mutate, random_answers, verdict
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from jsonschema import FormatChecker
from jsonschema.validators import Draft202012Validator
from strategies import templates
from test_compiler_ir import with_labels

from organizer.compiler.build import compile_source
from organizer.dsl import ast as a
from organizer.dsl.config import find_config, load_config
from organizer.dsl.printer import print_module
from organizer.runtime.template import Template

ROOT = Path(__file__).parent.parent.parent
SOURCES = sorted([*ROOT.glob("stdlib_templates/*.organizer"), ROOT / "tests" / "fixtures" / "spec_example.organizer",
                  *ROOT.glob("tests/golden/*/input.organizer")])
# answer sets per template: 150 by default, more with the `ci` hypothesis profile
PER_TEMPLATE = 600 if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else 150


def _name(path: Path) -> str:
    return path.parent.name if path.name == "input.organizer" else path.stem


@pytest.mark.parametrize("path", SOURCES, ids=[_name(p) for p in SOURCES])
def test_schema_verdicts_equal_runtime_verdicts(path: Path) -> None:
    found = find_config(path)
    result = compile_source(path.read_text(encoding="utf-8"), path.name, load_config(found)[0] if found else None)
    assert result.program is not None
    template = Template(result.program)
    oracles = {}
    for draft, name in ((False, "schema.json"), (True, "draft.schema.json")):
        schema = json.loads(result.artifacts[name])
        oracles[draft] = (Draft202012Validator(schema), Draft202012Validator(schema, format_checker=FormatChecker()))
    rng = random.Random(_name(path))
    balance: Counter[str] = Counter()
    failures = []
    for n in range(PER_TEMPLATE):
        answers = random_answers(template, rng)
        if n % 2:
            answers = mutate(answers, template, rng)
        for draft, (plain, formats) in oracles.items():
            for validator in (plain, formats):
                outcome = verdict(template, validator, answers, draft)
                balance[f"{'draft' if draft else 'submission'} {'valid' if outcome.runtime_valid else 'invalid'}"] += 1
                if outcome.schema_valid and not outcome.runtime_valid:
                    balance["explained by runtime_only"] += 1
                why = disagreement(template.program, outcome, draft)
                if why is not None:
                    failures.append((n, draft, why, answers))
    assert failures == [], failures[:3]
    # both verdicts are well represented (RELIABILITY 3.3)
    submissions = balance["submission valid"] + balance["submission invalid"]
    assert balance["submission valid"] >= 0.1 * submissions, balance
    assert balance["submission invalid"] >= 0.1 * submissions, balance


GENERATED = settings(deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])


@GENERATED
@given(templates(), st.randoms(use_true_random=False))
def test_generated_templates_schema_and_runtime_agree(module: a.Module, rng: random.Random) -> None:
    result = compile_source(print_module(with_labels(module)), "generated.organizer")
    assume(result.program is not None)
    assert result.program is not None
    template = Template(result.program)
    submission = Draft202012Validator(json.loads(result.artifacts["schema.json"]))
    draft = Draft202012Validator(json.loads(result.artifacts["draft.schema.json"]))
    for n in range(20):
        answers = random_answers(template, rng)
        if n % 2:
            answers = mutate(answers, template, rng)
        for is_draft, validator in ((False, submission), (True, draft)):
            outcome = verdict(template, validator, answers, is_draft)
            event(f"{'draft' if is_draft else 'submission'} {'valid' if outcome.runtime_valid else 'invalid'}")
            why = disagreement(template.program, outcome, is_draft)
            assert why is None, (print_module(with_labels(module)), answers, why)
