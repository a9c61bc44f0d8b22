// The dashboard's charts. Data comes from <script type="application/json"> blocks (never executed),
// so the pages keep a CSP without inline scripts. uPlot is loaded before this file.
(function () {
  'use strict';
  var COLORS = ['#0b5cad', '#c2410c', '#116329', '#7e22ce', '#a40e26', '#0e7490', '#854d0e', '#be185d', '#374151'];

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent || 'null') : null;
  }

  function draw(target, opts, data) {
    var width = function () { return Math.max(280, target.clientWidth); };
    var plot = new uPlot(Object.assign({ width: width(), height: 260 }, opts), data, target);
    window.addEventListener('resize', function () { plot.setSize({ width: width(), height: 260 }); });
  }

  // Per-minute counts are spikes of 0 and 1 at this width: the chart shows each provider's rate
  // in events per minute averaged over 10 minutes (144 steps a day), the table has exact totals.
  var BIN = 10;
  function bin(values) {
    var out = [];
    for (var i = 0; i < values.length; i += BIN) {
      var sum = 0;
      for (var j = i; j < Math.min(i + BIN, values.length); j++) sum += values[j];
      out.push(Math.round((sum / BIN) * 100) / 100);
    }
    return out;
  }
  var traffic = readJson('traffic-data');
  var trafficEl = document.getElementById('traffic-chart');
  if (traffic && trafficEl && typeof uPlot === 'function' && traffic.series.length > 0) {
    var xs = traffic.minutes.filter(function (_m, i) { return i % BIN === 0; });
    draw(trafficEl, {
      series: [{}].concat(traffic.series.map(function (s, i) {
        return { label: s.provider, stroke: COLORS[i % COLORS.length], width: 2, points: { show: false }, paths: uPlot.paths.stepped({ align: 1 }) };
      })),
      axes: [{}, { label: 'events / min (10-min avg)', size: 60 }],
      scales: { x: { time: true }, y: { range: function (_u, _min, max) { return [0, Math.max(0.5, max * 1.1)]; } } },
    }, [xs].concat(traffic.series.map(function (s) { return bin(s.perMinute); })));
  }

  var failures = readJson('campaign-failures');
  var failuresEl = document.getElementById('campaign-failures-chart');
  if (failures && failuresEl && typeof uPlot === 'function' && failures.hours.length > 0) {
    draw(failuresEl, {
      // One bar per hour: a line between hours would invent rates for hours with no settled message.
      series: [{}, { label: 'failure rate', stroke: '#a40e26', fill: 'rgba(164,14,38,0.55)', width: 1, paths: uPlot.paths.bars({ size: [0.6, 48] }), points: { show: false }, value: function (_u, v) { return v == null ? '' : (v * 100).toFixed(1) + ' %'; } }],
      axes: [{}, { label: 'failed / settled', size: 60, values: function (_u, ticks) { return ticks.map(function (t) { return Math.round(t * 100) + ' %'; }); } }],
      scales: { x: { time: true, range: function (_u, min, max) { return [min - 1800, max + 1800]; } }, y: { range: [0, 1] } },
    }, [failures.hours, failures.failureRate]);
  }
})();
