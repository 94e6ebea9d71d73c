"""Ajv 8 (ECMAScript regexes, its own number handling) as a second oracle: every schema compiles in
strict mode with ajv-formats, and gives the same verdicts as Python jsonschema on the answer sets
of the equivalence test. Skipped when `node` cannot resolve `ajv` and `ajv-formats` (install them
with npm in the repository, or point NODE_PATH at a node_modules that has them)."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from compiler_answers import mutate, random_answers
from jsonschema.validators import Draft202012Validator

from organizer.compiler.build import compile_source
from organizer.dsl.config import find_config, load_config
from organizer.runtime.template import Template

ROOT = Path(__file__).parent.parent.parent
SOURCES = sorted([*ROOT.glob("stdlib_templates/*.organizer"), ROOT / "tests" / "fixtures" / "spec_example.organizer",
                  *ROOT.glob("tests/golden/*/input.organizer")])
SCRIPT = r"""
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats');
const fs = require('fs');
const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const out = [];
for (const job of jobs) {
  const ajv = new Ajv2020({strict: true});
  addFormats(ajv);
  let validate;
  try { validate = ajv.compile(job.schema); } catch (e) { out.push({error: String(e.message)}); continue; }
  out.push({verdicts: job.answers.map((a) => validate(JSON.parse(a)))});
}
process.stdout.write(JSON.stringify(out));
"""


def _node() -> str | None:
    node = shutil.which("node")
    if node is None:
        return None
    probe = subprocess.run([node, "-e", "require.resolve('ajv/dist/2020'); require.resolve('ajv-formats')"],
                           cwd=ROOT, capture_output=True, timeout=60)
    return node if probe.returncode == 0 else None


NODE = _node()
pytestmark = pytest.mark.skipif(NODE is None, reason="node with ajv and ajv-formats is not installed")


def test_ajv_strict_compiles_every_schema_and_agrees_with_jsonschema(tmp_path: Path) -> None:
    jobs, expected = [], []
    for path in SOURCES:
        found = find_config(path)
        result = compile_source(path.read_text(encoding="utf-8"), path.name, load_config(found)[0] if found else None)
        assert result.program is not None
        template = Template(result.program)
        rng = random.Random(path.name)
        answers = [random_answers(template, rng) for _ in range(60)]
        answers = [mutate(a, template, rng) if i % 2 else a for i, a in enumerate(answers)]
        texts = [json.dumps(a) for a in answers]
        for name in ("schema.json", "draft.schema.json"):
            schema = json.loads(result.artifacts[name])
            python = Draft202012Validator(schema)
            jobs.append({"schema": schema, "answers": texts})
            expected.append((path.name, name, [python.is_valid(json.loads(t)) for t in texts]))
    (tmp_path / "jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
    (tmp_path / "check.js").write_text(SCRIPT, encoding="utf-8")
    env = {**os.environ, "NODE_PATH": str(ROOT / "node_modules")}
    run = subprocess.run([NODE, str(tmp_path / "check.js"), str(tmp_path / "jobs.json")], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    for (source, name, python), result in zip(expected, json.loads(run.stdout)):
        assert "error" not in result, (source, name, result)
        assert result["verdicts"] == python, (source, name)
