/* The running total of the checklist as the examiner marks it (the server computes the score). */
(function () {
  var form = document.getElementById("rubric-form");
  var total = document.getElementById("rubric-total");
  if (!form || !total) { return; }
  function update() {
    var points = 0;
    form.querySelectorAll('.rubric-item[data-item] input:checked').forEach(function (input) {
      points += parseFloat(input.dataset.points) || 0;
    });
    total.textContent = total.dataset.template.replace("%(points)s", points).replace("%(max)s", total.dataset.max);
  }
  form.addEventListener("change", update);
  // A second tap on Save while the first is sent does nothing (the server is idempotent anyway).
  form.addEventListener("submit", function () {
    var button = document.getElementById("rubric-save");
    setTimeout(function () { button.disabled = true; }, 0);
  });
  update();
})();
