/* The page's runtime, 4 of 6: runtime/state.py — the program flattened into nodes in document
 * order (a topological order: references only point backwards) and evaluated into a State:
 * visible and skipped sections, visible items and rows, computed values, required, progress.
 */
(function (ns) {
  "use strict";

  var own = ns.own;
  var has = ns.has;
  var isObject = ns.isObject;
  var dict = ns.dict;
  var setKey = ns.setKey;
  var contains = ns.contains;
  var Formats = ns.Formats;
  var Messages = ns.Messages;
  var ExprCompiler = ns.ExprCompiler;
  var ExprError = ns.ExprError;
  var isAnswered = ns.isAnswered;

  var QUESTION_TYPES = ["text", "textarea", "number", "integer", "money", "date", "email", "phone", "yesno",
    "choice", "multichoice", "file"];
  var STRING_TYPES = ["text", "textarea", "email", "phone", "choice"];

  // --- the flattened program (state.py's _Builder) ----------------------------------------------

  function Builder(program, compiler) {
    this.compiler = compiler;
    this.nodes = [];
    this.refs = new Map();
    this.sections = new Map();
    this.repeatFields = new Map();
    this.notes = 0;
    var sections = program.sections || [];
    for (var s = 0; s < sections.length; s++) this.section(sections[s]);
  }

  Builder.prototype.scope = function (fields) {
    return {refs: this.refs, sections: this.sections, fields: fields || null, repeatFields: this.repeatFields,
      usedRefs: []};
  };

  Builder.prototype.compileExpr = function (expr, scope) {
    return expr === null || expr === undefined ? null : this.compiler.compile(expr, scope);
  };

  Builder.prototype.section = function (section) {
    var index = this.nodes.length;
    var node = {index: index, kind: "section", id: section.id, item: section, section: index, parent: -1};
    var scope = this.scope();
    node.cond = this.compileExpr(section.visible_when, scope);
    node.skip = this.compileExpr(section.skipped_when, scope);
    this.nodes.push(node);
    this.sections.set(section.id, index);
    this.notes = 0;
    this.items(section.items, index, index, section.id);
  };

  Builder.prototype.items = function (items, section, parent, container) {
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      var node = this.node(item, this.nodes.length, section, parent, container, this.scope());
      this.nodes.push(node);
      if (item.kind === "group") this.items(item.items, section, node.index, container);
      else if (item.kind === "repeat") {
        node.row = this.rowTemplate(item, node);
        this.repeatFields.set(node.id, node.row.fields);
      }
      if (node.kind === "question" || node.kind === "computed" || node.kind === "repeat") this.refs.set(node.id, node.index);
    }
  };

  Builder.prototype.node = function (item, index, section, parent, container, scope) {
    var node = {index: index, kind: item.kind, item: item, section: section, parent: parent, cond: null,
      required: false, requiredCond: null, expr: null, row: null, qtype: null};
    if (item.kind === "note") {
      this.notes += 1;
      node.id = container + ".note" + this.notes;
    } else {
      node.id = item.id;
    }
    node.cond = this.compileExpr(item.visible_when, scope);
    if (item.kind === "question") {
      if (!contains(QUESTION_TYPES, item.type)) throw ExprError("unknown question type " + item.type);
      node.qtype = item.type;
      if (typeof item.required === "boolean") node.required = item.required;
      else node.requiredCond = this.compileExpr(item.required, scope);
    } else if (item.kind === "computed") {
      node.expr = this.compileExpr(item.expr, scope);
    }
    return node;
  };

  Builder.prototype.rowTemplate = function (repeat, owner) {
    var template = {nodes: [], fields: new Map()};
    var saved = this.notes;
    this.notes = 0;
    this.rowItems(repeat.items, -1, template, owner);
    this.notes = saved;
    return template;
  };

  Builder.prototype.rowItems = function (items, parent, template, owner) {
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      var node = this.node(item, template.nodes.length, owner.section, parent, owner.id, this.scope(template.fields));
      template.nodes.push(node);
      if (item.kind === "group") this.rowItems(item.items, node.index, template, owner);
      if (node.kind === "question" || node.kind === "computed") template.fields.set(node.id, node.index);
    }
  };

  // --- the state (state.py) ------------------------------------------------------------------

  function State(runtime, ctx, vis, val, req, totals) {
    this.runtime = runtime;
    this.context = ctx;
    this.vis = vis;
    this.val = val;
    this.req = req;
    this.progress = {
      required_answered: totals[0], required: totals[1], answered: totals[2], visible: totals[3],
      percent: totals[1] === 0 ? 100 : Math.floor(totals[0] * 100 / totals[1]),
    };
  }

  State.prototype.sections = function () {
    var self = this;
    return this.runtime.sectionNodes.filter(function (n) { return self.vis[n.index]; }).map(function (n) { return n.id; });
  };
  State.prototype.skipped = function () {
    var self = this;
    return this.runtime.sectionNodes.filter(function (n) { return self.val[n.index] === "skipped"; })
      .map(function (n) { return n.id; });
  };
  State.prototype.hidden = function () {
    var self = this;
    return this.runtime.sectionNodes.filter(function (n) { return self.val[n.index] === "hidden"; })
      .map(function (n) { return n.id; });
  };
  State.prototype.sectionItems = function (section) {
    var rt = this.runtime;
    var index = rt.sectionIndex.get(section);
    if (index === undefined || !this.vis[index]) return [];
    var self = this;
    return rt.members.get(index).filter(function (i) { return self.vis[i]; }).map(function (i) { return rt.nodes[i].id; });
  };
  /** Visible computed values (null when an input is null). */
  State.prototype.computed = function () {
    var result = dict();
    var self = this;
    this.runtime.computedNodes.forEach(function (n) {
      if (self.vis[n.index]) setKey(result, n.id, self.val[n.index]);
    });
    return result;
  };
  State.prototype.required = function () {
    var self = this;
    return this.runtime.questionNodes.filter(function (n) { return self.req[n.index]; }).map(function (n) { return n.id; });
  };
  /** Visible, answered values of top-level questions and computed items, as expressions see them. */
  State.prototype.values = function () {
    if (this._values) return this._values;
    var result = dict();
    var self = this;
    this.runtime.valueNodes.forEach(function (n) {
      if (self.vis[n.index] && self.val[n.index] !== null) setKey(result, n.id, self.val[n.index]);
    });
    this._values = result;
    return result;
  };
  State.prototype.isVisible = function (id) {
    var index = this.runtime.nodeIds.get(id);
    return index !== undefined && this.vis[index];
  };
  State.prototype.isRequired = function (id) {
    var index = this.runtime.nodeIds.get(id);
    return index !== undefined && this.req[index];
  };
  State.prototype.valueOf = function (id) {
    var index = this.runtime.nodeIds.get(id);
    return index === undefined ? null : this.val[index];
  };
  /** Rows of a visible repeat: [{vis, val, req}] per row (indexes of the repeat's row template). */
  State.prototype.rowsOf = function (id) {
    var index = this.runtime.nodeIds.get(id);
    return index === undefined ? null : this.val[index];
  };
  State.prototype.nextSection = function (current) {
    var rt = this.runtime;
    var start = current === null || current === undefined ? -1 : rt.sectionIndex.get(current);
    for (var i = 0; i < rt.sectionNodes.length; i++) {
      var n = rt.sectionNodes[i];
      if (n.index > start && this.vis[n.index]) return n.id;
    }
    return null;
  };
  State.prototype.previousSection = function (current) {
    var rt = this.runtime;
    var start = rt.sectionIndex.get(current);
    var found = null;
    for (var i = 0; i < rt.sectionNodes.length; i++) {
      var n = rt.sectionNodes[i];
      if (n.index < start && this.vis[n.index]) found = n.id;
    }
    return found;
  };
  State.prototype.toJSON = function () {
    var self = this;
    var rt = this.runtime;
    var items = dict();
    this.sections().forEach(function (s) { setKey(items, s, self.sectionItems(s)); });
    var rows = dict();
    rt.repeatNodes.forEach(function (node) {
      if (!self.vis[node.index]) return;
      setKey(rows, node.id, (self.val[node.index] || []).map(function (row) {
        var computed = dict();
        var ids = [];
        node.row.nodes.forEach(function (n) {
          if (!row.vis[n.index]) return;
          ids.push(n.id);
          if (n.kind === "computed") setKey(computed, n.id, row.val[n.index]);
        });
        return {items: ids, computed: computed};
      }));
    });
    return {
      sections: this.sections(), skipped: this.skipped(), hidden: this.hidden(), items: items, rows: rows,
      computed: this.computed(), required: this.required(), progress: this.progress,
    };
  };

  // --- the runtime ---------------------------------------------------------------------------

  /**
   * Runtime(program, {messages, formats}): `program` is organizer.json, `messages` the catalogue
   * (messages.json, at least English and the program's language), `formats` the constants of
   * runtime/formats.py as the compiler emits them.
   */
  function Runtime(program, options) {
    this.program = program;
    this.formats = new Formats(options.formats);
    this.messages = new Messages(options.messages, program.language || "en", this.formats);
    this.compiler = new ExprCompiler(this.formats);
    var builder = new Builder(program, this.compiler);
    this.nodes = builder.nodes;
    this.byId = builder.refs;
    this.sectionNodes = this.nodes.filter(function (n) { return n.kind === "section"; });
    this.questionNodes = this.nodes.filter(function (n) { return n.kind === "question"; });
    this.computedNodes = this.nodes.filter(function (n) { return n.kind === "computed"; });
    this.repeatNodes = this.nodes.filter(function (n) { return n.kind === "repeat"; });
    this.valueNodes = this.nodes.filter(function (n) { return n.kind === "question" || n.kind === "computed"; });
    this.sectionIndex = new Map();
    this.nodeIds = new Map();
    this.members = new Map();
    var self = this;
    this.nodes.forEach(function (n) {
      self.nodeIds.set(n.id, n.index);
      if (n.kind === "section") {
        self.sectionIndex.set(n.id, n.index);
        self.members.set(n.index, []);
      } else {
        self.members.get(n.section).push(n.index);
      }
    });
    this.pipeable = new Map();  // top-level questions and computed items: what a one-name shortcode pipes
    this.valueNodes.forEach(function (n) { self.pipeable.set(n.id, n.item); });
    this.patterns = new Map();
  }

  Runtime.prototype.defaultContext = function (context) {
    var result = dict();
    if (isObject(context)) Object.keys(context).forEach(function (k) { setKey(result, k, context[k]); });
    var now = new Date();
    if (!has(result, "today")) {
      setKey(result, "today", String(now.getFullYear()).padStart(4, "0") + "-" +
        String(now.getMonth() + 1).padStart(2, "0") + "-" + String(now.getDate()).padStart(2, "0"));
    }
    if (!has(result, "year")) setKey(result, "year", now.getFullYear());
    return result;
  };

  Runtime.prototype.normalizeAnswer = function (qtype, value) {
    if (value === undefined) return null;
    if (contains(STRING_TYPES, qtype)) return typeof value === "string" ? value : null;
    if (qtype === "date") return this.formats.isDate(value) ? value : null;
    if (qtype === "number" || qtype === "money") return this.formats.normalizeNumber(value);
    if (qtype === "integer") {
      var number = this.formats.normalizeNumber(value);
      return number !== null && Number.isInteger(number) ? number : null;
    }
    if (qtype === "yesno") return typeof value === "boolean" ? value : null;
    if (qtype === "multichoice") {
      if (Array.isArray(value) && value.every(function (v) { return typeof v === "string"; })) return value.slice();
      return null;
    }
    if (qtype === "file") return Array.isArray(value) ? value.slice() : null;
    return null;
  };

  Runtime.prototype.computedValue = function (valueType, value) {
    if (valueType === "number") return this.formats.normalizeNumber(value);
    if (valueType === "string") return typeof value === "string" ? value : null;
    if (valueType === "boolean") return typeof value === "boolean" ? value : null;
    return null;
  };

  /** The full state of the form for these answers (state.Evaluator.evaluate). */
  Runtime.prototype.evaluate = function (answers, context) {
    answers = isObject(answers) ? answers : {};
    var ctx = this.defaultContext(context);
    var size = this.nodes.length;
    var vis = new Array(size).fill(false);
    var val = new Array(size).fill(null);
    var req = new Array(size).fill(false);
    var totals = [0, 0, 0, 0];
    var env = {val: val, vis: vis, row: null, ctx: ctx};
    for (var i = 0; i < size; i++) this.evaluateNode(this.nodes[i], answers, env, req, totals);
    return new State(this, ctx, vis, val, req, totals);
  };

  Runtime.prototype.evaluateNode = function (node, answers, env, req, totals) {
    var i = node.index;
    var vis = env.vis;
    var val = env.val;
    if (node.kind === "section") {
      var shown = node.cond === null || node.cond(env) === true;
      var skipped = node.skip !== null && node.skip(env) === true;
      vis[i] = shown && !skipped;
      val[i] = skipped ? "skipped" : (shown ? "visible" : "hidden");
      return;
    }
    var visible = vis[node.parent] && (node.cond === null || node.cond(env) === true);
    vis[i] = visible;
    if (node.kind === "question") {
      var value = visible ? this.normalizeAnswer(node.qtype, own(answers, node.id)) : null;
      var required = visible && (node.required || (node.requiredCond !== null && node.requiredCond(env) === true));
      val[i] = value;
      req[i] = required;
      if (visible) addCounts(totals, required, isAnswered(value));
    } else if (node.kind === "computed") {
      val[i] = visible ? this.computedValue(node.item.value_type, node.expr(env)) : null;
    } else if (node.kind === "repeat") {
      var rows = visible ? this.rows(node, own(answers, node.id), env) : null;
      val[i] = rows;
      if (rows) this.rowCounts(node.row, rows, totals);
    }
  };

  function addCounts(totals, required, answered) {
    if (required && answered) totals[0] += 1;
    if (required) totals[1] += 1;
    if (answered) totals[2] += 1;
    totals[3] += 1;
  }

  Runtime.prototype.rowCounts = function (template, rows, totals) {
    for (var r = 0; r < rows.length; r++) {
      var row = rows[r];
      for (var k = 0; k < template.nodes.length; k++) {
        var n = template.nodes[k];
        if (n.kind === "question" && row.vis[n.index]) addCounts(totals, row.req[n.index], isAnswered(row.val[n.index]));
      }
    }
  };

  Runtime.prototype.rows = function (node, raw, env) {
    if (!Array.isArray(raw)) return null;
    var self = this;
    return raw.slice(0, this.formats.MAX_ITEMS).map(function (item) {
      return self.row(node.row, isObject(item) ? item : {}, env);
    });
  };

  Runtime.prototype.row = function (template, answers, outer) {
    var size = template.nodes.length;
    var vis = new Array(size).fill(false);
    var val = new Array(size).fill(null);
    var req = new Array(size).fill(false);
    var env = {val: outer.val, vis: outer.vis, row: val, ctx: outer.ctx};
    for (var k = 0; k < size; k++) {
      var node = template.nodes[k];
      var i = node.index;
      var visible = (node.parent < 0 || vis[node.parent]) && (node.cond === null || node.cond(env) === true);
      vis[i] = visible;
      if (!visible) continue;
      if (node.kind === "question") {
        val[i] = this.normalizeAnswer(node.qtype, own(answers, node.id));
        req[i] = node.required || (node.requiredCond !== null && node.requiredCond(env) === true);
      } else if (node.kind === "computed") {
        val[i] = this.computedValue(node.item.value_type, node.expr(env));
      }
    }
    return {vis: vis, val: val, req: req};
  };

  ns.Runtime = Runtime;
  ns.State = State;
})(globalThis.OrganizerRuntime || (globalThis.OrganizerRuntime = {}));
