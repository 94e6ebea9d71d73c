// Ajv 8 (draft 2020-12) as a persistent oracle: JSON lines in on stdin, one JSON line out per request.
// Driven by ajv_oracle.py; see there for the protocol. Requests:
//   {"op":"compile","key":K,"schema":S,"formats":bool,"options":{...}|null,"vocabulary":[...]}
//       -> {"ok":true,"ms":compile_ms} | {"ok":false,"error":msg,"stack_overflow":bool}
//   {"op":"validate","key":K,"count":N}, then N lines, each one JSON text (an answers object)
//       -> {"verdicts":[true|false|null], "paths":[[instancePath...]|null], "bad":[msg|null]}
//          (null: the line is not JSON that JSON.parse takes, e.g. NaN; "paths" only with allErrors)
//   {"op":"bench","key":K,"count":1} then one JSON text line
//       -> {"valid":bool,"errors":n,"median_ms":m,"min_ms":a,"max_ms":b,"reps":r,"batch":b}
//   {"op":"drop","key":K} -> {"ok":true};  {"op":"info"} -> {"node":..., "ajv":..., "ajv_formats":...}
'use strict';
const readline = require('readline');
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats');

const validators = new Map();
let pending = null; // {req, lines: []}

function reply(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function compile(req) {
  // options null: Ajv's own defaults (`new Ajv2020()`); else strict mode plus the given options
  const ajv = req.options === null ? new Ajv2020() : new Ajv2020(Object.assign({strict: true}, req.options));
  if (req.formats) addFormats(ajv);
  if (req.vocabulary && req.vocabulary.length) ajv.addVocabulary(req.vocabulary);
  const start = process.hrtime.bigint();
  try {
    const validate = ajv.compile(req.schema);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    validators.set(req.key, validate);
    return {ok: true, ms};
  } catch (e) {
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    return {ok: false, ms, error: String(e && e.message), stack_overflow: e instanceof RangeError};
  }
}

function validateLines(req, lines) {
  const validate = validators.get(req.key);
  if (!validate) return {error: `no compiled schema ${req.key}`};
  const verdicts = [], paths = [], bad = [];
  for (const line of lines) {
    let data;
    try {
      data = JSON.parse(line);
    } catch (e) {
      verdicts.push(null); paths.push(null); bad.push(String(e && e.message));
      continue;
    }
    try {
      const ok = validate(data);
      verdicts.push(ok);
      paths.push(ok || !validate.errors ? [] : validate.errors.map((e) => e.instancePath));
      bad.push(null);
    } catch (e) {
      verdicts.push(null); paths.push(null); bad.push('validate threw: ' + String(e && e.message));
    }
  }
  return {verdicts, paths, bad};
}

function bench(req, line) {
  const validate = validators.get(req.key);
  if (!validate) return {error: `no compiled schema ${req.key}`};
  const data = JSON.parse(line);
  const valid = validate(data);
  const errors = validate.errors ? validate.errors.length : 0;
  const minMs = req.min_batch_ms || 20, reps = req.reps || 30, warm = req.warmup_ms || 200;
  // warm-up, and find a batch size that lasts at least minMs
  let batch = 1, t0 = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - t0) / 1e6 < warm) validate(data);
  for (;;) {
    const s = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) validate(data);
    const ms = Number(process.hrtime.bigint() - s) / 1e6;
    if (ms >= minMs || batch >= 1 << 24) break;
    batch *= 2;
  }
  const times = [];
  for (let r = 0; r < reps; r++) {
    const s = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) validate(data);
    times.push(Number(process.hrtime.bigint() - s) / 1e6 / batch);
  }
  times.sort((a, b) => a - b);
  return {valid, errors, median_ms: times[Math.floor(times.length / 2)], min_ms: times[0],
          max_ms: times[times.length - 1], reps, batch};
}

function handle(line) {
  if (pending) {
    pending.lines.push(line);
    if (pending.lines.length === pending.req.count) {
      const {req, lines} = pending;
      pending = null;
      reply(req.op === 'bench' ? bench(req, lines[0]) : validateLines(req, lines));
    }
    return;
  }
  let req;
  try {
    req = JSON.parse(line);
  } catch (e) {
    reply({error: 'bad request: ' + String(e && e.message)});
    return;
  }
  switch (req.op) {
    case 'compile': reply(compile(req)); break;
    case 'validate': case 'bench':
      if (req.count > 0) pending = {req, lines: []};
      else reply({verdicts: [], paths: [], bad: []});
      break;
    case 'drop': validators.delete(req.key); reply({ok: true}); break;
    case 'info':
      reply({node: process.version, ajv: require('ajv/package.json').version,
             ajv_formats: require('ajv-formats/package.json').version,
             stack_size: process.execArgv.join(' ')});
      break;
    default: reply({error: `unknown op ${req.op}`});
  }
}

const rl = readline.createInterface({input: process.stdin, crlfDelay: Infinity, terminal: false});
rl.on('line', handle);
rl.on('close', () => process.exit(0));
