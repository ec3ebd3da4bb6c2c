/* The HR search page's bar chart: matching rows per proficiency level, drawn with the vendored
   Chart.js. Reads the JSON script "level-chart-data": {labels: [...], values: [...], label}. */
(function () {
  "use strict";
  var data = document.getElementById("level-chart-data");
  var canvas = document.getElementById("level-chart");
  if (!data || !canvas || typeof Chart === "undefined") return;
  var chart = JSON.parse(data.textContent);
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: chart.labels,
      datasets: [{
        label: chart.label,
        data: chart.values,
        backgroundColor: ["#98a2b3", "#53b1fd", "#067647", "#7a5af8", "#d0d5dd"],
        borderWidth: 0,
        maxBarThickness: 48
      }]
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { display: false } }
    }
  });
})();
