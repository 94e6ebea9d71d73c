#!/usr/bin/env python3
"""form.html in Chromium vs SurveyJS (survey-core from npm) on the same questionnaire, side by side.

    python bench/form.py [--sizes 50 500 5000] [--runs 3] [--no-node] [--no-trace] [--keep] [--json OUT]

For each N the questionnaire is the peers' (`generate_peer(N)`, a 1:1 translation of
/work/shared/peers/gen_forms.py's model; SurveyJS gets `surveyjs_text(N)`, the peers' own JSON
for the same model). Every figure is the median of `--runs` runs (3); a run is a fresh browser
context (empty cache and storage) and one page load. Debian's /usr/bin/chromium, headless, driven
by Playwright for Python (never `playwright install`), pages served by http.server on 127.0.0.1
with COOP/COEP headers (cross-origin isolated, so performance.now() has 5 µs resolution, not 100).
A default run takes about 75 s on the project's 2-core machine.

Organizer (`compile_source(generate_peer(N))` -> `artifacts["form.html"]`):
  sizes      form.html; the inline runtime (the code of the page's non-JSON <script>, i.e.
             compiler/static/*.js); the embedded IR (`organizer-program` JSON, without its null
             members); gzip -6 of each
  ready      navigation start (performance.timeOrigin) to the page's own `organizer:ready`
             performance mark, set with `data-ready` once the first section is shown and live
             (compiler/static/form.js, `start`); "first frame" is the end of the first rendered
             frame after it (requestAnimationFrame, then a user-blocking scheduler.postTask)
  re-evaluate  the runtime alone: `OrganizerRuntime.Runtime.evaluate` in the page, after setting
             the yes/no that the peers flip (`flip`: q22/q252/q2502 -> q25/q255/q2505 shown/hidden,
             like the peers' `flip_condition`); the empty form, as after load
  change->DOM  the same flip through the page: with that question's section on screen (its
             position put in localStorage before load), set the radio and dispatch one bubbling
             `change` event; performance.now() around dispatchEvent (the handler is synchronous:
             read the control, re-evaluate, update every changed item, progress, shortcodes), then
             + reading offsetHeight of the dependent question (style and layout)
  click->DOM   `radio.click()`, what a person's click does: the page handles both the `input` and
             the `change` event it fires, so it re-evaluates twice; + layout as above
  The flip figures of a run are the median of its reps (the first, cold rep excluded; it is
  shown separately in the detail table); the reps alternate yes/no so every one flips.

SurveyJS (survey-core's UMD build `survey.core.min.js`, loaded with a <script src> by a static
page in a temp dir; the survey JSON inline as application/json):
  sizes      the survey JSON; survey.core.min.js (and survey.core.js, unminified)
  ready      navigation start to the model built: script loaded and run, JSON.parse, new Model.
             survey-core has no UI: rendering (survey-js-ui / survey-react-ui) would come on top
  construct  `new Survey.Model(json)` alone (the input already parsed, as the peers measured)
  re-evaluate  `model.setValue(flip, true/false)`, checking that `dep` flips; model only, no DOM

Under node (default on; `--no-node` skips it): the same runtime files (compiler/static/*.js)
and survey-core in one node process (`bench/form_node.js`), interleaved round by round: model
build, flip on the empty form, flip on the full valid answer set (the peers' `answers_valid`).
This is how the peers measured SurveyJS (construct 1.54 s, flip 142 ms at N=5000, MEASURED.md).

Where the ready time goes, at the largest N (`--no-trace` skips the extra loads):
  * Performance API, from the ready loads themselves: the page's marks, navigation timing, and a
    probe installed before the page's script (`READY_PROBE`) that times the first statement of
    the inline script, the large JSON.parse calls, `new Runtime`, each `evaluate`, `focus()` and
    localStorage; "the rest" of form.js is what remains (building the first section, applyState, ...)
  * page variants: navigation -> script start for form.html with the IR block emptied (how much of
    the HTML parse the IR's text costs)
  * Chromium's trace (devtools.timeline): renderer main-thread self time by phase (HTML parse,
    script, GC, style, layout, paint, loader) up to ready and from ready to the first frame
  * V8's sampling profiler: inclusive time per function of compiler/static/*.js during the load

Printed: one side-by-side table (Chromium), the ready breakdowns, the per-rep detail, the node
table, and the issue's goals (re-evaluate < 2 ms, ready < 200 ms at 5,000 questions).
`--json OUT` also writes every raw measurement.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import benchlib  # noqa: F401  (sets sys.path)
from benchlib import ROOT, fmt, machine_line, table
from generate import gen_forms, generate_peer, peer_model, surveyjs_text
from organizer.compiler.build import compile_source
from organizer.compiler.form import RUNTIME_FILES, SCRIPT_FILES, STATIC, static_text
from organizer.runtime.program import program_to_json

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
SURVEY_CORE = ROOT / "node_modules" / "survey-core"
SCRIPT_RE = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL | re.IGNORECASE)
GOAL_REEVALUATE_MS = 2.0
GOAL_READY_MS = 200.0


# --------------------------------------------------------------------------- inputs


def flip_pair(n: int) -> tuple[str, str]:
    """The peers' flip_condition: the yes/no `flip` whose value shows or hides `dep`, the first
    question from N/2 on that depends on a yes/no (q22 -> q25, q252 -> q255, q2502 -> q2505)."""
    for section in peer_model(n)["sections"]:
        for q in section["questions"]:
            number = int(q["name"][1:])
            c = q["condition"]
            if number >= n / 2 and c is not None and c["value"] is True:
                return c["dep"], q["name"]
    raise ValueError(f"no yes/no condition from N/2 on at N={n}")


def section_of(n: int, name: str) -> str:
    for section in peer_model(n)["sections"]:
        if any(q["name"] == name for q in section["questions"]):
            return section["name"]
    raise KeyError(name)


def json_block(html: str, element_id: str) -> Any:
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.DOTALL)
    assert match, element_id
    return json.loads(match.group(1))


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def sizes_of(html: str) -> dict[str, int]:
    code = [m.group("body") for m in SCRIPT_RE.finditer(html) if "application/json" not in m.group("attrs")]
    ir = [m.group("body") for m in SCRIPT_RE.finditer(html) if 'id="organizer-program"' in m.group("attrs")]
    runtime = "".join(code).encode()
    page = html.encode()
    return {"html": len(page), "html_gz": gz(page), "js": len(runtime), "js_gz": gz(runtime),
            "ir": len(ir[0].encode()), "scripts": len(code)}


# --------------------------------------------------------------------------- pages


SURVEY_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SurveyJS N={n}</title>
<script>performance.mark("sj:lib-start");</script>
<script src="survey.core.min.js"></script>
<script>performance.mark("sj:lib-end");</script>
</head><body>
<script type="application/json" id="survey-json">{json}</script>
<script>
(function () {{
  var t0 = performance.now();
  var json = JSON.parse(document.getElementById("survey-json").textContent);
  var t1 = performance.now();
  var model = new Survey.Model(json);
  var t2 = performance.now();
  window.__model = model;
  window.__bench = {{parse: t1 - t0, construct: t2 - t1, built: t2}};
  document.body.setAttribute("data-ready", "true");
}})();
</script>
</body></html>
"""

