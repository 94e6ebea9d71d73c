"""Semantic checks of a parsed template: names, types, references, jumps and modifiers."""

from .template import check_module

__all__ = ["check_module"]
