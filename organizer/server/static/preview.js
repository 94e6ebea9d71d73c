/* The preview page: shows the template's form in a frame and follows the library watcher's events
   (Server-Sent Events): `reload` loads the new version, `diagnostics` shows what `organizer check`
   says instead. Text only ever goes in with textContent. */
(function () {
  "use strict";
  var body = document.body;
  var frame = document.getElementById("frame");
  var problems = document.getElementById("diagnostics");
  var live = document.getElementById("live");
  var formUrl = body.getAttribute("data-form");

  function showProblems(text) {
    problems.textContent = text;
    problems.hidden = false;
    frame.hidden = true;
    body.setAttribute("data-state", "diagnostics");
  }

  /* Leave the old form first (its pagehide sends any unsaved change), then load the new one. */
  function reloadForm(version) {
    problems.hidden = true;
    problems.textContent = "";
    frame.hidden = false;
    frame.addEventListener("load", function next() {
      frame.removeEventListener("load", next);
      frame.src = formUrl + "?v=" + encodeURIComponent(version);
      body.setAttribute("data-state", "form");
    });
    frame.src = "about:blank";
  }

  function receive(message) {
    var event;
    try { event = JSON.parse(message.data); } catch (error) { return; }
    if (!event || event.version === body.getAttribute("data-version")) return;
    body.setAttribute("data-version", event.version);
    if (event.event === "diagnostics") showProblems(String(event.text));
    else reloadForm(event.version);
  }

  var source = new EventSource(body.getAttribute("data-events"));
  source.addEventListener("reload", receive);
  source.addEventListener("diagnostics", receive);
  source.addEventListener("open", function () { live.textContent = "Live: the preview follows your edits."; });
  source.addEventListener("error", function () { live.textContent = "Reconnecting to the server…"; });
})();