# Instruments a fresh load of form.html (installed before the page's own script runs): when the
# page's script starts (first touch of the OrganizerRuntime namespace), the large JSON.parse calls
# (IR, data block), `new Runtime` and each `evaluate`, and the end of the first frame after
# data-ready. Microseconds of overhead; the ready time itself is the page's own mark.
READY_PROBE = """
(() => {
  const B = window.__bench = {t: {}, parses: [], evals: [], runtime: null};
  const now = () => performance.now();
  const parse = JSON.parse;
  JSON.parse = function (text, reviver) {
    const t = now();
    const result = parse.call(JSON, text, reviver);
    if (typeof text === "string" && text.length > 4096) B.parses.push([text.length, now() - t]);
    return result;
  };
  let ns;
  Object.defineProperty(globalThis, "OrganizerRuntime", {configurable: true, enumerable: false,
    get() { if (B.t.script === undefined) B.t.script = now(); return ns; },
    set(value) {
      ns = value;
      let wrapped;
      Object.defineProperty(value, "Runtime", {configurable: true, enumerable: true,
        get() { return wrapped; },
        set(Original) {
          function Runtime(program, options) {
            const t = now();
            Original.call(this, program, options);
            B.runtime = now() - t;
            const evaluate = Original.prototype.evaluate;
            this.evaluate = function (answers, context) {
              const t0 = now();
              const state = evaluate.call(this, answers, context);
              B.evals.push(now() - t0);
              return state;
            };
          }
          Runtime.prototype = Original.prototype;
          wrapped = Runtime;
        }});
    }});
  const timeCalls = (proto, name, key) => {
    const original = proto[name];
    B[key] = 0;
    proto[name] = function () {
      const t = now();
      try { return original.apply(this, arguments); } finally { B[key] += now() - t; }
    };
  };
  timeCalls(HTMLElement.prototype, "focus", "focus");
  timeCalls(Storage.prototype, "getItem", "storage");
  timeCalls(Storage.prototype, "setItem", "storage");
  new MutationObserver((records, observer) => {
    B.t.observed = now();
    observer.disconnect();
    requestAnimationFrame(() => {
      B.t.raf = now();
      // the end of that frame's main-thread work: a task posted now at the highest priority runs
      // right after it (a plain setTimeout can wait behind unrelated queued tasks)
      const done = () => { B.t.frame = now(); };
      if (self.scheduler && scheduler.postTask) scheduler.postTask(done, {priority: "user-blocking"});
      else setTimeout(done, 0);
    });
  }).observe(document, {attributes: true, subtree: true, attributeFilter: ["data-ready"]});
})();
"""

POSITION_PROBE = """
(() => { try { localStorage.setItem(%s, %s); } catch (e) {} })();
"""

READY_COLLECT = """
() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const mark = (name) => { const m = performance.getEntriesByName(name, "mark")[0]; return m ? m.startTime : null; };
  const paint = {};
  performance.getEntriesByType("paint").forEach((p) => { paint[p.name] = p.startTime; });
  return {nav: {responseStart: nav.responseStart, responseEnd: nav.responseEnd, domInteractive: nav.domInteractive,
                dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, transferSize: nav.transferSize},
          start: mark("organizer:start"), ready: mark("organizer:ready"), paint: paint, bench: window.__bench,
          isolated: self.crossOriginIsolated};
}
"""

# The runtime alone, in the page: a second Runtime over the IR (the whole of it, as the page's
# runtime reads it once form.js has put back the null members) and the page's data block.
RUNTIME_FLIPS = """
async ([flip, dep, reps, program]) => {
  const RT = globalThis.OrganizerRuntime;
  const data = JSON.parse(document.getElementById("organizer-data").textContent);
  const rt = new RT.Runtime(program, {messages: data.messages, formats: data.formats});
  const ctx = rt.defaultContext(data.context);
  const depIndex = rt.nodeIds.get(dep);
  const answers = RT.dict();
  const times = [];
  for (let i = 0; i < reps; i++) {
    const value = i % 2 === 0;
    RT.setKey(answers, flip, value);
    const t = performance.now();
    const state = rt.evaluate(answers, ctx);
    times.push(performance.now() - t);
    if (state.vis[depIndex] !== value) throw new Error("runtime: " + dep + " did not follow " + flip);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return times;
}
"""

