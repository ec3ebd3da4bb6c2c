/* Readyline HIS (training environment): the little the screens need beyond plain forms.

   - the timer counts down to the server's deadline, corrected by the server's clock; at zero
     the attempt is finished (the server decides what counts: deadline plus grace);
   - a pending clinical alert opens as a modal <dialog>; Finish asks first;
   - a form is sent once (the button is disabled while the page changes; the server also
     recognises a resent action by its sequence number), and not at all while offline: the
     page says so and keeps what was typed;
   - the prescription form offers only the chosen drug's units and routes.
   Everything works without JavaScript: the forms post and the server redirects back. */
(function () {
  "use strict";
  var root = document.querySelector("[data-his]");
  if (!root) return;
  var strings = {};
  try {
    strings = JSON.parse(document.getElementById("his-strings").textContent);
  } catch (e) { /* the defaults below */ }
  var offline = root.querySelector("[data-offline]");
  var finishForm = root.querySelector("[data-finish-form]");
  var finishing = false;

  // -- timer -----------------------------------------------------------------------------
  var timerBox = root.querySelector("[data-timer]");
  var timerValue = root.querySelector("[data-timer-value]");
  var deadline = root.dataset.deadline ? Date.parse(root.dataset.deadline) : null;
  var skew = root.dataset.serverNow ? Date.parse(root.dataset.serverNow) - Date.now() : 0;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    if (deadline === null || !timerBox) return;
    var left = Math.max(0, Math.floor((deadline - (Date.now() + skew)) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    timerValue.textContent = (h ? h + ":" + pad(m) : m) + ":" + pad(s);
    timerBox.classList.toggle("is-low", left <= 120);
    if (left === 0 && !finishing) {
      finishing = true;
      timerValue.textContent = strings.time_up || "0:00";
      if (finishForm) finishForm.submit();
    }
  }
  if (deadline !== null) {
    tick();
    window.setInterval(tick, 1000);
  }

  // -- sending forms once, never while offline -------------------------------------------
  function showOffline(show) { if (offline) offline.hidden = !show; }
  window.addEventListener("online", function () { showOffline(false); });
  window.addEventListener("offline", function () { showOffline(true); });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches(".his-lang")) return;
    if (navigator.onLine === false) {
      event.preventDefault();
      showOffline(true);
      return;
    }
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
  });
  // A page restored from the back/forward cache must accept its forms again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
    });
  });

  // -- Finish asks first -----------------------------------------------------------------
  var confirmBox = root.querySelector("[data-finish-confirm]");
  if (finishForm && confirmBox && confirmBox.showModal) {
    finishForm.addEventListener("submit", function (event) {
      if (finishing) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      delete finishForm.dataset.sent;
      confirmBox.showModal();
    }, true);
    confirmBox.querySelector("[data-finish-cancel]").addEventListener("click", function () {
      confirmBox.close();
    });
    confirmBox.querySelector("[data-finish-confirm-yes]").addEventListener("click", function () {
      finishing = true;
      this.disabled = true;
      finishForm.submit();
    });
  }

  // -- a pending alert is modal ----------------------------------------------------------
  var alertBox = root.querySelector("[data-his-alert]");
  if (alertBox && alertBox.showModal) {
    alertBox.close();
    alertBox.showModal();
    // Escape must not dismiss it: the prescriber has to decide.
    alertBox.addEventListener("cancel", function (event) { event.preventDefault(); });
  }

  // -- the barcode field keeps the focus a scanner types into ----------------------------
  var barcode = root.querySelector("[data-barcode]");
  if (barcode && !alertBox && location.hash === "#his-barcode") barcode.focus();

  // -- the prescription offers the drug's own units and routes ---------------------------
  var drug = root.querySelector("[data-drug-select]");
  function restrict(select, allowed) {
    if (!select) return;
    var first = null;
    Array.prototype.forEach.call(select.options, function (option) {
      var ok = !allowed || allowed.indexOf(option.value) !== -1;
      option.hidden = !ok;
      option.disabled = !ok;
      if (ok && first === null) first = option;
    });
    var chosen = select.selectedOptions[0];
    if ((!chosen || chosen.disabled) && first) first.selected = true;
  }
  if (drug) {
    var unit = root.querySelector("[data-unit-select]");
    var route = root.querySelector("[data-route-select]");
    var update = function () {
      var option = drug.selectedOptions[0];
      var known = option && option.value;
      restrict(unit, known ? option.dataset.units.split(" ") : null);
      restrict(route, known ? option.dataset.routes.split(" ") : null);
    };
    drug.addEventListener("change", update);
    update();
  }
})();
