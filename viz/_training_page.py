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
  <div id="settings"></div>
</header>
<main>
  <section id="network-panel">
    <h2>Network</h2>
    <svg id="network" viewBox="0 0 600 420" role="img"
         aria-label="the network; each weight coloured by its sign, as thick as it is large">
    </svg>
    <div id="legend" class="note">
      <span class="ramp"></span> a neuron's output: <b class="neg">&#x2212;</b> orange,
      0 white, <b class="pos">+</b> blue.
      <span id="legend-squares">Squares: its output over the whole plane (each on its own
      scale).</span> Circles: its output at the probe &#x2295;.
      Lines: the weights, blue +, orange &#x2212;, thicker and darker the larger.
    </div>
    <p class="note" id="network-note">Hover over a neuron for its name, its values at the probe
    and its output over the plane.</p>
  </section>
  <section id="output-panel">
    <h2>Output</h2>
    <svg id="output" viewBox="0 0 446 396" role="img"
         aria-label="the model's output over the plane">
      <foreignObject x="46" y="8" width="340" height="340">
        <canvas id="boundary" width="340" height="340" xmlns="http://www.w3.org/1999/xhtml">
        </canvas>
      </foreignObject>
    </svg>
    <p class="note" id="output-note">The model's output over the plane: blue where it says +,
    orange where it says &#x2212;, the line where it is 0. Click to move the probe (&#x2295;).
    The colour bar squashes large outputs (tanh), so its ticks are not evenly spaced.</p>
  </section>
  <section id="curves-panel">
    <h2>Loss and accuracy</h2>
    <label class="note"><input type="checkbox" id="logscale"> logarithmic loss axis</label>
    <svg id="curves" viewBox="0 0 400 330" role="img"
         aria-label="loss and accuracy of each step"></svg>
    <p class="note">Line: the loss of each step's batch, drawn at the number of updates
    made before it (as <code>history.loss</code>); dots: the snapshots, on the whole
    training set.<span id="test-note"></span></p>
    <p class="note" id="last-batch"></p>
  </section>
</main>
<div id="tooltip" role="tooltip" hidden></div>
<footer>Keys: &#x2192; next, &#x2190; previous, Home first, End last, space play/pause.</footer>"""

