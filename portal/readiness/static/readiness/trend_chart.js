/* The wave's certification coverage by day (from the daily snapshots), the projection to the
   go-live date (dashed) and the green threshold, with the vendored Chart.js. Reads the JSON
   script "trend-chart-data": {labels, coverage, projection, threshold, labels_text}. */
(function () {
  "use strict";
  var script = document.getElementById("trend-chart-data");
  var canvas = document.getElementById("trend-chart");
  if (!script || !canvas || typeof Chart === "undefined") return;
  var data = JSON.parse(script.textContent);
  var datasets = [
    { label: data.labels_text.coverage, data: data.coverage, borderColor: "#1570ef",
      backgroundColor: "#1570ef", spanGaps: true, tension: 0.2 },
    { label: data.labels_text.projection, data: data.projection, borderColor: "#98a2b3",
      borderDash: [6, 4], spanGaps: true, pointRadius: 3 }
  ];
  if (data.threshold !== null) {
    datasets.push({ label: data.labels_text.threshold,
      data: data.labels.map(function () { return data.threshold; }),
      borderColor: "#067647", borderWidth: 1, pointRadius: 0 });
  }
  new Chart(canvas, {
    type: "line",
    data: { labels: data.labels, datasets: datasets },
    options: {
      maintainAspectRatio: false,
      animation: false,
      scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + " %"; } } } },
      plugins: { legend: { position: "bottom" } }
    }
  });
})();
