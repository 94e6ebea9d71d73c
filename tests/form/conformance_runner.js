/* The JavaScript side of tests/form/test_conformance.py: one persistent node process running the
 * page's runtime (compiler/static/values.js ... shortcodes.js). Reads JSON lines on stdin and answers each with one JSON line:
 *   {"op": "init", "runtime": [PATH, ...], "messages": {...}, "formats": {...}}   -> {"ok": true}
 *   {"op": "program", "key": K, "program": {...organizer.json...}}         -> {"ok": true} | {"error"}
 *   {"op": "case", "program": K, "answers": ..., "context": {...}}         -> {"state", "submission",
 *        "problems": {"submission": [...], "draft": [...]}} | {"error"}
 *   {"op": "prefill", "program": K, "context": {...}, "previous": {...}}    -> {"answers"}
 *   {"op": "expr", "expr": {...}, "env": {"values", "sections", "row", "context"}} -> {"value"}
 *   {"op": "format", "calls": [["number" | "money" | "date" | "size" | "problem" | "ui", LANG, ...]]}
 *        -> {"texts": [...]}
 * Replay a saved corpus with: node conformance_runner.js < corpus.jsonl
 */
"use strict";
const readline = require("readline");

let api = null;
let options = null;
const programs = new Map();

function handle(request) {
  if (request.op === "init") {
    request.runtime.forEach((file) => require(file));  // each file adds to globalThis.OrganizerRuntime
    api = globalThis.OrganizerRuntime;
    options = {messages: request.messages, formats: request.formats};
    return {ok: true};
  }
  if (request.op === "program") {
    programs.set(request.key, new api.Runtime(request.program, options));
    return {ok: true};
  }
  if (request.op === "case") {
    const runtime = programs.get(request.program);
    const state = runtime.evaluate(request.answers, request.context);
    return {
      state: state.toJSON(),
      submission: runtime.submission(request.answers, request.context),
      problems: {
        submission: runtime.validate(request.answers, false, request.context),
        draft: runtime.validate(request.answers, true, request.context),
      },
    };
  }
  if (request.op === "prefill") {
    return {answers: programs.get(request.program).prefill(request.context, request.previous)};
  }
  if (request.op === "expr") {
    return {value: api.evaluateExpr(request.expr, request.env, options.formats)};
  }
  if (request.op === "format") {
    return {texts: request.calls.map((call) => format(call))};
  }
  return {error: "unknown op " + request.op};
}

const messagesByLanguage = new Map();

function format(call) {
  const [kind, language, ...args] = call;
  if (!messagesByLanguage.has(language)) {
    messagesByLanguage.set(language, new api.Messages(options.messages, language, new api.Formats(options.formats)));
  }
  const m = messagesByLanguage.get(language);
  switch (kind) {
    case "number": return m.number(args[0]);
    case "money": return m.money(args[0], args[1], args[2]);
    case "date": return m.date(args[0]);
    case "size": return m.size(args[0]);
    case "problem": return m.problem(args[0], args[1], args[2]);
    case "ui": return m.ui(args[0], args[1]);
  }
  throw new Error("unknown format " + kind);
}

const lines = readline.createInterface({input: process.stdin, crlfDelay: Infinity});
lines.on("line", (line) => {
  if (!line.trim()) return;
  let reply;
  try {
    reply = handle(JSON.parse(line));
  } catch (error) {
    reply = {error: String(error && error.stack || error)};
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
