/* The curriculum editor: "Add item" appends a blank row from the formset's empty form. */
document.addEventListener("DOMContentLoaded", function () {
    // Add a blank item row from the formset's empty form (plain JS, no assets).
    var button = document.getElementById("curriculum-item-add");
    var rows = document.getElementById("curriculum-item-rows");
    var template = document.getElementById("curriculum-item-template");
    var total = document.getElementById("id_items-TOTAL_FORMS");
    if (!button || !rows || !template || !total) return;
    button.addEventListener("click", function () {
        var index = parseInt(total.value, 10);
        var html = template.innerHTML.replace(/__prefix__/g, String(index));
        rows.insertAdjacentHTML("beforeend", html);
        total.value = String(index + 1);
    });
});
