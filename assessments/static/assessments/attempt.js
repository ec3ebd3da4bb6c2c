/* The exam attempt page.

   Nothing the learner answers may be lost, on hospital Wi-Fi that comes and goes:
   - every change is queued on this device (localStorage, keyed by attempt) with its own
     sequence number, then sent about a second later; an autosave runs every 15 s anyway;
   - the server keeps, per question, only the answer with the highest sequence number, so
     resending the queue (after a failure, a reload, or from a second tab) can never overwrite
     a newer answer with an older one; an answer leaves the queue only once the server has
     acknowledged that number (accepted, or stale: it already has a newer one);
   - when a save fails, a banner says so and the queue is resent with backoff, at once when the
     browser reports it is back online;
   - the timer counts down to the server's deadline, corrected by the server's clock, so a
     reload or a wrong clock on the device does not change it; at zero the attempt is submitted
     with whatever is still queued.
   Without JavaScript the page is a plain form: each page button saves the page's answers. */
(function () {
  "use strict";

  var root = document.querySelector("[data-attempt]");
  var form = document.getElementById("exam-form");
  if (!root || !form) return;

  var strings = JSON.parse(document.getElementById("exam-strings").textContent);
  var attemptId = root.dataset.attempt;
  var page = parseInt(root.dataset.page, 10) || 0;
  var csrf = root.dataset.csrf;
  var KEY = "readyline.exam.attempt." + attemptId;
  var DEBOUNCE_MS = 1000;
  var AUTOSAVE_MS = 15000;
  var MAX_BACKOFF_MS = 30000;

  var banner = root.querySelector("[data-banner]");
  var saveState = root.querySelector("[data-save-state]");
  var timerBox = root.querySelector("[data-timer]");
  var timerValue = root.querySelector("[data-timer-value]");
  var dialog = root.querySelector("[data-confirm]");
  var questions = Array.prototype.slice.call(root.querySelectorAll("[data-question]"));

  // ---------------------------------------------------------------------------------------
  // The queue on this device. Always read-modify-write, so two tabs of the same attempt add
  // to one queue instead of overwriting each other's entries.

  var memory = null; // when localStorage is unavailable (private mode, full)

  function load() {
    var state = null;
    try {
      state = JSON.parse(window.localStorage.getItem(KEY) || "null");
    } catch (e) {
      state = memory;
    }
    if (!state || typeof state !== "object") state = {};
    state.seq = state.seq || {};
    state.pending = state.pending || {};
    return state;
  }

  function update(change) {
    var state = load();
    var result = change(state);
    memory = state;
    try {
      window.localStorage.setItem(KEY, JSON.stringify(state));
    } catch (e) { /* kept in memory for this page */ }
    return result;
  }

  function forget() {
    memory = null;
    try { window.localStorage.removeItem(KEY); } catch (e) { /* nothing stored */ }
  }

  function pendingList() {
    var pending = load().pending;
    return Object.keys(pending).map(function (k) { return pending[k]; })
      .sort(function (a, b) { return a.seq - b.seq; });
  }

  function navItem(position) {
    return root.querySelector('[data-nav-position="' + position + '"]');
  }

  function serverSeq(position) {
    var item = navItem(position);
    return item ? parseInt(item.dataset.seq, 10) || 0 : 0;
  }

  // A number above everything this question has used: the server's, this device's last, and
  // the clock (so another tab or device that answers later still wins).
  function nextSeq(state, position) {
    var n = Math.max(Date.now(), (state.seq[position] || 0) + 1, serverSeq(position) + 1);
    state.seq[position] = n;
    return n;
  }

  // ---------------------------------------------------------------------------------------
  // Reading and writing a question's answer in the form

  function field(q, suffix) {
    return q.querySelector('[name="q-' + q.dataset.position + (suffix || "") + '"]');
  }

  function all(q, selector) {
    return Array.prototype.slice.call(q.querySelectorAll(selector));
  }

  function read(q) {
    var type = q.dataset.qtype;
    var name = "q-" + q.dataset.position;
    if (type === "single" || type === "truefalse") {
      var checked = q.querySelector('input[name="' + name + '"]:checked');
      return checked ? { choice: parseInt(checked.value, 10) } : null;
    }
    if (type === "multiple") {
      var choices = all(q, 'input[name="' + name + '"]:checked')
        .map(function (box) { return parseInt(box.value, 10); });
      return choices.length ? { choices: choices } : null;
    }
    if (type === "shortanswer" || type === "numerical" || type === "essay") {
      var text = field(q).value;
      return text.trim() ? { text: text } : null;
    }
    if (type === "matching") {
      var matches = {};
      var any = false;
      all(q, "select[data-sub]").forEach(function (select) {
        if (select.value !== "") {
          matches[select.dataset.sub] = parseInt(select.value, 10);
          any = true;
        }
      });
      return any ? { matches: matches } : null;
    }
    return null;
  }

  function write(q, response) {
    var type = q.dataset.qtype;
    var name = "q-" + q.dataset.position;
    response = response || {};
    if (type === "single" || type === "truefalse" || type === "multiple") {
      var chosen = type === "multiple" ? (response.choices || []) : [response.choice];
      all(q, 'input[name="' + name + '"]').forEach(function (input) {
        input.checked = chosen.indexOf(parseInt(input.value, 10)) !== -1;
      });
    } else if (type === "shortanswer" || type === "numerical" || type === "essay") {
      field(q).value = response.text || "";
    } else if (type === "matching") {
      var matches = response.matches || {};
      all(q, "select[data-sub]").forEach(function (select) {
        var j = matches[select.dataset.sub];
        select.value = j === undefined || j === null ? "" : String(j);
      });
    }
  }

  function flagBox(q) {
    return q.querySelector("[data-flag]");
  }

  function showNavState(position, answered, flagged) {
    var item = navItem(position);
    if (!item) return;
    item.classList.toggle("is-answered", answered);
    item.classList.toggle("is-flagged", flagged);
    var state = item.querySelector("[data-nav-state]");
    if (state) {
      state.textContent = (answered ? " " + strings.answered : "") +
        (flagged ? " " + strings.flagged : "");
    }
  }

  // ---------------------------------------------------------------------------------------
  // Messages

  function showBanner(text) {
    banner.textContent = text;
    banner.hidden = false;
  }

  function hideBanner() {
    banner.hidden = true;
  }

  function showSaveState() {
    var count = pendingList().length;
    if (!count) {
      saveState.textContent = strings.saved;
      saveState.className = "exam-save-state is-saved";
    } else {
      saveState.textContent = count === 1 ? strings.pending_one
        : strings.pending_many.replace("%(count)s", count);
      saveState.className = "exam-save-state is-pending";
    }
  }

  // ---------------------------------------------------------------------------------------
  // Sending

  var inFlight = null;
  var debounceTimer = null;
  var retryTimer = null;
  var failures = 0;
  var finishing = false;
  var skew = 0; // server clock minus this device's clock, in ms
  var deadline = root.dataset.deadline ? Date.parse(root.dataset.deadline) : null;

  function syncClock(data) {
    if (data.server_now) skew = Date.parse(data.server_now) - Date.now();
    if (data.deadline !== undefined) deadline = data.deadline ? Date.parse(data.deadline) : null;
  }

  function strip(entry) {
    return { position: entry.position, seq: entry.seq, response: entry.response, flagged: entry.flagged };
  }

  // {status, data} for any answer from the server; a redirect to the sign-in page (the
  // session ended) is status 401 here. Network failures reject.
  function post(url, body, keepalive) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (!json) return { status: response.status === 403 || response.redirected ? 401 : response.status, data: {} };
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    });
  }

  function backoff() {
    var delay = Math.min(MAX_BACKOFF_MS, 2000 * Math.pow(2, failures));
    failures += 1;
    return delay;
  }

  function scheduleRetry(action) {
    if (retryTimer) return;
    var delay = backoff();
    retryTimer = window.setTimeout(function () {
      retryTimer = null;
      action();
    }, delay);
  }

  function acknowledge(sent, data) {
    var done = {};
    (data.accepted || []).concat(data.stale || []).forEach(function (p) { done[p] = true; });
    update(function (state) {
      sent.forEach(function (entry) {
        var current = state.pending[entry.position];
        if (done[entry.position] && current && current.seq === entry.seq) {
          delete state.pending[entry.position];
        }
      });
    });
    (data.accepted || []).forEach(function (position) {
      var entry = sent.filter(function (e) { return e.position === position; })[0];
      var item = navItem(position);
      if (entry && item && entry.seq > serverSeq(position)) item.dataset.seq = entry.seq;
    });
  }

  // Send the queue (or, when it is empty, a heartbeat that records the page and syncs the
  // clock). Resolves to true when the server has everything that was queued.
  function save() {
    if (finishing) return Promise.resolve(false);
    if (inFlight) {
      return inFlight.then(function () { return save(); });
    }
    window.clearTimeout(debounceTimer);
    var sent = pendingList();
    saveState.textContent = sent.length ? strings.saving : saveState.textContent;
    inFlight = post(root.dataset.saveUrl, { answers: sent.map(strip), page: page })
      .then(function (result) {
        if (result.status === 200) {
          acknowledge(sent, result.data);
          syncClock(result.data);
          failures = 0;
          hideBanner();
          if (pendingList().length) schedule(); // changed while this save was on its way
          return true;
        }
        if (result.status === 409) { // finished (time ran out, or submitted elsewhere)
          finishing = true;
          forget();
          window.location.href = result.data.redirect || root.dataset.reviewUrl;
          return false;
        }
        if (result.status === 400) { // a bug, not the network: say so, do not hammer
          showBanner(strings.refused + " " + (result.data.error || ""));
          return false;
        }
        if (result.status === 401) {
          showBanner(strings.session);
          scheduleRetry(save);
          return false;
        }
        throw new Error("HTTP " + result.status);
      })
      .catch(function () {
        showBanner(strings.offline);
        scheduleRetry(save);
        return false;
      })
      .then(function (ok) {
        inFlight = null;
        showSaveState();
        return ok;
      });
    return inFlight;
  }

  function schedule() {
    window.clearTimeout(debounceTimer);
    debounceTimer = window.setTimeout(save, DEBOUNCE_MS);
  }

  // What each question on this page last recorded, so a "change" that changes nothing (a text
  // field losing focus after its "input" events) does not queue the same answer again.
  var known = {};

  function snapshot(q) {
    var flag = flagBox(q);
    return JSON.stringify([read(q), flag ? flag.checked : false]);
  }

  function record(q) {
    var position = parseInt(q.dataset.position, 10);
    var now = snapshot(q);
    if (known[position] === now) return;
    known[position] = now;
    var response = read(q);
    var flag = flagBox(q);
    var flagged = flag ? flag.checked : false;
    update(function (state) {
      state.pending[position] = {
        position: position, seq: nextSeq(state, position), response: response, flagged: flagged
      };
    });
    showNavState(position, response !== null, flagged);
    showSaveState();
    schedule();
  }

  // ---------------------------------------------------------------------------------------
  // Submitting: the queue goes with the submit, so nothing still queued is left behind.

  function setDisabled(disabled) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.type !== "hidden") el.disabled = disabled;
    });
  }

  var submitting = false;
  var submitTimer = null;
  var timeUp = false;

  function submit(automatic) {
    if (submitting) return;
    submitting = true;
    finishing = true; // no more saves: the answers go with the submit
    window.clearTimeout(debounceTimer);
    window.clearTimeout(submitTimer);
    setDisabled(true);
    saveState.textContent = strings.submitting;
    (inFlight || Promise.resolve()).then(function () {
      return post(root.dataset.submitUrl, { answers: pendingList().map(strip) });
    }).then(function (result) {
      if (result.status === 200 || result.status === 409) {
        forget();
        window.location.href = result.data.redirect || root.dataset.reviewUrl;
        return;
      }
      if (result.status === 400) {
        showBanner(strings.refused + " " + (result.data.error || ""));
        submitting = finishing = false;
        setDisabled(false);
        return;
      }
      throw new Error("HTTP " + result.status);
    }).catch(function () {
      submitting = false;
      showBanner(strings.offline);
      saveState.textContent = strings.submit_failed;
      if (automatic) { // time is up: keep trying (the server accepts it for a short grace)
        submitTimer = window.setTimeout(function () { submit(true); }, backoff());
      } else {
        finishing = false;
        setDisabled(false);
        showSaveState();
      }
    });
  }

  function openConfirm() {
    var list = root.querySelector("[data-unanswered-list]");
    list.textContent = "";
    all(root, "[data-nav-position][data-number]").forEach(function (item) {
      if (item.classList.contains("is-answered")) return;
      var li = document.createElement("li");
      li.textContent = strings.question.replace("%(number)s", item.dataset.number);
      list.appendChild(li);
    });
    root.querySelector("[data-unanswered-some]").hidden = !list.children.length;
    root.querySelector("[data-unanswered-none]").hidden = !!list.children.length;
    dialog.showModal();
  }

  // ---------------------------------------------------------------------------------------
  // Timer

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    if (deadline === null || !timerBox) return;
    var left = Math.max(0, Math.floor((deadline - (Date.now() + skew)) / 1000));
    var h = Math.floor(left / 3600);
    var m = Math.floor((left % 3600) / 60);
    var s = left % 60;
    timerValue.textContent = (h ? h + ":" + pad(m) : m) + ":" + pad(s);
    timerBox.classList.toggle("is-low", left <= 300);
    if (left === 0 && !timeUp) {
      timeUp = true;
      showBanner(strings.time_up);
      submit(true);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Navigation: save first, then change page; stay (answers kept) when the save fails.

  function pageUrl(target, position) {
    var url = window.location.pathname + (target ? "?page=" + target : "");
    return url + (position !== undefined && position !== "" ? "#q-" + position : "");
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest('button[name="goto"]');
    if (!button) return;
    event.preventDefault();
    if (button.value === "summary") {
      if (typeof dialog.showModal === "function") {
        openConfirm();
      } else {
        save().then(function (ok) { if (ok) window.location.href = root.dataset.submitUrl; });
      }
      return;
    }
    var parts = button.value.split(":");
    var target = parseInt(parts[0], 10);
    var position = parts[1];
    if (target === page && position !== undefined) {
      var here = document.getElementById("q-" + position);
      if (here) here.scrollIntoView({ behavior: "smooth", block: "start" });
      return;
    }
    save().then(function (ok) {
      if (ok) {
        window.location.href = pageUrl(target, position);
      } else if (banner.textContent === strings.offline) {
        showBanner(strings.offline + " " + strings.stay);
      }
    });
  });

  // Enter in a one-line answer must not press the first button (Previous page).
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.tagName === "INPUT") event.preventDefault();
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault(); // every button is handled above, with saving first
  });

  function questionOf(el) {
    return el.closest("[data-question]");
  }

  form.addEventListener("change", function (event) {
    var q = questionOf(event.target);
    if (q && !finishing) record(q);
  });
  form.addEventListener("input", function (event) {
    var q = questionOf(event.target);
    if (q && !finishing && (event.target.type === "text" || event.target.tagName === "TEXTAREA")) record(q);
  });

  questions.forEach(function (q) {
    var clear = q.querySelector("[data-clear]");
    if (!clear) return;
    clear.hidden = false;
    clear.addEventListener("click", function () {
      write(q, null);
      record(q);
    });
  });

  root.querySelector("[data-confirm-cancel]").addEventListener("click", function () {
    dialog.close();
  });
  root.querySelector("[data-confirm-submit]").addEventListener("click", function () {
    dialog.close();
    submit(false);
  });

  window.addEventListener("online", function () {
    failures = 0;
    window.clearTimeout(retryTimer);
    retryTimer = null;
    if (timeUp) {
      submit(true);
    } else {
      save();
    }
  });
  window.addEventListener("offline", function () {
    showBanner(strings.offline);
  });
  // Leaving the page: one last try that outlives it (the queue stays stored anyway).
  window.addEventListener("pagehide", function () {
    var sent = pendingList();
    if (sent.length && !finishing) {
      post(root.dataset.saveUrl, { answers: sent.map(strip), page: page }, true).catch(function () {});
    }
  });

  // ---------------------------------------------------------------------------------------
  // Start: put back what this device still holds that the server has not confirmed (newer
  // than the server's number), forget what it has, and send the rest.

  function restore() {
    update(function (state) {
      Object.keys(state.pending).forEach(function (key) {
        var entry = state.pending[key];
        if (entry.seq <= serverSeq(entry.position)) {
          delete state.pending[key];
          return;
        }
        var q = document.getElementById("q-" + entry.position);
        if (q) {
          write(q, entry.response);
          var flag = flagBox(q);
          if (flag) flag.checked = !!entry.flagged;
        }
        showNavState(entry.position, entry.response !== null && entry.response !== undefined, !!entry.flagged);
      });
    });
  }

  syncClock({ server_now: root.dataset.serverNow });
  restore();
  questions.forEach(function (q) { known[q.dataset.position] = snapshot(q); });
  showSaveState();
  tick();
  window.setInterval(tick, 1000);
  window.setInterval(function () { if (!retryTimer) save(); }, AUTOSAVE_MS);
  save();
})();
