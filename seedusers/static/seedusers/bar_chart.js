/* Seed-user charts (coverage: required against active per department; leaderboard: confirmed
   points per department): horizontal bars with the vendored Chart.js. Each
   <canvas data-chart="ID"> reads the JSON script ID: {labels, datasets: [{label, data,
   backgroundColor}]}; its parent box grows with the number of bars. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var script = document.getElementById(canvas.dataset.chart);
    if (!script) return;
    var chart = JSON.parse(script.textContent);
    canvas.parentNode.style.height = (80 + 26 * chart.labels.length) + "px";
    chart.datasets.forEach(function (set) { set.borderWidth = 0; set.maxBarThickness = 18; });
    new Chart(canvas, {
      type: "bar",
      data: chart,
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { ticks: { precision: 0 }, beginAtZero: true } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  });
})();
