// Ungraded knowledge checks on lesson pages: clicking an answer shows right or wrong, the
// correct answer and the explanation. Nothing is sent to the server or stored.
(function () {
  "use strict";

  function setUp(check) {
    var options = Array.prototype.slice.call(check.querySelectorAll(".kc-option"));
    var feedback = check.querySelector(".kc-feedback");
    var explanation = check.querySelector(".kc-explanation");
    var retryRow = check.querySelector(".kc-retry-row");

    function answer(chosen) {
      var right = chosen.dataset.correct === "true";
      options.forEach(function (option) {
        option.disabled = true;
        if (option.dataset.correct === "true") option.classList.add("is-right");
      });
      if (!right) chosen.classList.add("is-wrong");
      chosen.setAttribute("aria-pressed", "true");
      feedback.textContent = right ? check.dataset.right : check.dataset.wrong;
      feedback.className = "kc-feedback " + (right ? "is-right" : "is-wrong");
      check.dataset.answered = right ? "right" : "wrong";
      if (explanation && explanation.textContent.trim()) explanation.hidden = false;
      if (retryRow) retryRow.hidden = false;
    }

    function reset() {
      options.forEach(function (option) {
        option.disabled = false;
        option.classList.remove("is-right", "is-wrong");
        option.removeAttribute("aria-pressed");
      });
      feedback.textContent = "";
      feedback.className = "kc-feedback";
      delete check.dataset.answered;
      if (explanation) explanation.hidden = true;
      if (retryRow) retryRow.hidden = true;
      if (options[0]) options[0].focus();
    }

    options.forEach(function (option) {
      option.addEventListener("click", function () { answer(option); });
    });
    var retry = check.querySelector(".kc-retry");
    if (retry) retry.addEventListener("click", reset);
    check.dataset.ready = "true";
  }

  function init() {
    document.querySelectorAll("[data-knowledge-check]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
