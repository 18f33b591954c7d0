// The lab's page: rooms, the link that carries a question, and the two engine workers.
"use strict";

const SEED = {
  formula:
    "s(x) = 1/(1+exp(-x))\nd(x) = s(x)*(1-s(x))\n" +
    "O = s(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)",
  values: "I=1,w1=0.5,w2=0.5,w3=0.5,w4=0.5,w5=0.5",
  wrt: "w1",
  yours:
    "d(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)" +
    " * (d(s(I*w1+1)*w2+1)*d(I*w1+1)*I + d(s(I*w1+1)*w3+1)*d(I*w1+1)*I)",
};
const FIELDS = ["formula", "values", "wrt", "yours"];
const CHECK_TIME_LIMIT_MS = 20000; // the library bounds its work; this bounds the worker
const $ = (id) => document.getElementById(id);

// ---- engine workers: requests answered by id, a worker that hangs is replaced ----
class Engine {
  constructor(onReady) {
    this.onReady = onReady;
    this.start();
  }
  start() {
    this.worker = new Worker("worker.js");
    this.pending = new Map();
    this.next = 1;
    this.worker.onmessage = (e) => {
      const p = this.pending.get(e.data.id);
      if (!p) return;
      this.pending.delete(e.data.id);
      clearTimeout(p.timer);
      e.data.ok ? p.resolve(e.data.result) : p.reject(new Error(e.data.error));
    };
    this.ready = this.ask({ type: "hello" }, 120000).then((r) => {
      if (this.onReady) this.onReady(r);
      return r;
    });
  }
  ask(msg, limit) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const timer = limit
        ? setTimeout(() => this.restart(id, limit), limit)
        : null;
      this.pending.set(id, { resolve, reject, timer });
      this.worker.postMessage({ ...msg, id });
    });
  }
  restart(id, limit) {
    // the worker is stopped, not waited for: every request still open gets an answer
    const p = this.pending.get(id);
    this.worker.terminate();
    for (const [other, q] of this.pending) {
      clearTimeout(q.timer);
      if (other !== id) q.reject(new Error("the engine restarted before answering"));
    }
    if (p) p.reject(new Error(`stopped after ${limit / 1000} s without an answer; the engine restarts`));
    this.start();
  }
}

