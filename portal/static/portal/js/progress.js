// Polls a job's progress URL and moves the progress bar; reloads the page when the job ends.
(function () {
  "use strict";
  var card = document.getElementById("progress-card");
  if (card && card.dataset.status !== "applied") {
    var bar = document.getElementById("import-progress");
    var text = document.getElementById("progress-text");
    var poll = function () {
      fetch(card.dataset.progressUrl, { credentials: "same-origin" })
        .then(function (r) {
          // A page instead of JSON (the session expired): reload, which shows the sign-in.
          if (!r.ok || (r.headers.get("Content-Type") || "").indexOf("json") < 0) {
            window.location.reload();
            throw new Error("not json");
          }
          return r.json();
        })
        .then(function (p) {
          if (p.total) { bar.max = p.total; bar.value = p.done; text.textContent = p.done + " / " + p.total; }
          if (p.status !== "confirmed") { window.location.reload(); return; }
          window.setTimeout(poll, 1000);
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    };
    poll();
  }
  // A form marked data-once cannot be sent twice by a double click.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
    });
  });
})();
