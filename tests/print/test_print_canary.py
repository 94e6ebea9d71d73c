"""RELIABILITY E3: a hidden or skipped answer never reaches the printable page. Over generated
answer sets for the standard library (every question answered, shown or not), every hidden or
skipped question, computed value, repeat and row field gets a `HIDDEN-<uuid>` canary (numbers get
a canary number); the canary must appear nowhere in the HTML (text, attributes, comments) nor in
the submission. `bench/print_canary.py` runs 10,000 sets."""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from print_helpers import TEMPLATES, context, every_answer, leaks, plant_canaries, template

from organizer.runtime.printout import render_print

FIGURES: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def report() -> Iterator[None]:
    yield
    if FIGURES["sets"]:
        print(f"\nE3: {FIGURES['sets']} answer sets ({FIGURES['with canaries']} with hidden answers), "
              f"{FIGURES['planted']} canaries planted, {FIGURES['leaks']} leaks")


@given(template_id=st.sampled_from(TEMPLATES), seed=st.integers(0, 2**64 - 1))
def test_hidden_and_skipped_answers_never_reach_the_page(template_id: str, seed: int) -> None:
    printed = template(template_id)
    rng = random.Random(seed)
    answers = every_answer(printed, rng)
    state = printed.evaluate(answers, context())
    canary = f"HIDDEN-{uuid.UUID(int=rng.getrandbits(128))}"
    planted = plant_canaries(printed, state, answers, canary)
    assert printed.evaluate(answers, context()) == state  # hidden values are null to every expression
    html = render_print(printed, answers, context(), submitted_at="2027-01-20",
                        file_url=lambda pointer, file: f"/files{pointer}")
    found = leaks(html, canary) + leaks(json.dumps(printed.submission(answers, context())), canary)
    FIGURES.update({"sets": 1, "with canaries": planted > 0, "planted": planted, "leaks": len(found)})
    assert found == []


def test_the_canaries_would_be_seen() -> None:
    """The control: a canary planted in a shown question is on the page."""
    printed = template("individual_1040")
    answers = every_answer(printed, random.Random(7))
    state = printed.evaluate(answers, context())
    shown = next(n for n in printed.evaluator.questions if state.vis[n.index] and n.item.type == "text")
    answers[shown.id] = "HIDDEN-control"
    assert leaks(render_print(printed, answers, context()), "HIDDEN-control") == ["HIDDEN-control"]