// ---- rooms and the link ----
function readHash() {
  const h = location.hash.replace(/^#/, "");
  const [room, query] = h.split("?");
  return { room: ["check", "playground", "steppers"].includes(room) ? room : "check",
           params: new URLSearchParams(query || "") };
}

function show(room) {
  for (const r of ["check", "playground", "steppers"]) {
    $("room-" + r).hidden = r !== room;
    document.querySelector(`nav a[data-room=${r}]`).classList.toggle("here", r === room);
  }
  if (room === "playground") Playground.open();
  if (room === "steppers") loadSteppers();
  if (room === "check") checkOnOpening();
}

function question() {
  const q = {};
  for (const f of FIELDS) q[f] = $(f).value;
  return q;
}

function questionLink(q) {
  const p = new URLSearchParams();
  for (const f of FIELDS) p.set(f, q[f]);
  return "#check?" + p.toString();
}

function fill(params) {
  const given = FIELDS.some((f) => params.has(f));
  for (const f of FIELDS) $(f).value = given ? params.get(f) || "" : SEED[f];
}

function quote(a) {
  return /^[\w.,=+-]+$/.test(a) ? a : '"' + a.replace(/(["\\$`])/g, "\\$1").replace(/\n/g, "; ") + '"';
}

// ---- Check my backprop ----
let checker = null;
let started = performance.now();

// ---- the question typeset: LaTeX from autograd_lite.formula.latex, drawn by KaTeX ----
let katexMacros = {}; // escape.latex's kernel commands that KaTeX lacks (manifest.json)
let manifest = null;
let typesetAsked = 0;

function loadManifest() {
  // asked when first needed, so a page opened as a file fetches nothing
  manifest = manifest || fetch("manifest.json").then((r) => r.json()).then((m) => {
    katexMacros = m.katex_macros || {};
  }).catch(() => {});
  return manifest;
}
let katexLoaded = null;

function loadKatex() {
  // KaTeX is loaded once the engine is ready, so it takes nothing from the engine's start
  katexLoaded = katexLoaded || new Promise((resolve) => {
    const script = document.createElement("script");
    script.src = "katex/katex.min.js";
    script.onload = script.onerror = resolve; // without it, the LaTeX is shown as text
    document.head.append(script);
  });
  return katexLoaded;
}

function renderMath(element, tex, displayMode) {
  try {
    katex.render(tex, element, {
      displayMode, throwOnError: false, trust: false, strict: "ignore",
      maxExpand: 1000, maxSize: 20, macros: { ...katexMacros } });
  } catch (err) {
    element.textContent = tex;
  }
}

function showMath(element, answer) {
  // KaTeX builds the nodes from the LaTeX, in which every name went through escape.latex;
  // a message of the reader is text, never markup
  element.replaceChildren();
  element.answer = answer;
  element.classList.remove("wrapped", "scrolls");
  element.style.fontSize = "";
  element.classList.toggle("error", !!(answer && answer.error));
  element.closest(".math-row").hidden = !answer;
  if (!answer) return;
  if (answer.error) {
    element.textContent = answer.error;
    return;
  }
  renderMath(element, answer.tex, true);
}

async function fitMath(elements) {
  // Long math fits its row: a formula of one line breaks after its operators, as TeX breaks
  // math in a paragraph (KaTeX does so in inline mode, at the top level); what cannot break
  // (the chain rule's aligned lines) is set smaller, down to 75%; past that it scrolls,
  // and says so. Measured once KaTeX's fonts are in: laying the math out asks for them.
  for (const e of elements) void e.scrollWidth;
  await document.fonts.ready;
  for (const e of elements) {
    if (e.answer && e.answer.tex) fitOne(e, e.answer.tex);
  }
}

function fitOne(element, tex) {
  const overflows = () => element.scrollWidth > element.clientWidth + 1;
  if (!overflows()) return;
  if (!/\\begin\{/.test(tex)) {
    element.replaceChildren();
    renderMath(element, "\\displaystyle " + tex, false);
    element.classList.add("wrapped");
    if (!overflows()) return;
  }
  for (const size of ["0.9em", "0.8em", "0.75em"]) {
    element.style.fontSize = size;
    if (!overflows()) return;
  }
  element.classList.add("scrolls");
}

let refitTimer = null;
function refitMath() {
  // the row's width changed: each formula is set again for it
  clearTimeout(refitTimer);
  refitTimer = setTimeout(() => {
    if ($("typeset").hidden || !window.katex) return;
    const rows = ["tex-formula", "tex-yours", "tex-derivative"].map($);
    for (const e of rows) showMath(e, e.answer);
    fitMath(rows);
  }, 150);
}

async function typeset(withDerivative) {
  const asked = ++typesetAsked;
  const q = question();
  await Promise.all([loadManifest(), loadKatex()]);
  try {
    const r = await checker.ask({ type: "typeset", ...q, derivative: withDerivative },
                                CHECK_TIME_LIMIT_MS);
    if (asked !== typesetAsked) return; // a later question is being typeset
    $("typeset").hidden = false; // shown once the engine has typeset the question (and
    // before the math is set, which is fitted to the row's width)
    showMath($("tex-formula"), r.formula);
    showMath($("tex-yours"), r.yours);
    showMath($("tex-derivative"), withDerivative ? r.derivative : null); // of the last check
    await fitMath(["tex-formula", "tex-yours", "tex-derivative"].map($));
    if (asked !== typesetAsked) return;
    $("typeset").dataset.done = withDerivative ? "check" : "preview";
  } catch (err) {
    if (asked === typesetAsked) $("typeset").dataset.done = "error";
  }
}

let typingTimer = null;
function typesetWhileTyping() {
  // typeset as the question is typed, once the typing pauses
  clearTimeout(typingTimer);
  if (!document.body.dataset.ready) return;
  typingTimer = setTimeout(() => typeset(false), 350);
}

// ---- the pictures belong to the question they were drawn for ----
let pictured = null; // the question drawn: formula, values and variable

function drawnQuestion(q) {
  return JSON.stringify([q.formula, q.values, q.wrt]);
}

function clearPictures() {
  $("pictures").hidden = true;
  delete $("pictures").dataset.stale;
  for (const id of ["backward-stepper", "forward-stepper"]) $(id).removeAttribute("srcdoc");
  $("graph").removeAttribute("src");
  pictured = null;
}

function markPictures() {
  // while the question is edited, the pictures of the one drawn say they are not of it
  if (pictured === null) return;
  const stale = drawnQuestion(question()) !== pictured;
  if (stale) $("pictures").dataset.stale = "1";
  else delete $("pictures").dataset.stale;
}

async function runCheck(event) {
  if (event) event.preventDefault();
  clearTimeout(typingTimer); // the check typesets the question itself, derivative included
  const q = question();
  // pictures of another question go: a check of this one must not sit above them
  if (pictured !== null && drawnQuestion(q) !== pictured) clearPictures();
  history.replaceState(null, "", questionLink(q));
  $("link").href = questionLink(q);
  $("result").className = "working";
  $("result").textContent = "Checking…";
  try {
    const r = await checker.ask({ type: "check", ...q }, CHECK_TIME_LIMIT_MS);
    $("command").textContent = "autograd-lite " + r.argv.map(quote).join(" ");
    $("result").innerHTML = r.html; // escaped by autograd_lite.escape.html
    $("result").className = r.code === 0 ? "done" : "error";
    $("result").dataset.code = r.code;
    await typeset(true);
  } catch (err) {
    $("result").textContent = "The engine could not answer: " + err.message;
    $("result").className = "error";
    $("result").dataset.code = "error";
  }
}

async function runPictures() {
  const q = question();
  pictured = drawnQuestion(q);
  delete $("pictures").dataset.stale;
  $("pictures").hidden = false;
  $("pictures-text").textContent = "Drawing (Graphviz starts on the first drawing)…";
  $("pictures").dataset.code = "";
  delete $("pictures").dataset.code;
  for (const id of ["backward-stepper", "forward-stepper"]) $(id).removeAttribute("srcdoc");
  $("graph").removeAttribute("src");
  try {
    const r = await checker.ask({ type: "pictures", formula: q.formula, values: q.values, wrt: q.wrt },
                                CHECK_TIME_LIMIT_MS * 2);
    // the command's own words, shown when it refused (its success lines name files)
    $("pictures-text").innerHTML = r.code === 0 ? "" : r.html; // escaped by escape.html
    $("pictures-text").className = r.code === 0 ? "done" : "error";
    if (r.draw) $("graph").src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(r.draw);
    for (const [id, key] of [["backward-stepper", "step"], ["forward-stepper", "step-forward"]]) {
      if (r[key]) $(id).srcdoc = r[key];
      $(id).closest("figure").hidden = !r[key];
    }
    $("graph-figure").hidden = !r.draw;
    $("pictures").dataset.code = r.code;
  } catch (err) {
    $("pictures-text").textContent = "The engine could not answer: " + err.message;
    $("pictures-text").className = "error";
    $("pictures").dataset.code = "error";
  }
}

function startChecker() {
  checker = new Engine((hello) => {
    const total = (performance.now() - started) / 1000;
    window.labReadySeconds = total;
    window.labReadyTimes = hello.times;
    $("status").textContent = `Engine ready in ${total.toFixed(1)} s (Python in your browser, nothing installed).`;
    $("status").title = Object.entries(hello.times).map(([k, v]) => `${k} ${(v / 1000).toFixed(2)} s`).join(", ");
    $("run-check").disabled = false;
    $("draw").disabled = false;
    document.body.dataset.ready = "1";
    // the question in the fields (the seed question, or one opened from a link) is answered
    // as soon as the engine is ready, so the room opens with a verdict, not empty
    if (readHash().room === "check") checkOnOpening();
  });
}

let openingChecked = false;
async function checkOnOpening() {
  if (openingChecked || !document.body.dataset.ready) return;
  openingChecked = true;
  await runCheck();
  document.body.dataset.checked = "1";
}

// ---- Steppers ----
let steppersLoaded = false;
async function loadSteppers() {
  if (steppersLoaded) return;
  steppersLoaded = true;
  const list = $("stepper-list");
  try {
    const pages = await (await fetch("steppers/index.json")).json();
    for (const p of pages) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = "steppers/" + p.file;
      a.textContent = p.title;
      const code = document.createElement("code");
      code.textContent = p.formula;
      li.append(a, " ", code);
      list.append(li);
    }
  } catch (err) {
    list.textContent = "This site was built without stepper pages (Graphviz's dot was missing).";
  }
}

// ---- numbers as the pages write them: one minus sign (U+2212), no "e-4" ----
const MINUS = "\u2212";
const SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹";

function superscript(n) {
  return String(n).replace("-", "⁻").replace(/\d/g, (d) => SUPERSCRIPT[d]);
}

function figure(x, digits = 4) {
  // digits significant digits (0.0001234, 0.6931, 1.000), a power of ten below 1e-6
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && Math.abs(x) < 1e-6) {
    const [m, e] = x.toExponential(digits - 1).split("e");
    return `${m.replace("-", MINUS)}×10${superscript(Number(e))}`;
  }
  const text = Math.abs(x) >= 10 ** digits ? x.toFixed(0) : x.toPrecision(digits);
  return text.replace("-", MINUS);
}

function power(p) {
  // 10^p on an axis: 100, 1, 0.1, 0.001; beyond six places, 10⁻⁷
  if (p >= 0) return String(10 ** p);
  return p >= -6 ? "0." + "0".repeat(-p - 1) + "1" : "10" + superscript(p);
}

function stepTicks(last) {
  // about five round steps (1, 2 or 5 times a power of ten) from 0 to the last step
  const raw = last / 5, size = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, [1, 2, 5, 10].find((m) => m * size >= raw) * size);
  const ticks = [];
  for (let t = 0; t <= last; t += step) ticks.push(t);
  return ticks;
}

// ---- Playground: the package's MLP trained in its own worker ----
const GRID = 40;
const PLAYGROUND_FIELDS = ["dataset", "noise", "train", "layers", "activation", "lr", "l2", "batch"];
const Playground = {
  engine: null,
  data: null,
  playing: false,
  history: [],
  box: [-1, 1, -1, 1],
  async open() {
    if (this.engine) return;
    $("pg-status").textContent = "Starting the playground's engine…";
    this.engine = new Engine(() => {});
    this.data = await (await fetch("data.json")).text();
    const sets = Object.keys(JSON.parse(this.data));
    $("dataset").replaceChildren(...sets.map((s) => new Option(s, s)));
    this.restore(readHash().params);
    await this.engine.ready;
    for (const b of ["play", "step", "reset"]) $(b).disabled = false;
    for (const id of PLAYGROUND_FIELDS) {
      $(id).addEventListener("change", () => this.reset());
    }
    await this.reset();
  },
  restore(params) {
    // a link to the playground carries its settings; a value the page does not offer is
    // left at its default
    for (const id of PLAYGROUND_FIELDS) {
      if (!params.has(id)) continue;
      const control = $(id), before = control.value;
      control.value = params.get(id);
      if (control.tagName === "SELECT" && control.selectedIndex < 0) control.value = before;
    }
  },
  link() {
    const p = new URLSearchParams();
    for (const id of PLAYGROUND_FIELDS) p.set(id, $(id).value);
    return "#playground?" + p.toString();
  },
  config() {
    const layers = $("layers").value;
    return { dataset: $("dataset").value, noise: Number($("noise").value),
             train: Number($("train").value), layers, activation: $("activation").value,
             lr: Number($("lr").value), l2: Number($("l2").value),
             batch: Number($("batch").value) || 1 };
  },
  async reset() {
    this.pause();
    if (readHash().room === "playground") history.replaceState(null, "", this.link());
    const points = JSON.parse(this.data)[$("dataset").value][Number($("noise").value)];
    const xs = points.X.map((p) => p[0]), ys = points.X.map((p) => p[1]);
    const pad = 0.3;
    this.box = [Math.min(...xs) - pad, Math.max(...xs) + pad, Math.min(...ys) - pad, Math.max(...ys) + pad];
    this.points = points;
    this.history = [];
    try {
      await this.engine.ask({ type: "setup", config: this.config(), data: this.data }, 30000);
      $("pg-status").textContent = "Ready: press Play, or Step for one step.";
      await this.tick(0);
    } catch (err) {
      $("pg-status").textContent = "The network could not be made: " + err.message;
    }
  },
  async tick(maxSteps) {
    const t0 = performance.now();
    const r = await this.engine.ask({ type: "run", budget_ms: 250, max_steps: maxSteps,
                                      grid: GRID, box: this.box }, 60000);
    const seconds = (performance.now() - t0) / 1000;
    this.history.push(r);
    this.draw(r);
    $("f-steps").textContent = r.steps;
    $("f-train").textContent = `${figure(r.train_loss)} / ${(100 * r.train_acc).toFixed(1)}%`;
    $("f-test").textContent = `${figure(r.test_loss)} / ${(100 * r.test_acc).toFixed(1)}%`;
    if (r.done > 1) {
      const training = r.done / (r.train_ms / 1000);
      const wall = r.done / seconds;
      $("f-rate").textContent = `${wall.toFixed(0)} (training alone ${training.toFixed(0)})`;
      window.labPlayground = { steps: r.steps, stepsPerSecond: wall, trainingStepsPerSecond: training,
                               testAccuracy: r.test_acc };
    }
    window.labPlaygroundLast = r;
    return r;
  },
  async play() {
    if (this.playing) return this.pause();
    this.playing = true;
    $("play").dataset.running = "1";
    $("play").textContent = "Pause";
    $("pg-status").textContent = "Training…";
    try {
      while (this.playing) await this.tick(100000);
    } catch (err) {
      $("pg-status").textContent = "Training stopped: " + err.message;
      this.pause();
    }
    $("play").dataset.running = "0"; // the last request of the loop is answered
  },
  pause() {
    this.playing = false;
    $("play").textContent = "Play";
    $("pg-status").textContent = "Paused.";
  },
  draw(r) {
    const c = $("boundary"), g = c.getContext("2d");
    const [x0, x1, y0, y1] = this.box;
    const n = r.grid_n, w = c.width / n, h = c.height / n;
    r.grid.forEach((z, k) => {
      const p = 1 / (1 + Math.exp(-z));
      const t = Math.abs(p - 0.5) * 2;
      const base = p > 0.5 ? [8, 119, 189] : [245, 147, 34];
      const mix = base.map((v) => Math.round(255 - (255 - v) * t * 0.6));
      g.fillStyle = `rgb(${mix.join(",")})`;
      g.fillRect((k % n) * w, Math.floor(k / n) * h, w + 1, h + 1);
    });
    const half = r.n_train;
    this.points.X.forEach(([a, b], i) => {
      const px = ((a - x0) / (x1 - x0)) * c.width, py = ((y1 - b) / (y1 - y0)) * c.height;
      g.beginPath();
      g.arc(px, py, 3.2, 0, 2 * Math.PI);
      g.fillStyle = this.points.y[i] === 1 ? "#0465a6" : "#e8700a";
      g.strokeStyle = i < half ? "#fff" : "#111";
      g.fill();
      g.stroke();
    });
    this.drawLosses();
    this.drawNetwork(r);
  },
  drawLosses() {
    // log-scale loss against steps: the losses' powers of ten written as numbers (0.01) and
    // round steps along the bottom, in 12 px type
    const c = $("losses"), g = c.getContext("2d");
    g.clearRect(0, 0, c.width, c.height);
    const hs = this.history;
    const all = hs.flatMap((r) => [r.train_loss, r.test_loss]).filter((v) => v > 0);
    const hi = Math.log10(Math.max(...all, 1e-6)), lo = Math.min(Math.log10(Math.min(...all, 1)), hi - 1);
    const last = Math.max(1, hs[hs.length - 1].steps);
    const left = 52, right = 10, top = 10, bottom = 24;
    const y = (v) => top + ((hi - Math.log10(Math.max(v, 1e-12))) / (hi - lo)) * (c.height - top - bottom);
    const x = (step) => left + (step / last) * (c.width - left - right);
    g.strokeStyle = "#ccc";
    g.strokeRect(0.5, 0.5, c.width - 1, c.height - 1);
    g.font = "12px sans-serif";
    g.fillStyle = "#555";
    g.textAlign = "right";
    g.textBaseline = "middle";
    for (let p = Math.ceil(lo); p <= Math.floor(hi); p++) {
      g.fillText(power(p), left - 6, y(10 ** p));
      g.fillStyle = "#ddd";
      g.fillRect(left, Math.round(y(10 ** p)), c.width - left - right, 1);
      g.fillStyle = "#555";
    }
    const base = c.height - bottom;
    g.fillStyle = "#999";
    g.fillRect(left, base, c.width - left - right, 1);
    g.fillStyle = "#555";
    g.textAlign = "center";
    g.textBaseline = "top";
    for (const t of stepTicks(last)) {
      g.fillRect(Math.round(x(t)), base, 1, 5);
      g.fillText(String(t), Math.min(x(t), c.width - right - 10), base + 7);
    }
    g.textAlign = "left";
    g.textBaseline = "alphabetic";
    for (const [key, colour] of [["train_loss", "#333"], ["test_loss", "#d2452f"]]) {
      g.beginPath();
      hs.forEach((r, i) => {
        i ? g.lineTo(x(r.steps), y(r[key])) : g.moveTo(x(r.steps), y(r[key]));
      });
      g.strokeStyle = colour;
      g.lineWidth = 2;
      g.stroke();
    }
  },
  async openNeuron(event) {
    const c = $("network"), box = c.getBoundingClientRect();
    const px = ((event.clientX - box.left) * c.width) / box.width;
    const py = ((event.clientY - box.top) * c.height) / box.height;
    const hit = (this.squares || []).find((q) => px >= q.x && px <= q.x + q.size && py >= q.y && py <= q.y + q.size);
    if (!hit) return;
    $("neuron").hidden = false;
    $("neuron").dataset.state = "drawing";
    try {
      const r = await this.engine.ask({ type: "neuron", layer: hit.layer, index: hit.index }, 60000);
      // the frame grows with the step text, which the page makes tall enough for its steps
      $("neuron-stepper").style.height = Math.min(1000, 480 + 28 * r.lines) + "px";
      $("neuron-stepper").srcdoc = r.html;
      $("neuron").dataset.state = "done";
    } catch (err) {
      $("pg-status").textContent = "The neuron could not be drawn: " + err.message;
      $("neuron").dataset.state = "error";
    }
  },
  heat(z, k, w) {
    // a value's colour, as TensorFlow Playground and the training page colour them: blue
    // above 0, orange below, white at 0 (tanh-like squashing)
    const t = Math.min(1, Math.abs(Math.tanh(z)));
    const base = z > 0 ? [8, 119, 189] : [245, 147, 34];
    return `rgb(${base.map((v) => Math.round(255 - (255 - v) * t * (w || 0.8))).join(",")})`;
  },
  drawNetwork(r) {
    const c = $("network"), g = c.getContext("2d");
    g.clearRect(0, 0, c.width, c.height);
    const widths = [2, ...r.weights.map((layer) => layer.length)];
    // a neuron's square and the space between squares shrink to fit the widest layer
    const slot = Math.min(48, (c.height - 10) / Math.max(...widths));
    const size = Math.round(slot * 0.72), columns = widths.length;
    const xOf = (k) => 24 + (k * (c.width - 48 - size)) / (columns - 1);
    const yOf = (k, j) => c.height / 2 + (j - (widths[k] - 1) / 2) * slot - size / 2;
    const top = Math.max(1e-9, ...r.weights.flat(2).map(Math.abs));
    r.weights.forEach((layer, k) => layer.forEach((neuron, j) => {
      neuron.slice(0, -1).forEach((w, i) => {
        g.beginPath();
        g.moveTo(xOf(k) + size, yOf(k, i) + size / 2);
        g.lineTo(xOf(k + 1), yOf(k + 1, j) + size / 2);
        g.strokeStyle = w > 0 ? "rgba(4,101,166,0.85)" : "rgba(232,112,10,0.85)";
        g.lineWidth = 0.5 + 4.5 * Math.abs(w) / top;
        g.stroke();
      });
    }));
    const n = r.grid_n;
    const maps = [null, ...r.neurons, [r.grid]];
    this.squares = [];
    widths.forEach((count, k) => {
      for (let j = 0; j < count; j++) {
        const x = xOf(k), y = yOf(k, j);
        if (k === 0) {
          g.fillStyle = "#fff";
          g.fillRect(x, y, size, size);
          g.fillStyle = "#333";
          g.font = `${Math.max(9, Math.round(size * 0.38))}px sans-serif`;
          // the inputs as the library labels them, and the neuron's stepper names them
          g.textAlign = "center";
          g.fillText(`a¹${"₀₁₂₃₄₅₆₇₈₉"[j + 1]}`, x + size / 2, y + size * 0.62);
          g.textAlign = "left";
        } else {
          this.squares.push({ layer: k - 1, index: j, x, y, size });
          const map = maps[k][j];
          const cell = size / n;
          map.forEach((z, q) => {
            g.fillStyle = this.heat(z, q);
            g.fillRect(x + (q % n) * cell, y + Math.floor(q / n) * cell, cell + 0.5, cell + 0.5);
          });
        }
        g.strokeStyle = "#555";
        g.lineWidth = 1;
        g.strokeRect(x + 0.5, y + 0.5, size, size);
      }
    });
  },
};

// ---- start ----
// Browsers start no Web Worker and fetch nothing for a page opened as a file: say what to do.
const FILE_MESSAGE =
  "This page was opened as a file, and browsers run its engine only when a web server " +
  "serves it. In this folder run  python -m http.server  and open http://localhost:8000/";

window.addEventListener("DOMContentLoaded", () => {
  if (location.protocol === "file:") {
    $("status").textContent = FILE_MESSAGE;
    return;
  }
  const { room, params } = readHash();
  fill(params);
  $("link").href = questionLink(question());
  $("question").addEventListener("submit", runCheck);
  $("draw").addEventListener("click", runPictures);
  for (const f of FIELDS) $(f).addEventListener("input", typesetWhileTyping);
  for (const f of FIELDS) $(f).addEventListener("input", markPictures);
  window.addEventListener("resize", refitMath);
  $("copy-link").addEventListener("click", async () => {
    const url = location.href.split("#")[0] + questionLink(question());
    history.replaceState(null, "", questionLink(question()));
    $("link").href = questionLink(question());
    try {
      await navigator.clipboard.writeText(url);
      $("copy-link").textContent = "Link copied";
    } catch (err) {
      $("copy-link").textContent = "Link in the address bar";
    }
  });
  $("play").addEventListener("click", () => Playground.play());
  $("step").addEventListener("click", () => { Playground.pause(); Playground.tick(1); });
  $("reset").addEventListener("click", () => Playground.reset());
  $("network").addEventListener("click", (e) => Playground.openNeuron(e));
  $("neuron-close").addEventListener("click", () => { $("neuron").hidden = true; });
  window.addEventListener("hashchange", () => {
    const h = readHash();
    if (h.room === "check" && FIELDS.some((f) => h.params.has(f))) fill(h.params);
    show(h.room);
  });
  started = performance.now();
  startChecker();
  show(room);
});
