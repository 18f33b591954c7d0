"""The stepper pages' body, style and script, put in the page skeleton (:mod:`viz._page`)
by the step engine (:mod:`viz._stepping`) for :func:`viz.stepper` and
:func:`viz.forward_stepper`.

Placeholders ``%%NAME%%`` are replaced in one pass. The script reads the steps from a JSON
block and only ever writes text with ``textContent``, so labels can never become markup.
"""

BODY = """<header>
  <h1>%%TITLE%%</h1>
  <nav aria-label="%%PASS%% controls">
    <button type="button" id="reset" title="Reset (Home)">&#x21BA; Reset</button>
    <button type="button" id="prev" title="Previous step (&#x2190;)">&#x25C0; Previous</button>
    <button type="button" id="play" title="Play / pause (space)">&#x25B6; Play</button>
    <button type="button" id="next" title="Next step (&#x2192;)">Next &#x25B6;</button>
    <button type="button" id="zoom-out" title="Smaller (&#x2212;)">&#x2212;</button>
    <button type="button" id="fit" title="Fit the whole graph to the window (0)">Fit</button>
    <button type="button" id="zoom-in" title="Larger (+)">+</button>
    <span id="counter" aria-live="polite">Step 0 of %%NSTEPS%%</span>
  </nav>
</header>
<section id="panel" aria-live="polite">
  <h2 id="step-title">Before the %%PASS%%</h2>
  %%INTRO%%<ol id="step-lines"></ol>
</section>
<main id="graph">
%%SVG%%
</main>
<footer>Keys: &#x2192; next, &#x2190; previous, space play/pause, Home reset, + &#x2212; 0 zoom.
%%LEGEND%%</footer>"""

STYLE = """
html, body { height: 100%; }
/* only the picture scrolls, so the controls and the step text stay in view */
/* the text grows with the window, read from the back of a room on a projector: 16 px at
   1024 px wide, 20 px at 1920 (the panel's lines 23 px, the keys' line 16 px) */
body { font-family: "DejaVu Sans", Verdana, sans-serif; margin: 0; color: #222;
       font-size: clamp(16px, 1.05vw, 20px); background: #fff; display: flex;
       flex-direction: column; overflow: hidden; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 0.4em 1em;
         padding: 0.5em 1em; border-bottom: 1px solid #ccc; background: #fafafa; }
h1 { font-size: 1.3em; margin: 0; }
nav { display: flex; align-items: center; gap: 0.4em; flex-wrap: wrap; }
button { font: inherit; font-size: 1em; padding: 0.3em 0.65em; border-radius: 6px;
         border: 1px solid #888; background: #fff; cursor: pointer; }
button:hover:enabled { background: #eef; }
button:disabled { color: #aaa; border-color: #ddd; cursor: default; }
#counter { font-size: 1.1em; margin-left: 0.5em; font-weight: bold; }
/* a fixed height: a step with many operands scrolls its text instead of squeezing the
   picture */
#panel { flex: none; box-sizing: border-box; height: clamp(6.5em, 21vh, 12em); overflow: auto;
         padding: 0.4em 1em 0.6em; border-bottom: 1px solid #ccc; background: #fffdf6; }
#step-title { font-size: 1.15em; margin: 0.2em 0 0.3em; font-weight: normal; }
#step-lines { margin: 0; padding-left: 1.4em; font-size: 1.15em; line-height: 1.5; }
#step-lines li { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace;
                 white-space: pre-wrap; overflow-wrap: anywhere; }
/* auto margins centre a picture smaller than the window and, unlike centring by
   alignment, never push the part of a larger one out of reach of the scroll bars */
#graph { overflow: auto; flex: 1 1 auto; min-height: 0; display: flex; }
#graph svg { flex: none; margin: auto; display: block; }
#graph svg.off { display: none; }
header, footer { flex: none; }
footer { border-top: 1px solid #ccc; font-size: 0.8em; color: #666; padding: 0.3em 1em; }
/* dot's SVG keeps scripts at full size; print them a little smaller, as in a book */
g.node text[baseline-shift] { font-size: 11.5px; }
g.node.current polygon, g.node.current ellipse { stroke: #d95f02; stroke-width: 4px; }
g.node.updated polygon { stroke: #1b9e77; stroke-width: 3px; }
g.node.updated text.grad { fill: #0d7a5a; }
g.edge.active path { stroke: #d95f02; stroke-width: 4px; }
g.edge.active polygon { stroke: #d95f02; fill: #d95f02; }
/* said before the first step, in the panel, so it takes no room from the picture */
#costs { font-size: 1em; margin: 0.2em 0; line-height: 1.4; }
"""

SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("steps-data").textContent);
  // one picture per layout (values side by side, or stacked); one is shown at a time, and
  // both are marked and updated alike
  var svgs = Array.prototype.slice.call(document.querySelectorAll("#graph svg"));
  var svg = svgs[0];
  var nSteps = data.steps.length;
  var byTitle = {};
  document.querySelectorAll("#graph g.node, #graph g.edge").forEach(function (g) {
    var t = g.querySelector("title");
    if (!t) { return; }
    (byTitle[t.textContent] = byTitle[t.textContent] || []).push(g);
  });
  // The number each value node shows, grad or (on the forward page) tangent: its last text
  // that starts with the cell's word.
  var cell = data.cell || "grad ";
  var gradText = data.nodes.map(function (n) {
    return svgs.map(function (s) {
      var found = null;
      (byTitle[n.id] || []).forEach(function (g) {
        if (!s.contains(g)) { return; }
        g.querySelectorAll("text").forEach(function (t) {
          if (t.textContent.indexOf(cell) === 0) { found = t; }
        });
      });
      if (found) {
        found.classList.add("grad");
        // dot laid the cell out for the widest number the steps show, and starts the text at
        // its left: centre it, as the data cells are, so that a shorter number stays centred
        var x = parseFloat(found.getAttribute("x")) + found.getComputedTextLength() / 2;
        found.setAttribute("x", x.toFixed(2));
        found.setAttribute("text-anchor", "middle");
      }
      return found;
    }).filter(function (t) { return t !== null; });
  });
  var state = 0;
  var timer = null;
  var el = function (id) { return document.getElementById(id); };

  function mark(title, cls) {
    (byTitle[title] || []).forEach(function (g) { g.classList.add(cls); });
  }

  // The picture's size. zoom null (as the page opens): fitted whole to the window, in the
  // layout whose text is then larger, as large as that allows up to data.max_scale but
  // never below data.min_scale (its text still readable: a larger graph is scrolled).
  // zoom "whole" (Fit, key 0): the whole graph, however small. A number: the scale the
  // - and + buttons chose, in the layout shown.
  var view = el("graph");
  var natural = svgs.map(function (s) {
    var vb = s.viewBox.baseVal;
    return { w: vb.width * 4 / 3, h: vb.height * 4 / 3 };  // dot draws in points
  });
  var shown = 0;
  var zoom = null;
  var MARGIN = 12;

  function wholeGraphScale(i) {
    // the box's full size: a whole graph leaves no room for scroll bars to take
    return Math.min((view.offsetWidth - 2 * MARGIN) / natural[i].w,
                    (view.offsetHeight - 2 * MARGIN) / natural[i].h);
  }
  function fittedLayout() {
    // the larger text wins; side by side (the first) unless the other is clearly larger
    var best = 0;
    for (var i = 1; i < svgs.length; i++) {
      if (Math.min(wholeGraphScale(i), data.max_scale) >
          1.05 * Math.min(wholeGraphScale(best), data.max_scale)) { best = i; }
    }
    return best;
  }
  function scale() {
    if (typeof zoom === "number") { return zoom; }
    var whole = Math.min(wholeGraphScale(shown), data.max_scale);
    return zoom === "whole" ? whole : Math.max(whole, data.min_scale);
  }
  function resize() {
    if (typeof zoom !== "number") { shown = fittedLayout(); }
    svg = svgs[shown];
    svgs.forEach(function (s, i) { s.classList.toggle("off", i !== shown); });
    var s = scale();
    svg.setAttribute("width", (natural[shown].w * s).toFixed(1) + "px");
    svg.setAttribute("height", (natural[shown].h * s).toFixed(1) + "px");
    // Fit is only idle when the whole graph is in view as fitted
    el("fit").disabled = Math.abs(s - Math.min(wholeGraphScale(shown), data.max_scale)) < 1e-3;
  }

  // Scroll only the picture (scrollIntoView would also scroll a notebook around the page),
  // and only as far as needed: the nodes titled `must` have to be in view, `want` too
  // where they fit beside them. What is in view already stays where it is.
  function bounds(ids) {
    var r = null;
    ids.forEach(function (id) {
      (byTitle[id] || []).forEach(function (g) {
        if (!svg.contains(g)) { return; }
        var b = g.getBoundingClientRect();
        r = r === null ? { l: b.left, t: b.top, r: b.right, b: b.bottom }
          : { l: Math.min(r.l, b.left), t: Math.min(r.t, b.top),
              r: Math.max(r.r, b.right), b: Math.max(r.b, b.bottom) };
      });
    });
    return r;
  }
  function scrollTo(lo, hi, want, must, size) {
    // the shift that brings [want] (else [must]) into [lo + MARGIN, hi - MARGIN]
    var span = (want && want[1] - want[0] <= size - 2 * MARGIN) ? want : must;
    if (span[0] >= lo + MARGIN && span[1] <= hi - MARGIN) { return 0; }
    return (span[0] + span[1]) / 2 - (lo + hi) / 2;
  }
  function focus(must, want) {
    var m = bounds(must);
    if (m === null) { return; }
    var w = bounds(must.concat(want));
    var b = view.getBoundingClientRect();
    var left = b.left + view.clientLeft, top = b.top + view.clientTop;
    view.scrollLeft += scrollTo(left, left + view.clientWidth, w && [w.l, w.r], [m.l, m.r],
                                view.clientWidth);
    view.scrollTop += scrollTo(top, top + view.clientHeight, w && [w.t, w.b], [m.t, m.b],
                               view.clientHeight);
  }
  function focusStep(k) {
    if (nSteps === 0) { return; }
    // before the first step, the node the pass starts from
    var step = data.steps[Math.max(k, 1) - 1];
    var node = data.nodes[step.node];
    var operands = node.parents.map(function (p) { return data.nodes[p].id; });
    focus([node.id], k === 0 ? [] : [node.id + "_op"].concat(operands));
  }
  function setZoom(z) {
    zoom = z;
    resize();
    focusStep(state);
  }

  function gradsAfter(k) {
    var g = data.nodes.map(function () { return data.fmt_zero; });
    for (var s = 0; s < k; s++) {
      data.steps[s].updates.forEach(function (u) { g[u[0]] = u[1]; });
    }
    return g;
  }

  function show(k) {
    state = k;
    var g = gradsAfter(k);
    gradText.forEach(function (ts, i) {
      ts.forEach(function (t) {
        if (t.textContent !== cell + g[i]) { t.textContent = cell + g[i]; }
      });
    });
    view.querySelectorAll(".current, .active, .updated").forEach(function (x) {
      x.classList.remove("current", "active", "updated");
    });
    var costs = el("costs");
    if (costs) { costs.hidden = k !== 0; }
    var lines = el("step-lines");
    while (lines.firstChild) { lines.removeChild(lines.firstChild); }
    if (k === 0) {
      el("step-title").textContent = data.before ||
        "Before the backward pass: every grad is 0. Press Next (\u2192) to start.";
    } else {
      var step = data.steps[k - 1];
      var node = data.nodes[step.node];
      mark(node.id, "current");
      mark(node.id + "_op", "current");
      node.parents.forEach(function (p) {
        mark(data.nodes[p].id + "->" + node.id + "_op", "active");
      });
      mark(node.id + "_op->" + node.id, "active");
      step.updates.forEach(function (u) {
        if (u[0] !== step.node) { mark(data.nodes[u[0]].id, "updated"); }
      });
      el("step-title").textContent = step.title;
      step.lines.forEach(function (line) {
        var li = document.createElement("li");
        li.textContent = line;
        lines.appendChild(li);
      });
    }
    el("panel").scrollTop = 0;
    focusStep(k);
    el("counter").textContent = "Step " + k + " of " + nSteps;
    el("prev").disabled = k === 0;
    el("reset").disabled = k === 0;
    el("next").disabled = k === nSteps;
    if (k === nSteps) { stop(); }
    el("play").disabled = k === nSteps;
  }

  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    el("play").textContent = "\u25B6 Play";
  }
  function next() { if (state < nSteps) { show(state + 1); } }
  function prev() { stop(); if (state > 0) { show(state - 1); } }
  function reset() { stop(); show(0); }
  function togglePlay() {
    if (timer !== null) { stop(); return; }
    if (state >= nSteps) { return; }
    el("play").textContent = "\u275A\u275A Pause";
    next();
    timer = setInterval(next, data.interval);
  }

  el("next").addEventListener("click", function () { stop(); next(); });
  el("prev").addEventListener("click", prev);
  el("reset").addEventListener("click", reset);
  el("play").addEventListener("click", togglePlay);
  function zoomBy(f) {
    var least = Math.min(wholeGraphScale(shown), data.min_scale);
    setZoom(Math.min(Math.max(scale() * f, least), 4));
  }
  el("fit").addEventListener("click", function () { setZoom("whole"); });
  el("zoom-in").addEventListener("click", function () { zoomBy(1.25); });
  el("zoom-out").addEventListener("click", function () { zoomBy(0.8); });
  window.addEventListener("resize", function () { resize(); focusStep(state); });
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    // a focused button handles space and Enter itself
    if (e.target && e.target.tagName === "BUTTON" && (e.key === " " || e.key === "Enter")) {
      return;
    }
    if (e.key === "ArrowRight") { stop(); next(); }
    else if (e.key === "ArrowLeft") { prev(); }
    else if (e.key === "Home") { reset(); }
    else if (e.key === " ") { togglePlay(); }
    else if (e.key === "+" || e.key === "=") { zoomBy(1.25); }
    else if (e.key === "-") { zoomBy(0.8); }
    else if (e.key === "0") { setZoom("whole"); }
    else { return; }
    e.preventDefault();
  });
  resize();
  show(0);
}());
"""