# Through the page: one change event, or a click (input + change), on the radio of `flip`.
DOM_FLIPS = """
async ([flip, dep, reps, mode]) => {
  const yes = document.getElementById("q-" + flip + "-o0");
  const no = document.getElementById("q-" + flip + "-o1");
  const item = document.querySelector('[data-item="' + dep + '"]');
  if (!yes || !no || !item) throw new Error("controls of " + flip + "/" + dep + " not found");
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const handler = [];
  const layout = [];
  for (let i = 0; i < reps; i++) {
    const value = i % 2 === 0;
    const radio = value ? yes : no;
    await frame();
    const t0 = performance.now();
    if (mode === "click") {
      radio.click();
    } else {
      radio.checked = true;
      radio.dispatchEvent(new Event("change", {bubbles: true}));
    }
    const t1 = performance.now();
    void item.offsetHeight;
    const t2 = performance.now();
    if (item.hidden === value) throw new Error(mode + ": " + dep + " did not follow " + flip + "=" + value);
    if (value && item.offsetHeight === 0) throw new Error(dep + " shown but not laid out (is its page on screen?)");
    handler.push(t1 - t0);
    layout.push(t2 - t0);
  }
  return {handler: handler, layout: layout, page: window.OrganizerForm.page()};
}
"""

SURVEY_FLIPS = """
async ([flip, dep, reps]) => {
  const model = window.__model;
  const question = model.getQuestionByName(dep);
  const times = [];
  for (let i = 0; i < reps; i++) {
    const value = i % 2 === 0;
    const t = performance.now();
    model.setValue(flip, value);
    times.push(performance.now() - t);
    if (question.isVisible !== value) throw new Error("SurveyJS: " + dep + " did not follow " + flip);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return times;
}
"""

SURVEY_COLLECT = """
() => {
  const mark = (name) => performance.getEntriesByName(name, "mark")[0].startTime;
  const nav = performance.getEntriesByType("navigation")[0];
  return {libStart: mark("sj:lib-start"), libEnd: mark("sj:lib-end"), responseEnd: nav.responseEnd,
          bench: window.__bench, version: Survey.Version || null};
}
"""


class Quiet(SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        # cross-origin isolation: performance.now() at 5 µs instead of 100 µs
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Server:
    """http.server on 127.0.0.1 (an ephemeral port) serving one folder, in a thread."""

    def __init__(self, folder: Path) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --------------------------------------------------------------------------- Chromium's trace

TRACE_CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8.execute", "blink.user_timing",
                    "loading"]
PHASES = ("HTML parse", "script", "GC", "style", "layout", "paint and composite", "receive and decode the bytes",
          "other (task scheduling, IPC, …)")


def phase_of(name: str) -> str:
    """The phase of a trace event by its name, for the innermost event running at each instant."""
    if name in ("ParseHTML", "HTMLDocumentParser::ProcessTokens"):
        return "HTML parse"
    if "GC" in name or name.startswith("V8.GC"):
        return "GC"
    if name in ("UpdateLayoutTree", "RecalculateStyles", "ParseAuthorStyleSheet", "ScheduleStyleRecalculation"):
        return "style"
    if name in ("Layout", "UpdateLayout"):
        return "layout"
    if name in ("Paint", "PrePaint", "Commit", "Layerize", "UpdateLayer", "UpdateLayerTree", "CompositeLayers",
                "PaintImage", "RasterTask", "ProxyMain::BeginMainFrame::commit"):
        return "paint and composite"
    if name.startswith(("V8.", "v8.")) or name in ("EvaluateScript", "FunctionCall", "TimerFire", "FireAnimationFrame",
                                                 "RunMicrotasks", "EventDispatch", "V8.Execute", "ParseHTML::Script"):
        return "script"
    if name.startswith(("DocumentLoader::", "NavigationBodyLoader::", "DecodedDataDocumentParser", "ResourceLoader")):
        return "receive and decode the bytes"
    return "other (task scheduling, IPC, …)"


def trace_phases(trace: bytes) -> dict[str, Any]:
    """Main-thread time of the renderer by phase, from navigation start to `organizer:ready` and from
    there to the end of the first frame after it (the probe's `frame`), in ms. Each instant counts
    once, for the innermost complete event running then (self time); time with no event is idle."""
    data = json.loads(trace)
    events = data["traceEvents"] if isinstance(data, dict) else data
    ready = next(e for e in events if e.get("name") == "organizer:ready")
    thread = (ready["pid"], ready["tid"])
    ready_ms = ready["args"]["data"]["startTime"]
    spans = sorted(((e["ts"], e["ts"] + e.get("dur", 0), e["name"]) for e in events
                    if e.get("ph") == "X" and (e["pid"], e["tid"]) == thread and e.get("dur", 0) > 0),
                   key=lambda x: (x[0], -x[1]))
    segments: list[tuple[float, float, str]] = []
    stack: list[list[Any]] = []
    cursor = 0.0
    for begin, end, name in spans + [(float("inf"), float("inf"), "")]:
        while stack and stack[-1][1] <= begin:
            top = stack.pop()
            segments.append((cursor, top[1], top[2]))
            cursor = top[1]
        if not name:
            break
        if stack:
            segments.append((cursor, begin, stack[-1][2]))
            end = min(end, stack[-1][1])
        stack.append([begin, end, name])
        cursor = begin
    return {"segments": [(a, b, n) for a, b, n in segments if b > a], "ready_ts": ready["ts"], "ready": ready_ms}


