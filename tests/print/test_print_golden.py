"""Golden printouts of standard-library organizers (`golden/<template>.<answers>.html`), in English
and Dutch. `pytest --update-goldens` rewrites them; review the diff."""

from __future__ import annotations

from pathlib import Path

import pytest
from print_helpers import answers_file, context, template

from organizer.runtime.printout import render_print

GOLDEN = Path(__file__).parent / "golden"
CASES = [("individual_1040", "complete.json", "2027-01-20T14:05:00+00:00"),
         ("nl_inkomstenbelasting", "complete.json", None)]


@pytest.mark.parametrize(("template_id", "answers", "submitted"), CASES)
def test_printout_matches_its_golden(template_id: str, answers: str, submitted: str | None,
                                     update_goldens: bool) -> None:
    html = render_print(template(template_id), answers_file(template_id, answers), context(), submitted_at=submitted)
    golden = GOLDEN / f"{template_id}.{answers.removesuffix('.json')}.html"
    if update_goldens:
        golden.write_text(html, encoding="utf-8")
        return
    assert golden.exists(), f"missing golden {golden}: run `pytest --update-goldens` and review it"
    assert html == golden.read_text(encoding="utf-8"), f"{golden.name} changed"
