"""The import table of STYLE.md: data flows dsl -> compiler -> runtime, never back."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "dsl": ("organizer.compiler", "organizer.runtime"),
    "runtime": ("organizer.dsl", "organizer.compiler", "lark"),
}
RELATIVE_FORBIDDEN = {"dsl": ("compiler", "runtime"), "runtime": ("dsl", "compiler")}


def _imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", node.level))
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_respect_the_layering(package: str) -> None:
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for module, level in _imports(path):
            if level == 0 and module.startswith(FORBIDDEN[package]):
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
            if level >= 2 and module.split(".")[0] in RELATIVE_FORBIDDEN[package]:
                offenders.append(f"{path.relative_to(ROOT)} imports ..{module}")
    assert offenders == []


def test_compiler_uses_only_the_artifact_model_of_the_runtime() -> None:
    allowed = {"program", "formats", "messages"}
    offenders = []
    for path in sorted((ROOT / "compiler").rglob("*.py")):
        for module, level in _imports(path):
            parts = module.split(".")
            if level == 0 and module.startswith("organizer.runtime"):
                tail = parts[2] if len(parts) > 2 else ""
            elif level == 2 and parts[0] == "runtime":
                tail = parts[1] if len(parts) > 1 else ""
            else:
                continue
            if tail not in allowed:
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == []


def test_importing_the_runtime_does_not_load_the_parser() -> None:
    code = "import sys, organizer.runtime; import organizer.runtime.program; print('lark' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_no_top_level_dsl_compiler_or_runtime_module_is_installed() -> None:
    code = "import importlib.util as u; print([n for n in ('dsl','compiler','runtime') if u.find_spec(n)])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/").stdout
    assert out.strip() == "[]"