def phase_totals(segments: list[tuple[float, float, str]], lo: float, hi: float) -> dict[str, Any]:
    totals: dict[str, Any] = dict.fromkeys(PHASES, 0.0)
    names: dict[str, float] = {}
    busy = 0.0
    for a, b, name in segments:
        a, b = max(a, lo), min(b, hi)
        if b <= a:
            continue
        phase = phase_of(name)
        totals[phase] += (b - a) / 1000
        busy += (b - a) / 1000
        if phase.startswith("other"):
            names[name] = names.get(name, 0.0) + (b - a) / 1000
    totals["idle (waiting)"] = (hi - lo) / 1000 - busy
    totals["_other_names"] = sorted(names, key=lambda k: -names[k])[:3]
    return totals


# --------------------------------------------------------------------------- measuring


def med(values: list[float]) -> float:
    return statistics.median(values)


def reps_for(n: int) -> int:
    """Flips per run: SurveyJS takes ~0.1-0.2 s a flip at 5,000 questions."""
    return 41 if n <= 50 else 21 if n <= 500 else 11


class Bench:
    def __init__(self, browser: Any, server: Server, folder: Path, runs: int) -> None:
        self.browser = browser
        self.server = server
        self.folder = folder
        self.runs = runs

    def _page(self, init: list[str]) -> tuple[Any, Any]:
        context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        for script in init:
            context.add_init_script(script)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.errors = errors
        return context, page

    def organizer_ready(self, url: str) -> dict[str, Any]:
        context, page = self._page([READY_PROBE])
        try:
            page.goto(url, wait_until="load", timeout=120_000)
            page.wait_for_selector("#organizer[data-ready]", state="attached", timeout=120_000)
            page.wait_for_function("window.__bench && window.__bench.t.frame !== undefined", timeout=60_000)
            result = page.evaluate(READY_COLLECT)
            assert not page.errors, page.errors
            return result
        finally:
            context.close()

    def organizer_traced(self, url: str) -> dict[str, Any]:
        """A load under Chromium's tracing: main-thread time by phase up to ready and to the first frame."""
        context, page = self._page([READY_PROBE])
        try:
            self.browser.start_tracing(page=page, categories=TRACE_CATEGORIES)
            try:
                page.goto(url, wait_until="load", timeout=120_000)
                page.wait_for_function("window.__bench && window.__bench.t.frame !== undefined", timeout=60_000)
                collected = page.evaluate(READY_COLLECT)
            finally:
                trace = self.browser.stop_tracing()
            parsed = trace_phases(trace)
            frame_ts = parsed["ready_ts"] + (collected["bench"]["t"]["frame"] - collected["ready"]) * 1000
            start = parsed["ready_ts"] - parsed["ready"] * 1000  # navigation start on the trace's clock
            return {"ready": collected["ready"], "frame": collected["bench"]["t"]["frame"],
                    "to_ready": phase_totals(parsed["segments"], start, parsed["ready_ts"]),
                    "to_frame": phase_totals(parsed["segments"], parsed["ready_ts"], frame_ts)}
        finally:
            context.close()

    def organizer_profiled(self, url: str) -> dict[str, Any]:
        """A load under V8's sampling CPU profiler (100 µs), from before navigation to data-ready."""
        context, page = self._page([])
        try:
            cdp = context.new_cdp_session(page)
            cdp.send("Profiler.enable")
            cdp.send("Profiler.setSamplingInterval", {"interval": 100})
            cdp.send("Profiler.start")
            page.goto(url, wait_until="load", timeout=120_000)
            profile = cdp.send("Profiler.stop")["profile"]
            assert not page.errors, page.errors
            return profile
        finally:
            context.close()

    def script_start(self, url: str) -> float:
        """Navigation start to the first statement of the page's script (variants may fail after it)."""
        context, page = self._page([READY_PROBE])
        try:
            page.goto(url, wait_until="load", timeout=120_000)
            page.wait_for_function("window.__bench && window.__bench.t.script !== undefined", timeout=60_000)
            return page.evaluate("() => window.__bench.t.script")
        finally:
            context.close()

    def organizer_flips(self, url: str, key: str, section: str, flip: str, dep: str, reps: int,
                        program: dict[str, Any]) -> dict[str, Any]:
        position = POSITION_PROBE % (json.dumps(key + ":position"), json.dumps(json.dumps(section)))
        context, page = self._page([position])
        try:
            page.goto(url, wait_until="load", timeout=120_000)
            page.wait_for_selector("#organizer[data-ready]", state="attached", timeout=120_000)
            runtime = page.evaluate(RUNTIME_FLIPS, [flip, dep, reps, program])
            change = page.evaluate(DOM_FLIPS, [flip, dep, reps, "change"])
            click = page.evaluate(DOM_FLIPS, [flip, dep, reps, "click"])
            assert change["page"] == section, (change["page"], section)
            assert not page.errors, page.errors
            return {"runtime": runtime, "change": change, "click": click}
        finally:
            context.close()

    def surveyjs(self, url: str, flip: str, dep: str, reps: int) -> dict[str, Any]:
        context, page = self._page([])
        try:
            page.goto(url, wait_until="load", timeout=120_000)
            page.wait_for_selector("body[data-ready]", state="attached", timeout=120_000)
            result = page.evaluate(SURVEY_COLLECT)
            result["flips"] = page.evaluate(SURVEY_FLIPS, [flip, dep, reps])
            assert not page.errors, page.errors
            return result
        finally:
            context.close()


