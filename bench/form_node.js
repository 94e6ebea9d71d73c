/* The node half of bench/form.py: the page's runtime (compiler/static/*.js, the same code form.html
 * inlines) and SurveyJS (survey-core from npm) in one node process, interleaved round by round.
 *
 *   node bench/form_node.js < job.json    (form.py writes the job; one JSON object on stdout)
 *
 * job: {"runtime": [PATH, ...], "program": PATH, "data": PATH, "surveyjs": PATH, "answers": PATH,
 *       "flip": "q2502", "dep": "q2505", "rounds": 3, "reps": 15, "survey_core": PATH}
 *
 * Per round, for each side (the order alternates between rounds; a GC first when node runs with
 * --expose-gc):
 *   build        organizer: new Runtime(program), median of 5   SurveyJS: new Model(json), once
 *   flip         `reps` answer changes that each flip `dep`'s visibility, on an empty form:
 *                organizer: evaluate(answers) after setting `flip`  SurveyJS: setValue(flip, v)
 *   flip_filled  the same on the full valid answer set (gen_forms.build_answers)
 * Times are milliseconds; each flip list holds every rep, the first one included (cold).
 * Every rep checks that `dep` did flip; a rep that did not is an error, not a figure.
 */
"use strict";

const fs = require("fs");

function now() {
  const t = process.hrtime.bigint();
  return Number(t) / 1e6;
}

function gc() {
  if (typeof global.gc === "function") global.gc();
}

function main(job) {
  job.runtime.forEach((file) => require(file));
  const RT = globalThis.OrganizerRuntime;
  const Survey = require(job.survey_core);
  const program = JSON.parse(fs.readFileSync(job.program, "utf8"));
  const data = JSON.parse(fs.readFileSync(job.data, "utf8"));
  const surveyJson = JSON.parse(fs.readFileSync(job.surveyjs, "utf8"));
  const filled = JSON.parse(fs.readFileSync(job.answers, "utf8"));
  const flip = job.flip;
  const dep = job.dep;
  const reps = job.reps;

  function organizer() {
    // a build is ~100x cheaper than SurveyJS's, so take the median of 5 (GC noise dominates one)
    const builds = [];
    let rt = null;
    let t = 0;
    for (let i = 0; i < 5; i++) {
      gc();
      t = now();
      rt = new RT.Runtime(program, {messages: data.messages, formats: data.formats});
      builds.push(now() - t);
    }
    const build = builds.sort((a, b) => a - b)[2];
    const ctx = rt.defaultContext(data.context);
    const depIndex = rt.nodeIds.get(dep);
    function flips(answers) {
      const start = RT.own(answers, flip);
      const times = [];
      for (let i = 0; i < reps; i++) {
        const value = i % 2 === 0 ? start !== true : start === true;
        RT.setKey(answers, flip, value);
        t = now();
        const state = rt.evaluate(answers, ctx);
        times.push(now() - t);
        if (state.vis[depIndex] !== value) throw new Error(`organizer: ${dep} did not follow ${flip}=${value}`);
      }
      return times;
    }
    const empty = flips(RT.dict());
    const answers = RT.dict();
    Object.keys(filled).forEach((k) => RT.setKey(answers, k, filled[k]));
    return {build, flip: empty, flip_filled: flips(answers)};
  }

  function surveyjs() {
    gc();
    let t = now();
    let model = new Survey.Model(surveyJson);
    const build = now() - t;
    function flips(m) {
      const question = m.getQuestionByName(dep);
      const start = m.getValue(flip);
      const times = [];
      for (let i = 0; i < reps; i++) {
        const value = i % 2 === 0 ? start !== true : start === true;
        t = now();
        m.setValue(flip, value);
        times.push(now() - t);
        if (question.isVisible !== value) throw new Error(`SurveyJS: ${dep} did not follow ${flip}=${value}`);
      }
      return times;
    }
    const empty = flips(model);
    model = new Survey.Model(surveyJson);
    model.data = filled;
    return {build, flip: empty, flip_filled: flips(model)};
  }

  const result = {node: process.version, survey_core: Survey.Version || null, gc: typeof global.gc === "function",
    rounds: []};
  for (let r = 0; r < job.rounds; r++) {
    const round = {};
    if (r % 2 === 0) {
      round.organizer = organizer();
      round.surveyjs = surveyjs();
    } else {
      round.surveyjs = surveyjs();
      round.organizer = organizer();
    }
    result.rounds.push(round);
  }
  return result;
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  process.stdout.write(JSON.stringify(main(JSON.parse(input))) + "\n");
});
