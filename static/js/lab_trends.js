// Lab trend charts on the record pages: each <canvas data-lab-trend="ID"> reads its points from the
// JSON script #ID (json_script), draws the values as a line and shades the reference band; the y axis runs
// from the data's y_min to y_max.
(function () {
  "use strict";

  function bandPlugin(low, high) {
    return {
      id: "referenceBand",
      beforeDatasetsDraw: function (chart) {
        if (low === null && high === null) { return; }
        var area = chart.chartArea;
        var y = chart.scales.y;
        var top = high === null ? area.top : Math.max(area.top, y.getPixelForValue(high));
        var bottom = low === null ? area.bottom : Math.min(area.bottom, y.getPixelForValue(low));
        var ctx = chart.ctx;
        ctx.save();
        ctx.fillStyle = "rgba(25, 135, 84, 0.12)";
        ctx.fillRect(area.left, top, area.right - area.left, bottom - top);
        ctx.restore();
      }
    };
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.labTrend);
    if (!source || typeof window.Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    canvas.dataset.drawn = "1";
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [{
          label: data.unit ? data.name + " (" + data.unit + ")" : data.name,
          data: data.values, borderColor: "#0d6efd", backgroundColor: "#0d6efd", tension: 0.2, pointRadius: 4
        }]
      },
      options: {
        animation: false, responsive: true,
        plugins: { legend: { display: false } },
        // The server sets the axis (labs.selectors.Trend.axis_floor): never below zero for a measure that
        // cannot be negative; Chart.js rounds its ticks outwards from there, never below a floor of zero.
        scales: { y: { suggestedMin: data.y_min, suggestedMax: data.y_max } }
      },
      plugins: [bandPlugin(data.low, data.high)]
    });
  }

  function start() {
    document.querySelectorAll("canvas[data-lab-trend]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
