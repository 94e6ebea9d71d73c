"""Pausing the cyclic garbage collector while a pass builds or walks a large tree."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Parsing and checking allocate many objects and free none; collecting meanwhile is wasted."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