def rest(times: list[float]) -> float:
    """Median of the reps after the first (cold) one."""
    return med(times[1:]) if len(times) > 1 else times[0]


def measure_size(bench: Bench, n: int, node: bool, trace: bool) -> dict[str, Any]:
    folder = bench.folder
    result = compile_source(generate_peer(n), f"organizer_n{n}.organizer")
    assert result.program is not None, [d.message for d in result.diagnostics]
    html = result.artifacts["form.html"]
    (folder / f"form_n{n}.html").write_text(html, encoding="utf-8")
    survey = surveyjs_text(n)
    safe = survey.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    (folder / f"surveyjs_n{n}.html").write_text(SURVEY_PAGE.format(n=n, json=safe), encoding="utf-8")
    flip, dep = flip_pair(n)
    section = section_of(n, flip)
    data = json_block(html, "organizer-data")
    program = program_to_json(result.program)
    reps = reps_for(n)
    out: dict[str, Any] = {"n": n, "flip": flip, "dep": dep, "section": section, "reps": reps,
                           "sizes": sizes_of(html), "survey_json": len(survey.encode()),
                           "survey_json_gz": gz(survey.encode()), "ready": [], "flips": [], "surveyjs": []}
    for _ in range(bench.runs):
        # one run: a fresh load for ready, one for the flips, one of SurveyJS
        out["ready"].append(bench.organizer_ready(bench.server.base + f"form_n{n}.html"))
        out["flips"].append(bench.organizer_flips(bench.server.base + f"form_n{n}.html", data["storage_key"],
                                                  section, flip, dep, reps, program))
        out["surveyjs"].append(bench.surveyjs(bench.server.base + f"surveyjs_n{n}.html", flip, dep, reps))
    if trace:
        out["profile"] = [profile_functions(bench.organizer_profiled(bench.server.base + f"form_n{n}.html"), html)
                          for _ in range(bench.runs)]
        out["anatomy"] = anatomy(bench, n, html)
        out["trace"] = [bench.organizer_traced(bench.server.base + f"form_n{n}.html") for _ in range(bench.runs)]
    if node:
        out["node"] = run_node(folder, n, program, html, survey, flip, dep, bench.runs, reps)
    return out


def profile_functions(profile: dict[str, Any], html: str) -> dict[str, float]:
    """Inclusive ms per function of the page's script (as `file.js:line name`), from a CPU profile:
    each sample counts once for every distinct function on its stack."""
    match = next(m for m in SCRIPT_RE.finditer(html) if "application/json" not in m.group("attrs"))
    first_line = html.count("\n", 0, match.start("body"))
    starts, offset = [], 0
    for name in SCRIPT_FILES:
        starts.append((offset, name))
        offset += static_text(name).count("\n") + 1

    def label(frame: dict[str, Any]) -> str | None:
        if not frame["url"].endswith(".html"):
            return None
        line = frame["lineNumber"] - first_line
        if line < 0:
            return None
        if line == 0 and not frame["functionName"]:
            return "(the whole inline script)"
        start, file = max((s for s in starts if s[0] <= line), key=lambda s: s[0])
        name = frame["functionName"]
        if not name:
            text = static_text(file).split("\n")[line - start]
            name = "(the file's top level)" if text.lstrip().startswith("(function") else "(anonymous)"
        return f"{file}:{line - start + 1} {name}"

    nodes = {node["id"]: node for node in profile["nodes"]}
    parent = {child: node["id"] for node in profile["nodes"] for child in node.get("children", ())}
    labels = {nid: label(node["callFrame"]) for nid, node in nodes.items()}
    totals: dict[str, float] = {}
    for sample, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
        seen: set[str] = set()
        nid: int | None = sample
        while nid is not None:
            name = labels[nid]
            if name is not None and name not in seen:
                seen.add(name)
                totals[name] = totals.get(name, 0.0) + delta / 1000
            nid = parent.get(nid)
    return totals


IR_BLOCK = re.compile(r'(<script type="application/json" id="organizer-program">).*?(</script>)', re.DOTALL)


def anatomy(bench: Bench, n: int, html: str) -> dict[str, list[float]]:
    """Navigation -> the page's script starts, for form.html and for a variant without the IR's text
    (its script then fails, after the moment measured)."""
    variants = {"as built": html, "IR emptied": IR_BLOCK.sub(r"\1{}\2", html)}
    assert len(variants["IR emptied"]) < len(html)
    times: dict[str, list[float]] = {k: [] for k in variants}
    for name, text in variants.items():
        file = f"anatomy_n{n}_{name.split()[0]}.html"
        (bench.folder / file).write_text(text, encoding="utf-8")
        times[name] = [bench.script_start(bench.server.base + file) for _ in range(bench.runs)]
    times["_bytes"] = [float(len(v.encode())) for v in variants.values()]
    return times


def run_node(folder: Path, n: int, program: dict[str, Any], html: str, survey: str, flip: str, dep: str, rounds: int,
             reps: int) -> dict[str, Any]:
    paths = {name: folder / f"{name}_n{n}.json" for name in ("program", "data", "surveyjs", "answers")}
    paths["program"].write_text(json.dumps(program), encoding="utf-8")
    paths["data"].write_text(json.dumps(json_block(html, "organizer-data")), encoding="utf-8")
    paths["surveyjs"].write_text(survey, encoding="utf-8")
    gf = gen_forms()
    assert gf is not None
    paths["answers"].write_text(json.dumps(gf.build_answers(peer_model(n))), encoding="utf-8")
    job = {"runtime": [str(STATIC / name) for name in RUNTIME_FILES], "survey_core": str(SURVEY_CORE),
           "flip": flip, "dep": dep, "rounds": rounds, "reps": reps, **{k: str(v) for k, v in paths.items()}}
    done = subprocess.run(["node", "--expose-gc", str(Path(__file__).with_name("form_node.js"))],
                          input=json.dumps(job), capture_output=True, text=True, check=False, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"form_node.js failed:\n{done.stderr}")
    return json.loads(done.stdout)


