/* The seed user's activity form: one form for coaching sessions, floor-support shifts and
   floor issues. Shows the fields of the chosen kind only (each field lists its kinds in
   data-kinds, set by ActivityForm); without JavaScript every field shows and the server says
   what is missing. */
(function () {
  "use strict";
  var form = document.getElementById("log-activity");
  if (!form) return;
  var kind = form.querySelector('select[name="kind"]');
  function update() {
    form.querySelectorAll("[data-kinds]").forEach(function (field) {
      var kinds = field.dataset.kinds.split(" ");
      field.closest("p").hidden = kind.value !== "" && kinds.indexOf(kind.value) === -1;
    });
  }
  kind.addEventListener("change", update);
  update();
})();
