"""Shared test setup: hypothesis profiles, chosen with HYPOTHESIS_PROFILE (default `dev`);
`--update-goldens` and the `update_goldens` fixture; the `slow` marker."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

settings.register_profile("dev", max_examples=100)
settings.register_profile("ci", max_examples=1000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite golden files from the current output (review them in the diff)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: the largest sizes of a stress test (still run in CI)")


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    """True when golden files should be rewritten rather than compared."""
    return bool(request.config.getoption("--update-goldens"))