# --------------------------------------------------------------------------- reporting


def kb(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:.2f} MB"
    return f"{size / 1000:.1f} KB"


def ms(x: float | None) -> str:
    return "—" if x is None else f"{fmt(x)} ms"


def summarize(r: dict[str, Any]) -> dict[str, Any]:
    """Medians over runs of every figure of one N."""
    ready = r["ready"]
    s: dict[str, Any] = {
        "ready": med([x["ready"] for x in ready]),
        "frame": med([x["bench"]["t"]["frame"] for x in ready]),
        "rt_build": med([x["bench"]["runtime"] for x in ready]),
        "rt_eval": med([rest(f["runtime"]) for f in r["flips"]]),
        "rt_eval_first": med([f["runtime"][0] for f in r["flips"]]),
        "change": med([rest(f["change"]["handler"]) for f in r["flips"]]),
        "change_layout": med([rest(f["change"]["layout"]) for f in r["flips"]]),
        "change_first": med([f["change"]["layout"][0] for f in r["flips"]]),
        "click": med([rest(f["click"]["handler"]) for f in r["flips"]]),
        "click_layout": med([rest(f["click"]["layout"]) for f in r["flips"]]),
        "sj_ready": med([x["bench"]["built"] for x in r["surveyjs"]]),
        "sj_lib": med([x["libEnd"] - x["libStart"] for x in r["surveyjs"]]),
        "sj_parse": med([x["bench"]["parse"] for x in r["surveyjs"]]),
        "sj_construct": med([x["bench"]["construct"] for x in r["surveyjs"]]),
        "sj_flip": med([rest(x["flips"]) for x in r["surveyjs"]]),
        "sj_flip_first": med([x["flips"][0] for x in r["surveyjs"]]),
        "sj_flip_range": (min(rest(x["flips"]) for x in r["surveyjs"]), max(rest(x["flips"]) for x in r["surveyjs"])),
        "ready_range": (min(x["ready"] for x in ready), max(x["ready"] for x in ready)),
        "sj_construct_range": (min(x["bench"]["construct"] for x in r["surveyjs"]),
                               max(x["bench"]["construct"] for x in r["surveyjs"])),
    }
    return s


def breakdown(r: dict[str, Any]) -> list[list[str]]:
    """Where the ready time goes (median over runs of each step)."""
    steps: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        steps.setdefault(name, []).append(value)

    for x in r["ready"]:
        b, t, nav = x["bench"], x["bench"]["t"], x["nav"]
        parses = sorted(b["parses"], reverse=True)
        ir_parse = parses[0][1] if parses else 0.0
        other_parse = sum(p[1] for p in parses[1:])
        evals = sum(b["evals"])
        add("navigation start → first byte of form.html (responseStart)", nav["responseStart"])
        add("first byte → the page's script starts: HTML parse (the page's shell, the IR and data JSON as "
            "script text) and compiling the inline script", t["script"] - nav["responseStart"])
        add("runtime modules defined (values.js … shortcodes.js run) → form.js starts (`organizer:start`)",
            x["start"] - t["script"])
        add("form.js: JSON.parse of the IR", ir_parse)
        add("form.js: JSON.parse of the data block (messages, formats, context)", other_parse)
        add("form.js: `new Runtime(program)` (compile the conditions, index the nodes)", b["runtime"])
        add(f"form.js: `Runtime.evaluate` ({len(b['evals'])} calls)", evals)
        add("form.js: `focus()` of the first section's heading (forces style and layout)", b["focus"])
        add("form.js: localStorage reads and writes (draft, position)", b["storage"])
        add("form.js: the rest (prefill, build and show the first section, texts, progress)",
            x["ready"] - x["start"] - ir_parse - other_parse - b["runtime"] - evals - b["focus"] - b["storage"])
        add("**ready** (`organizer:ready`, `data-ready` set)", x["ready"])
        add("ready → end of the first frame after it (style, layout, paint of the first section)", t["frame"] - x["ready"])
        add("**first frame after ready**", t["frame"])
        add("DOMContentLoaded end / load end (for reference)", nav["dcl"])
        fcp = x["paint"].get("first-contentful-paint")
        if fcp is not None:
            add("first-contentful-paint (Paint Timing; for reference)", fcp)
    rows = []
    for name, values in steps.items():
        rows.append([name, ms(med(values)), f"{fmt(min(values))}–{fmt(max(values))}"])
    return rows


