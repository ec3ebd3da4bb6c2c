/* Replay navigation: the slider and the arrow keys move between steps (a page per step). */
(function () {
  var root = document.getElementById("replay");
  if (!root) { return; }
  var slider = document.getElementById("replay-slider");
  var position = document.getElementById("replay-position");
  var template = JSON.parse(document.getElementById("replay-position-template").textContent);
  function go(step) { window.location.assign(root.dataset.base + "?step=" + step); }
  function click(id) {
    var link = document.getElementById(id);
    if (link && link.getAttribute("aria-disabled") !== "true") { link.click(); }
  }
  slider.addEventListener("input", function () {
    position.textContent = template.replace("%(index)s", slider.value).replace("%(last)s", root.dataset.last);
  });
  slider.addEventListener("change", function () { go(slider.value); });
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (event.target.closest && event.target.closest("input, textarea, select, [contenteditable]")) { return; }
    var keys = { ArrowLeft: "replay-prev", ArrowRight: "replay-next", Home: "replay-first", End: "replay-last" };
    if (keys[event.key]) { event.preventDefault(); click(keys[event.key]); }
  });
  // Keep the selected step in view inside the list (without scrolling the page).
  var list = document.getElementById("replay-steps");
  var current = list && list.querySelector("li[aria-current]");
  if (current) { list.scrollTop = current.offsetTop - list.offsetTop - list.clientHeight / 3; }
})();
