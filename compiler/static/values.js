/* The page's runtime, 1 of 6 (values.js, messages.js, expressions.js, state.js, validate.js,
 * shortcodes.js; together the JavaScript twin of organizer.runtime, docs/runtime.md): plain-data
 * helpers and runtime/formats.py's patterns, limits and numeric model.
 *
 * Values are JSON values; numbers are doubles, integral results within ±(2^53 - 1) are integers and
 * -0 is 0; strings compare and count in code points (never UTF-16 units). Every lookup of a key of
 * user data goes through `own` (hasOwnProperty), so `__proto__` and `constructor` are plain keys.
 * No DOM, no network: these files run in the page and under node (tests/form/test_conformance.py),
 * each adding to the one namespace `OrganizerRuntime`.
 */
(function (ns) {
  "use strict";

  var hasOwn = Object.prototype.hasOwnProperty;
  var BAD_CHARS = /[\0\ud800-\udfff]/u;  // NUL or a lone surrogate (formats.has_bad_characters)

  // --- plain data helpers ------------------------------------------------------------------

  function own(obj, key) {
    return obj !== null && typeof obj === "object" && hasOwn.call(obj, key) ? obj[key] : undefined;
  }
  function has(obj, key) {
    return obj !== null && typeof obj === "object" && hasOwn.call(obj, key);
  }
  function isObject(v) {
    return v !== null && typeof v === "object" && !Array.isArray(v);
  }
  function isNumber(v) {
    return typeof v === "number";
  }
  function dict() {
    return Object.create(null);
  }
  function setKey(obj, key, value) {
    Object.defineProperty(obj, key, {value: value, writable: true, enumerable: true, configurable: true});
    return obj;
  }
  function contains(list, value) {
    return list.indexOf(value) >= 0;
  }

  /** Length in code points (a lone surrogate counts one, as in Python). */
  function cpLength(s) {
    var n = s.length;
    var count = n;
    for (var i = 0; i < n - 1; i++) {
      var c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff) {
        var d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          count--;
          i++;
        }
      }
    }
    return count;
  }

  /** -1, 0 or 1: code-point order, as Python compares str (UTF-16 order differs above U+FFFF). */
  function compareStrings(a, b) {
    if (a === b) return 0;
    var i = 0;
    var j = 0;
    while (i < a.length && j < b.length) {
      var x = a.codePointAt(i);
      var y = b.codePointAt(j);
      if (x !== y) return x < y ? -1 : 1;
      i += x > 0xffff ? 2 : 1;
      j += y > 0xffff ? 2 : 1;
    }
    if (i < a.length) return 1;
    if (j < b.length) return -1;
    return 0;
  }

  function escapePointer(key) {
    return String(key).replace(/~/g, "~0").replace(/\//g, "~1");
  }

  // --- formats (runtime/formats.py, emitted into the page by the compiler) --------------------

  function Formats(data) {
    this.MAX_SAFE_INTEGER = data.max_safe_integer;
    this.MAX_STRING_LENGTH = data.max_string_length;
    this.MAX_ITEMS = data.max_items;
    this.MAX_ANSWER_DEPTH = data.max_answer_depth;
    this.MAX_FILE_NAME_LENGTH = data.max_file_name_length;
    this.MAX_MEDIA_TYPE_LENGTH = data.max_media_type_length;
    this.MAX_EMAIL_LENGTH = data.max_email_length;
    this.MAX_PHONE_LENGTH = data.max_phone_length;
    this.DATE_RE = new RegExp(data.date_pattern, "u");
    this.EMAIL_RE = new RegExp(data.email_pattern, "u");
    this.PHONE_RE = new RegExp(data.phone_pattern, "u");
    this.SHA256_RE = new RegExp(data.sha256_pattern, "u");
    this.CURRENCY_SYMBOLS = data.currency_symbols;
  }
  Formats.prototype.isDate = function (v) {
    return typeof v === "string" && v.length === 10 && this.DATE_RE.test(v);
  };
  Formats.prototype.isEmail = function (v) {
    return typeof v === "string" && cpLength(v) <= this.MAX_EMAIL_LENGTH && this.EMAIL_RE.test(v);
  };
  Formats.prototype.isPhone = function (v) {
    return typeof v === "string" && cpLength(v) <= this.MAX_PHONE_LENGTH && this.PHONE_RE.test(v);
  };
  Formats.prototype.normalizeNumber = function (v) {
    if (typeof v !== "number" || !isFinite(v) || Math.abs(v) > this.MAX_SAFE_INTEGER) return null;
    return v === 0 ? 0 : v;
  };

  /** Sign, integer digits and fraction digits of the shortest round-trip form (`repr`), no exponent. */
  function plainDigits(x) {
    var s = String(x);
    var sign = "";
    if (s.charAt(0) === "-") {
      sign = "-";
      s = s.slice(1);
    }
    var exp = 0;
    var e = s.indexOf("e");
    if (e >= 0) {
      exp = parseInt(s.slice(e + 1), 10);
      s = s.slice(0, e);
    }
    var dot = s.indexOf(".");
    var ip = dot >= 0 ? s.slice(0, dot) : s;
    var fp = dot >= 0 ? s.slice(dot + 1) : "";
    var digits = ip + fp;
    var point = ip.length + exp;
    var whole, fraction;
    if (point <= 0) {
      whole = "0";
      fraction = "0".repeat(-point) + digits;
    } else if (point >= digits.length) {
      whole = digits + "0".repeat(point - digits.length);
      fraction = "";
    } else {
      whole = digits.slice(0, point);
      fraction = digits.slice(point);
    }
    whole = whole.replace(/^0+(?=[0-9])/, "");
    if (x === 0) sign = "";
    return {sign: sign, whole: whole, fraction: fraction};
  }

  /** Digits after the point in the shortest round-trip form (formats.decimal_places). */
  function decimalPlaces(x) {
    if (Number.isInteger(x)) return 0;
    return plainDigits(x).fraction.replace(/0+$/, "").length;
  }

  function group(whole, separator) {
    var head = whole.length % 3 || 3;
    var parts = [whole.slice(0, head)];
    for (var i = head; i < whole.length; i += 3) parts.push(whole.slice(i, i + 3));
    return parts.join(separator);
  }

  /** Add one unit in the last place to a string of decimal digits. */
  function incrementDigits(digits) {
    var out = digits.split("");
    var i = out.length - 1;
    while (i >= 0) {
      if (out[i] === "9") {
        out[i] = "0";
        i--;
      } else {
        out[i] = String.fromCharCode(out[i].charCodeAt(0) + 1);
        return out.join("");
      }
    }
    return "1" + out.join("");
  }

  ns.own = own;
  ns.has = has;
  ns.isObject = isObject;
  ns.isNumber = isNumber;
  ns.dict = dict;
  ns.setKey = setKey;
  ns.contains = contains;
  ns.cpLength = cpLength;
  ns.compareStrings = compareStrings;
  ns.escapePointer = escapePointer;
  ns.BAD_CHARS = BAD_CHARS;
  ns.Formats = Formats;
  ns.plainDigits = plainDigits;
  ns.decimalPlaces = decimalPlaces;
  ns.group = group;
  ns.incrementDigits = incrementDigits;
})(globalThis.OrganizerRuntime || (globalThis.OrganizerRuntime = {}));
