/* The page's runtime, 3 of 6: runtime/expressions.py — expression trees compiled into closures
 * (never into source code) with the null semantics of docs/ir.md: `==` false and `!=` true with
 * null, orderings false across types, arithmetic null on null, division by zero or overflow.
 */
(function (ns) {
  "use strict";

  var own = ns.own;
  var has = ns.has;
  var isObject = ns.isObject;
  var Formats = ns.Formats;
  var compareStrings = ns.compareStrings;

  // --- expressions (runtime/expressions.py) ---------------------------------------------------

  function isAnswered(value) {
    if (value === null || value === undefined || value === "") return false;
    return !(Array.isArray(value) && value.length === 0);
  }

  function scalarEqual(a, b) {
    if (typeof a === "boolean" || typeof b === "boolean") return a === b;
    if (typeof a === "number" && typeof b === "number") return a === b;
    if (typeof a === "string" && typeof b === "string") return a === b;
    return false;
  }

  function equal(a, b) {
    if (a === null || a === undefined || b === null || b === undefined) return false;
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length) return false;
      for (var i = 0; i < a.length; i++) if (!scalarEqual(a[i], b[i])) return false;
      return true;
    }
    return scalarEqual(a, b);
  }

  function less(a, b, orEqual) {
    if (typeof a === "string" && typeof b === "string") {
      var c = compareStrings(a, b);
      return orEqual ? c <= 0 : c < 0;
    }
    if (typeof a === "number" && typeof b === "number") return orEqual ? a <= b : a < b;
    return false;
  }

  function member(a, b) {
    if (a === null || a === undefined || !Array.isArray(b)) return false;
    for (var i = 0; i < b.length; i++) if (scalarEqual(a, b[i])) return true;
    return false;
  }

  function hasValue(a, b) {
    if (b === null || b === undefined || Array.isArray(b)) return false;
    return member(b, a);
  }

  function count(value) {
    return Array.isArray(value) ? value.length : 0;
  }

  function ExprError(message) {
    var error = new Error(message);
    error.name = "ExprError";
    return error;
  }

  /** Compiles expression trees into closures over an env {val, vis, row, ctx}; nothing is eval'd. */
  function ExprCompiler(formats) {
    this.formats = formats;
  }

  ExprCompiler.prototype.arith = function (op, a, b) {
    if (op === "+" && typeof a === "string" && typeof b === "string") return a + b;
    if (typeof a !== "number" || typeof b !== "number") return null;
    var result;
    if (op === "+") result = a + b;
    else if (op === "-") result = a - b;
    else if (op === "*") result = a * b;
    else {
      if (b === 0) return null;
      result = a / b;
    }
    return this.formats.normalizeNumber(result);
  };

  ExprCompiler.prototype.contextValue = function (ctx, path) {
    var value = ctx;
    for (var i = 0; i < path.length; i++) {
      if (!isObject(value)) return null;
      value = own(value, path[i]);
      if (value === undefined) value = null;
    }
    if (typeof value === "boolean" || typeof value === "string") return value;
    return this.formats.normalizeNumber(value);
  };

  ExprCompiler.prototype.compile = function (expr, scope) {
    var self = this;
    if (!isObject(expr)) throw ExprError("an expression must be an object");
    if (has(expr, "op")) return this.compileOp(expr.op, expr.args, scope);
    var keys = Object.keys(expr);
    if (keys.length !== 1) throw ExprError("unknown expression node");
    var key = keys[0];
    var value = expr[key];
    if (key === "lit") return this.compileLiteral(value);
    if (key === "ref") {
      var index = resolve(scope.refs, value, "answer");
      scope.usedRefs.push(index);
      return function (env) { return env.val[index]; };
    }
    if (key === "field") {
      if (!scope.fields) throw ExprError("`field` outside a repeat");
      var slot = resolve(scope.fields, value, "field");
      return function (env) { return env.row[slot]; };
    }
    if (key === "section") {
      var section = resolve(scope.sections, value, "section");
      return function (env) { return env.vis[section]; };
    }
    if (key === "ctx") {
      if (!Array.isArray(value) || !value.length) throw ExprError("`ctx` must be a non-empty list of names");
      var path = value.slice();
      return function (env) { return self.contextValue(env.ctx, path); };
    }
    throw ExprError("unknown expression node " + key);
  };

  function resolve(names, name, what) {
    if (typeof name !== "string" || !names.has(name)) throw ExprError(JSON.stringify(name) + " is not an earlier " + what);
    return names.get(name);
  }

  ExprCompiler.prototype.literalScalar = function (value) {
    if (typeof value === "boolean" || typeof value === "string") return value;
    var number = this.formats.normalizeNumber(value);
    if (number === null) throw ExprError("bad literal");
    return number;
  };

  ExprCompiler.prototype.compileLiteral = function (value) {
    var self = this;
    if (Array.isArray(value)) {
      var items = value.map(function (v) { return self.literalScalar(v); });
      return function () { return items; };
    }
    var constant = this.literalScalar(value);
    return function () { return constant; };
  };

  ExprCompiler.prototype.compileOp = function (op, args, scope) {
    var self = this;
    if (!Array.isArray(args)) throw ExprError("`args` must be a list");
    if (op === "answered" || op === "count") {
      if (args.length !== 1) throw ExprError("`" + op + "` takes one question reference");
      var inner = this.compile(args[0], scope);
      if (op === "answered") return function (env) { return isAnswered(inner(env)); };
      return function (env) { return count(inner(env)); };
    }
    if (op === "sum") {
      var repeat = own(args[0], "ref");
      var name = own(args[1], "lit");
      var fields = typeof repeat === "string" ? scope.repeatFields.get(repeat) : undefined;
      if (!fields) throw ExprError("not an earlier repeat");
      if (typeof name !== "string" || !fields.has(name)) throw ExprError("not a field of the repeat");
      var rows = this.compile(args[0], scope);
      var at = fields.get(name);
      return function (env) { return self.sumRows(rows(env), at); };
    }
    var parts = args.map(function (arg) { return self.compile(arg, scope); });
    var n = parts.length;
    if (op === "and" || op === "or") {
      if (!n) throw ExprError("`" + op + "` needs operands");
      if (op === "and") {
        return function (env) {
          for (var i = 0; i < n; i++) if (parts[i](env) !== true) return false;
          return true;
        };
      }
      return function (env) {
        for (var i = 0; i < n; i++) if (parts[i](env) === true) return true;
        return false;
      };
    }
    if (op === "not" || op === "neg") {
      if (n !== 1) throw ExprError("`" + op + "` takes 1 operand");
      var one = parts[0];
      if (op === "not") return function (env) { return one(env) !== true; };
      return function (env) {
        var x = one(env);
        return typeof x === "number" ? self.formats.normalizeNumber(-x) : null;
      };
    }
    if (n !== 2) throw ExprError("`" + op + "` takes 2 operands");
    var l = parts[0];
    var r = parts[1];
    switch (op) {
      case "==": return function (env) { return equal(l(env), r(env)); };
      case "!=": return function (env) { return !equal(l(env), r(env)); };
      case "<": return function (env) { return less(l(env), r(env), false); };
      case "<=": return function (env) { return less(l(env), r(env), true); };
      case ">": return function (env) { return less(r(env), l(env), false); };
      case ">=": return function (env) { return less(r(env), l(env), true); };
      case "in": return function (env) { return member(l(env), r(env)); };
      case "has": return function (env) { return hasValue(l(env), r(env)); };
      case "+": case "-": case "*": case "/":
        return function (env) { return self.arith(op, l(env), r(env)); };
    }
    throw ExprError("unknown operator " + op);
  };

  ExprCompiler.prototype.sumRows = function (rows, slot) {
    var total = 0.0;
    if (Array.isArray(rows)) {
      for (var i = 0; i < rows.length; i++) {
        var value = rows[i].val[slot];
        if (typeof value === "number") total += value;
      }
    }
    return this.formats.normalizeNumber(total);
  };

  /**
   * One expression against plain values (for tests and tools), as expressions.evaluate_expr:
   * `env.values` maps ids to values, `env.sections` section ids to visibility, `env.row` field ids
   * to values (or null outside a repeat), `env.context` the context.
   */
  function evaluateExpr(expr, env, formatsData) {
    var compiler = new ExprCompiler(new Formats(formatsData));
    var values = env.values || {};
    var sections = env.sections || {};
    var names = Object.keys(values).concat(Object.keys(sections).filter(function (s) { return !has(values, s); }));
    var refs = new Map(names.map(function (name, i) { return [name, i]; }));
    var sectionRefs = new Map(Object.keys(sections).map(function (s) { return [s, refs.get(s)]; }));
    var rowNames = env.row ? Object.keys(env.row) : null;
    var scope = {refs: refs, sections: sectionRefs, repeatFields: new Map(), usedRefs: [],
      fields: rowNames ? new Map(rowNames.map(function (name, i) { return [name, i]; })) : null};
    var compiled = compiler.compile(expr, scope);
    return compiled({
      val: names.map(function (name) { var v = own(values, name); return v === undefined ? null : v; }),
      vis: names.map(function (name) { return own(sections, name) === true; }),
      row: rowNames ? rowNames.map(function (name) { return env.row[name]; }) : null,
      ctx: env.context || {},
    });
  }

  ns.isAnswered = isAnswered;
  ns.equal = equal;
  ns.ExprError = ExprError;
  ns.ExprCompiler = ExprCompiler;
  ns.evaluateExpr = evaluateExpr;
})(globalThis.OrganizerRuntime || (globalThis.OrganizerRuntime = {}));
