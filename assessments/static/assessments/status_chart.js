/* Certification status by department: one stacked horizontal bar per department, a colour per
   status, drawn with the vendored Chart.js. Reads the JSON script "status-chart-data":
   {labels: [...], datasets: [{label, data, backgroundColor}, ...]}. */
(function () {
  "use strict";
  var data = document.getElementById("status-chart-data");
  var canvas = document.getElementById("status-chart");
  if (!data || !canvas || typeof Chart === "undefined") return;
  var chart = JSON.parse(data.textContent);
  document.getElementById("status-chart-box").style.height = (80 + 26 * chart.labels.length) + "px";
  chart.datasets.forEach(function (set) { set.borderWidth = 0; set.maxBarThickness = 20; });
  new Chart(canvas, {
    type: "bar",
    data: chart,
    options: {
      indexAxis: "y",
      maintainAspectRatio: false,
      animation: false,
      scales: { x: { stacked: true, ticks: { precision: 0 } }, y: { stacked: true } },
      plugins: { legend: { position: "bottom" } }
    }
  });
})();
