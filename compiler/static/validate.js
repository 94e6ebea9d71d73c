/* The page's runtime, 5 of 6: runtime/validate.py — the problems of an answers object (draft or
 * submission) with the runtime's pointers, codes, parameters and messages, the submission payload
 * without hidden values, and template.py's prefill.
 */
(function (ns) {
  "use strict";

  var own = ns.own;
  var has = ns.has;
  var isObject = ns.isObject;
  var isNumber = ns.isNumber;
  var dict = ns.dict;
  var setKey = ns.setKey;
  var contains = ns.contains;
  var cpLength = ns.cpLength;
  var escapePointer = ns.escapePointer;
  var BAD_CHARS = ns.BAD_CHARS;
  var decimalPlaces = ns.decimalPlaces;
  var equal = ns.equal;
  var isAnswered = ns.isAnswered;
  var Runtime = ns.Runtime;

  // `""` of these and `[]` of the list types is no answer (validate.is_no_answer)
  var EMPTY_STRING_TYPES = ["text", "textarea", "email", "phone", "date", "choice"];
  var LIST_TYPES = ["multichoice", "file"];
  // problems of the question's own checks: a question's `message` replaces their messages
  var OWN_CHECKS = ["type", "invalid-characters", "min-length", "max-length", "minimum", "maximum", "integer",
    "decimals", "date-format", "date-min", "date-max", "email-format", "phone-format", "pattern", "option",
    "duplicate-option", "min-items", "max-items", "file-type", "file-size", "file-object", "not-finite",
    "too-large"];
  var FILE_KEYS = ["media_type", "name", "sha256", "size"];
  var MAX_PROBLEMS_PER_LIST = 10;

  // --- validation (validate.py) ---------------------------------------------------------------

  function tooDeep(value, limit) {
    var stack = [[value, 1]];
    while (stack.length) {
      var top = stack.pop();
      var node = top[0];
      var depth = top[1];
      if (depth > limit) return true;
      var children = Array.isArray(node) ? node : (isObject(node) ? Object.keys(node).map(function (k) { return node[k]; }) : []);
      for (var i = 0; i < children.length; i++) {
        var child = children[i];
        if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
      }
    }
    return false;
  }

  function isEmpty(value) {
    return value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0);
  }

  function isNoAnswer(q, value) {
    if (typeof value === "string") return value === "" && contains(EMPTY_STRING_TYPES, q.type);
    return Array.isArray(value) && value.length === 0 && contains(LIST_TYPES, q.type);
  }

  /** The text after the last dot with A-Z lower-cased ("" without a dot). */
  function fileExtension(name) {
    var dot = name.lastIndexOf(".");
    if (dot < 0) return "";
    return name.slice(dot + 1).replace(/[A-Z]/g, function (c) { return c.toLowerCase(); });
  }

  function Run(runtime, state, draft, context) {
    this.rt = runtime;
    this.state = state;
    this.draft = draft;
    this.context = context;
    this.problems = [];
  }

  Run.prototype.add = function (pointer, code, params, item, variant) {
    params = params || {};
    if ((variant === undefined || variant === null) && item) variant = item.kind === "question" ? item.type : item.kind;
    var message;
    if (item && item.kind === "question" && item.message && item.message.length && contains(OWN_CHECKS, code)) {
      message = this.rt.renderText(item.message, this.context, this.state.values());
    } else {
      message = this.rt.messages.problem(code, params, variant);
    }
    this.problems.push({pointer: pointer, code: code, message: message, params: params});
  };

  /** Every problem with `answers` as a submission (or a draft when `draft`), as validate.validate. */
  Runtime.prototype.validate = function (answers, draft, context) {
    var ctx = this.defaultContext(context);
    if (!isObject(answers)) {
      var bad = new Run(this, this.evaluate({}, ctx), draft, ctx);
      bad.add("", "not-an-object");
      return bad.problems;
    }
    var state = this.evaluate(answers, ctx);
    var run = new Run(this, state, !!draft, ctx);
    for (var i = 0; i < this.nodes.length; i++) {
      var node = this.nodes[i];
      var known = this.byId.get(node.id);
      if (known === node.index && has(answers, node.id)) {
        this.checkKey(run, node, answers[node.id]);
      } else if (node.kind === "question" && !run.draft && state.req[node.index]) {
        run.add("/" + escapePointer(node.id), "required", {}, node.item);
      } else if (node.kind === "repeat" && !run.draft && state.vis[node.index]) {
        this.checkRowCount(run, node, []);
      }
    }
    var self = this;
    Object.keys(answers).forEach(function (key) {
      if (!self.byId.has(key)) run.add("/" + escapePointer(key), "unknown-key");
    });
    return run.problems;
  };

  /** The type and per-value problems of one value of one question, as in a draft. */
  Runtime.prototype.valueProblems = function (question, value, context) {
    // the state of no answers, for the messages' piped texts: once per context object
    if (!this.emptyState || this.emptyState.context !== context) {
      var fresh = this.defaultContext(context);
      this.emptyState = {context: context, ctx: fresh, state: this.evaluate({}, fresh)};
    }
    var ctx = this.emptyState.ctx;
    var run = new Run(this, this.emptyState.state, true, ctx);
    this.checkValue(run, question, value, "");
    return run.problems;
  };

  Runtime.prototype.checkKey = function (run, node, value) {
    var pointer = "/" + escapePointer(node.id);
    if (value !== null && typeof value === "object" && tooDeep(value, this.formats.MAX_ANSWER_DEPTH - 1)) {
      run.add(pointer, "too-deep", {max: this.formats.MAX_ANSWER_DEPTH});
      return;
    }
    var visible = run.state.vis[node.index];
    if (!run.draft && !visible) {
      run.add(pointer, "hidden-answer", {}, node.item);
      return;
    }
    if (node.kind === "question") {
      if (!run.draft && run.state.req[node.index] && isEmpty(value)) run.add(pointer, "required", {}, node.item);
      else this.checkValue(run, node.item, value, pointer);
    } else if (node.kind === "computed") {
      this.checkComputed(run, node.item, value, pointer, run.state.val[node.index]);
    } else {
      this.checkRepeat(run, node, value, pointer);
    }
  };

  Runtime.prototype.checkComputed = function (run, item, value, pointer, expected) {
    var fits = item.value_type === "number" ? isNumber(value)
      : item.value_type === "string" ? typeof value === "string" : typeof value === "boolean";
    if (!fits) {
      run.add(pointer, "type", {expected: item.value_type}, item);
    } else if (item.value_type === "number" && this.numberProblem(run, item, value, pointer)) {
      return;
    } else if (item.value_type === "string" && this.textProblem(run, item, value, pointer)) {
      return;
    } else if (!run.draft && (expected === null || expected === undefined || !equal(value, expected))) {
      run.add(pointer, "computed-mismatch", {expected: expected === undefined ? null : expected}, item);
    }
  };

  Runtime.prototype.numberProblem = function (run, item, value, pointer) {
    if (!isFinite(value)) {
      run.add(pointer, "not-finite", {}, item);
      return true;
    }
    if (Math.abs(value) > this.formats.MAX_SAFE_INTEGER) {
      run.add(pointer, "too-large", {max: this.formats.MAX_SAFE_INTEGER}, item);
      return true;
    }
    return false;
  };

  Runtime.prototype.textProblem = function (run, item, value, pointer) {
    var max = this.formats.MAX_STRING_LENGTH;
    if (value.length > max && cpLength(value) > max) {
      run.add(pointer, "max-length", {max: max, count: max}, item);
      return true;
    }
    if (BAD_CHARS.test(value)) {
      run.add(pointer, "invalid-characters", {}, item);
      return true;
    }
    return false;
  };

  Runtime.prototype.checkValue = function (run, q, value, pointer) {
    if (isNoAnswer(q, value)) return;
    var kind = q.type;
    if (kind === "text" || kind === "textarea" || kind === "email" || kind === "phone" || kind === "date") {
      this.checkString(run, q, value, pointer);
    } else if (kind === "number" || kind === "integer" || kind === "money") {
      this.checkNumber(run, q, value, pointer);
    } else if (kind === "yesno") {
      if (typeof value !== "boolean") run.add(pointer, "type", {expected: "boolean"}, q);
    } else if (kind === "choice") {
      if (typeof value !== "string") run.add(pointer, "type", {expected: "string"}, q);
      else if (!optionIds(q).has(value)) run.add(pointer, "option", {}, q);
    } else if (kind === "multichoice") {
      this.checkMultichoice(run, q, value, pointer);
    } else if (kind === "file") {
      this.checkFiles(run, q, value, pointer);
    }
  };

  function optionIds(q) {
    if (!q._optionIds) {
      Object.defineProperty(q, "_optionIds", {value: new Set(q.options.map(function (o) { return o.id; })),
        enumerable: false});
    }
    return q._optionIds;
  }

  Runtime.prototype.pattern = function (source) {
    var compiled = this.patterns.get(source);
    if (!compiled) {
      compiled = new RegExp(source, "u");
      this.patterns.set(source, compiled);
    }
    return compiled;
  };

  Runtime.prototype.checkString = function (run, q, value, pointer) {
    if (typeof value !== "string") {
      run.add(pointer, "type", {expected: "string"}, q);
      return;
    }
    if (this.textProblem(run, q, value, pointer)) return;
    var c = q.checks;
    if (q.type === "date") {
      this.checkDate(run, q, value, pointer);
      return;
    }
    var length = cpLength(value);
    if (c.min_length !== null && length < c.min_length) {
      run.add(pointer, "min-length", {min: c.min_length, count: c.min_length}, q);
    } else if (c.max_length !== null && length > c.max_length) {
      run.add(pointer, "max-length", {max: c.max_length, count: c.max_length}, q);
    } else if (q.type === "email" && !this.formats.isEmail(value)) {
      run.add(pointer, "email-format", {}, q);
    } else if (q.type === "phone" && !this.formats.isPhone(value)) {
      run.add(pointer, "phone-format", {}, q);
    } else if (c.pattern !== null && !this.pattern(c.pattern).test(value)) {
      run.add(pointer, "pattern", {pattern: c.pattern_source || c.pattern}, q);
    }
  };

  Runtime.prototype.dateBound = function (bound, context) {
    if (bound === "today") {
      var today = own(context, "today");
      return this.formats.isDate(today) ? today : null;
    }
    return this.formats.isDate(bound) ? bound : null;
  };

  Runtime.prototype.checkDate = function (run, q, value, pointer) {
    if (!this.formats.isDate(value)) {
      run.add(pointer, "date-format", {}, q);
      return;
    }
    var low = this.dateBound(q.checks.min_date, run.context);
    var high = this.dateBound(q.checks.max_date, run.context);
    if (low !== null && value < low) run.add(pointer, "date-min", {min: low}, q);
    else if (high !== null && value > high) run.add(pointer, "date-max", {max: high}, q);
  };

  Runtime.prototype.checkNumber = function (run, q, value, pointer) {
    if (!isNumber(value)) {
      run.add(pointer, "type", {expected: q.type === "integer" ? "integer" : "number"}, q);
      return;
    }
    if (this.numberProblem(run, q, value, pointer)) return;
    var c = q.checks;
    var money = q.type === "money";
    var params;
    if (q.type === "integer" && !Number.isInteger(value)) {
      run.add(pointer, "integer", {}, q);
    } else if (c.minimum !== null && value < c.minimum) {
      params = {min: c.minimum};
      if (money) { params.currency = q.currency; params.decimals = c.decimals; }
      run.add(pointer, "minimum", params, q);
    } else if (c.maximum !== null && value > c.maximum) {
      params = {max: c.maximum};
      if (money) { params.currency = q.currency; params.decimals = c.decimals; }
      run.add(pointer, "maximum", params, q);
    } else if (c.decimals !== null && decimalPlaces(value) > c.decimals) {
      run.add(pointer, "decimals", {decimals: c.decimals, count: c.decimals}, q);
    }
  };

  Runtime.prototype.checkCount = function (run, q, n, pointer) {
    var c = q.checks;
    var limit = c.max_items === null ? this.formats.MAX_ITEMS : Math.min(c.max_items, this.formats.MAX_ITEMS);
    if (n > limit) {
      run.add(pointer, "max-items", {max: limit, count: limit}, q);
      return true;
    }
    if (!run.draft && c.min_items !== null && n < c.min_items) {
      run.add(pointer, "min-items", {min: c.min_items, count: c.min_items}, q);
      return true;
    }
    return false;
  };

  Runtime.prototype.checkMultichoice = function (run, q, value, pointer) {
    if (!Array.isArray(value)) {
      run.add(pointer, "type", {expected: "array"}, q);
      return;
    }
    if (this.checkCount(run, q, value.length, pointer)) return;
    var options = optionIds(q);
    var seen = new Set();
    var reported = 0;
    for (var i = 0; i < value.length; i++) {
      var choice = value[i];
      var code = typeof choice !== "string" ? "type" : !options.has(choice) ? "option"
        : seen.has(choice) ? "duplicate-option" : null;
      if (code !== null) {
        run.add(pointer + "/" + i, code, code === "type" ? {expected: "string"} : {}, q);
        reported += 1;
        if (reported >= MAX_PROBLEMS_PER_LIST) return;
      } else {
        seen.add(choice);
      }
    }
  };

  Runtime.prototype.checkFiles = function (run, q, value, pointer) {
    if (!Array.isArray(value)) {
      run.add(pointer, "type", {expected: "array"}, q);
      return;
    }
    if (this.checkCount(run, q, value.length, pointer)) return;
    var reported = 0;
    for (var i = 0; i < value.length; i++) {
      var before = run.problems.length;
      this.checkFile(run, q, value[i], pointer + "/" + i);
      if (run.problems.length > before) reported += 1;
      if (reported >= MAX_PROBLEMS_PER_LIST) return;
    }
  };

  /** Why `item` is not a file answer object: [reason, key or null], or null when it is one. */
  Runtime.prototype.fileObjectProblem = function (item) {
    var f = this.formats;
    if (!isObject(item)) return ["not an object", null];
    var keys = Object.keys(item).sort();
    if (keys.length !== 4 || keys.join(",") !== FILE_KEYS.join(",")) {
      return ["keys must be exactly name, size, media_type, sha256", null];
    }
    var name = item.name;
    var size = item.size;
    var mediaType = item.media_type;
    var digest = item.sha256;
    if (typeof name !== "string" || cpLength(name) < 1 || cpLength(name) > f.MAX_FILE_NAME_LENGTH || BAD_CHARS.test(name)) {
      return ["a name of 1 to " + f.MAX_FILE_NAME_LENGTH + " characters", "name"];
    }
    if (!isNumber(size) || !Number.isInteger(size) || !(size >= 0 && size <= f.MAX_SAFE_INTEGER)) {
      return ["a size in bytes", "size"];
    }
    if (typeof mediaType !== "string" || cpLength(mediaType) < 1 || cpLength(mediaType) > f.MAX_MEDIA_TYPE_LENGTH ||
        BAD_CHARS.test(mediaType)) {
      return ["a media type of 1 to " + f.MAX_MEDIA_TYPE_LENGTH + " characters", "media_type"];
    }
    if (typeof digest !== "string" || !f.SHA256_RE.test(digest)) return ["64 lower-case hexadecimal digits", "sha256"];
    return null;
  };

  Runtime.prototype.checkFile = function (run, q, item, pointer) {
    var problem = this.fileObjectProblem(item);
    if (problem !== null) {
      run.add(problem[1] ? pointer + "/" + problem[1] : pointer, "file-object", {reason: problem[0]}, q);
      return;
    }
    var accept = q.checks.accept;
    if (accept.length && !contains(accept, fileExtension(item.name))) {
      run.add(pointer + "/name", "file-type", {accept: accept.slice()}, q);
    } else if (q.checks.max_size !== null && item.size > q.checks.max_size) {
      run.add(pointer + "/size", "file-size", {max_size: q.checks.max_size}, q);
    }
  };

  Runtime.prototype.checkRowCount = function (run, node, rows) {
    var repeat = node.item;
    var pointer = "/" + escapePointer(node.id);
    var max = this.formats.MAX_ITEMS;
    var limit = repeat.max_rows === null ? max : Math.min(repeat.max_rows, max);
    if (rows.length > limit) {
      run.add(pointer, "max-rows", {max: limit, count: limit}, repeat);
      return true;
    }
    if (!run.draft && repeat.min_rows !== null && rows.length < repeat.min_rows) {
      run.add(pointer, "min-rows", {min: repeat.min_rows, count: repeat.min_rows}, repeat);
    }
    return false;
  };

  Runtime.prototype.checkRepeat = function (run, node, value, pointer) {
    if (!Array.isArray(value)) {
      run.add(pointer, "type", {expected: "array"}, node.item);
      return;
    }
    if (this.checkRowCount(run, node, value)) return;
    var rows = run.state.val[node.index] || [];
    for (var r = 0; r < value.length; r++) {
      var raw = value[r];
      var rowPointer = pointer + "/" + r;
      if (!isObject(raw)) {
        run.add(rowPointer, "type", {expected: "object"}, node.item, "row");
        continue;
      }
      var row = r < rows.length ? rows[r] : null;
      var nodes = node.row.nodes;
      for (var k = 0; k < nodes.length; k++) {
        var field = nodes[k];
        if (field.kind === "question" || field.kind === "computed") {
          this.checkField(run, field, raw, row, rowPointer + "/" + escapePointer(field.id));
        }
      }
      var fields = node.row.fields;
      Object.keys(raw).forEach(function (key) {
        if (!fields.has(key)) run.add(rowPointer + "/" + escapePointer(key), "unknown-key");
      });
    }
  };

  Runtime.prototype.checkField = function (run, node, raw, row, pointer) {
    var i = node.index;
    var visible = row !== null && row.vis[i];
    if (!has(raw, node.id)) {
      if (!run.draft && node.kind === "question" && row !== null && row.req[i]) run.add(pointer, "required", {}, node.item);
      return;
    }
    var value = raw[node.id];
    if (!run.draft && !visible) {
      run.add(pointer, "hidden-answer", {}, node.item);
    } else if (node.kind === "computed") {
      this.checkComputed(run, node.item, value, pointer, row !== null ? row.val[i] : null);
    } else if (!run.draft && row !== null && row.req[i] && isEmpty(value)) {
      run.add(pointer, "required", {}, node.item);
    } else {
      this.checkValue(run, node.item, value, pointer);
    }
  };

  /** The answers without values of hidden or skipped items (validate.submission). */
  Runtime.prototype.submission = function (answers, context) {
    if (!isObject(answers)) return dict();
    var state = this.evaluate(answers, context);
    var result = dict();
    var self = this;
    Object.keys(answers).forEach(function (key) {
      var value = answers[key];
      var index = self.byId.get(key);
      if (index === undefined) {
        setKey(result, key, value);
      } else if (state.vis[index]) {
        var node = self.nodes[index];
        setKey(result, key, node.kind === "repeat" ? visibleRows(node, value, state.val[index]) : value);
      }
    });
    return result;
  };

  function visibleRows(node, value, rows) {
    if (!Array.isArray(value) || rows === null) return value;
    var fields = node.row.fields;
    return value.map(function (raw, r) {
      if (r >= rows.length || !isObject(raw)) return raw;
      var row = rows[r];
      var kept = dict();
      Object.keys(raw).forEach(function (k) {
        if (!(fields.has(k) && !row.vis[fields.get(k)])) setKey(kept, k, raw[k]);
      });
      return kept;
    });
  }

  /** Initial answers: each top-level question's prefill (client.*, firm.*, previous.ID) when it is a
   * valid answer, else its default (template.Template.prefill). */
  Runtime.prototype.prefill = function (context, previous) {
    var ctx = this.defaultContext(context);
    var result = dict();
    var self = this;
    this.questionNodes.forEach(function (node) {
      var q = node.item;
      var value = prefillValue(q.prefill, ctx, previous);
      if (value !== null && value !== undefined && self.acceptable(q, value, ctx)) setKey(result, q.id, value);
      else if (q.default !== null && self.acceptable(q, q.default, ctx)) setKey(result, q.id, q.default);
    });
    return result;
  };

  function prefillValue(path, context, previous) {
    if (!path || !path.length) return null;
    if (path[0] === "previous") return isObject(previous) && path.length === 2 ? own(previous, path[1]) : null;
    var value = context;
    for (var i = 0; i < path.length; i++) value = isObject(value) ? own(value, path[i]) : null;
    return value === undefined ? null : value;
  }

  Runtime.prototype.acceptable = function (q, value, ctx) {
    return isAnswered(value) && this.valueProblems(q, value, ctx).length === 0;
  };

  ns.fileExtension = fileExtension;
})(globalThis.OrganizerRuntime || (globalThis.OrganizerRuntime = {}));
