/* Chase list: one stacked horizontal bar per department (done / in progress / not started /
   overdue), drawn with the vendored Chart.js from the JSON the page embeds. */
(function () {
  "use strict";
  var data = document.getElementById("chase-chart-data");
  var canvas = document.getElementById("chase-chart");
  if (!data || !canvas || typeof Chart === "undefined") return;
  var chart = JSON.parse(data.textContent);
  if (!chart.labels.length) return;
  var colours = {
    done: "#12b76a",
    in_progress: "#36bffa",
    not_started: "#fdb022",
    overdue: "#f04438"
  };
  // A bar per department: the box grows with the number of departments.
  document.getElementById("chase-chart-box").style.height = (64 + 32 * chart.labels.length) + "px";
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: chart.labels,
      datasets: chart.series.map(function (s) {
        return {
          label: s.label, data: s.data, backgroundColor: colours[s.key], borderWidth: 0,
          maxBarThickness: 26
        };
      })
    },
    options: {
      indexAxis: "y",
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
        y: { stacked: true }
      },
      plugins: { legend: { position: "bottom" } }
    }
  });
})();
