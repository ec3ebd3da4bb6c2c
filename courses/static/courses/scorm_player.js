// The SCORM player: one scorm-again runtime per launched item (SCO), exposed where SCORM
// content looks for it (window.API for 1.2, window.API_1484_11 for 2004), loaded with the
// learner's stored data and committing to the portal (JSON, CSRF header). Commits happen on
// LMSCommit/Commit, on autocommit after changes, and on LMSFinish/Terminate.
(function () {
  "use strict";
  var configNode = document.getElementById("scorm-config");
  if (!configNode) { return; }
  var config = JSON.parse(configNode.textContent);
  var is12 = config.version === "1.2";
  var root = document.getElementById("scorm-player");
  var frame = document.getElementById("scorm-frame");
  var finishedPanel = document.getElementById("scorm-finished");
  var finishedText = document.getElementById("scorm-finished-text");
  var nextButton = document.getElementById("scorm-next");
  var reopenButton = document.getElementById("scorm-reopen");
  var closeButton = document.getElementById("scorm-close");
  var message = document.getElementById("scorm-message");
  var badge = document.getElementById("scorm-status");
  var items = {};
  var order = [];
  config.items.forEach(function (item) { items[item.id] = item; order.push(item.id); });
  var api = null;
  var switching = false;
  var currentItem = null;
  var FAILURE = { result: "false", errorCode: 391 };
  // A keepalive request (which survives the page closing) may carry at most 64 KiB.
  var KEEPALIVE_LIMIT = 60000;

  function say(text, isError) {
    message.textContent = text || "";
    message.classList.toggle("errorlist", !!isError);
  }

  function showStatus(data) {
    if (!data || data.result !== "true") { say(config.text.saveFailed, true); return; }
    if (data.item && items[data.item]) {
      items[data.item].done = !!data.item_done;
      config.restore[data.item] = data.restore || config.restore[data.item];
      var entry = document.querySelector('.scorm-menu [data-item="' + cssEscape(data.item) + '"]');
      if (entry) { entry.closest("li").classList.toggle("done", !!data.item_done); }
    }
    var label = data.lesson_complete ? config.text.statusComplete : config.text.statusProgress;
    if (typeof data.score === "number") { label += " · " + config.text.score.replace("%(score)s", Math.round(data.score)); }
    badge.textContent = label;
    badge.dataset.state = data.lesson_complete ? "complete" : "progress";
    say(data.lesson_complete ? config.text.complete : config.text.saved, false);
  }

  function cssEscape(value) {
    return window.CSS && CSS.escape ? CSS.escape(value) : value.replace(/"/g, '\\"');
  }

  function parse(text) {
    try { return JSON.parse(text); } catch (e) { return null; }
  }

  // scorm-again's HTTP service interface. Ordinary commits are synchronous, as SCORM expects
  // (the content learns whether its data was stored); the commit of LMSFinish/Terminate may
  // run while the page closes, so it is a keepalive fetch when small enough.
  function PortalHttpService(itemId) {
    this.itemId = itemId;
    this.reportsRequestCompletion = true;
  }
  PortalHttpService.prototype.updateSettings = function () {};
  PortalHttpService.prototype.processHttpRequest = function (
    url, params, immediate, apiLog, processListeners, metadata, settle
  ) {
    var done = typeof settle === "function" ? settle : function () {};
    var body = JSON.stringify({ sco: this.itemId, terminate: !!immediate, cmi: params });
    var headers = { "Content-Type": "application/json", "X-CSRFToken": config.csrfToken };
    if (immediate && body.length < KEEPALIVE_LIMIT && window.fetch) {
      fetch(url, {
        method: "POST", body: body, headers: headers, credentials: "same-origin", keepalive: true
      })
        .then(function (response) { return response.text(); })
        .then(function (text) { showStatus(parse(text)); })
        .catch(function () { say(config.text.saveFailed, true); })
        .then(done);
      return { result: "true", errorCode: 0 };
    }
    var xhr = new XMLHttpRequest();
    try {
      xhr.open("POST", url, false);
      Object.keys(headers).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
      xhr.send(body);
    } catch (e) {
      done();
      say(config.text.saveFailed, true);
      return FAILURE;
    }
    done();
    var data = parse(xhr.responseText);
    showStatus(data);
    return data && data.result === "true" ? { result: "true", errorCode: 0 } : FAILURE;
  };

  function makeApi(item) {
    var settings = {
      autocommit: true,
      autocommitSeconds: 10,
      lmsCommitUrl: config.commitUrl || false,
      dataCommitFormat: "flattened",
      logLevel: 4
      // SCORM 1.2 SCOs that finish without reporting a status are completed by the server.
    };
    var service = new PortalHttpService(item.id);
    var runtime = is12 ? new window.Scorm12API(settings, service) : new window.Scorm2004API(settings, service);
    var data = config.restore[item.id] || {};
    try {
      runtime.loadFromFlattenedJSON(data, "");
    } catch (e) {
      // Stored data the runtime rejects must not stop the lesson: load what it accepts.
      Object.keys(data).forEach(function (key) {
        var one = {};
        one[key] = data[key];
        try { runtime.loadFromFlattenedJSON(one, ""); } catch (ignored) { /* skipped */ }
      });
    }
    runtime.on(is12 ? "LMSInitialize" : "Initialize", function () {
      root.dataset.session = "open";
      if (!badge.dataset.state) {
        badge.textContent = config.text.statusProgress;
        badge.dataset.state = "progress";
      }
    });
    runtime.on(is12 ? "LMSFinish" : "Terminate", function () {
      root.dataset.session = "finished";
      if (!switching) { window.setTimeout(function () { finished(item); }, 0); }
    });
    return runtime;
  }

  function nextItem(after) {
    var index = order.indexOf(after);
    for (var i = index + 1; i < order.length; i++) {
      if (!items[order[i]].done) { return items[order[i]]; }
    }
    return null;
  }

  // The content has ended its session (e.g. the learner pressed its Exit button).
  function finished(item) {
    frame.src = "about:blank";
    frame.hidden = true;
    closeButton.hidden = true;
    finishedPanel.hidden = false;
    finishedText.textContent = config.commitUrl ? config.text.finished : config.text.finishedPreview;
    var next = nextItem(item.id);
    nextButton.hidden = !next;
    if (next) {
      nextButton.textContent = config.text.next.replace("%(title)s", next.title);
      nextButton.dataset.item = next.id;
    }
    reopenButton.dataset.item = item.id;
  }

  function runtimeOpen() {
    return api && api.isInitialized() && !api.isTerminated();
  }

  function start(item) {
    currentItem = item;
    api = makeApi(item);
    if (is12) { window.API = api; } else { window.API_1484_11 = api; }
    document.querySelectorAll("[data-item]").forEach(function (node) {
      if (node.closest(".scorm-menu")) {
        if (node.dataset.item === item.id) { node.setAttribute("aria-current", "true"); }
        else { node.removeAttribute("aria-current"); }
      }
    });
    // The session state, for people and tests: loading, open (the content initialised),
    // finished.
    root.dataset.session = "loading";
    finishedPanel.hidden = true;
    closeButton.hidden = false;
    frame.hidden = false;
    frame.src = item.url;
    if (!item.sco && config.commitUrl) {
      // An asset does not talk to the runtime: opening it completes it.
      service(item).processHttpRequest(config.commitUrl, {}, false);
    }
  }

  function service(item) { return new PortalHttpService(item.id); }

  // Unload the current content (it finishes its session in its unload handler, as SCORM
  // content does when the learner leaves it), finish the session for content that did not,
  // then go on.
  function leave(then) {
    if (!runtimeOpen()) { then(); return; }
    switching = true;
    frame.addEventListener("load", function once() {
      frame.removeEventListener("load", once);
      if (runtimeOpen()) { is12 ? api.LMSFinish("") : api.Terminate(""); }
      switching = false;
      then();
    });
    frame.src = "about:blank";
  }

  function open(id) {
    var item = items[id];
    if (item) { leave(function () { start(item); }); }
  }

  // "Save and close": the content ends its session as when the learner leaves it.
  closeButton.addEventListener("click", function () {
    if (currentItem) { leave(function () { finished(currentItem); }); }
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-item]");
    if (target) { event.preventDefault(); open(target.dataset.item); }
  });

  // Leaving the page: finish the session so its last data is sent (keepalive).
  window.addEventListener("pagehide", function () {
    if (runtimeOpen()) { is12 ? api.LMSFinish("") : api.Terminate(""); }
  });

  open(config.current || order[0]);
})();