def report(results: list[dict[str, Any]], node: bool, runs: int) -> str:
    core_min = (SURVEY_CORE / "survey.core.min.js").read_bytes()
    core_full = (SURVEY_CORE / "survey.core.js").read_bytes()
    sums = [summarize(r) for r in results]
    header = ["what"]
    for r in results:
        header += [f"N={r['n']:,} Organizer", f"N={r['n']:,} SurveyJS"]

    def row(label: str, org: Any, sj: Any) -> list[str]:
        cells = [label]
        for r, s in zip(results, sums, strict=True):
            cells += [org(r, s), sj(r, s)]
        return cells

    rows = [
        row("page / survey definition",
            lambda r, s: f"form.html {kb(r['sizes']['html'])} ({kb(r['sizes']['html_gz'])} gz)",
            lambda r, s: f"JSON {kb(r['survey_json'])} ({kb(r['survey_json_gz'])} gz)"),
        row("… of which the embedded IR (null members left out)", lambda r, s: kb(r["sizes"]["ir"]), lambda r, s: "—"),
        row("runtime JS",
            lambda r, s: f"{kb(r['sizes']['js'])} inline ({kb(r['sizes']['js_gz'])} gz)",
            lambda r, s: f"survey.core.min.js {kb(len(core_min))} ({kb(gz(core_min))} gz)"),
        row("ready: navigation → ready",
            lambda r, s: f"{ms(s['ready'])} (data-ready)",
            lambda r, s: f"{ms(s['sj_ready'])} (model built, no UI)"),
        row("first frame after ready", lambda r, s: ms(s["frame"]), lambda r, s: "—"),
        row("build the model", lambda r, s: f"{ms(s['rt_build'])} (new Runtime)",
            lambda r, s: f"{ms(s['sj_construct'])} (new Model)"),
        row("re-evaluate after a flip, model only",
            lambda r, s: f"{ms(s['rt_eval'])} (evaluate)", lambda r, s: f"{ms(s['sj_flip'])} (setValue)"),
        row("one `change` event → DOM updated", lambda r, s: ms(s["change"]), lambda r, s: "— (no UI)"),
        row("… + style and layout", lambda r, s: ms(s["change_layout"]), lambda r, s: "—"),
        row("one click (input + change) → DOM + layout", lambda r, s: ms(s["click_layout"]), lambda r, s: "—"),
    ]
    title = f"## form.html vs SurveyJS in Chromium (medians of {runs} runs; flips: median of each run's reps after the first)"
    versions = (f"_{machine_line(('playwright',))} · {chromium_version()} · node {node_version()} · "
                f"survey-core {package_version('survey-core')}_")
    flips = ", ".join(f"N={r['n']:,}: {r['flip']} → {r['dep']} ({r['section']}, {r['reps']} reps)" for r in results)
    note = (f"Flip (the peers' flip_condition): {flips}. survey.core.js unminified: {kb(len(core_full))}; "
            "the Organizer runtime is unminified and commented.")
    out = [title, "", versions, "", table(header, rows), "", note, ""]

    largest = results[-1]
    out += [f"### Where the ready time goes, N={largest['n']:,} (Performance API, median of {runs} loads)", "",
            table(["step", "median", "min–max ms"], breakdown(largest)), ""]

    if "anatomy" in largest:
        a = largest["anatomy"]
        full, no_ir = (med(a[k]) for k in ("as built", "IR emptied"))
        sizes = a["_bytes"]
        split = (f"HTML parse split by page variants (navigation → the page's script starts, median of {runs} loads "
                 f"each): as built {fmt(full)} ms ({kb(int(sizes[0]))}); IR emptied {fmt(no_ir)} ms "
                 f"({kb(int(sizes[1]))}), so the IR's text costs ≈ {fmt(full - no_ir)} ms.")
        out += [split, ""]
    if "trace" in largest:
        out += trace_report(largest, runs)
    if "profile" in largest:
        out += profile_report(largest, runs)

    detail = []
    for r, s in zip(results, sums, strict=True):
        detail.append([f"{r['n']:,}", f"{fmt(s['ready_range'][0])}–{fmt(s['ready_range'][1])}",
                       ms(s["rt_eval_first"]), ms(s["change_first"]), ms(s["click"]),
                       ms(s["sj_lib"]), ms(s["sj_parse"]),
                       f"{fmt(s['sj_construct_range'][0])}–{fmt(s['sj_construct_range'][1])}",
                       ms(s["sj_flip_first"]), f"{fmt(s['sj_flip_range'][0])}–{fmt(s['sj_flip_range'][1])}"])
    out += ["### Detail (Chromium)", "",
            table(["N", "Org ready min–max ms", "Org evaluate, first rep", "Org change→layout, first rep",
                   "Org click → DOM (no layout)", "SJS load+run survey.core.min.js", "SJS JSON.parse",
                   "SJS construct min–max ms", "SJS setValue, first rep", "SJS setValue min–max ms"], detail), ""]

    if node:
        out += node_report(results)
    out += goals(results, sums)
    return "\n".join(out)


def trace_report(r: dict[str, Any], runs: int) -> list[str]:
    traces = r["trace"]
    rows = []
    for phase in (*PHASES, "idle (waiting)"):
        a = med([t["to_ready"][phase] for t in traces])
        b = med([t["to_frame"][phase] for t in traces])
        if a < 0.05 and b < 0.05:
            continue
        label = phase
        if phase.startswith("other"):
            names = traces[0]["to_ready"]["_other_names"]
            label = f"{phase} (mostly {', '.join(names)})" if names else phase
        rows.append([label, ms(a), ms(b)])
    rows.append(["**total** (the traced loads' own ready / first frame)",
                 ms(med([t["ready"] for t in traces])),
                 ms(med([t["frame"] - t["ready"] for t in traces]))])
    title = (f"### The same by Chromium's trace, N={r['n']:,} (renderer main thread, self time of the innermost "
             f"event; median of {runs} traced loads, which run a little slower)")
    return [title, "", table(["phase", "navigation → ready", "ready → first frame"], rows), ""]


def profile_report(r: dict[str, Any], runs: int) -> list[str]:
    profiles = r["profile"]
    names = {name for p in profiles for name in p}
    ranked = sorted(((name, med([p.get(name, 0.0) for p in profiles])) for name in names), key=lambda x: -x[1])
    rows = [[f"`{name}`", ms(value)] for name, value in ranked if value >= 1.0][:16]
    title = (f"### The page's script by function, N={r['n']:,} (V8 sampling profiler at 100 µs, inclusive time, "
             f"median of {runs} profiled loads; functions ≥ 1 ms)")
    return [title, "", table(["function (file:line in compiler/static/)", "inclusive"], rows), ""]


