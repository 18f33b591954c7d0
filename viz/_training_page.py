"""The training page: body, style and script, put in the page skeleton (:mod:`viz._page`) by
:func:`viz.training_page`.

Placeholders ``%%NAME%%`` are replaced in one pass. The script reads the run from a JSON
block and writes text only with ``textContent``, so labels can never become markup. It draws
everything itself (a canvas for the model's output, SVG for the network and the curves), so
the page needs nothing from a network.
"""

BODY = """<header>
  <h1>%%TITLE%%</h1>
  <nav aria-label="training controls">
    <button type="button" id="play" title="Play / pause (space)">&#x25B6; Play</button>
    <input type="range" id="slider" min="0" max="%%LAST%%" value="0" step="1"
           aria-label="snapshot">
    <span id="counter" aria-live="polite"></span>
  </nav>
  <div id="readout" aria-live="polite"></div>
</header>
<main>
  <section id="network-panel">
    <h2>Network</h2>
    <svg id="network" viewBox="0 0 360 360" role="img"
         aria-label="the network; each weight coloured by its sign, as thick as it is large">
    </svg>
    <p class="note" id="network-note">Blue: positive weight, orange: negative; thicker: larger.
    Hover over a neuron for its name and values at the probe point.</p>
  </section>
  <section id="output-panel">
    <h2>Output</h2>
    <div id="output-box">
      <canvas id="boundary" width="360" height="360"></canvas>
    </div>
    <p class="note" id="output-note">The model's output over the plane: blue where it says +,
    orange where it says &#x2212;, the line where it is 0. Click to move the probe (&#x2295;).</p>
  </section>
  <section id="curves-panel">
    <h2>Loss and accuracy</h2>
    <svg id="curves" viewBox="0 0 360 300" role="img"
         aria-label="loss and accuracy of each step"></svg>
    <p class="note">Line: the loss of each step's batch, drawn at the number of updates
    made before it (as <code>history.loss</code>); dots: the snapshots, on the whole
    training set.</p>
    <p class="note" id="last-batch"></p>
  </section>
</main>
<div id="tooltip" role="tooltip" hidden></div>
<footer>Keys: &#x2192; next, &#x2190; previous, Home first, End last, space play/pause.</footer>"""

STYLE = """
body { font-family: "DejaVu Sans", Verdana, sans-serif; margin: 0; color: #222;
       background: #fff; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 0.6em 1.2em;
         padding: 0.5em 1em; border-bottom: 1px solid #ccc; background: #fafafa; }
h1 { font-size: 1.3em; margin: 0; }
h2 { font-size: 1em; margin: 0 0 0.3em; font-weight: bold; color: #444; }
nav { display: flex; align-items: center; gap: 0.6em; }
button { font: inherit; padding: 0.3em 0.8em; border-radius: 6px; border: 1px solid #888;
         background: #fff; cursor: pointer; min-width: 6.5em; }
button:hover { background: #eef; }
#slider { width: 18em; }
#counter { font-weight: bold; min-width: 10.5em; }
#readout { min-width: 30em; white-space: pre; font-size: 1.05em;
           font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
main { display: flex; flex-wrap: wrap; gap: 1em; padding: 0.8em 1em; align-items: flex-start; }
section { flex: 0 1 auto; }
#network { width: 360px; height: 360px; border: 1px solid #ddd; }
#output-box { position: relative; width: 360px; height: 360px; border: 1px solid #ddd; }
#boundary { width: 360px; height: 360px; cursor: crosshair; display: block; }
#curves { width: 360px; height: 300px; border: 1px solid #ddd; }
.note { font-size: 0.8em; color: #666; max-width: 360px; margin: 0.3em 0 0; }
#network .neuron { cursor: help; }
#network .neuron:focus { outline: none; }
#network .neuron:focus circle, #network .neuron:hover circle { stroke: #000; stroke-width: 2.5; }
#tooltip { position: fixed; z-index: 10; background: #fffdf6; border: 1px solid #999;
           border-radius: 4px; padding: 0.3em 0.5em; font-size: 0.82em; pointer-events: none;
           font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; white-space: pre;
           box-shadow: 0 2px 6px rgba(0, 0, 0, 0.2); }
#tooltip .name { font-weight: bold; }
footer { border-top: 1px solid #ccc; font-size: 0.85em; color: #666; padding: 0.4em 1em; }
.axis { font-size: 10px; fill: #555; }
"""

