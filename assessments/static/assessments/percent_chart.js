/* A horizontal bar per row, 0-100 %, drawn with the vendored Chart.js: the trainer's statistics
   pages (question facility, practical checks passed). Reads the JSON script "stats-chart-data":
   {labels: [...], values: [...], colors: [...], label: "..."} and sizes the box to the rows. */
(function () {
  "use strict";
  var data = document.getElementById("stats-chart-data");
  var canvas = document.getElementById("stats-chart");
  if (!data || !canvas || typeof Chart === "undefined") return;
  var chart = JSON.parse(data.textContent);
  document.getElementById("stats-chart-box").style.height = (60 + 28 * chart.labels.length) + "px";
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: chart.labels,
      datasets: [{
        label: chart.label,
        data: chart.values,
        backgroundColor: chart.colors,
        borderWidth: 0,
        maxBarThickness: 22
      }]
    },
    options: {
      indexAxis: "y",
      maintainAspectRatio: false,
      animation: false,
      scales: { x: { min: 0, max: 100, ticks: { callback: function (v) { return v + " %"; } } } },
      plugins: { legend: { display: false } }
    }
  });
})();
