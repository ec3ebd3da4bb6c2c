/* Proficiency history: a line of the score over time per track, with the level thresholds as
   dashed lines, drawn with the vendored Chart.js. Every canvas[data-trend] names the JSON
   script holding {labels, scores, levels: [{label, minimum}], label}. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  var dashes = ["#b54708", "#0b6e69", "#067647"];
  document.querySelectorAll("canvas[data-trend]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-trend"));
    if (!source) return;
    var trend = JSON.parse(source.textContent);
    var datasets = [{
      label: trend.label,
      data: trend.scores,
      borderColor: "#1d2733",
      backgroundColor: "#1d2733",
      stepped: true,
      pointRadius: 4
    }];
    trend.levels.forEach(function (level, i) {
      datasets.push({
        label: level.label + " ≥ " + level.minimum,
        data: trend.labels.map(function () { return level.minimum; }),
        borderColor: dashes[i % dashes.length],
        borderDash: [6, 4],
        borderWidth: 1,
        pointRadius: 0
      });
    });
    new Chart(canvas, {
      type: "line",
      data: { labels: trend.labels, datasets: datasets },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { min: 0, max: 100 } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  });
})();
