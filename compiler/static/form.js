/* form.js: drives form.html with OrganizerRuntime (values.js ... shortcodes.js, inlined before it).
 *
 * One page per visible section, then a review page and Submit. A section's DOM is built from the
 * IR when it is first shown (the page's markup holds only its shell), and stays. Every change
 * re-evaluates the IR (visibility, skipped sections, computed values, required marks, piped
 * answers, progress) and schedules an autosave: a debounced PUT of the draft to
 * `data-autosave-url` with the revision it is based on and an Idempotency-Key (409: the newer
 * answers on the server are loaded and the client is told), else localStorage. Hidden answers stay
 * in the draft and are left out of the submission.
 *
 * Author text and answers only ever reach the DOM through createElement, createTextNode,
 * textContent, value and setAttribute: no innerHTML, outerHTML, insertAdjacentHTML, document.write,
 * eval or new Function.
 */
(function () {
  "use strict";

  if (self.performance && performance.mark) performance.mark("organizer:start");
  var RT = globalThis.OrganizerRuntime;
  var own = RT.own;
  var isObject = RT.isObject;
  var setKey = RT.setKey;

  /** The IR with the null members the page was built without put back (compiler/form.py, `page_program`). */
  function withNulls(ir, leftOut) {
    function fill(member, kind) {
      (own(leftOut, kind) || []).forEach(function (name) { if (!RT.has(member, name)) member[name] = null; });
    }
    function fillItems(items) {
      items.forEach(function (item) {
        fill(item, item.kind);
        if (item.kind === "question") fill(item.checks, "checks");
        if (item.kind === "group" || item.kind === "repeat") fillItems(item.items);
      });
    }
    ir.sections.forEach(function (section) {
      fill(section, "section");
      fillItems(section.items);
    });
    return ir;
  }

  var root = document.getElementById("organizer");
  var form = document.getElementById("form");
  var data = JSON.parse(document.getElementById("organizer-data").textContent);
  var program = withNulls(JSON.parse(document.getElementById("organizer-program").textContent), data.null_members);
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
  var shownErrors = new Map();  // id of a control -> the messages shown under it (also of sections not built yet)
  var state = null;
  var current = null;           // a section id, "review" or "done"
  var revision = data.revision === undefined ? null : data.revision;

  // --- the DOM: the shell, and the sections built so far -----------------------------------------

  var pages = new Map();         // section id -> its element, once built
  var review = document.getElementById("review");
  var done = document.getElementById("done");
  var backButton = document.getElementById("back");
  var nextButton = document.getElementById("next");
  var summary = document.getElementById("error-summary");
  var notice = document.getElementById("notice");
  var saveStatus = document.getElementById("save-status");

  var itemElements = new Map();  // top-level node id -> element (of the built sections)
  var repeats = new Map();       // repeat id -> {rowsElement, add, rows: [element]} (of the built sections)

  // IR items by id: sections, top-level items (from the runtime's nodes) and the fields of each repeat
  var sectionNodes = new Map();
  var topItems = new Map();
  var rowItems = new Map();   // repeat id -> Map(field node id -> {node, item})
  var sectionOf = new Map();  // top-level id -> section id
  var noteIds = new Map();    // IR note -> its node id (`<section>.note<k>`), the key of its markdown in data.notes
  rt.nodes.forEach(function (node) {
    if (node.kind === "section") {
      sectionNodes.set(node.id, node);
      return;
    }
    topItems.set(node.id, node);
    sectionOf.set(node.id, rt.nodes[node.section].id);
    if (node.kind === "note") noteIds.set(node.item, node.id);
    if (node.kind === "repeat") {
      var fields = new Map();
      node.row.nodes.forEach(function (field) {
        fields.set(field.id, field);
        if (field.kind === "note") noteIds.set(field.item, field.id);
      });
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

  /** The answers into the controls of `scope`; `skipEmpty` for controls built just now (still empty). */
  function writeControls(scope, skipEmpty) {
    wrappers(scope).forEach(function (wrapper) {
      var location = locate(wrapper);
      if (!location || location.item.kind !== "question") return;
      var value = getAnswer(location);
      if (!skipEmpty || value !== null) writeControl(wrapper, location.item, value, location);
    });
  }

  function writeAll() {
    repeats.forEach(function (_, id) { renderRows(id); });
    writeControls(form, false);
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

  // --- building a section's DOM, when it is first shown --------------------------------------------

  var CONTROLS = {text: "text", textarea: "textarea", email: "email", phone: "tel", number: "number",
    integer: "number", money: "number", date: "date", yesno: "radio", choice: "radio", multichoice: "checkbox",
    file: "file"};
  var INPUT_MODES = {number: "decimal", money: "decimal", integer: "numeric"};
  var AUTOCOMPLETE = {email: "email", phone: "tel"};
  var NOTE_TAGS = ["p", "h3", "h4", "ul", "ol", "strong", "em", "code"];

  var live = [];  // {element, parts, attribute}: author text with shortcodes, rendered again on each change

  /** Text that holds shortcodes, kept current by renderTexts: the element's text, or `attribute`. */
  function liveText(element, parts, attribute) {
    live.push({element: element, parts: parts, attribute: attribute || null});
    return element;
  }

  /** Author text (TextParts) into `parent`: literal text, and a `<span data-sc>` per shortcode. */
  function appendText(parent, parts) {
    (parts || []).forEach(function (part) {
      if (typeof part === "string") parent.appendChild(document.createTextNode(part));
      else if (isObject(part)) parent.appendChild(liveText(make("span", null, {"class": "sc", "data-sc": ""}), [part]));
    });
    return parent;
  }

  /** Author text where only text may go (`<option>`, `placeholder`): rendered whole. */
  function setWholeText(element, parts, attribute) {
    if ((parts || []).some(isObject)) liveText(element, parts, attribute);
    else if (attribute) element.setAttribute(attribute, rt.renderText(parts));
    else element.textContent = rt.renderText(parts);
  }

  /** A markdown tree of compiler/notes.py (its shortcodes index data.shortcodes) into `parent`. */
  function appendMarkdown(parent, nodes) {
    nodes.forEach(function (node) {
      if (node.tag === "text") {
        parent.appendChild(document.createTextNode(node.text));
      } else if (node.tag === "sc") {
        parent.appendChild(liveText(make("span", null, {"class": "sc", "data-sc": String(node.index)}),
          [data.shortcodes[node.index]]));
      } else if (node.tag === "a") {
        var link = make("a", null, {href: node.href, rel: "noopener noreferrer", target: "_blank"});
        parent.appendChild(appendMarkdown(link, node.children));
      } else if (NOTE_TAGS.indexOf(node.tag) >= 0) {
        var block = make(node.tag);
        if (node.items) node.items.forEach(function (item) { block.appendChild(appendMarkdown(make("li"), item)); });
        else appendMarkdown(block, node.children);
        parent.appendChild(block);
      }
    });
    return parent;
  }

  function errorElement(base) {
    var element = make("p", null, {"class": "error", id: base + "-error", "data-error": ""});
    element.hidden = true;
    return element;
  }

  function requiredMark(q) {
    var mark = make("span", " (" + ui("required") + ")", {"class": "req", "data-req": ""});
    mark.hidden = q.required !== true;
    return mark;
  }

  /** What a file question accepts, in the catalogue's words (the same as its problem messages). */
  function fileHints(q) {
    var c = q.checks;
    var hints = [];
    if (q.type !== "file") return hints;
    if (c.accept.length) hints.push(m.problem("file-type", {accept: c.accept.slice()}, "file"));
    if (c.max_size !== null) hints.push(m.problem("file-size", {max_size: c.max_size}, "file"));
    if (c.max_items !== null) hints.push(m.problem("max-items", {max: c.max_items, count: c.max_items}, "file"));
    return hints;
  }

  /** A date bound as the `min`/`max` of a date input: `today` is the context's. */
  function dateBound(bound) {
    var value = bound === "today" ? own(context, "today") : bound;
    return rt.formats.isDate(value) ? value : null;
  }

  function choices(q) {
    if (q.type === "yesno") return [{id: "true", label: [ui("yes")]}, {id: "false", label: [ui("no")]}];
    return q.options;
  }

  /** The control of a question that is not a radio or checkbox group, after its label and help. */
  function appendControl(parent, q, control, base, describedby, currency) {
    var attributes = {id: base, name: base, "aria-describedby": describedby};
    var element;
    if (control === "textarea") {
      element = make("textarea", null, Object.assign(attributes, {rows: "4"}));
    } else if (control === "select") {
      element = make("select", null, attributes);
      element.appendChild(make("option", ui("choose"), {value: ""}));
      q.options.forEach(function (option) {
        var choice = make("option", null, {value: option.id});
        setWholeText(choice, option.label);
        element.appendChild(choice);
      });
    } else if (control === "file") {
      element = make("input", null, Object.assign(attributes, {type: "file"}));
      if (q.checks.accept.length) element.setAttribute("accept", q.checks.accept.map(function (ext) { return "." + ext; }).join(","));
      if (q.checks.max_items !== 1) element.multiple = true;
      parent.appendChild(element);
      parent.appendChild(make("ul", null, {"class": "files", "data-files": ""}));
      return;
    } else if (control === "date") {
      element = make("input", null, Object.assign(attributes, {type: "date"}));
      var min = dateBound(q.checks.min_date);
      var max = dateBound(q.checks.max_date);
      if (min) element.setAttribute("min", min);
      if (max) element.setAttribute("max", max);
    } else {
      element = make("input", null, Object.assign(attributes, {type: control === "number" ? "text" : control,
        autocomplete: AUTOCOMPLETE[q.type] || "off", spellcheck: String(control === "text")}));
      if (INPUT_MODES[q.type]) element.setAttribute("inputmode", INPUT_MODES[q.type]);
    }
    if (q.placeholder && control !== "select" && control !== "date") setWholeText(element, q.placeholder, "placeholder");
    if (control === "textarea" || control === "select" || control === "date") {
      parent.appendChild(element);
      return;
    }
    var field = make("div", null, {"class": currency ? "field money" : "field"});
    if (currency) field.appendChild(make("span", currency, {"class": "affix", id: base + "-currency"}));
    field.appendChild(element);
    parent.appendChild(field);
  }

  function buildQuestion(q, attribute, prefix) {
    var base = "q-" + prefix + q.id;
    var control = q.type === "choice" && q.style === "dropdown" ? "select" : CONTROLS[q.type];
    var grouped = control === "radio" || control === "checkbox";
    var hints = fileHints(q);
    var currency = q.type === "money" && q.currency ? own(rt.formats.CURRENCY_SYMBOLS, q.currency.toUpperCase()) || q.currency : null;
    var describedby = (q.help ? [base + "-help"] : []).concat(hints.length ? [base + "-hint"] : [],
      currency ? [base + "-currency"] : [], [base + "-error"]).join(" ");
    var wrapper = make("div", null, {"class": "item q q-" + q.type, "data-type": q.type});
    wrapper.setAttribute(attribute, q.id);
    var box = grouped ? make("fieldset", null, {"class": "choices", id: base, "aria-describedby": describedby}) : wrapper;
    var label = grouped ? make("legend") : make("label", null, {"for": base});
    appendText(label, q.label).appendChild(requiredMark(q));
    box.appendChild(label);
    if (q.help) box.appendChild(appendText(make("p", null, {"class": "help", id: base + "-help"}), q.help));
    if (hints.length) {
      var list = make("ul", null, {"class": "hint", id: base + "-hint"});
      hints.forEach(function (hint) { list.appendChild(make("li", hint)); });
      box.appendChild(list);
    }
    if (grouped) {
      choices(q).forEach(function (option, n) {
        var id = base + "-o" + n;
        var row = make("div", null, {"class": "option"});
        row.appendChild(make("input", null, {type: control, id: id, name: base, value: option.id}));
        row.appendChild(appendText(make("label", null, {"for": id}), option.label));
        box.appendChild(row);
      });
    } else {
      appendControl(box, q, control, base, describedby, currency);
    }
    box.appendChild(errorElement(base));
    if (grouped) wrapper.appendChild(box);
    return wrapper;
  }

  function buildRepeat(item) {
    var base = "q-" + item.id;
    var element = make("fieldset", null, {"class": "item repeat", id: base, "data-item": item.id,
      "data-repeat": item.id, "aria-describedby": base + "-error"});
    var legend = appendText(make("legend", null, {id: base + "-legend"}), item.title);
    var rows = make("div", null, {"class": "rows", "data-rows": ""});
    var add = make("button", ui("add_row"), {type: "button", "class": "secondary add-row", "data-add-row": "",
      "aria-describedby": legend.id});
    [legend, rows, errorElement(base), add].forEach(function (child) { element.appendChild(child); });
    repeats.set(item.id, {rowsElement: rows, add: add, rows: []});
    return element;
  }

  /** The element of an IR item: `attribute` is `data-item` for a section's items (named as the
   * runtime names them), `data-field` for a row's; `prefix` makes the ids of a row's controls unique. */
  function buildItem(item, attribute, prefix) {
    var element;
    if (item.kind === "question") {
      element = buildQuestion(item, attribute, prefix);
    } else if (item.kind === "repeat") {
      element = buildRepeat(item);
    } else if (item.kind === "computed") {
      var base = "q-" + prefix + item.id;
      element = make("div", null, {"class": "item computed"});
      element.setAttribute(attribute, item.id);
      element.appendChild(appendText(make("span", null, {"class": "label", id: base + "-label"}), item.label));
      element.appendChild(make("output", "—", {id: base, "data-computed": item.value_type, "aria-labelledby": base + "-label"}));
    } else if (item.kind === "note") {
      element = make("div", null, {"class": "item note"});
      element.setAttribute(attribute, noteIds.get(item));
      appendMarkdown(element, own(data.notes, noteIds.get(item)) || []);
    } else {
      element = make("fieldset", null, {"class": "item group"});
      element.setAttribute(attribute, item.id);
      element.appendChild(appendText(make("legend"), item.title));
      appendItems(element, item.items, attribute, prefix);
    }
    if (attribute === "data-item") itemElements.set(element.getAttribute("data-item"), element);
    return element;
  }

  function appendItems(parent, items, attribute, prefix) {
    items.forEach(function (item) { parent.appendChild(buildItem(item, attribute, prefix)); });
  }

  /** A section's page: built from the IR, put in document order, filled with the answers, the
   * messages already shown for its controls and the current state. */
  function pageOf(id) {
    if (pages.has(id)) return pages.get(id);
    var node = sectionNodes.get(id);
    var element = make("section", null, {"class": "page", id: "section-" + id, "data-section": id,
      "aria-labelledby": "section-" + id + "-title"});
    element.hidden = true;
    element.appendChild(appendText(make("h2", null, {id: "section-" + id + "-title", tabindex: "-1"}), node.item.title));
    appendItems(element, node.item.items, "data-item", "");
    var following = rt.sectionNodes.slice(rt.sectionNodes.indexOf(node) + 1).map(function (n) { return pages.get(n.id); });
    form.insertBefore(element, following.filter(Boolean)[0] || review);
    pages.set(id, element);
    element.querySelectorAll("[data-repeat]").forEach(function (repeat) { renderRows(repeat.getAttribute("data-repeat")); });
    writeControls(element, true);
    shownErrors.forEach(function (messages, base) { paintError(base, messages); });
    applyState();
    return element;
  }

  // --- repeats ------------------------------------------------------------------------------------

  function makeRow(id, index) {
    var element = make("fieldset", null, {"class": "row", "data-row": "", "data-index": String(index)});
    var legend = make("legend", ui("row", {n: index + 1}), {id: "q-" + id + "-" + index + "-legend"});
    element.appendChild(legend);
    appendItems(element, topItems.get(id).item.items, "data-field", id + "-" + index + "-");
    element.appendChild(make("button", ui("remove_row"), {type: "button", "class": "secondary remove-row",
      "data-remove-row": "", "aria-describedby": legend.id}));
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
    live = live.filter(function (entry) { return entry.element.isConnected; });
    for (var r = 0; r < count; r++) {
      var element = makeRow(id, r);
      info.rowsElement.appendChild(element);
      info.rows.push(element);
      writeControls(element, false);
    }
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

  function renderTexts() {
    var values = state.values();
    live.forEach(function (entry) {
      var text = rt.renderText(entry.parts, context, values);
      if (entry.attribute) {
        if (entry.element.getAttribute(entry.attribute) !== text) entry.element.setAttribute(entry.attribute, text);
      } else if (entry.element.textContent !== text) {
        entry.element.textContent = text;
      }
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
      if (node.kind === "repeat" && state.vis[node.index] && repeats.has(node.id)) applyRows(node);
    });
    repeats.forEach(function (info, id) {
      var max = topItems.get(id).item.max_rows;
      info.add.disabled = max !== null && info.rows.length >= max;
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
    if (rowItems.has(id) && tokens.length >= 3 && /^[0-9]+$/.test(tokens[1]) && rowItems.get(id).has(tokens[2])) {
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

  /** The messages under a control (`base`: its id, or a pointer); kept for a section built later. */
  function setError(base, messages) {
    var id = base.indexOf("/") === 0 ? target(base).base : base;
    var unique = messages.filter(function (text, i) { return messages.indexOf(text) === i; });
    if (unique.length) shownErrors.set(id, unique);
    else shownErrors.delete(id);
    paintError(id, unique);
  }

  function paintError(id, messages) {
    var element = document.getElementById(id + "-error");
    if (!element) return;
    element.textContent = messages.join(" ");
    element.hidden = !messages.length;
    var control = document.getElementById(id);
    if (control) {
      if (messages.length) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
    }
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
    if (section && section !== current && sectionNodes.has(section)) go(section, true);
    var control = document.getElementById(base);
    if (!control) return;
    if (control.tagName === "FIELDSET") control = control.querySelector("input") || control;
    if (control.tagName === "FIELDSET" || control.hasAttribute("data-repeat")) control = control.querySelector("button") || control;
    control.focus();
  }

  // --- navigation -----------------------------------------------------------------------------------

  function go(section, keepErrors) {
    if (sectionNodes.has(section)) pageOf(section);
    current = section;
    pages.forEach(function (element, id) { show(element, id === section); });
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
    var shown = pages.get(current);
    var found = problems().filter(function (p) { return target(p.pointer).section === current; });
    if (found.length) {
      showProblems(found, shown);
      return;
    }
    clearErrors(shown);
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
      var title = make("h3", rt.renderText(sectionNodes.get(sectionId).item.title, context, values), {id: "review-" + sectionId});
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
  var pending = false;   // answers changed since the last save was made
  var unsent = null;     // {key, body}: a save without an answer, sent again as is before anything newer
  var submission = null; // {key, body}: the last submission sent; the same body again is a retry
  var retryDelay = 2000;

  /** A random UUID (version 4): the Idempotency-Key of one save or submission. */
  function newKey() {
    var bytes = self.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function jsonHeaders(key) {
    return {"Content-Type": "application/json", "Idempotency-Key": key};
  }

  function draft() {
    return clone(answers);
  }

  function saveLocally(section) {
    return storageSet(storageKey, {answers: draft(), revision: revision, section: section || current});
  }

  function schedule(delay) {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(save, delay);
  }

  function scheduleSave() {
    pending = true;
    schedule(urls.autosave ? 800 : 300);
  }

  function flushSave() {
    if (!pending && !unsent) return;
    if (saveTimer) clearTimeout(saveTimer);
    save();
  }

  /** The next autosave: the one without an answer again (same key and body), else the draft now. */
  function saveRequest() {
    if (!unsent) {
      unsent = {key: newKey(), body: JSON.stringify({base_revision: revision, answers: draft()})};
      pending = false;
    }
    return unsent;
  }

  function save() {
    saveTimer = null;
    if (saving || !(pending || unsent)) return;
    if (!urls.autosave) {
      pending = false;
      setStatus(saveLocally() ? ui("saved_locally") : ui("save_failed"));
      return;
    }
    saving = true;
    setStatus(ui("saving"));
    var request = saveRequest();
    fetch(urls.autosave, {method: "PUT", body: request.body, credentials: "same-origin", headers: jsonHeaders(request.key)})
      .then(function (response) {
        if (response.status === 409) return response.json().catch(function () { return {}; }).then(conflict);
        if (!response.ok) throw new Error(String(response.status));
        return response.json().then(function (result) {
          if (unsent === request) unsent = null;
          if (result && typeof result.revision === "number") revision = result.revision;
          retryDelay = 2000;
          storageSet(storageKey, null);
          setStatus(ui("saved"));
        });
      })
      .catch(function () {
        saveLocally();
        setStatus(self.navigator && self.navigator.onLine === false ? ui("offline") : ui("save_failed"));
        retryDelay = Math.min(retryDelay * 2, 60000);
      })
      .then(function () {
        saving = false;
        if ((pending || unsent) && !saveTimer) schedule(retryDelay);
      });
  }

  /** A save based on an old revision: the server holds newer answers; show those, never overwrite. */
  function conflict(body) {
    pending = false;
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = null;
    var loaded = isObject(body) && isObject(body.answers) ? Promise.resolve(body) : fetchSaved();
    return loaded.then(function (saved) {
      unsent = null;
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
    var body = JSON.stringify({base_revision: revision, answers: sent});
    if (!submission || submission.body !== body) submission = {key: newKey(), body: body};
    fetch(urls.submit, {method: "POST", credentials: "same-origin", headers: jsonHeaders(submission.key), body: body})
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
    if (!pending && !unsent) return;
    saveLocally();
    if (!urls.autosave) return;
    if (pending) unsent = null;  // the newest answers, as a save of their own
    var request = saveRequest();
    try {
      fetch(urls.autosave, {method: "PUT", keepalive: true, credentials: "same-origin", headers: jsonHeaders(request.key),
        body: request.body});
    } catch (error) { /* the local copy stays */ }
  });

  document.querySelectorAll("[data-sc]").forEach(function (span) {  // in the title and the description
    liveText(span, [data.shortcodes[Number(span.getAttribute("data-sc"))]]);
  });

  function start(saved, savedRevision, resumed) {
    load(saved, savedRevision);
    var position = storageGet(storageKey + ":position");
    if (resumed) setStatus(ui("resume"));
    var first = state.nextSection(null);
    go(typeof position === "string" && (position === "review" || (sectionNodes.has(position) && state.isVisible(position)))
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
