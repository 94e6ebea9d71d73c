/* The page's runtime, 2 of 6: runtime/messages.py — problem messages and UI words from the one
 * catalogue (messages.json) in the program's language, with plurals, placeholders and the formats
 * of numbers, money, dates and sizes (docs/messages.md).
 */
(function (ns) {
  "use strict";

  var own = ns.own;
  var has = ns.has;
  var isObject = ns.isObject;
  var isNumber = ns.isNumber;
  var dict = ns.dict;
  var setKey = ns.setKey;
  var plainDigits = ns.plainDigits;
  var group = ns.group;
  var incrementDigits = ns.incrementDigits;

  var PLACEHOLDER = /\{([a-z_]+)\}/g;

  // --- messages (runtime/messages.py; docs/messages.md) ---------------------------------------

  function Messages(catalogue, language, formats) {
    this.catalogue = catalogue;
    this.language = language;
    this.formats = formats;
    this.book = own(catalogue, language || "en") || own(catalogue, "en");
    this.english = own(catalogue, "en");
  }

  function interpolate(template, values) {
    return String(template).replace(PLACEHOLDER, function (match, name) {
      return has(values, name) ? String(values[name]) : match;
    });
  }

  function choose(entry, params) {
    if (isObject(entry)) return String(own(params, "count") === 1 ? entry.one : entry.other);
    return String(entry);
  }

  function plain(value) {
    if (value === true) return "true";
    if (value === false) return "false";
    if (value === null || value === undefined) return "None";
    return String(value);
  }

  Messages.prototype.ui = function (key, params) {
    params = params || {};
    var entry = own(own(this.book, "ui"), key);
    if (entry === undefined) entry = own(own(this.english, "ui"), key);
    if (entry === undefined) entry = key;
    var values = dict();
    Object.keys(params).forEach(function (name) {
      setKey(values, name, plain(params[name]));
    });
    return interpolate(choose(entry, params), values);
  };

  Messages.prototype.problem = function (code, params, variant) {
    var book = own(this.book, "problems");
    var entry = (variant ? own(book, code + "." + variant) : undefined) || own(book, code);
    if (!entry) entry = own(own(this.english, "problems"), code) || code;
    var values = dict();
    var self = this;
    Object.keys(params).forEach(function (name) {
      setKey(values, name, self.formatParam(code, name, params[name], params));
    });
    return interpolate(choose(entry, params), values);
  };

  Messages.prototype.formatParam = function (code, name, value, params) {
    if ((name === "min" || name === "max") && (code === "date-min" || code === "date-max") && typeof value === "string") {
      return this.date(value);
    }
    var currency = own(params, "currency");
    if ((name === "min" || name === "max") && currency !== undefined && currency !== null && isNumber(value)) {
      return this.money(value, currency, own(params, "decimals"));
    }
    if (name === "max_size" && Number.isInteger(value)) return this.size(value);
    if (Array.isArray(value)) return value.map(plain).join(", ");
    if (isNumber(value)) return this.number(value);
    return plain(value);
  };

  Messages.prototype.fmt = function () {
    return own(this.book, "format");
  };

  /** `1234.5` as `1,234.5` (en) or `1.234,5` (nl). */
  Messages.prototype.number = function (value) {
    var fmt = this.fmt();
    if (!isFinite(value)) return String(value);
    var d = plainDigits(value);
    return d.sign + group(d.whole, fmt.group) + (d.fraction ? fmt.decimal + d.fraction : "");
  };

  /** `$1,234.56`, `€ 1.234,56`, `CHF 3.00`: rounded half away from zero to `decimals` places. */
  Messages.prototype.money = function (value, currency, decimals) {
    var fmt = this.fmt();
    if (!isNumber(value) || !isFinite(value)) return String(value);
    var places = decimals === null || decimals === undefined ? 2 : Math.max(0, Math.trunc(decimals));
    var d = plainDigits(value);
    var fraction = d.fraction;
    var whole = d.whole;
    if (fraction.length <= places) {
      fraction = fraction + "0".repeat(places - fraction.length);
    } else {
      var up = fraction.charAt(places) >= "5";
      fraction = fraction.slice(0, places);
      if (up) {
        var all = incrementDigits(whole + fraction);
        whole = all.slice(0, all.length - places);
        fraction = all.slice(all.length - places);
      }
    }
    whole = whole.replace(/^0+(?=[0-9])/, "") || "0";
    var sign = /[1-9]/.test(whole + fraction) ? d.sign : "";
    var amount = group(whole, fmt.group) + (fraction ? fmt.decimal + fraction : "");
    if (!currency) return sign + amount;
    var code = String(currency).toUpperCase();
    var symbol = own(this.formats.CURRENCY_SYMBOLS, code);
    if (symbol !== undefined) {
      return interpolate(fmt.money_symbol, {sign: sign, symbol: symbol, amount: amount});
    }
    return interpolate(fmt.money_code, {sign: sign, code: code, amount: amount});
  };

  /** `2020-01-01` as `1 January 2020`; anything else unchanged. */
  Messages.prototype.date = function (value) {
    if (!this.formats.isDate(value)) return value;
    var months = own(this.book, "months");
    return interpolate(this.fmt().date, {
      day: String(parseInt(value.slice(8), 10)),
      month: months[parseInt(value.slice(5, 7), 10) - 1],
      year: String(parseInt(value.slice(0, 4), 10)),
    });
  };

  /** Bytes as `20 MB` (the largest 1024- or 1000-based unit that divides exactly, else one decimal). */
  Messages.prototype.size = function (size) {
    var units = ["B", "KB", "MB", "GB", "TB"];
    var bases = [1024, 1000];
    for (var b = 0; b < bases.length; b++) {
      for (var power = units.length - 1; power > 0; power--) {
        var unit = Math.pow(bases[b], power);
        if (size >= unit && size % unit === 0) return this.number(Math.floor(size / unit)) + " " + units[power];
      }
    }
    for (var p = units.length - 1; p > 0; p--) {
      if (size >= Math.pow(1000, p)) return this.number(roundHalfEven1(size / Math.pow(1000, p))) + " " + units[p];
    }
    return this.number(size) + " B";
  };

  /** Python's round(x, 1): the exact binary value rounded to one decimal, ties to even. */
  function roundHalfEven1(x) {
    var exact = x.toFixed(60);
    var dot = exact.indexOf(".");
    var kept = exact.slice(0, dot + 2);
    var rest = exact.slice(dot + 2).replace(/0+$/, "");
    var last = parseInt(kept.charAt(kept.length - 1), 10);
    var up = rest > "5" || (rest === "5" && last % 2 === 1);
    if (rest.charAt(0) < "5") up = false;
    var digits = kept.replace(".", "");
    if (up) digits = incrementDigits(digits);
    return Number(digits.slice(0, digits.length - 1) + "." + digits.slice(digits.length - 1));
  }

  ns.Messages = Messages;
})(globalThis.OrganizerRuntime || (globalThis.OrganizerRuntime = {}));
