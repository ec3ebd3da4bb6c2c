/* Lesson page: records the visit on load and the time actually spent on the page (only while
   the tab is visible), reported every minute and when the learner leaves. The server caps a
   single report, so a tab left open does not count as study time. No dependencies. */
(function () {
  "use strict";
  var box = document.querySelector("[data-lesson-controls][data-tracked]");
  if (!box || !window.FormData) return;
  var csrf = box.getAttribute("data-csrf");
  var visitUrl = box.getAttribute("data-visit-url");
  var timeUrl = box.getAttribute("data-time-url");
  var REPORT_EVERY_MS = 60 * 1000;
  var pending = 0;
  var since = isVisible() ? Date.now() : null;

  function isVisible() { return document.visibilityState !== "hidden"; }

  function collect() {
    if (since !== null) {
      var now = Date.now();
      pending += (now - since) / 1000;
      since = isVisible() ? now : null;
    }
  }

  function takeSeconds() {
    collect();
    var seconds = Math.floor(pending);
    pending -= seconds;
    return seconds;
  }

  function send(url, seconds, leaving) {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrf);
    body.append("seconds", String(seconds));
    if (leaving && navigator.sendBeacon) {
      navigator.sendBeacon(url, body);
      return;
    }
    if (window.fetch) {
      fetch(url, { method: "POST", body: body, credentials: "same-origin", keepalive: true })
        .catch(function () { /* offline for a moment: the next report carries on */ });
    }
  }

  function report(leaving) {
    var seconds = takeSeconds();
    if (seconds > 0) send(timeUrl, seconds, leaving);
  }

  send(visitUrl, 0, false);
  window.setInterval(function () { report(false); }, REPORT_EVERY_MS);
  document.addEventListener("visibilitychange", function () {
    if (isVisible()) {
      since = Date.now();
    } else {
      report(true);
      since = null;
    }
  });
  window.addEventListener("pagehide", function () { report(true); });

  var form = box.querySelector("form[data-complete]");
  if (form) {
    form.addEventListener("submit", function () {
      // The time since the last report goes with the completion; the button cannot send twice.
      form.querySelector("[data-seconds]").value = String(takeSeconds());
      var button = form.querySelector("button[type=submit]");
      window.setTimeout(function () { button.disabled = true; }, 0);
    });
  }
})();