SCRIPT = r"""
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("training-data").textContent);
  var SVGNS = "http://www.w3.org/2000/svg";
  var POS = [8, 119, 189], NEG = [245, 147, 34];
  var PALETTE = [[245, 147, 34], [8, 119, 189], [27, 158, 119], [217, 95, 2],
                 [117, 112, 179], [231, 41, 138], [102, 166, 30], [230, 171, 2],
                 [166, 118, 29], [102, 102, 102]];
  var N = D.snapshots.length;
  var cur = 0, timer = null;
  var probe = D.probe ? D.probe.slice() : null;
  var hovered = null;
  var el = function (id) { return document.getElementById(id); };

  function svg(tag, attrs, parent) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function rgb(c) { return "rgb(" + c[0] + "," + c[1] + "," + c[2] + ")"; }
  function mix(c, t) {  // c faded towards white, t in 0..1
    return [Math.round(255 + (c[0] - 255) * t), Math.round(255 + (c[1] - 255) * t),
            Math.round(255 + (c[2] - 255) * t)];
  }
  function fmt(x) {
    if (x === null || x === undefined) { return "\u2014"; }
    if (typeof x === "string") { return x; }
    var a = Math.abs(x);
    if (a !== 0 && (a < 1e-3 || a >= 1e5)) { return x.toExponential(3); }
    return x.toPrecision(4).replace(/\.?0+$/, "");
  }
  function pct(x) { return x === null ? "\u2014" : (100 * x).toFixed(1) + "%"; }

  // --- the network: forward pass at the probe point -----------------------------------
  var net = D.network;
  var ACT = {
    relu: function (z) { return z > 0 ? z : 0; },
    tanh: Math.tanh,
    sigmoid: function (z) {
      var e = Math.exp(-Math.abs(z));
      return z >= 0 ? 1 / (1 + e) : e / (1 + e);
    },
    linear: function (z) { return z; }
  };
  function forward(params, x) {
    // params: per layer, per neuron, its weights then its bias (model.parameters() order)
    var at = 0, a = x, out = [];
    net.layers.forEach(function (layer) {
      var next = [], zs = [];
      layer.neurons.forEach(function (n) {
        var z = 0;
        for (var k = 0; k < n.w.length; k++) { z += params[at + k] * a[k]; }
        z += params[at + n.w.length];
        at += n.w.length + 1;
        zs.push(z);
        next.push(ACT[layer.activation](z));
      });
      out.push({z: zs, a: next});
      a = next;
    });
    return out;
  }

  var nodes = [], edges = [];  // nodes[layer][j] = {g, circle}; edges: {line, index}
  var wmax = 0;
  function buildNetwork() {
    var box = el("network");
    if (!net) {
      box.style.display = "none";
      el("network-note").textContent =
        "The network is drawn for models made of autograd_lite's layers (MLP, Layer, Neuron).";
      return;
    }
    if (!net.drawn) {
      el("network-note").textContent =
        "The network has too many weights to draw them all; hover over a neuron for its values.";
    }
    var cols = [net.inputs.length].concat(net.layers.map(function (l) {
      return l.neurons.length; }));
    var W = 360, H = 360, mx = 26, my = 18;
    var tallest = Math.max.apply(null, cols);
    var r = Math.max(2.5, Math.min(13, (H - 2 * my) / (2.6 * tallest)));
    var pos = cols.map(function (n, li) {
      var x = cols.length === 1 ? W / 2 : mx + li * (W - 2 * mx) / (cols.length - 1);
      var ys = [];
      for (var j = 0; j < n; j++) { ys.push(H / 2 + (j - (n - 1) / 2) * Math.min(
        (H - 2 * my) / Math.max(1, n - 1), 3 * r)); }
      return ys.map(function (y) { return [x, y]; });
    });
    var edgeLayer = svg("g", {"class": "edges"}, box);
    var at = 0;
    net.layers.forEach(function (layer, li) {
      layer.neurons.forEach(function (n, j) {
        for (var k = 0; k < n.w.length; k++) {
          if (net.drawn) {
            var p = pos[li][k], q = pos[li + 1][j];
            var line = svg("line", {x1: p[0], y1: p[1], x2: q[0], y2: q[1],
                                    "stroke-linecap": "round"}, edgeLayer);
            edges.push({line: line, index: at + k});
          }
        }
        at += n.w.length + 1;
      });
    });
    D.snapshots.forEach(function (s) {
      edges.forEach(function (e) { wmax = Math.max(wmax, Math.abs(s.params[e.index])); });
    });
    var nodeLayer = svg("g", {"class": "nodes"}, box);
    cols.forEach(function (n, li) {
      var col = [];
      for (var j = 0; j < n; j++) {
        var g = svg("g", {"class": "neuron", tabindex: "0"}, nodeLayer);
        g.dataset.layer = li;
        g.dataset.index = j;
        var c = svg("circle", {cx: pos[li][j][0], cy: pos[li][j][1], r: r,
                               stroke: "#555", "stroke-width": 1, fill: "#fff"}, g);
        g.addEventListener("mouseenter", showTip);
        g.addEventListener("focus", showTip);
        g.addEventListener("mouseleave", hideTip);
        g.addEventListener("blur", hideTip);
        col.push({g: g, circle: c});
      }
      nodes.push(col);
    });
  }

  function drawNetwork(s) {
    if (!net) { return; }
    edges.forEach(function (e) {
      var w = s.params[e.index];
      e.line.setAttribute("stroke", rgb(w >= 0 ? POS : NEG));
      e.line.setAttribute("stroke-width", (0.3 + 4.2 * Math.abs(w) / (wmax || 1)).toFixed(2));
      e.line.setAttribute("stroke-opacity", "0.65");
    });
    if (!probe) { return; }
    var acts = [probe].concat(forward(s.params, probe).map(function (l) { return l.a; }));
    var big = 0;
    acts.forEach(function (a) { a.forEach(function (v) { big = Math.max(big, Math.abs(v)); }); });
    acts.forEach(function (a, li) {
      a.forEach(function (v, j) {
        var t = Math.min(1, Math.abs(v) / (big || 1));
        nodes[li][j].circle.setAttribute("fill", rgb(mix(v >= 0 ? POS : NEG, 0.15 + 0.75 * t)));
      });
    });
  }

  function tipLines(li, j) {
    var s = D.snapshots[cur];
    var where = probe ? "at the probe (" + probe.map(fmt).join(", ") + "), step " + s.step
                      : "step " + s.step;
    if (li === 0) {
      return [net.inputs[j], "input " + (j + 1) + " = " + (probe ? fmt(probe[j]) : "\u2014"),
              where];
    }
    var layer = net.layers[li - 1], n = layer.neurons[j];
    var lines = [];
    var act = layer.activation;
    lines.push(act === "linear" ? n.z : n.z + " \u2192 " + n.a + " = " + act + "(" + n.z + ")");
    var at = 0;
    for (var l = 0; l < li - 1; l++) {
      net.layers[l].neurons.forEach(function (m) { at += m.w.length + 1; });
    }
    for (var q = 0; q < j; q++) { at += layer.neurons[q].w.length + 1; }
    if (probe) {
      var f = forward(s.params, probe)[li - 1];
      lines.push(n.z + " = " + fmt(f.z[j]));
      if (act !== "linear") { lines.push(n.a + " = " + fmt(f.a[j])); }
    }
    lines.push(n.b + " = " + fmt(s.params[at + n.w.length]));
    var ws = n.w.map(function (name, k) { return s.params[at + k]; });
    var shown = Math.min(ws.length, 3);
    for (var k = 0; k < shown; k++) { lines.push(n.w[k] + " = " + fmt(ws[k])); }
    if (ws.length > shown) { lines.push("\u2026 and " + (ws.length - shown) + " more weights"); }
    lines.push(where);
    return lines;
  }
  function fillTip() {
    if (!hovered) { return; }
    var tip = el("tooltip");
    while (tip.firstChild) { tip.removeChild(tip.firstChild); }
    tipLines(+hovered.dataset.layer, +hovered.dataset.index).forEach(function (line, i) {
      var d = document.createElement("div");
      d.textContent = line;
      if (i === 0) { d.className = "name"; }
      tip.appendChild(d);
    });
  }
  function showTip(ev) {
    hovered = ev.currentTarget;
    fillTip();
    var tip = el("tooltip");
    tip.hidden = false;
    var r = hovered.getBoundingClientRect();
    var left = r.right + 8, top = r.top;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    if (left + w > window.innerWidth) { left = Math.max(0, r.left - w - 8); }
    if (top + h > window.innerHeight) { top = Math.max(0, window.innerHeight - h); }
    tip.style.left = left + "px";
    tip.style.top = top + "px";
  }
  function hideTip() { hovered = null; el("tooltip").hidden = true; }

  // --- the output over the plane -------------------------------------------------------
  var canvas = el("boundary"), ctx = canvas.getContext("2d");
  var CW = canvas.width, CH = canvas.height;
  var n = D.grid_n;
  var off = document.createElement("canvas");
  function toPx(x, y) {
    var e = D.extent;
    return [(x - e[0]) / (e[1] - e[0]) * CW, CH - (y - e[2]) / (e[3] - e[2]) * CH];
  }
  function grid(i) {
    var s = D.snapshots[i];
    if (!s.grid) { return null; }
    if (!s._g) {
      var bin = atob(s.grid), a = new Uint8Array(bin.length);
      for (var k = 0; k < bin.length; k++) { a[k] = bin.charCodeAt(k); }
      s._g = a;
    }
    return s._g;
  }
  function cellColour(q) {
    if (D.outputs === 1) {
      var t = (q - 127.5) / 127.5;
      return mix(t >= 0 ? POS : NEG, 0.12 + 0.5 * Math.abs(t));
    }
    return mix(PALETTE[q % PALETTE.length], 0.45);
  }
  function contour(g) {
    // marching squares on the score's sign: the line where the output is 0
    var sx = CW / (n - 1), sy = CH / (n - 1);
    ctx.beginPath();
    for (var r = 0; r < n - 1; r++) {
      for (var c = 0; c < n - 1; c++) {
        var v = [g[r * n + c] - 127.5, g[r * n + c + 1] - 127.5,
                 g[(r + 1) * n + c + 1] - 127.5, g[(r + 1) * n + c] - 127.5];
        var corner = [[c, r], [c + 1, r], [c + 1, r + 1], [c, r + 1]];
        var cross = [];
        for (var k = 0; k < 4; k++) {
          var a = v[k], b = v[(k + 1) % 4];
          if ((a >= 0) !== (b >= 0)) {
            var t = a / (a - b), p = corner[k], q = corner[(k + 1) % 4];
            cross.push([(p[0] + t * (q[0] - p[0])) * sx,
                        CH - (p[1] + t * (q[1] - p[1])) * sy]);
          }
        }
        for (var m = 0; m + 1 < cross.length; m += 2) {
          ctx.moveTo(cross[m][0], cross[m][1]);
          ctx.lineTo(cross[m + 1][0], cross[m + 1][1]);
        }
      }
    }
    ctx.strokeStyle = "#222";
    ctx.lineWidth = 1.6;
    ctx.stroke();
  }
  function drawOutput(i) {
    if (!D.extent) {
      el("output-panel").style.display = "none";
      return;
    }
    var g = grid(i);
    off.width = n;
    off.height = n;
    var octx = off.getContext("2d");
    var img = octx.createImageData(n, n);
    for (var r = 0; r < n; r++) {
      for (var c = 0; c < n; c++) {
        var col = cellColour(g[r * n + c]);
        var at = ((n - 1 - r) * n + c) * 4;  // row 0 of the grid is the lowest x2
        img.data[at] = col[0]; img.data[at + 1] = col[1]; img.data[at + 2] = col[2];
        img.data[at + 3] = 255;
      }
    }
    octx.putImageData(img, 0, 0);
    ctx.clearRect(0, 0, CW, CH);
    ctx.imageSmoothingEnabled = true;
    // each grid point's pixel centred on its place in the plane
    var hx = CW / (2 * (n - 1)), hy = CH / (2 * (n - 1));
    ctx.drawImage(off, 0, 0, n, n, -hx, -hy, CW + 2 * hx, CH + 2 * hy);
    if (D.outputs === 1) { contour(g); }
    D.points.forEach(function (p) {
      var xy = toPx(p[0], p[1]);
      var colour = D.outputs === 1 ? (p[2] > 0 ? POS : NEG)
                                   : PALETTE[p[2] % PALETTE.length];
      ctx.beginPath();
      ctx.arc(xy[0], xy[1], 3.6, 0, 2 * Math.PI);
      ctx.fillStyle = rgb(colour);
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = "#fff";
      ctx.stroke();
    });
    if (probe) {
      var pp = toPx(probe[0], probe[1]);
      ctx.beginPath();
      ctx.arc(pp[0], pp[1], 6, 0, 2 * Math.PI);
      ctx.moveTo(pp[0] - 9, pp[1]); ctx.lineTo(pp[0] + 9, pp[1]);
      ctx.moveTo(pp[0], pp[1] - 9); ctx.lineTo(pp[0], pp[1] + 9);
      ctx.strokeStyle = "#000";
      ctx.lineWidth = 1.5;
      ctx.stroke();
    }
  }
  canvas.addEventListener("click", function (ev) {
    if (!D.extent) { return; }
    var r = canvas.getBoundingClientRect(), e = D.extent;
    var fx = (ev.clientX - r.left) / r.width, fy = (ev.clientY - r.top) / r.height;
    probe = [e[0] + fx * (e[1] - e[0]), e[3] - fy * (e[3] - e[2])];
    show(cur);
  });

  // --- the curves ----------------------------------------------------------------------
  var marks = {};
  function buildCurves() {
    var box = el("curves");
    var C = D.curve, last = D.steps || 1;
    var charts = [{key: "loss", top: 10, label: "loss"}];
    if (C.accuracy) { charts.push({key: "accuracy", top: 160, label: "accuracy"}); }
    var L = 44, R = 350, h = 110;
    charts.forEach(function (chart) {
      var ys = C[chart.key];
      var lo = 0, hi = chart.key === "accuracy" ? 1 : 0;
      if (chart.key === "loss") {
        ys.forEach(function (v) { if (v > hi) { hi = v; } if (v < lo) { lo = v; } });
        D.snapshots.forEach(function (s) { if (s.loss > hi) { hi = s.loss; } });
        if (hi === lo) { hi = lo + 1; }
      }
      var X = function (k) { return L + (R - L) * k / last; };
      var Y = function (v) { return chart.top + h - (v - lo) / (hi - lo) * h; };
      svg("rect", {x: L, y: chart.top, width: R - L, height: h, fill: "#fcfcfc",
                   stroke: "#ccc"}, box);
      var pts = [];
      for (var k = 0; k < ys.length; k++) {
        if (ys[k] !== null) { pts.push(X(C.step[k]).toFixed(1) + "," + Y(ys[k]).toFixed(1)); }
      }
      svg("polyline", {points: pts.join(" "), fill: "none",
                       stroke: chart.key === "loss" ? "#d95f02" : "#1b9e77",
                       "stroke-width": 1.5}, box);
      D.snapshots.forEach(function (s) {
        var v = s[chart.key];
        if (v !== null) { svg("circle", {cx: X(s.step), cy: Y(v), r: 1.8, fill: "#333"}, box); }
      });
      var t1 = svg("text", {x: L - 4, y: chart.top + 9, "text-anchor": "end", "class": "axis"},
                   box);
      t1.textContent = chart.key === "accuracy" ? "100%" : fmt(hi);
      var t2 = svg("text", {x: L - 4, y: chart.top + h, "text-anchor": "end", "class": "axis"},
                   box);
      t2.textContent = chart.key === "accuracy" ? "0%" : fmt(lo);
      var t3 = svg("text", {x: R - 4, y: chart.top + 12, "text-anchor": "end", "class": "axis"},
                   box);
      t3.textContent = chart.label;
      var m = svg("line", {x1: L, x2: L, y1: chart.top, y2: chart.top + h, stroke: "#000",
                           "stroke-dasharray": "3,2"}, box);
      marks[chart.key] = {line: m, X: X};
    });
    var s0 = svg("text", {x: L, y: 290, "class": "axis"}, box);
    s0.textContent = "step 0";
    var s1 = svg("text", {x: R, y: 290, "text-anchor": "end", "class": "axis"}, box);
    s1.textContent = "step " + D.steps;
  }
  function lastBatchNote() {
    var b = D.last_batch, s = D.snapshots[N - 1];
    if (b.loss === null) { return; }
    el("last-batch").textContent = "Step " + b.step + "'s batch, before its update " +
      "(history.loss[-1]): " + fmt(b.loss) + ". After it, on the whole training set " +
      "(the last dot, history.record.final): " + fmt(s.loss) + ".";
  }
  function drawCurves(s) {
    for (var key in marks) {
      var x = marks[key].X(s.step);
      marks[key].line.setAttribute("x1", x);
      marks[key].line.setAttribute("x2", x);
    }
  }

  // --- scrubbing -----------------------------------------------------------------------
  function show(i) {
    cur = Math.max(0, Math.min(N - 1, i));
    var s = D.snapshots[cur];
    el("slider").value = cur;
    el("counter").textContent = "Snapshot " + (cur + 1) + " of " + N;
    el("readout").textContent = "step " + s.step + " of " + D.steps + "   loss " + fmt(s.loss) +
      (s.accuracy === null ? "" : "   accuracy " + pct(s.accuracy));
    document.body.dataset.snapshot = cur;
    document.body.dataset.step = s.step;
    drawOutput(cur);
    drawNetwork(s);
    drawCurves(s);
    fillTip();
    if (cur === N - 1) { stop(); }
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    el("play").textContent = "\u25B6 Play";
  }
  function play() {
    if (timer !== null) { stop(); return; }
    if (cur >= N - 1) { show(0); }
    el("play").textContent = "\u275A\u275A Pause";
    timer = setInterval(function () { show(cur + 1); },
                        Math.max(40, Math.min(400, Math.round(6000 / N))));
  }
  el("play").addEventListener("click", play);
  el("slider").addEventListener("input", function () { stop(); show(+el("slider").value); });
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    if (e.target && e.target.tagName === "BUTTON" && (e.key === " " || e.key === "Enter")) {
      return;
    }
    if (e.target && e.target.tagName === "INPUT" && e.key.indexOf("Arrow") === 0) { return; }
    if (e.key === "ArrowRight") { stop(); show(cur + 1); }
    else if (e.key === "ArrowLeft") { stop(); show(cur - 1); }
    else if (e.key === "Home") { stop(); show(0); }
    else if (e.key === "End") { stop(); show(N - 1); }
    else if (e.key === " ") { play(); }
    else { return; }
    e.preventDefault();
  });
  buildNetwork();
  buildCurves();
  lastBatchNote();
  show(0);
}());
"""
