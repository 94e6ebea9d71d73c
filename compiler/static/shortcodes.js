/* The page's runtime, 6 of 6: runtime/shortcodes.py — TextParts as plain text: a one-name path
 * that is a top-level question or computed id pipes its visible answer (option labels, Yes/No,
 * dates, numbers and money in the program's language), any other path reads the context.
 */
(function (ns) {
  "use strict";

  var own = ns.own;
  var isObject = ns.isObject;
  var Runtime = ns.Runtime;

  var MAX_LABEL_DEPTH = 2;  // option labels may hold shortcodes; theirs are rendered one level deep only

  // --- shortcodes (shortcodes.py) -----------------------------------------------------------

  /** Plain text of TextParts; `values` holds only visible answers (State.values). */
  Runtime.prototype.renderText = function (parts, context, values, depth) {
    depth = depth || 0;
    if (typeof parts === "string") parts = [parts];
    if (!Array.isArray(parts)) return "";
    var out = "";
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i];
      if (typeof part === "string") out += part;
      else if (isObject(part)) out += this.shortcode(part, context || {}, values || {}, depth);
    }
    return out;
  };

  Runtime.prototype.shortcode = function (code, context, values, depth) {
    var path = own(code, "path");
    var offset = own(code, "offset") || 0;
    var fallback = own(code, "fallback");
    fallback = typeof fallback === "string" ? fallback : "";
    if (!Array.isArray(path) || !path.length || depth >= MAX_LABEL_DEPTH) return fallback;
    offset = Number.isInteger(offset) ? offset : 0;
    var item = path.length === 1 ? this.pipeable.get(path[0]) : undefined;
    var text;
    if (item !== undefined) {
      var value = own(values, path[0]);
      text = this.answerText(item, value === undefined ? null : value, offset, context, values, depth);
    } else {
      text = this.contextText(lookup(context, path), offset);
    }
    return text === null || text === "" ? fallback : text;
  };

  function lookup(context, path) {
    var value = context;
    for (var i = 0; i < path.length; i++) {
      if (!isObject(value) || typeof path[i] !== "string") return null;
      value = own(value, path[i]);
      if (value === undefined) return null;
    }
    return value;
  }

  Runtime.prototype.contextText = function (value, offset) {
    var m = this.messages;
    if (typeof value === "boolean") return m.ui(value ? "yes" : "no");
    if (typeof value === "number") {
      var shifted = offset ? this.compiler.arith("+", value, offset) : value;
      if (shifted === null) return null;
      if (Number.isInteger(shifted)) return String(shifted);
      return m.number(shifted);
    }
    if (typeof value === "string") {
      if (this.formats.isDate(value)) {
        var date = shiftYears(value, offset);
        return date === null ? null : m.date(date);
      }
      return value;
    }
    return null;
  };

  /** The ISO date `years` later; 29 February becomes 28 February in a common year. */
  function shiftYears(value, years) {
    if (!years) return value;
    var year = parseInt(value.slice(0, 4), 10) + years;
    if (year < 1 || year > 9999) return null;
    var month = value.slice(5, 7);
    var day = value.slice(8, 10);
    if (month === "02" && day === "29" && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) day = "28";
    return String(year).padStart(4, "0") + "-" + month + "-" + day;
  }

  /** An answer as text: option labels, Yes/No, dates, numbers and money in the program's language. */
  Runtime.prototype.answerText = function (item, value, offset, context, values, depth) {
    var m = this.messages;
    var self = this;
    if (value === null || value === "" || (Array.isArray(value) && !value.length)) return null;
    if (item.kind === "computed") {
      if (item.value_type === "number") {
        var shiftedNumber = offset ? this.compiler.arith("+", value, offset) : value;
        return shiftedNumber === null ? null : m.number(shiftedNumber);
      }
      return item.value_type === "boolean" ? this.contextText(value, 0) : String(value);
    }
    var kind = item.type;
    if (kind === "yesno") return typeof value === "boolean" ? m.ui(value ? "yes" : "no") : null;
    if (kind === "choice" || kind === "multichoice") {
      var chosen = kind === "choice" ? [value] : (Array.isArray(value) ? value : []);
      var labels = new Map(item.options.map(function (o) { return [o.id, o.label]; }));
      return chosen.map(function (v) {
        return typeof v === "string" && labels.has(v) ? self.renderText(labels.get(v), context, values, depth + 1) : String(v);
      }).join(", ");
    }
    if (kind === "date") {
      var date = this.formats.isDate(value) ? shiftYears(value, offset) : null;
      return date === null ? null : m.date(date);
    }
    if (kind === "number" || kind === "integer" || kind === "money") {
      var shifted = this.compiler.arith("+", value, offset);
      if (shifted === null) return null;
      if (kind === "money") return m.money(shifted, item.currency, item.checks.decimals);
      return m.number(shifted);
    }
    if (kind === "file") {
      var names = Array.isArray(value) ? value.filter(isObject).map(function (f) { return own(f, "name"); }) : [];
      return names.filter(function (n) { return typeof n === "string"; }).join(", ");
    }
    return typeof value === "string" ? value : null;
  };


})(globalThis.OrganizerRuntime || (globalThis.OrganizerRuntime = {}));
