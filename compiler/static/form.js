/* form.js: drives form.html with OrganizerRuntime (values.js ... shortcodes.js, inlined before it).
 *
 * One page per visible section, then a review page and Submit. Every change re-evaluates the IR
 * (visibility, skipped sections, computed values, required marks, piped answers, progress) and
 * schedules an autosave: a debounced PUT of the draft to `data-autosave-url` with the revision it
 * is based on (409: the newer answers on the server are loaded and the client is told), else
 * localStorage. Hidden answers stay in the draft and are left out of the submission.
 *
 * Author text and answers only ever reach the DOM through textContent, value and setAttribute:
 * no innerHTML, outerHTML, insertAdjacentHTML, document.write, eval or new Function.
 */
(function () {
  "use strict";

  if (self.performance && performance.mark) performance.mark("organizer:start");
  var RT = globalThis.OrganizerRuntime;
  var own = RT.own;
  var isObject = RT.isObject;
  var setKey = RT.setKey;
  var root = document.getElementById("organizer");
  var form = document.getElementById("form");
  var program = JSON.parse(document.getElementById("organizer-program").textContent);
  var data = JSON.parse(document.getElementById("organizer-data").textContent);
  var rt = new RT.Runtime(program, {messages: data.messages, formats: data.formats});
  var m = rt.messages;
  var context = rt.defaultContext(data.context);
  var urls = {
    autosave: root.getAttribute("data-autosave-url") || "",
    submit: root.getAttribute("data-submit-url") || "",
    upload: root.getAttribute("data-upload-url") || "",
  };
  var storageKey = String(data.storage_key);

  var answers = RT.dict();
  var raw = new Map();          // pointer -> text that is not a value (an unreadable number or date)
  var shownErrors = new Map();  // id of a control whose error element shows a message -> true
  var state = null;
  var current = null;           // a section id, "review" or "done"
  var revision = data.revision === undefined ? null : data.revision;

  // --- the DOM, indexed once ----------------------------------------------------------------

  var pages = new Map();
  document.querySelectorAll("section[data-section]").forEach(function (el) {
    pages.set(el.getAttribute("data-section"), el);
  });
  var review = document.getElementById("review");
  var done = document.getElementById("done");
  var backButton = document.getElementById("back");
  var nextButton = document.getElementById("next");
  var summary = document.getElementById("error-summary");
  var notice = document.getElementById("notice");
  var saveStatus = document.getElementById("save-status");

  var itemElements = new Map();  // top-level node id -> element
  document.querySelectorAll("[data-item]").forEach(function (el) {
    itemElements.set(el.getAttribute("data-item"), el);
  });
  var repeats = new Map();       // repeat id -> {element, rowsElement, template, add, rows: [element]}
  document.querySelectorAll("[data-repeat]").forEach(function (el) {
    repeats.set(el.getAttribute("data-repeat"), {
      element: el, rowsElement: el.querySelector("[data-rows]"), template: el.querySelector("[data-row-template]"),
      add: el.querySelector("[data-add-row]"), rows: [],
    });
  });

  // IR items by id: top-level (from the runtime's nodes) and the fields of each repeat
  var topItems = new Map();
  var rowItems = new Map();   // repeat id -> Map(field node id -> {node, item})
  var sectionOf = new Map();  // top-level id -> section id
  rt.nodes.forEach(function (node) {
    if (node.kind === "section") return;
    topItems.set(node.id, node);
    sectionOf.set(node.id, rt.nodes[node.section].id);
    if (node.kind === "repeat") {
      var fields = new Map();
      node.row.nodes.forEach(function (field) { fields.set(field.id, field); });
      rowItems.set(node.id, fields);
    }
  });

  // --- small helpers ----------------------------------------------------------------------------

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
  }
  function make(tag, text, attributes) {
    var el = document.createElement(tag);
    if (text !== undefined && text !== null) el.textContent = text;
    if (attributes) Object.keys(attributes).forEach(function (k) { el.setAttribute(k, attributes[k]); });
    return el;
  }
  function show(el, visible) {
    if (el.hidden === visible) el.hidden = !visible;
  }
  function ui(key, params) {
    return m.ui(key, params);
  }
  function setStatus(text) {
    saveStatus.textContent = text || "";
  }
  function setNotice(text) {
    notice.textContent = text || "";
    notice.hidden = !text;
  }
  function toData(value, depth) {
    // plain JSON data with objects that have no prototype (keys like `__proto__` stay keys)
    depth = depth || 0;
    if (Array.isArray(value)) return value.map(function (v) { return toData(v, depth + 1); });
    if (isObject(value)) {
      var out = RT.dict();
      Object.keys(value).forEach(function (k) { setKey(out, k, toData(value[k], depth + 1)); });
      return out;
    }
    return value;
  }
  function clone(value) {
    return toData(JSON.parse(JSON.stringify(value)));
  }
  function storageGet(key) {
    try {
      var text = self.localStorage.getItem(key);
      return text === null ? null : JSON.parse(text);
    } catch (error) {
      return null;
    }
  }
  function storageSet(key, value) {
    try {
      self.localStorage.setItem(key, JSON.stringify(value));
      return true;
    } catch (error) {
      return false;
    }
  }
  function pointerOf(location) {
    var id = RT.escapePointer(location.id);
    return location.repeat ? "/" + RT.escapePointer(location.repeat) + "/" + location.row + "/" + id : "/" + id;
  }
  function inputId(location) {
    return location.repeat ? "q-" + location.repeat + "-" + location.row + "-" + location.id : "q-" + location.id;
  }

  // --- reading and writing controls -------------------------------------------------------------

  /** Where a control's wrapper belongs: {id, repeat, row, item} (row fields carry their repeat). */
  function locate(wrapper) {
    if (wrapper.hasAttribute("data-item")) {
      var id = wrapper.getAttribute("data-item");
      var node = topItems.get(id);
      return node ? {id: id, repeat: null, row: null, item: node.item} : null;
    }
    var rowElement = wrapper.closest("[data-row]");
    var repeatElement = wrapper.closest("[data-repeat]");
    if (!rowElement || !repeatElement) return null;
    var repeat = repeatElement.getAttribute("data-repeat");
    var field = rowItems.get(repeat).get(wrapper.getAttribute("data-field"));
    return field ? {id: field.id, repeat: repeat, row: Number(rowElement.getAttribute("data-index")), item: field.item} : null;
  }

  function container(location) {
    if (!location.repeat) return answers;
    var rows = own(answers, location.repeat);
    if (!Array.isArray(rows)) return null;
    var row = rows[location.row];
    if (!isObject(row)) {
      row = RT.dict();
      rows[location.row] = row;
    }
    return row;
  }

  function setAnswer(location, value) {
    var target = container(location);
    if (!target) return;
    if (value === undefined) delete target[location.id];
    else setKey(target, location.id, value);
  }

  function getAnswer(location) {
    var target = location.repeat ? (own(answers, location.repeat) || [])[location.row] : answers;
    var value = own(target, location.id);
    return value === undefined ? null : value;
  }

  /** A number typed in the form's language: `1,234.5` (en), `1.234,5` (nl); null when unreadable. */
  function parseNumber(text) {
    var fmt = m.fmt();
    var s = text.replace(/[\s\u00a0\u202f']/g, "").replace(/^\u2212/, "-");
    var sign = "";
    if (s.charAt(0) === "-" || s.charAt(0) === "+") {
      sign = s.charAt(0) === "-" ? "-" : "";
      s = s.slice(1);
    }
    var dec = fmt.decimal;
    var grp = fmt.group;
    var parts = s.split(dec);
    if (parts.length > 2) return null;
    var whole = parts[0];
    var fraction = parts.length === 2 ? parts[1] : null;
    if (whole.indexOf(grp) >= 0) {
      var groups = whole.split(grp);
      var grouped = /^[0-9]{1,3}$/.test(groups[0]) && groups.slice(1).every(function (g) { return /^[0-9]{3}$/.test(g); });
      if (grouped) {
        whole = groups.join("");
      } else if (fraction === null && groups.length === 2 && /^[0-9]+$/.test(groups[0]) && /^[0-9]+$/.test(groups[1])) {
        whole = groups[0];  // `12.5` in Dutch or `12,5` in English: the other separator as the decimal point
        fraction = groups[1];
      } else {
        return null;
      }
    }
    if (!/^[0-9]+$/.test(whole) && !(whole === "" && fraction)) return null;
    if (fraction !== null && !/^[0-9]+$/.test(fraction)) return null;
    var number = Number(sign + (whole || "0") + (fraction !== null ? "." + fraction : ""));
    return isFinite(number) ? number : null;
  }

  /** The answer a question's control holds: a value, undefined (no answer) or {raw: text}. */
  function readControl(wrapper, item) {
    var type = item.type;
    if (type === "yesno" || (type === "choice" && item.style !== "dropdown")) {
      var checked = wrapper.querySelector("input:checked");
      if (!checked) return undefined;
      return type === "yesno" ? checked.value === "true" : checked.value;
    }
    if (type === "multichoice") {
      var chosen = [];
      wrapper.querySelectorAll("input[type=checkbox]").forEach(function (box) { if (box.checked) chosen.push(box.value); });
      return chosen.length ? chosen : undefined;
    }
    var control = wrapper.querySelector("input, select, textarea");
    var text = control.value;
    if (type === "number" || type === "integer" || type === "money") {
      if (!text.trim()) return undefined;
      var number = parseNumber(text);
      return number === null ? {raw: text} : number;
    }
    if (type === "date") {
      if (!text) return control.validity && control.validity.badInput ? {raw: "?"} : undefined;
      return text;
    }
    return text === "" ? undefined : text;
  }

  function writeControl(wrapper, item, value, location) {
    var type = item.type;
    if (type === "file") {
      renderFiles(wrapper, location, Array.isArray(value) ? value : []);
      return;
    }
    if (type === "yesno" || (type === "choice" && item.style !== "dropdown") || type === "multichoice") {
      var chosen = Array.isArray(value) ? value.map(String) : (value === null ? [] : [String(value)]);
      wrapper.querySelectorAll("input").forEach(function (input) { input.checked = chosen.indexOf(input.value) >= 0; });
      return;
    }
    var control = wrapper.querySelector("input, select, textarea");
    if (!control) return;
    var pending = raw.get(pointerOf(location));
    if (pending !== undefined && type !== "date") control.value = pending;
    else if (typeof value === "number" && (type === "number" || type === "integer" || type === "money")) control.value = m.number(value);
    else if (typeof value === "string" && !(type === "date" && !rt.formats.isDate(value))) control.value = value;
    else control.value = "";
  }

  function wrappers(scope) {
    return scope.querySelectorAll(".q[data-item], .q[data-field]");
  }

  var pristine = true;  // until the first answers are written, every control is still empty

  function writeAll() {
    repeats.forEach(function (_, id) { renderRows(id); });
    wrappers(form).forEach(function (wrapper) {
      var location = locate(wrapper);
      if (!location || location.item.kind !== "question") return;
      var value = getAnswer(location);
      if (!pristine || value !== null) writeControl(wrapper, location.item, value, location);
    });
    pristine = false;
  }

  var lastInput = null;

  function onChange(event) {
    var target = event.target;
    if (!target || !target.closest) return;
    var wrapper = target.closest(".q");
    if (!wrapper || target.type === "file") return;
    var location = locate(wrapper);
    if (!location || location.item.kind !== "question") return;
    var value = readControl(wrapper, location.item);
    var pointer = pointerOf(location);
    // A click fires `input` and then `change` with the same value: evaluate once.
    var stamp = JSON.stringify([pointer, value === undefined ? null : value]);
    if (event.type === "change" && stamp === lastInput) return;
    lastInput = event.type === "input" ? stamp : null;
    if (isObject(value)) {
      raw.set(pointer, value.raw);
      value = undefined;
    } else {
      raw.delete(pointer);
    }
    setAnswer(location, value);
    changed();
    if (shownErrors.has(inputId(location))) showFieldProblems(location, true);
  }

  function onBlur(event) {
    var target = event.target;
    if (!target || !target.closest || target.type === "file") return;
    var wrapper = target.closest(".q");
    if (!wrapper || (event.relatedTarget && wrapper.contains(event.relatedTarget))) return;
    var location = locate(wrapper);
    if (location && location.item.kind === "question") showFieldProblems(location, shownErrors.has(inputId(location)));
  }

  // --- repeats ------------------------------------------------------------------------------------

  function renumber(element, row) {
    var attributes = ["id", "for", "name", "aria-describedby", "aria-labelledby"];
    element.querySelectorAll("*").forEach(function (el) {
      attributes.forEach(function (name) {
        var value = el.getAttribute(name);
        if (value !== null && value.indexOf("-ROW-") >= 0) el.setAttribute(name, value.split("-ROW-").join("-" + row + "-"));
      });
    });
  }

  function makeRow(id, index) {
    var info = repeats.get(id);
    var element = info.template.content.firstElementChild.cloneNode(true);
    renumber(element, index);
    element.setAttribute("data-index", String(index));
    var legend = element.querySelector("[data-row-legend]");
    legend.id = "q-" + id + "-" + index + "-legend";
    legend.textContent = ui("row", {n: index + 1});
    element.querySelector("[data-remove-row]").setAttribute("aria-describedby", legend.id);
    return element;
  }

  /** The rows of a repeat in the DOM, made to match its answer (rebuilt when the count differs). */
  function renderRows(id, force) {
    var info = repeats.get(id);
    var value = own(answers, id);
    var count = Array.isArray(value) ? value.length : 0;
    if (!force && info.rows.length === count) return;
    info.rows.forEach(function (row) { row.remove(); });
    info.rows = [];
    for (var r = 0; r < count; r++) {
      var element = makeRow(id, r);
      info.rowsElement.appendChild(element);
      info.rows.push(element);
      wrappers(element).forEach(function (wrapper) {
        var location = locate(wrapper);
        if (location && location.item.kind === "question") writeControl(wrapper, location.item, getAnswer(location), location);
      });
    }
    indexTexts();
  }

  function addRow(id) {
    var rows = own(answers, id);
    if (!Array.isArray(rows)) {
      rows = [];
      setKey(answers, id, rows);
    }
    rows.push(RT.dict());
    renderRows(id);
    changed();
    var info = repeats.get(id);
    var first = info.rows[info.rows.length - 1].querySelector("input, select, textarea");
    if (first) first.focus();
  }

  function removeRow(id, index) {
    var rows = own(answers, id);
    if (!Array.isArray(rows)) return;
    rows.splice(index, 1);
    if (!rows.length) delete answers[id];
    var prefix = "/" + RT.escapePointer(id) + "/";
    Array.from(raw.keys()).forEach(function (p) { if (p.indexOf(prefix) === 0) raw.delete(p); });
    renderRows(id, true);
    changed();
    repeats.get(id).add.focus();
  }

  // --- files --------------------------------------------------------------------------------------

  var SHA_K = [0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1,
    0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d,
    0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
    0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3,
    0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb,
    0xbef9a3f7, 0xc67178f2];

  /** SHA-256 of bytes, for pages without crypto.subtle (plain http other than localhost). */
  function sha256Hex(bytes) {
    function ror(x, n) { return (x >>> n) | (x << (32 - n)); }
    var length = bytes.length;
    var padded = (((length + 9) + 63) >> 6) << 6;
    var buffer = new Uint8Array(padded);
    buffer.set(bytes);
    buffer[length] = 0x80;
    var view = new DataView(buffer.buffer);
    view.setUint32(padded - 8, Math.floor(length / 0x20000000));
    view.setUint32(padded - 4, (length * 8) >>> 0);
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    var w = new Int32Array(64);
    for (var offset = 0; offset < padded; offset += 64) {
      var i;
      for (i = 0; i < 16; i++) w[i] = view.getInt32(offset + 4 * i);
      for (i = 16; i < 64; i++) {
        var s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        var s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (i = 0; i < 64; i++) {
        var t1 = (k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + SHA_K[i] + w[i]) | 0;
        var t2 = ((ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + k) | 0;
    }
    return h.map(function (x) { return (x >>> 0).toString(16).padStart(8, "0"); }).join("");
  }

  function digest(file) {
    return file.arrayBuffer().then(function (buffer) {
      if (self.crypto && self.crypto.subtle && self.isSecureContext) {
        return self.crypto.subtle.digest("SHA-256", buffer).then(function (hash) {
          return Array.from(new Uint8Array(hash)).map(function (x) { return x.toString(16).padStart(2, "0"); }).join("");
        });
      }
      return sha256Hex(new Uint8Array(buffer));
    });
  }

  /** A chosen file as an answer object; with `data-upload-url`, the server stores it and answers. */
  function describe(file, pointer) {
    var local = digest(file).then(function (hash) {
      return {name: file.name, size: file.size, media_type: file.type || "application/octet-stream", sha256: hash};
    });
    if (!urls.upload) return local;
    return local.then(function (object) {
      return fetch(urls.upload, {
        method: "POST", body: file, credentials: "same-origin",
        headers: {"Content-Type": object.media_type, "X-File-Name": encodeURIComponent(file.name),
          "X-File-Sha256": object.sha256, "X-Question": pointer},
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      });
    });
  }

  function onFiles(event) {
    var input = event.target;
    var wrapper = input.closest(".q");
    var location = wrapper && locate(wrapper);
    if (!location) return;
    var item = location.item;
    var chosen = Array.from(input.files || []);
    input.value = "";
    var pointer = pointerOf(location);
    var messages = [];
    var accepted = [];
    var work = chosen.map(function (file) {
      var probe = {name: file.name, size: file.size, media_type: file.type || "application/octet-stream",
        sha256: "0".repeat(64)};
      var problems = rt.valueProblems(item, [probe], context);
      if (problems.length) {
        problems.forEach(function (p) { messages.push(p.message); });
        return Promise.resolve();
      }
      return describe(file, pointer).then(function (object) { accepted.push(object); }, function () {
        messages.push(ui("save_failed"));
      });
    });
    Promise.all(work).then(function () {
      var files = getAnswer(location);
      files = (Array.isArray(files) ? files.slice() : []).concat(accepted);
      if (accepted.length) {
        setAnswer(location, files);
        changed();
        writeControl(wrapper, item, files, location);
      }
      var problems = rt.valueProblems(item, files, context).filter(function (p) { return p.code === "max-items"; });
      problems.forEach(function (p) { messages.push(p.message); });
      setError(pointer, messages);
    });
  }

  function renderFiles(wrapper, location, files) {
    var list = wrapper.querySelector("[data-files]");
    clear(list);
    var base = inputId(location);
    files.forEach(function (file, index) {
      var name = own(file, "name");
      var size = own(file, "size");
      var item = make("li");
      var label = make("span", typeof name === "string" ? name : "", {"class": "name", id: base + "-file" + index});
      item.appendChild(label);
      if (typeof size === "number") item.appendChild(make("span", m.size(size), {"class": "size"}));
      var remove = make("button", ui("remove_file"), {type: "button", "class": "secondary",
        "aria-describedby": label.id, "data-remove-file": String(index)});
      item.appendChild(remove);
      list.appendChild(item);
    });
  }

  function removeFile(wrapper, index) {
    var location = locate(wrapper);
    var files = getAnswer(location);
    if (!Array.isArray(files)) return;
    files = files.slice();
    files.splice(index, 1);
    setAnswer(location, files.length ? files : undefined);
    writeControl(wrapper, location.item, files, location);
    changed();
    wrapper.querySelector("input[type=file]").focus();
  }

  // --- evaluation and what it shows ----------------------------------------------------------------

  var shortcodeSpans = [];
  var textElements = [];
  var placeholderElements = [];

  function indexTexts() {
    shortcodeSpans = Array.from(document.querySelectorAll("[data-sc]"));
    textElements = Array.from(document.querySelectorAll("[data-text]"));
    placeholderElements = Array.from(document.querySelectorAll("[data-placeholder]"));
  }

  function renderTexts() {
    var values = state.values();
    var cache = new Map();
    shortcodeSpans.forEach(function (span) {
      var index = Number(span.getAttribute("data-sc"));
      if (!cache.has(index)) cache.set(index, rt.shortcode(data.shortcodes[index], context, values, 0));
      var text = cache.get(index);
      if (span.textContent !== text) span.textContent = text;
    });
    textElements.forEach(function (el) {
      var text = rt.renderText(data.texts[Number(el.getAttribute("data-text"))], context, values);
      if (el.textContent !== text) el.textContent = text;
    });
    placeholderElements.forEach(function (el) {
      el.setAttribute("placeholder", rt.renderText(data.texts[Number(el.getAttribute("data-placeholder"))], context, values));
    });
    document.title = rt.renderText(program.title, context, values);
  }

  function computedText(value) {
    if (value === null || value === undefined) return ui("empty_value");
    if (typeof value === "number") return m.number(value);
    if (typeof value === "boolean") return ui(value ? "yes" : "no");
    return String(value);
  }

  var applied = new WeakMap();  // element -> what was last shown in it, so unchanged items cost nothing

  function applyItem(element, node, visible, value, required) {
    var last = applied.get(element);
    if (last && last.visible === visible && last.value === value && last.required === required) return;
    applied.set(element, {visible: visible, value: value, required: required});
    show(element, visible);
    if (!visible) return;
    if (node.kind === "computed") {
      var output = element.querySelector("output");
      var text = computedText(value);
      if (output.textContent !== text) output.textContent = text;
    } else if (node.kind === "question") {
      var mark = element.querySelector("[data-req]");
      if (mark) show(mark, required);
      element.querySelectorAll("input, select, textarea").forEach(function (control) {
        if (control.type !== "radio" && control.type !== "checkbox") control.setAttribute("aria-required", String(required));
      });
    }
  }

  function applyState() {
    rt.nodes.forEach(function (node) {
      if (node.kind === "section") return;
      var element = itemElements.get(node.id);
      if (element) applyItem(element, node, state.vis[node.index], state.val[node.index], state.req[node.index]);
      if (node.kind === "repeat" && state.vis[node.index]) applyRows(node);
    });
    repeats.forEach(function (info, id) {
      var node = topItems.get(id);
      var count = info.rows.length;
      info.add.disabled = node.item.max_rows !== null && count >= node.item.max_rows;
    });
    renderTexts();
    updateProgress();
  }

  function applyRows(node) {
    var info = repeats.get(node.id);
    var rows = state.val[node.index] || [];
    info.rows.forEach(function (rowElement, r) {
      var row = rows[r];
      if (!row) return;
      rowElement.querySelectorAll("[data-field]").forEach(function (element) {
        var field = rowItems.get(node.id).get(element.getAttribute("data-field"));
        if (field) applyItem(element, field, row.vis[field.index], row.val[field.index], row.req[field.index]);
      });
    });
  }

  function updateProgress() {
    var sections = state.sections();
    var total = sections.length + 1;
    var n = current === "review" || current === "done" ? total : sections.indexOf(current) + 1;
    document.getElementById("step").textContent = n > 0 ? ui("progress", {n: n, total: total}) : "";
    var percent = state.progress.percent;
    document.getElementById("progress").value = percent;
    document.getElementById("percent").textContent = ui("percent_complete", {percent: percent});
  }

  function evaluate() {
    state = rt.evaluate(answers, context);
    applyState();
  }

  function changed() {
    evaluate();
    scheduleSave();
  }

  // --- problems -----------------------------------------------------------------------------------

  function parsePointer(pointer) {
    return pointer.split("/").slice(1).map(function (t) { return t.replace(/~1/g, "/").replace(/~0/g, "~"); });
  }

  /** The id of the element that shows a pointer's problems, and the control to focus. */
  function target(pointer) {
    var tokens = parsePointer(pointer);
    var id = tokens[0];
    if (repeats.has(id) && tokens.length >= 3 && /^[0-9]+$/.test(tokens[1]) && rowItems.get(id).has(tokens[2])) {
      return {base: "q-" + id + "-" + tokens[1] + "-" + tokens[2], section: sectionOf.get(id)};
    }
    return {base: "q-" + id, section: sectionOf.get(id)};
  }

  /** The answers as they will be sent, with unreadable text put back where it was typed. */
  function payload() {
    var result = clone(rt.submission(answers, context));
    raw.forEach(function (text, pointer) {
      var tokens = parsePointer(pointer);
      if (tokens.length === 1) {
        if (state.isVisible(tokens[0])) setKey(result, tokens[0], text);
      } else if (tokens.length === 3) {
        var rows = own(result, tokens[0]);
        var row = Array.isArray(rows) ? rows[Number(tokens[1])] : null;
        var repeatRows = state.rowsOf(tokens[0]);
        var field = rowItems.get(tokens[0]).get(tokens[2]);
        var live = repeatRows && repeatRows[Number(tokens[1])];
        if (isObject(row) && field && live && live.vis[field.index]) setKey(row, tokens[2], text);
      }
    });
    return result;
  }

  function problems() {
    return rt.validate(payload(), false, context);
  }

  /** The words a client knows a problem's question by: its label (and row), else nothing. */
  function labelOf(pointer, values) {
    var tokens = parsePointer(pointer);
    var node = topItems.get(tokens[0]);
    if (!node || !node.item) return "";
    if (node.kind === "repeat" && tokens.length >= 3 && rowItems.get(node.id).has(tokens[2])) {
      var field = rowItems.get(node.id).get(tokens[2]);
      return rt.renderText(node.item.title, context, values) + " · " + ui("row", {n: Number(tokens[1]) + 1}) + " · " +
        rt.renderText(field.item.label, context, values);
    }
    return rt.renderText(node.kind === "repeat" ? node.item.title : node.item.label, context, values);
  }

  function setError(base, messages) {
    var element = document.getElementById(base.indexOf("/") === 0 ? target(base).base + "-error" : base + "-error");
    if (!element) return;
    var unique = messages.filter(function (text, i) { return messages.indexOf(text) === i; });
    element.textContent = unique.join(" ");
    element.hidden = !unique.length;
    var id = element.id.slice(0, -"-error".length);
    var control = document.getElementById(id);
    if (control) {
      if (unique.length) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
    }
    if (unique.length) shownErrors.set(id, true);
    else shownErrors.delete(id);
  }

  var COMPLETENESS = ["required", "min-items", "min-rows"];

  /** The problems of one control, shown under it (on blur without completeness rules). */
  function showFieldProblems(location, all) {
    var pointer = pointerOf(location);
    var found = problems().filter(function (p) {
      return (p.pointer === pointer || p.pointer.indexOf(pointer + "/") === 0) && (all || COMPLETENESS.indexOf(p.code) < 0);
    });
    setError(inputId(location), found.map(function (p) { return p.message; }));
  }

  function clearErrors(scope) {
    scope.querySelectorAll("[data-error]").forEach(function (element) {
      if (!element.hidden) setError(element.id.slice(0, -"-error".length), []);
    });
  }

  function showSummary(list) {
    clear(document.getElementById("error-list"));
    if (!list.length) {
      summary.hidden = true;
      return;
    }
    document.getElementById("error-summary-title").textContent = ui("problems_title", {count: list.length});
    var values = state.values();
    list.forEach(function (p) {
      var where = target(p.pointer);
      var label = labelOf(p.pointer, values);
      var link = make("a", label ? label + ": " + p.message : p.message,
        {href: "#" + where.base, "data-section": where.section || ""});
      var item = make("li");
      item.appendChild(link);
      document.getElementById("error-list").appendChild(item);
    });
    summary.hidden = false;
    summary.focus();
  }

  function showProblems(list, scope) {
    clearErrors(scope);
    var byTarget = new Map();
    list.forEach(function (p) {
      var base = target(p.pointer).base;
      if (!byTarget.has(base)) byTarget.set(base, []);
      byTarget.get(base).push(p.message);
    });
    byTarget.forEach(function (messages, base) { setError(base, messages); });
    showSummary(list);
  }

  function focusControl(base, section) {
    if (section && section !== current && pages.has(section)) go(section, true);
    var control = document.getElementById(base);
    if (!control) return;
    if (control.tagName === "FIELDSET") control = control.querySelector("input") || control;
    if (control.tagName === "FIELDSET" || control.hasAttribute("data-repeat")) control = control.querySelector("button") || control;
    control.focus();
  }

  // --- navigation -----------------------------------------------------------------------------------

  function go(section, keepErrors) {
    current = section;
    pages.forEach(function (page, id) { show(page, id === section); });
    show(review, section === "review");
    show(done, section === "done");
    if (!keepErrors) {
      summary.hidden = true;
      clear(document.getElementById("error-list"));
    }
    var sections = state.sections();
    var description = document.getElementById("description");
    if (description) show(description, section === sections[0]);  // the introduction, on the first page only
    show(document.getElementById("buttons"), section !== "done");
    backButton.hidden = section === "done" || (section !== "review" && sections.indexOf(section) <= 0);
    nextButton.textContent = section === "review" ? nextButton.getAttribute("data-submit") : nextButton.getAttribute("data-next");
    if (section === "review") renderReview();
    updateProgress();
    if (section !== "done") storageSet(storageKey + ":position", section);
    var heading = section === "review" ? document.getElementById("review-title")
      : section === "done" ? document.getElementById("done-title")
        : pages.get(section).querySelector("h2");
    if (!keepErrors) {
      heading.focus();
      if (self.scrollTo) self.scrollTo(0, 0);
    }
  }

  function next() {
    if (current === "review") {
      submit();
      return;
    }
    var page = pages.get(current);
    var found = problems().filter(function (p) { return target(p.pointer).section === current; });
    if (found.length) {
      showProblems(found, page);
      return;
    }
    clearErrors(page);
    flushSave();
    go(state.nextSection(current) || "review");
  }

  function back() {
    var sections = state.sections();
    var previous = current === "review" ? sections[sections.length - 1] : state.previousSection(current);
    if (previous) {
      flushSave();
      go(previous);
    }
  }

  // --- the review page ------------------------------------------------------------------------------

  function answerText(item, value, values) {
    if (item.kind === "computed") return computedText(value);
    var text = rt.answerText(item, value, 0, context, values, 0);
    return text === null || text === "" ? null : text;
  }

  function reviewEntry(list, label, text) {
    list.appendChild(make("dt", label));
    var dd = make("dd", text === null ? ui("not_answered") : text);
    if (text === null) dd.className = "unanswered";
    list.appendChild(dd);
  }

  function renderReview() {
    var body = document.getElementById("review-body");
    clear(body);
    var values = state.values();
    state.sections().forEach(function (sectionId) {
      var block = make("div", null, {"class": "review-section"});
      var head = make("div", null, {"class": "review-heading"});
      var title = make("h3", pages.get(sectionId).querySelector("h2").textContent, {id: "review-" + sectionId});
      var change = make("button", ui("edit"), {type: "button", "class": "secondary", "data-edit": sectionId,
        "aria-describedby": title.id});
      head.appendChild(title);
      head.appendChild(change);
      block.appendChild(head);
      var list = make("dl");
      state.sectionItems(sectionId).forEach(function (id) {
        var node = topItems.get(id);
        if (!node || (node.kind !== "question" && node.kind !== "computed" && node.kind !== "repeat")) return;
        var label = rt.renderText(node.kind === "repeat" ? node.item.title : node.item.label, context, values);
        if (node.kind !== "repeat") {
          reviewEntry(list, label, answerText(node.item, state.val[node.index], values));
          return;
        }
        var rows = state.val[node.index] || [];
        if (!rows.length) {
          reviewEntry(list, label, null);
          return;
        }
        rows.forEach(function (row, r) {
          list.appendChild(make("dt", label + " · " + ui("row", {n: r + 1})));
          var dd = make("dd");
          var inner = make("dl");
          node.row.nodes.forEach(function (field) {
            if (!row.vis[field.index] || (field.kind !== "question" && field.kind !== "computed")) return;
            reviewEntry(inner, rt.renderText(field.item.label, context, values), answerText(field.item, row.val[field.index], values));
          });
          dd.appendChild(inner);
          list.appendChild(dd);
        });
      });
      block.appendChild(list);
      body.appendChild(block);
    });
  }

  // --- autosave --------------------------------------------------------------------------------------

  var saveTimer = null;
  var saving = false;
  var pending = false;
  var retryDelay = 2000;

  function draft() {
    return clone(answers);
  }

  function saveLocally(section) {
    return storageSet(storageKey, {answers: draft(), revision: revision, section: section || current});
  }

  function scheduleSave(delay) {
    pending = true;
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(save, delay === undefined ? (urls.autosave ? 800 : 300) : delay);
  }

  function flushSave() {
    if (!pending) return;
    if (saveTimer) clearTimeout(saveTimer);
    save();
  }

  function save() {
    saveTimer = null;
    if (!pending || saving) return;
    pending = false;
    if (!urls.autosave) {
      setStatus(saveLocally() ? ui("saved_locally") : ui("save_failed"));
      return;
    }
    saving = true;
    setStatus(ui("saving"));
    var body = JSON.stringify({base_revision: revision, answers: draft()});
    fetch(urls.autosave, {method: "PUT", body: body, credentials: "same-origin",
      headers: {"Content-Type": "application/json"}})
      .then(function (response) {
        if (response.status === 409) return response.json().catch(function () { return {}; }).then(conflict);
        if (!response.ok) throw new Error(String(response.status));
        return response.json().then(function (result) {
          if (result && typeof result.revision === "number") revision = result.revision;
          retryDelay = 2000;
          storageSet(storageKey, null);
          setStatus(ui("saved"));
        });
      })
      .catch(function () {
        saveLocally();
        setStatus(self.navigator && self.navigator.onLine === false ? ui("offline") : ui("save_failed"));
        pending = true;
        retryDelay = Math.min(retryDelay * 2, 60000);
      })
      .then(function () {
        saving = false;
        if (pending && !saveTimer) scheduleSave(retryDelay);
      });
  }

  /** A save based on an old revision: the server holds newer answers; show those, never overwrite. */
  function conflict(body) {
    pending = false;
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = null;
    var loaded = isObject(body) && isObject(body.answers) ? Promise.resolve(body) : fetchSaved();
    return loaded.then(function (saved) {
      if (saved) load(saved.answers, saved.revision);
      setNotice(ui("conflict"));
      setStatus("");
    });
  }

  function fetchSaved() {
    return fetch(urls.autosave, {method: "GET", credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (response.status === 404) return null;
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (saved) {
        return isObject(saved) && isObject(saved.answers) ? saved : null;
      });
  }

  function load(saved, savedRevision) {
    answers = isObject(saved) ? toData(saved) : RT.dict();
    revision = typeof savedRevision === "number" ? savedRevision : null;
    raw.clear();
    state = rt.evaluate(answers, context);
    writeAll();
    evaluate();
    if (current && current !== "review" && current !== "done" && !state.isVisible(current)) go(state.nextSection(null) || "review");
    else if (current === "review") renderReview();
  }

  // --- submitting ------------------------------------------------------------------------------------

  function done_() {
    storageSet(storageKey + ":submitted", true);
    go("done");
  }

  function submit() {
    var found = problems();
    if (found.length) {
      showSummary(found);
      found.forEach(function (p) { setError(target(p.pointer).base, [p.message]); });
      return;
    }
    var sent = payload();
    root.dispatchEvent(new CustomEvent("organizer:submit", {detail: JSON.parse(JSON.stringify(sent))}));
    if (!urls.submit) {
      storageSet(storageKey + ":submission", sent);
      done_();
      return;
    }
    nextButton.disabled = true;
    fetch(urls.submit, {method: "POST", credentials: "same-origin", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({base_revision: revision, answers: sent})})
      .then(function (response) {
        if (response.ok) return done_();
        if (response.status === 409) return response.json().catch(function () { return {}; }).then(conflict);
        if (response.status === 422) {
          return response.json().then(function (result) {
            var list = isObject(result) && Array.isArray(result.problems) ? result.problems.filter(isObject) : [];
            showSummary(list.map(function (p) { return {pointer: String(p.pointer || ""), message: String(p.message || "")}; }));
          });
        }
        throw new Error(String(response.status));
      })
      .catch(function () { setNotice(ui("submit_failed")); })
      .then(function () { nextButton.disabled = false; });
  }

  // --- events and start -----------------------------------------------------------------------------

  form.addEventListener("input", onChange);
  form.addEventListener("change", function (event) {
    if (event.target && event.target.type === "file") onFiles(event);
    else onChange(event);
  });
  form.addEventListener("focusout", onBlur);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    next();
  });
  backButton.addEventListener("click", back);
  document.getElementById("print").addEventListener("click", function () { self.print(); });
  form.addEventListener("click", function (event) {
    var el = event.target && event.target.closest ? event.target.closest("button, a") : null;
    if (!el) return;
    if (el.hasAttribute("data-add-row")) {
      addRow(el.closest("[data-repeat]").getAttribute("data-repeat"));
    } else if (el.hasAttribute("data-remove-row")) {
      var row = el.closest("[data-row]");
      removeRow(el.closest("[data-repeat]").getAttribute("data-repeat"), Number(row.getAttribute("data-index")));
    } else if (el.hasAttribute("data-remove-file")) {
      removeFile(el.closest(".q"), Number(el.getAttribute("data-remove-file")));
    } else if (el.hasAttribute("data-edit")) {
      go(el.getAttribute("data-edit"));
    } else if (el.tagName === "A" && el.closest("#error-summary")) {
      event.preventDefault();
      focusControl(el.getAttribute("href").slice(1), el.getAttribute("data-section"));
    }
  });
  self.addEventListener("pagehide", function () {
    if (!pending) return;
    if (!urls.autosave) {
      saveLocally();
      return;
    }
    saveLocally();
    try {
      fetch(urls.autosave, {method: "PUT", keepalive: true, credentials: "same-origin",
        headers: {"Content-Type": "application/json"}, body: JSON.stringify({base_revision: revision, answers: draft()})});
    } catch (error) { /* the local copy stays */ }
  });

  document.querySelectorAll("[data-min-today]").forEach(function (el) {
    if (rt.formats.isDate(own(context, "today"))) el.setAttribute("min", own(context, "today"));
  });
  document.querySelectorAll("[data-max-today]").forEach(function (el) {
    if (rt.formats.isDate(own(context, "today"))) el.setAttribute("max", own(context, "today"));
  });
  indexTexts();

  function start(saved, savedRevision, resumed) {
    load(saved, savedRevision);
    var position = storageGet(storageKey + ":position");
    if (resumed) setStatus(ui("resume"));
    var first = state.nextSection(null);
    go(typeof position === "string" && (position === "review" || (pages.has(position) && state.isVisible(position)))
      ? position : (first || "review"));
    root.setAttribute("data-ready", "true");
    if (self.performance && performance.mark) performance.mark("organizer:ready");
  }

  function begin() {
    var local = storageGet(storageKey);
    var localAnswers = isObject(local) && isObject(local.answers) ? local : null;
    if (isObject(data.answers)) {
      start(data.answers, revision, true);
    } else if (urls.autosave) {
      fetchSaved().then(function (saved) {
        var savedRevision = saved ? saved.revision : null;
        if (localAnswers && (localAnswers.revision === undefined ? null : localAnswers.revision) === savedRevision) {
          start(localAnswers.answers, savedRevision, true);  // changes this device could not send yet
          scheduleSave();
        } else if (saved) {
          start(saved.answers, saved.revision, true);
        } else {
          start(rt.prefill(context, data.previous), null, false);
        }
      }, function () {
        if (localAnswers) start(localAnswers.answers, localAnswers.revision, true);
        else start(rt.prefill(context, data.previous), null, false);
        setStatus(ui("offline"));
      });
    } else if (localAnswers) {
      start(localAnswers.answers, null, true);
    } else {
      start(rt.prefill(context, data.previous), null, false);
    }
  }

  /** For a server, tests and tools: the current answers, the payload a submit would send, the
   * problems it would have, and the current page. Read-only copies. */
  self.OrganizerForm = Object.freeze({
    answers: function () { return JSON.parse(JSON.stringify(answers)); },
    submission: function () { return JSON.parse(JSON.stringify(payload())); },
    problems: function () { return JSON.parse(JSON.stringify(problems())); },
    state: function () { return JSON.parse(JSON.stringify(state.toJSON())); },
    page: function () { return current; },
    sha256: sha256Hex,
  });

  begin();
})();