def node_report(results: list[dict[str, Any]]) -> list[str]:
    rows = []
    first = results[0]["node"]
    for r in results:
        rounds = r["node"]["rounds"]

        def m(side: str, key: str, rounds: list[dict[str, Any]] = rounds) -> float:
            values = [x[side][key] if key == "build" else rest(x[side][key]) for x in rounds]
            return med(values)

        ratio_build = med([x["surveyjs"]["build"] / x["organizer"]["build"] for x in rounds])
        ratio_flip = med([rest(x["surveyjs"]["flip"]) / rest(x["organizer"]["flip"]) for x in rounds])
        ratio_filled = med([rest(x["surveyjs"]["flip_filled"]) / rest(x["organizer"]["flip_filled"]) for x in rounds])
        rows.append([f"{r['n']:,}", ms(m("organizer", "build")), ms(m("surveyjs", "build")), f"{fmt(ratio_build)}×",
                     ms(m("organizer", "flip")), ms(m("surveyjs", "flip")), f"{fmt(ratio_flip)}×",
                     ms(m("organizer", "flip_filled")), ms(m("surveyjs", "flip_filled")), f"{fmt(ratio_filled)}×"])
    title = (f"### Under node (as the peers measured; {len(first['rounds'])} interleaved rounds in one process, "
             f"node {first['node']}, --expose-gc)")
    header = ["N", "Org new Runtime (median of 5 a round)", "SJS new Model", "SJS/Org", "Org evaluate after flip (empty)",
              "SJS setValue flip (empty)", "SJS/Org", "Org evaluate after flip (filled)", "SJS setValue flip (filled)",
              "SJS/Org"]
    note = ("Ratios are medians of per-round ratios; flips are the median of each round's reps after the first. "
            "Filled: the peers' full valid answer set (gen_forms.build_answers). Peers' figures (MEASURED.md, node, "
            "N=5,000): construct 1.54 s, flip 142 ms (range over runs 113–206 ms).")
    return [title, "", table(header, rows), "", note, ""]


def goals(results: list[dict[str, Any]], sums: list[dict[str, Any]]) -> list[str]:
    r, s = results[-1], sums[-1]

    def verdict(value: float, goal: float) -> str:
        return f"{fmt(value)} ms " + ("(met)" if value < goal else "(**not met**)")

    reeval = (f"- re-evaluate < {GOAL_REEVALUATE_MS:g} ms at N={r['n']:,}: runtime evaluate "
              f"{verdict(s['rt_eval'], GOAL_REEVALUATE_MS)}; one change event → DOM + layout "
              f"{verdict(s['change_layout'], GOAL_REEVALUATE_MS)}; one click, which the page handles twice "
              f"(input and change) → DOM + layout {verdict(s['click_layout'], GOAL_REEVALUATE_MS)}. "
              f"SurveyJS setValue, model only: {fmt(s['sj_flip'])} ms.")
    ready = (f"- ready < {GOAL_READY_MS:g} ms at N={r['n']:,}: {verdict(s['ready'], GOAL_READY_MS)}. "
             f"SurveyJS, navigation → model built (no rendering): {fmt(s['sj_ready'])} ms.")
    return ["### Goals of the issue (at the largest N measured)", "", reeval, ready, ""]


@functools.cache
def chromium_version() -> str:
    try:
        done = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30, check=False)
        match = re.search(r"Chromium [0-9.]+", done.stdout)
        return match.group(0) if match else "chromium ?"
    except OSError:
        return "chromium ?"


@functools.cache
def node_version() -> str:
    try:
        return subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=30, check=False).stdout.strip()
    except OSError:
        return "?"


def package_version(name: str) -> str:
    try:
        return json.loads((ROOT / "node_modules" / name / "package.json").read_text())["version"]
    except OSError:
        return "not installed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 500, 5000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-node", action="store_true", help="skip the node comparison")
    parser.add_argument("--no-trace", action="store_true", help="skip the traced loads at the largest N")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder of pages (printed)")
    parser.add_argument("--json", type=Path, help="also write the raw measurements here")
    args = parser.parse_args()

    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing (apt-get install -y chromium); never `playwright install`")
    if not (SURVEY_CORE / "survey.core.min.js").exists():
        sys.exit(f"survey-core is missing under {SURVEY_CORE.parent}: run `npm install` at the repo root")
    if gen_forms() is None:
        sys.exit("the peers' gen_forms.py is missing (ORGANIZER_PEERS_DIR)")
    from playwright.sync_api import sync_playwright

    node = not args.no_node and shutil.which("node") is not None
    folder = Path(tempfile.mkdtemp(prefix="organizer-bench-form-"))
    shutil.copy(SURVEY_CORE / "survey.core.min.js", folder / "survey.core.min.js")
    server = Server(folder)
    started = time.perf_counter()
    results = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                bench = Bench(browser, server, folder, args.runs)
                for n in sorted(args.sizes):
                    t = time.perf_counter()
                    results.append(measure_size(bench, n, node, trace=not args.no_trace and n == max(args.sizes)))
                    print(f"N={n:,}: measured in {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
            finally:
                browser.close()
    finally:
        server.close()
        if args.keep:
            print(f"pages kept in {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(report(results, node, args.runs))
    print(f"_whole run: {time.perf_counter() - started:.0f} s_")


if __name__ == "__main__":
    main()
