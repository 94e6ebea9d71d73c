"""Ajv 8 (`ajv/dist/2020`, optionally with ajv-formats) as an oracle in ONE persistent Node process.

    with AjvOracle.start() as ajv:            # None-safe: AjvOracle.available() says why not
        ajv.compile("k", schema, formats=True)  # -> CompileOutcome(ok, ms, error, stack_overflow)
        ajv.validate("k", [text, ...])          # -> [True | False | None]; None = JSON.parse refused it

Answers travel as JSON *texts*, one per line (`json.dumps(..., ensure_ascii=True)`, so lone
surrogates arrive as `\\ud800` escapes and NaN as the bare word `NaN`, which JSON.parse rejects:
that verdict is None, "not comparable"). Raw texts may also be passed (duplicate keys, hand-built
deep nesting). Used by tests/oracles/ and by bench/ (equivalence, validation throughput, oracles).

Node must resolve `ajv` and `ajv-formats`: the repository's node_modules (npm install) or NODE_PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCRIPT = HERE / "ajv_oracle.js"
#: the vocabulary registered in strict mode (RELIABILITY 3.1); harmless when the schema lacks it
VOCABULARY = ["x-organizer-runtime-only"]


@dataclass(frozen=True)
class CompileOutcome:
    ok: bool
    ms: float
    error: str | None = None
    stack_overflow: bool = False


def _env() -> dict[str, str]:
    env = dict(os.environ)
    modules = str(ROOT / "node_modules")
    env["NODE_PATH"] = modules + (os.pathsep + env["NODE_PATH"] if env.get("NODE_PATH") else "")
    return env


def unavailable_reason() -> str | None:
    """None when node can load ajv and ajv-formats, else why not."""
    node = shutil.which("node")
    if node is None:
        return "node is not installed"
    probe = subprocess.run([node, "-e", "require.resolve('ajv/dist/2020'); require.resolve('ajv-formats')"],
                           cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        return "node cannot load ajv and ajv-formats (run npm install in the repository): " + probe.stderr[-300:]
    return None


class AjvOracle:
    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process

    @classmethod
    def available(cls) -> str | None:
        return unavailable_reason()

    @classmethod
    def start(cls, node_args: Iterable[str] = ()) -> "AjvOracle":
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node is not installed")
        process = subprocess.Popen([node, *node_args, str(SCRIPT)], cwd=ROOT, env=_env(), stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1 << 20)
        return cls(process)

    def __enter__(self) -> "AjvOracle":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    # --- protocol ----------------------------------------------------------------------------

    def _send(self, request: dict[str, Any], lines: Iterable[str] = ()) -> dict[str, Any]:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        stdin.write(json.dumps(request, ensure_ascii=True) + "\n")
        for line in lines:
            stdin.write(line + "\n")
        stdin.flush()
        answer = stdout.readline()
        if not answer:
            raise RuntimeError(f"the Ajv process ended (exit code {self.process.poll()})")
        result = json.loads(answer)
        if "error" in result and request["op"] != "compile":
            raise RuntimeError(result["error"])
        return result

    def info(self) -> dict[str, Any]:
        return self._send({"op": "info"})

    def compile(self, key: str, schema: Any, formats: bool = False, options: dict[str, Any] | None = None,
                vocabulary: list[str] | None = None, defaults: bool = False) -> CompileOutcome:
        """Compile `schema` under `key`: `{strict: true, **options}` and VOCABULARY registered, or with
        `defaults` Ajv's own defaults (`new Ajv2020()`, nothing registered)."""
        if defaults:
            options, vocabulary = None, []
        else:
            options = {**(options or {})}
        result = self._send({"op": "compile", "key": key, "schema": schema, "formats": formats,
                             "options": options, "vocabulary": VOCABULARY if vocabulary is None else vocabulary})
        return CompileOutcome(result["ok"], result["ms"], result.get("error"), result.get("stack_overflow", False))

    def drop(self, key: str) -> None:
        self._send({"op": "drop", "key": key})

    def validate_texts(self, key: str, texts: list[str], batch: int = 1000) -> list[bool | None]:
        verdicts: list[bool | None] = []
        for start in range(0, len(texts), batch):
            chunk = texts[start:start + batch]
            for t in chunk:
                if "\n" in t or "\r" in t or "\u2028" in t or "\u2029" in t:
                    raise ValueError("each text must be one line (use json.dumps, ensure_ascii=True)")
            verdicts.extend(self._send({"op": "validate", "key": key, "count": len(chunk)}, chunk)["verdicts"])
        return verdicts

    def validate(self, key: str, values: list[Any], batch: int = 1000) -> list[bool | None]:
        return self.validate_texts(key, [to_line(v) for v in values], batch)

    def bench(self, key: str, value: Any, min_batch_ms: float = 20, reps: int = 30,
              warmup_ms: float = 200) -> dict[str, Any]:
        """Validations of one answers object in a timed loop inside Node (median per call)."""
        return self._send({"op": "bench", "key": key, "count": 1, "min_batch_ms": min_batch_ms, "reps": reps,
                           "warmup_ms": warmup_ms}, [to_line(value)])


def to_line(value: Any) -> str:
    """One JSON line for Node: ASCII escapes; NaN/Infinity written as the bare words (which
    JSON.parse rejects, so the verdict is None); a value json.dumps cannot write (too deep) -> 'null'
    would be wrong, so it raises."""
    return json.dumps(value, ensure_ascii=True, allow_nan=True, separators=(",", ":"))
