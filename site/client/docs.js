// strata data docs: draws the charts of a page. Each .chart holds its Vega-Lite spec as inline JSON (data
// included); vega-embed (bundled in assets/, like Vega and Vega-Lite) renders it as SVG. Nothing is fetched.
(function () {
  'use strict';
  var charts = document.querySelectorAll('figure.chart');
  var pending = charts.length;
  var done = function () {
    pending -= 1;
    if (pending === 0) document.body.setAttribute('data-charts', 'drawn');
  };
  if (!pending) document.body.setAttribute('data-charts', 'drawn');
  charts.forEach(function (figure) {
    var target = figure.querySelector('.vis');
    var spec = JSON.parse(figure.querySelector('script[type="application/json"]').textContent);
    window.vegaEmbed(target, spec, { actions: false, renderer: 'svg' }).then(function () {
      figure.classList.add('drawn');
      done();
    }, function (err) {
      target.textContent = 'This chart could not be drawn: ' + err.message;
      console.error(err);
      done();
    });
  });
})();