STYLE = """
body { font-family: "DejaVu Sans", Verdana, sans-serif; margin: 0; color: #222;
       background: #fff; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 0.4em 1.2em;
         padding: 0.4em 1em; border-bottom: 1px solid #ccc; background: #fafafa; }
h1 { font-size: 1.25em; margin: 0; }
h2 { font-size: 1em; margin: 0 0 0.3em; font-weight: bold; color: #444; }
nav { display: flex; align-items: center; gap: 0.6em; }
button { font: inherit; padding: 0.3em 0.8em; border-radius: 6px; border: 1px solid #888;
         background: #fff; cursor: pointer; min-width: 6.5em; }
button:hover { background: #eef; }
#slider { width: 14em; }
#counter { font-weight: bold; min-width: 10.5em; }
#readout { white-space: pre; font-size: 1.05em;
           font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
#settings { flex-basis: 100%; font-size: 0.85em; color: #444; }
#settings b { font-weight: normal; color: #777; }
main { display: grid; gap: 1em; padding: 0.6em 1em;
       grid-template-columns: minmax(0, 1.35fr) minmax(0, 1fr) minmax(0, 1fr); }
@media (max-width: 760px) { main { grid-template-columns: minmax(0, 1fr); } }
section { min-width: 0; }
#network, #output, #curves { display: block; width: 100%; height: auto;
           max-height: calc(100vh - 12em); border: 1px solid #ddd; }
#boundary { width: 340px; height: 340px; cursor: crosshair; display: block; }
.note { font-size: 0.95em; color: #555; margin: 0.3em 0 0; }
.ramp { display: inline-block; width: 4em; height: 0.8em; vertical-align: middle;
        border: 1px solid #aaa;
        background: linear-gradient(to right, rgb(245,147,34), #fff, rgb(8,119,189)); }
b.pos { color: rgb(8,119,189); } b.neg { color: rgb(245,147,34); }
#network .neuron { cursor: help; }
#network .neuron:focus { outline: none; }
#network .neuron:focus .shape, #network .neuron:hover .shape { stroke: #000;
           stroke-width: 2.5; }
#tooltip { position: fixed; z-index: 10; background: #fffdf6; border: 1px solid #999;
           border-radius: 4px; padding: 0.3em 0.5em; font-size: 0.82em; pointer-events: none;
           font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; white-space: pre;
           box-shadow: 0 2px 6px rgba(0, 0, 0, 0.2); }
#tooltip .name { font-weight: bold; }
#tooltip canvas { display: block; width: 128px; height: 128px; margin: 0.3em 0;
           border: 1px solid #aaa; image-rendering: auto; }
footer { border-top: 1px solid #ccc; font-size: 0.85em; color: #666; padding: 0.4em 1em; }
.axis { font-size: 13px; fill: #444; }
.label { font-size: 17px; fill: #222; }
@media (max-width: 1300px) { .axis { font-size: 17px; } .label { font-size: 21px; }
                             main { gap: 0.6em; padding: 0.5em 0.6em; } }
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
  var SUB = "\u2080\u2081\u2082\u2083\u2084\u2085\u2086\u2087\u2088\u2089";
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
  function text(parent, x, y, s, attrs) {
    var t = svg("text", Object.assign({x: x, y: y, "class": "axis"}, attrs || {}), parent);
    t.textContent = s;
    return t;
  }
  function sub(k) { return String(k).split("").map(function (d) { return SUB[+d]; }).join(""); }
  function rgb(c) { return "rgb(" + c[0] + "," + c[1] + "," + c[2] + ")"; }
  function mix(c, t) {  // c faded towards white, t in 0..1
    return [Math.round(255 + (c[0] - 255) * t), Math.round(255 + (c[1] - 255) * t),
            Math.round(255 + (c[2] - 255) * t)];
  }
  function fmt(x) {
    if (x === null || x === undefined) { return "\u2014"; }
    if (typeof x === "string") { return x; }
    var a = Math.abs(x);
    if (a !== 0 && (a < 1e-3 || a >= 1e5)) { return x.toExponential(3).replace("-", "\u2212"); }
    return x.toPrecision(4).replace(/\.?0+$/, "").replace("-", "\u2212");
  }
  function pct(x) { return x === null ? "\u2014" : (100 * x).toFixed(1) + "%"; }
  function ticks(lo, hi, most) {  // round numbers between lo and hi
    var span = hi - lo, raw = span / Math.max(1, most - 1);
    var p = Math.pow(10, Math.floor(Math.log10(raw))), step = p;
    [1, 2, 5, 10].some(function (m) { step = m * p; return m * p >= raw; });
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) {
      out.push(Math.abs(v) < 1e-12 * span ? 0 : +v.toPrecision(12));
    }
    return out;
  }
  function heatColour(q) {  // a neuron's byte: 127.5 + 127.5 * a / scale
    var t = (q - 127.5) / 127.5;
    return mix(t >= 0 ? POS : NEG, Math.min(1, Math.abs(t)) * 0.9);
  }
  function paint(canvas, side, value) {  // value(r, c) -> colour; row 0 is the lowest x2
    canvas.width = side; canvas.height = side;
    var c2 = canvas.getContext("2d"), img = c2.createImageData(side, side);
    for (var r = 0; r < side; r++) {
      for (var c = 0; c < side; c++) {
        var col = value(r, c), at = ((side - 1 - r) * side + c) * 4;
        img.data[at] = col[0]; img.data[at + 1] = col[1]; img.data[at + 2] = col[2];
        img.data[at + 3] = 255;
      }
    }
    c2.putImageData(img, 0, 0);
    return canvas;
  }
  function bytes(s, key) {
    var cache = "_" + key;
    if (!s[key]) { return null; }
    if (!s[cache]) {
      var bin = atob(s[key]), a = new Uint8Array(bin.length);
      for (var k = 0; k < bin.length; k++) { a[k] = bin.charCodeAt(k); }
      s[cache] = a;
    }
    return s[cache];
  }

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

  // a neuron's heatmap: for layer li (0: inputs) and neuron j, a canvas or null
  var NG = D.neuron_n;
  function hiddenIndex(li, j) {
    var h = j;
    for (var l = 0; l < li - 1; l++) { h += net.layers[l].neurons.length; }
    return h;
  }
  function heatmap(li, j, canvas) {
    var s = D.snapshots[cur], L = net.layers.length;
    if (!D.extent) { return null; }
    if (li === 0) {
      var e = D.extent, lo = [e[0], e[2]], hi = [e[1], e[3]];
      var big = Math.max(Math.abs(lo[j] || 0), Math.abs(hi[j] || 0)) || 1;
      return paint(canvas, 24, function (r, c) {
        var t = (j === 0 ? c : r) / 23, v = lo[j] + t * (hi[j] - lo[j]);
        return heatColour(127.5 + 127.5 * v / big);
      });
    }
    if (li === L) {
      if (D.outputs !== 1 || !s.grid) { return null; }
      var g = bytes(s, "grid");
      return paint(canvas, D.grid_n, function (r, c) { return heatColour(g[r * D.grid_n + c]); });
    }
    var q = bytes(s, "neurons");
    if (!q) { return null; }
    var base = hiddenIndex(li, j) * NG * NG;
    return paint(canvas, NG, function (r, c) { return heatColour(q[base + r * NG + c]); });
  }

  var nodes = [], edges = [];  // nodes[layer][j] = {g, shape, image, square}; edges: {line, index}
  var wmax = 0, SMALL = 8;
  function columns() {
    var cols = [net.inputs.length].concat(net.layers.map(function (l) {
      return l.neurons.length; }));
    var W = 600, H = 420, mx = 58, my = 16;
    return cols.map(function (n, li) {
      var x = cols.length === 1 ? W / 2 : mx + li * (W - 2 * mx) / (cols.length - 1);
      var square = D.extent && n <= SMALL &&
        (li === 0 || li < cols.length - 1 ? (li === 0 || NG > 0) : D.outputs === 1);
      var size = square ? Math.min(52, (H - 2 * my) / (1.3 * n))
                        : Math.max(5, Math.min(22, (H - 2 * my) / (1.35 * n)));
      var gap = Math.min((H - 2 * my) / n, size * 1.45);
      var ys = [];
      for (var j = 0; j < n; j++) { ys.push(H / 2 + (j - (n - 1) / 2) * gap); }
      return {n: n, x: x, ys: ys, size: size, square: square};
    });
  }
  function buildEdges(cols, box) {
    var edgeLayer = svg("g", {"class": "edges"}, box), at = 0;
    net.layers.forEach(function (layer, li) {
      var a = cols[li], b = cols[li + 1];
      layer.neurons.forEach(function (n, j) {
        for (var k = 0; k < n.w.length; k++) {
          if (net.drawn) {
            var line = svg("line", {x1: a.x + a.size / 2, y1: a.ys[k], x2: b.x - b.size / 2,
                                    y2: b.ys[j], "stroke-linecap": "round"}, edgeLayer);
            edges.push({line: line, index: at + k, dense: a.n * b.n > 64});
          }
        }
        at += n.w.length + 1;
      });
    });
    D.snapshots.forEach(function (s) {
      edges.forEach(function (e) { wmax = Math.max(wmax, Math.abs(s.params[e.index])); });
    });
  }
  function buildNode(col, li, j, parent) {
    var g = svg("g", {"class": "neuron", tabindex: "0"}, parent);
    g.dataset.layer = li;
    g.dataset.index = j;
    var x = col.x, y = col.ys[j], h = col.size / 2, node = {g: g, square: col.square};
    if (col.square) {
      node.image = svg("image", {x: x - h, y: y - h, width: col.size, height: col.size,
                                 preserveAspectRatio: "none"}, g);
      node.shape = svg("rect", {x: x - h, y: y - h, width: col.size, height: col.size,
                                fill: "none", stroke: "#555", "stroke-width": 1,
                                "class": "shape"}, g);
    } else {
      node.shape = svg("circle", {cx: x, cy: y, r: h, stroke: "#555", "stroke-width": 1,
                                  fill: "#fff", "class": "shape"}, g);
    }
    if (li === 0) {
      text(g, x - h - 6, y + 6, "x" + sub(j + 1), {"text-anchor": "end", "class": "label"});
    }
    g.addEventListener("mouseenter", showTip);
    g.addEventListener("focus", showTip);
    g.addEventListener("mouseleave", hideTip);
    g.addEventListener("blur", hideTip);
    return node;
  }
  function buildNetwork() {
    var box = el("network");
    if (!net) {
      box.style.display = "none";
      el("legend").style.display = "none";
      el("network-note").textContent =
        "The network is drawn for models made of autograd_lite's layers (MLP, Layer, Neuron).";
      return;
    }
    if (!net.drawn) {
      el("network-note").textContent =
        "The network has too many weights to draw them all; hover over a neuron for its values.";
    }
    if (!NG) { el("legend-squares").textContent = ""; }
    var cols = columns();
    buildEdges(cols, box);
    var nodeLayer = svg("g", {"class": "nodes"}, box);
    cols.forEach(function (col, li) {
      var list = [];
      for (var j = 0; j < col.n; j++) { list.push(buildNode(col, li, j, nodeLayer)); }
      nodes.push(list);
      var name = li === 0 ? "inputs" : li === cols.length - 1 ? "output" :
        "layer " + li;
      var act = li === 0 ? "" : net.layers[li - 1].activation;
      var lastCol = li === cols.length - 1 && li > 0;  // kept inside the picture
      text(box, lastCol ? 596 : col.x, 412, name + (act ? " (" + act + ")" : ""),
           {"text-anchor": lastCol ? "end" : "middle"});
    });
  }

  var scratch = document.createElement("canvas");
  function drawNetwork(s) {
    if (!net) { return; }
    edges.forEach(function (e) {
      var w = s.params[e.index], rel = Math.abs(w) / (wmax || 1);
      // dense layers: the weak weights thin and faint, the strong ones stand out
      var width = e.dense ? 0.3 + 5.5 * rel * rel : 0.4 + 4.2 * rel;
      var opacity = e.dense ? 0.06 + 0.9 * Math.pow(rel, 1.5) : 0.65;
      e.line.setAttribute("stroke", rgb(w >= 0 ? POS : NEG));
      e.line.setAttribute("stroke-width", width.toFixed(2));
      e.line.setAttribute("stroke-opacity", opacity.toFixed(2));
    });
    nodes.forEach(function (list, li) {
      list.forEach(function (node, j) {
        if (!node.square) { return; }
        var c = heatmap(li, j, scratch);
        if (c) { node.image.setAttribute("href", c.toDataURL()); }
      });
    });
    if (!probe) { return; }
    var acts = [probe].concat(forward(s.params, probe).map(function (l) { return l.a; }));
    var big = 0;
    acts.forEach(function (a) { a.forEach(function (v) { big = Math.max(big, Math.abs(v)); }); });
    acts.forEach(function (a, li) {
      a.forEach(function (v, j) {
        if (nodes[li][j].square) { return; }
        var t = Math.min(1, Math.abs(v) / (big || 1));
        nodes[li][j].shape.setAttribute("fill", rgb(mix(v >= 0 ? POS : NEG, 0.15 + 0.75 * t)));
      });
    });
  }

  function tipLines(li, j) {
    var s = D.snapshots[cur];
    var where = probe ? "at the probe (" + probe.map(fmt).join(", ") + "), step " + s.step
                      : "step " + s.step;
    if (li === 0) {
      return ["x" + sub(j + 1) + " (" + net.inputs[j] + ")",
              "input " + (j + 1) + " = " + (probe ? fmt(probe[j]) : "\u2014"), where];
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
  function tipHeatmap(li, j, tip) {
    var c = heatmap(li, j, document.createElement("canvas"));
    if (!c) { return; }
    tip.appendChild(c);
    var d = document.createElement("div"), s = D.snapshots[cur];
    if (li > 0 && li < net.layers.length) {
      var scale = s.scales[hiddenIndex(li, j)];
      d.textContent = "over the plane: \u2212" + fmt(scale) + " orange \u2026 +" + fmt(scale) +
        " blue";
    } else {
      d.textContent = li === 0 ? "over the plane" : "over the plane (the output panel's)";
    }
    tip.appendChild(d);
  }
  function fillTip() {
    if (!hovered) { return; }
    var tip = el("tooltip"), li = +hovered.dataset.layer, j = +hovered.dataset.index;
    while (tip.firstChild) { tip.removeChild(tip.firstChild); }
    tipLines(li, j).forEach(function (line, i) {
      var d = document.createElement("div");
      d.textContent = line;
      if (i === 0) { d.className = "name"; }
      tip.appendChild(d);
    });
    tipHeatmap(li, j, tip);
  }
  function showTip(ev) {
    hovered = ev.currentTarget;
    fillTip();
    var tip = el("tooltip");
    tip.hidden = false;
    var r = hovered.getBoundingClientRect();
    var left = r.right + 8, top = r.top;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    // inside the network's panel when it fits there: the output panel stays in view
    var right = Math.min(window.innerWidth, el("network").getBoundingClientRect().right);
    if (left + w > right) {
      if (r.left - w - 8 >= 0) { left = r.left - w - 8; }
      else {  // neither side: under (or over) the neuron, within the panel
        left = Math.max(0, right - w);
        top = r.bottom + 8 + h <= window.innerHeight ? r.bottom + 8 : r.top - h - 8;
      }
    }
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
  function buildOutputAxes() {
    if (!D.extent) { return; }
    var box = el("output"), e = D.extent, X0 = 46, Y0 = 8, S = 340;
    svg("rect", {x: X0, y: Y0, width: S, height: S, fill: "none", stroke: "#888"}, box);
    ticks(e[0], e[1], 6).forEach(function (v) {
      var x = X0 + (v - e[0]) / (e[1] - e[0]) * S;
      svg("line", {x1: x, x2: x, y1: Y0 + S, y2: Y0 + S + 5, stroke: "#444"}, box);
      text(box, x, Y0 + S + 17, fmt(v), {"text-anchor": "middle"});
    });
    ticks(e[2], e[3], 6).forEach(function (v) {
      var y = Y0 + S - (v - e[2]) / (e[3] - e[2]) * S;
      svg("line", {x1: X0 - 5, x2: X0, y1: y, y2: y, stroke: "#444"}, box);
      text(box, X0 - 7, y + 4, fmt(v), {"text-anchor": "end"});
    });
    text(box, X0 + S / 2, Y0 + S + 38, "x\u2081", {"text-anchor": "middle", "class": "label"});
    text(box, 12, Y0 + S / 2, "x\u2082", {"text-anchor": "middle", "class": "label"});
    colourBar(box, X0 + S + 10, Y0, S);
  }
  function colourBar(box, x, y, h) {
    if (D.outputs !== 1) {
      for (var c = 0; c < Math.min(D.outputs, 10); c++) {
        svg("rect", {x: x, y: y + c * 18, width: 12, height: 12,
                     fill: rgb(mix(PALETTE[c], 0.45)), stroke: "#888"}, box);
        text(box, x + 16, y + c * 18 + 10, "class " + c);
      }
      return;
    }
    var steps = 60;
    for (var k = 0; k < steps; k++) {  // the bar is linear in tanh(score), as the colours
      var t = 1 - 2 * (k + 0.5) / steps;
      svg("rect", {x: x, y: y + k * h / steps, width: 12, height: h / steps + 0.5,
                   fill: rgb(mix(t >= 0 ? POS : NEG, 0.12 + 0.5 * Math.abs(t)))}, box);
    }
    svg("rect", {x: x, y: y, width: 12, height: h, fill: "none", stroke: "#888"}, box);
    [-3, -1, 0, 1, 3].forEach(function (v) {
      var yy = y + h / 2 - Math.tanh(v) * h / 2;
      svg("line", {x1: x + 12, x2: x + 16, y1: yy, y2: yy, stroke: "#444"}, box);
      text(box, x + 18, yy + 4, fmt(v));
    });
    text(box, x + 6, y + h + 38, "output", {"text-anchor": "middle"});
  }
  function drawOutput(i) {
    if (!D.extent) {
      el("output-panel").style.display = "none";
      return;
    }
    var g = bytes(D.snapshots[i], "grid");
    paint(off, n, function (r, c) { return cellColour(g[r * n + c]); });
    ctx.clearRect(0, 0, CW, CH);
    ctx.imageSmoothingEnabled = true;
    // each grid point's pixel centred on its place in the plane
    var hx = CW / (2 * (n - 1)), hy = CH / (2 * (n - 1));
    ctx.drawImage(off, 0, 0, n, n, -hx, -hy, CW + 2 * hx, CH + 2 * hy);
    if (D.outputs === 1) { contour(g); }
    function dot(p, ring, width) {
      var xy = toPx(p[0], p[1]);
      var colour = D.outputs === 1 ? (p[2] > 0 ? POS : NEG)
                                   : PALETTE[p[2] % PALETTE.length];
      ctx.beginPath();
      ctx.arc(xy[0], xy[1], 3.6, 0, 2 * Math.PI);
      ctx.fillStyle = rgb(colour);
      ctx.fill();
      ctx.lineWidth = width;
      ctx.strokeStyle = ring;
      ctx.stroke();
    }
    D.points.forEach(function (p) { dot(p, "#fff", 1); });
    // the test set as Playground draws it: ringed in black
    (D.test_points || []).forEach(function (p) { dot(p, "#000", 1.6); });
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
  function lossScale(log) {
    var lo = Infinity, hi = -Infinity;
    var all = D.curve.loss.concat(D.curve.test_loss || [], D.snapshots.map(function (s) {
      return s.loss; }), D.snapshots.map(function (s) { return s.test_loss; }));
    all.forEach(function (v) {
      if (typeof v !== "number" || (log && v <= 0)) { return; }
      lo = Math.min(lo, v); hi = Math.max(hi, v);
    });
    if (!isFinite(lo)) { lo = log ? 0.1 : 0; hi = 1; }
    if (log) {
      var a = Math.floor(Math.log10(lo)), b = Math.ceil(Math.log10(hi));
      if (a === b) { b = a + 1; }
      var tk = [];
      for (var p = a; p <= b; p++) { tk.push(Math.pow(10, p)); }
      return {lo: a, hi: b, f: function (v) { return Math.log10(Math.max(v, lo)); }, ticks: tk};
    }
    lo = Math.min(0, lo);
    if (hi === lo) { hi = lo + 1; }
    var t = ticks(lo, hi, 4);
    hi = Math.max(hi, t[t.length - 1]);
    return {lo: lo, hi: hi, f: function (v) { return v; }, ticks: t};
  }
  function buildCurves() {
    var box = el("curves");
    while (box.firstChild) { box.removeChild(box.firstChild); }
    var C = D.curve, last = D.steps || 1, log = el("logscale").checked;
    var tested = !!C.test_loss, shift = tested ? 24 : 0;
    var charts = [{key: "loss", top: 10 + shift, label: log ? "loss (log scale)" : "loss"}];
    if (C.accuracy) { charts.push({key: "accuracy", top: 165 + shift, label: "accuracy"}); }
    if (tested) { legend(box); }
    var L = 58, R = 390, h = 120;
    var X = function (k) { return L + (R - L) * k / last; };
    charts.forEach(function (chart) {
      var ys = C[chart.key];
      var sc = chart.key === "loss" ? lossScale(log)
        : {lo: 0, hi: 1, f: function (v) { return v; }, ticks: [0, 0.5, 1]};
      var Y = function (v) { return chart.top + h - (sc.f(v) - sc.lo) / (sc.hi - sc.lo) * h; };
      svg("rect", {x: L, y: chart.top, width: R - L, height: h, fill: "#fcfcfc",
                   stroke: "#ccc"}, box);
      sc.ticks.forEach(function (v) {
        var y = Y(v);
        svg("line", {x1: L, x2: R, y1: y, y2: y, stroke: "#eee"}, box);
        text(box, L - 4, y + 4, chart.key === "accuracy" ? pct(v).replace(".0", "") : fmt(v),
             {"text-anchor": "end"});
      });
      var pts = [];
      for (var k = 0; k < ys.length; k++) {
        if (typeof ys[k] === "number") {
          pts.push(X(C.step[k]).toFixed(1) + "," + Y(ys[k]).toFixed(1));
        }
      }
      svg("polyline", {points: pts.join(" "), fill: "none", stroke: TRAIN[chart.key],
                       "stroke-width": 1.5, "class": "train"}, box);
      var tys = C["test_" + chart.key];
      if (tys) {
        var tpts = [];
        for (var q = 0; q < tys.length; q++) {
          if (typeof tys[q] === "number") {
            tpts.push(X(C.step[q]).toFixed(1) + "," + Y(tys[q]).toFixed(1));
          }
        }
        svg("polyline", {points: tpts.join(" "), fill: "none", stroke: TEST,
                         "stroke-width": 1.6, "stroke-dasharray": "5,3", "class": "test"}, box);
      }
      D.snapshots.forEach(function (s) {
        var v = s[chart.key], tv = s["test_" + chart.key];
        if (typeof v === "number") {
          svg("circle", {cx: X(s.step), cy: Y(v), r: 2.2, fill: "#333", "class": "dot"}, box);
        }
        if (typeof tv === "number") {
          svg("circle", {cx: X(s.step), cy: Y(tv), r: 2.2, fill: "#fff", stroke: TEST,
                         "stroke-width": 1.2, "class": "test-dot"}, box);
        }
      });
      text(box, R - 4, chart.top + 14, chart.label, {"text-anchor": "end"});
      var m = svg("line", {x1: L, x2: L, y1: chart.top, y2: chart.top + h, stroke: "#000",
                           "stroke-dasharray": "3,2"}, box);
      marks[chart.key] = {line: m, X: X};
    });
    var bottom = charts[charts.length - 1].top + h;
    ticks(0, last, 5).forEach(function (v) {
      svg("line", {x1: X(v), x2: X(v), y1: bottom, y2: bottom + 4, stroke: "#444"}, box);
      text(box, X(v), bottom + 19, String(v), {"text-anchor": v === last ? "end" : "middle"});
    });
    text(box, (L + R) / 2, bottom + 38, "step (updates made)", {"text-anchor": "middle"});
    box.setAttribute("viewBox", "0 0 400 " + (bottom + 46));
    drawCurves(D.snapshots[cur]);
  }
  var TRAIN = {loss: "#d95f02", accuracy: "#1b9e77"}, TEST = "#7570b3";
  function legend(box) {  // one row above the charts: which line is which
    var y = 16, x = 58;
    [["training batch", TRAIN.loss, "", "#333"], ["test set", TEST, "5,3", null]].forEach(
      function (item) {
        svg("line", {x1: x, x2: x + 22, y1: y - 5, y2: y - 5, stroke: item[1],
                     "stroke-width": 2, "stroke-dasharray": item[2]}, box);
        if (item[3]) {
          svg("line", {x1: x + 24, x2: x + 36, y1: y - 5, y2: y - 5,
                       stroke: TRAIN.accuracy, "stroke-width": 2}, box);
        }
        var t = text(box, x + (item[3] ? 41 : 27), y, item[0], {"class": "axis legend"});
        x += (item[3] ? 41 : 27) + t.getComputedTextLength() + 16;
      });
  }
  function drawCurves(s) {
    for (var key in marks) {
      var x = marks[key].X(s.step);
      marks[key].line.setAttribute("x1", x);
      marks[key].line.setAttribute("x2", x);
    }
  }
  function lastBatchNote() {
    var b = D.last_batch, s = D.snapshots[N - 1];
    if (b.loss === null) { return; }
    el("last-batch").textContent = "Step " + b.step + "'s batch, before its update " +
      "(history.loss[-1]): " + fmt(b.loss) + ". After it, on the whole training set " +
      "(the last dot, history.record.final): " + fmt(s.loss) +
      (s.test_loss === undefined ? "" : "; on the test set: " + fmt(s.test_loss)) + ".";
  }
  function settingsLine() {
    var box = el("settings"), parts = [];
    if (net) {
      var sizes = [net.inputs.length].concat(net.layers.map(function (l) {
        return l.neurons.length; }));
      parts.push(["network", sizes.join("\u2013") + " (" + net.layers.map(function (l) {
        return l.activation; }).join(", ") + ")"]);
    }
    var st = D.settings || {};
    for (var k in st) { parts.push([k, st[k]]); }
    if (D.lr) { parts.push(["learning rate", D.lr]); }
    parts.push(["snapshot every", D.every + " steps"]);
    parts.forEach(function (p, i) {
      var b = document.createElement("b");
      b.textContent = (i ? " \u00B7 " : "") + p[0] + " ";
      box.appendChild(b);
      box.appendChild(document.createTextNode(p[1]));
    });
  }

  // --- scrubbing -----------------------------------------------------------------------
  function show(i) {
    cur = Math.max(0, Math.min(N - 1, i));
    var s = D.snapshots[cur];
    el("slider").value = cur;
    el("counter").textContent = "Snapshot " + (cur + 1) + " of " + N;
    el("last-batch").hidden = cur !== N - 1; // it speaks of the last step only
    el("readout").textContent = "step " + s.step + " of " + D.steps + "   loss " + fmt(s.loss) +
      (s.accuracy === null ? "" : "   accuracy " + pct(s.accuracy)) +
      (s.test_loss === undefined ? "" : "   test loss " + fmt(s.test_loss) +
        (s.test_accuracy === null ? "" : "   test accuracy " + pct(s.test_accuracy)));
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
  el("logscale").addEventListener("change", buildCurves);
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
  function testNotes() {
    if (!D.curve.test_loss) { return; }
    var note = el("test-note"), code = document.createElement("code");
    code.textContent = "history.test_loss";
    note.appendChild(document.createTextNode(
      " Dashed: the whole test set, on the same parameters (as "));
    note.appendChild(code);
    note.appendChild(document.createTextNode("); open dots: its snapshots."));
    if (D.test_points && D.test_points.length) {
      el("output-note").appendChild(document.createTextNode(
        " Points ringed in black: the test set, held out of training."));
    }
  }
  testNotes();
  buildNetwork();
  buildOutputAxes();
  buildCurves();
  lastBatchNote();
  settingsLine();
  show(0);
}());
"""
