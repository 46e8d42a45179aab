// Draws every <canvas data-chart="ID"> from the JSON in <script id="ID">, with Chart.js.
// The JSON: {labels: [...], axis: "events", stacked: bool, stepped: bool (optional),
// series: [{label, values}]}.
(function () {
  "use strict";
  var palette = ["#2f6fde", "#f79009", "#12b76a", "#7a5af8", "#ee46bc", "#06aed4",
    "#f04438", "#84cc16", "#0e9384", "#667085"];
  var number = new Intl.NumberFormat(undefined, {maximumFractionDigits: 2});

  function draw(canvas) {
    var data = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
    var bars = data.labels.length <= 62;
    new Chart(canvas, {
      type: bars ? "bar" : "line",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (series, i) {
          var colour = series.label === "Other" ? "#98a2b3" : palette[i % palette.length];
          return {label: series.label, data: series.values, backgroundColor: colour,
            borderColor: colour, borderWidth: bars ? 0 : 2, pointRadius: 0,
            stepped: Boolean(data.stepped), tension: data.stepped ? 0 : 0.2};
        })
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        interaction: {mode: "index", intersect: false},
        plugins: {
          legend: {display: data.series.length > 1, position: "bottom"},
          tooltip: {callbacks: {
            label: function (item) {
              return item.dataset.label + ": " + number.format(item.parsed.y) + " " + data.axis;
            }
          }}
        },
        scales: {
          x: {stacked: data.stacked, grid: {display: false}, title: {display: true, text: "UTC"}},
          y: {stacked: data.stacked, beginAtZero: true, title: {display: true, text: data.axis},
            ticks: {callback: function (value) { return number.format(value); }}}
        }
      }
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
