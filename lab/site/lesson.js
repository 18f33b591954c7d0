// The lesson page: the notebook's code cells, run in order in one Python namespace by a Web
// Worker (lesson.worker.js), their outputs shown under them, and a time limit per cell.
"use strict";

const $ = (id) => document.getElementById(id);
const query = new URLSearchParams(location.search);
// seconds a cell may run (?limit=S to change it, from 1 to 600)
const LIMIT_S = Math.min(600, Math.max(1, Number(query.get("limit")) || 30));
const INTERRUPT_GRACE_MS = 2000; // after a KeyboardInterrupt is asked for, before the worker goes
const MAX_FRAME_PX = 4000;

// an HTML output runs in a sandboxed frame (no access to this page) that reports its height
const FRAME_HEAD =
  '<!doctype html><html><head><meta charset="utf-8"><style>' +
  "body{margin:0;padding:2px;font:14px/1.4 system-ui,'DejaVu Sans',sans-serif;color:#1b1b1b}" +
  "table{border-collapse:collapse;margin:2px 0 6px}th,td{padding:2px 10px;border-bottom:1px solid #e3e3e3;text-align:left;vertical-align:top}" +
  "th{background:#f3f5f7}code,pre{font:13px ui-monospace,'DejaVu Sans Mono',monospace}" +
  "</style></head><body>";
const FRAME_TAIL =
  "<script>const post=()=>parent.postMessage({lessonFrameHeight:Math.ceil(" +
  "document.body.getBoundingClientRect().bottom)+4},'*');" +
  "new ResizeObserver(post).observe(document.body);addEventListener('load',post);</" +
  "script></body></html>";

// ---- the engine: one worker, answers by id, outputs streamed while a cell runs ----
class LessonEngine {
  constructor(onReady, onFail) {
    const started = performance.now();
    this.worker = new Worker("lesson.worker.js");
    // a KeyboardInterrupt needs memory shared with the worker: only in a cross-origin
    // isolated page (the server sends COOP and COEP headers); otherwise the worker is stopped
    this.interrupt = self.crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(4)) : null;
    this.pending = new Map();
    this.next = 1;
    this.worker.onmessage = (e) => {
      const p = this.pending.get(e.data.id);
      if (!p) return;
      if ("output" in e.data) return p.onOutput(JSON.parse(e.data.output));
      this.pending.delete(e.data.id);
      e.data.ok ? p.resolve(e.data.result) : p.reject(new Error(e.data.error));
    };
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.fail(new Error("the engine failed: " + (e.message || "it could not start")));
    };
    // the data sets of the lesson, made when the site was built (the page has no numpy)
    const data = document.body.dataset.sets || null;
    this.ready = this.ask({ type: "hello", interrupt: this.interrupt, data }).then(
      (r) => onReady(r, (performance.now() - started) / 1000),
      (err) => onFail(err),
    );
  }
  ask(msg, onOutput) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onOutput: onOutput || (() => {}) });
      this.worker.postMessage({ ...msg, id });
    });
  }
  fail(err) {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
  terminate(why) {
    this.worker.terminate();
    this.fail(new Error(why));
  }
}

// ---- outputs ----
function element(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function htmlFrame(html) {
  const frame = element("iframe", "html-output");
  frame.setAttribute("sandbox", "allow-scripts");
  frame.title = "a cell's output";
  frame.srcdoc = FRAME_HEAD + html + FRAME_TAIL;
  return frame;
}

function image(type, src) {
  const img = element("img", "image-output");
  img.alt = type === "svg" ? "a drawing (SVG) made by the cell" : "an image made by the cell";
  img.src = src;
  return img;
}

function richOutput(data) {
  if ("text/html" in data) return htmlFrame(data["text/html"]);
  if ("image/svg+xml" in data) {
    return image("svg", "data:image/svg+xml;charset=utf-8," + encodeURIComponent(data["image/svg+xml"]));
  }
  if ("image/png" in data) return image("png", "data:image/png;base64," + data["image/png"]);
  if ("image/jpeg" in data) return image("jpeg", "data:image/jpeg;base64," + data["image/jpeg"]);
  for (const type of ["text/markdown", "text/latex", "text/plain"]) {
    if (type in data) return element("pre", "result", data[type]);
  }
  return element("pre", "result", "");
}

function showOutput(cell, item) {
  const box = cell.querySelector(".outputs");
  if (item.type === "stream") {
    const last = box.lastElementChild;
    if (last && last.dataset.stream === item.name) {
      last.textContent += item.text;
    } else {
      const pre = element("pre", "stream " + item.name, item.text);
      pre.dataset.stream = item.name;
      box.append(pre);
    }
  } else if (item.type === "error") {
    box.append(element("pre", "error", item.text));
  } else if (item.type === "note") {
    box.append(element("p", "note", item.text));
  } else if (item.type === "display") {
    box.append(richOutput(item.data));
  }
}

window.addEventListener("message", (e) => {
  const h = e.data && e.data.lessonFrameHeight;
  if (typeof h !== "number" || !isFinite(h)) return;
  for (const frame of document.querySelectorAll("iframe.html-output")) {
    if (frame.contentWindow === e.source) frame.style.height = Math.min(Math.max(h, 16), MAX_FRAME_PX) + "px";
  }
});

// ---- running cells: a queue, one cell at a time ----
const Lesson = {
  engine: null,
  queue: [],
  running: null,
  ready: false,
  runs: 0,
  stopping: null,
  cells: () => [...document.querySelectorAll("section.cell.code")],

  start() {
    $("status").textContent = "Loading the engine…";
    this.ready = false;
    this.refresh();
    this.engine = new LessonEngine(
      (hello, seconds) => {
        window.lessonReadySeconds = seconds;
        window.lessonReadyTimes = hello.times;
        $("status").textContent = `Engine ready in ${seconds.toFixed(1)} s (Python in your browser, nothing installed).`;
        $("status").title = Object.entries(hello.times).map(([k, v]) => `${k} ${(v / 1000).toFixed(2)} s`).join(", ");
        document.body.dataset.ready = "1";
        this.ready = true;
        this.refresh();
        const engine = this.engine;
        engine.ask({ type: "graphviz" }).then((r) => {
          if (engine === this.engine) window.lessonGraphvizSeconds = r.ms / 1000;
        }, () => {});
      },
      (err) => { $("status").textContent = "The engine could not start: " + err.message; },
    );
  },

  refresh() {
    $("run-all").disabled = !this.ready;
    $("restart").disabled = !this.ready;
    $("stop").disabled = !this.running && !this.queue.length;
    for (const b of document.querySelectorAll("section.cell.code button.run")) b.disabled = !this.ready;
  },

  enqueue(cells) {
    for (const cell of cells) {
      if (cell === this.running || this.queue.includes(cell)) continue;
      this.queue.push(cell);
      cell.dataset.state = "queued";
      cell.querySelector(".state").textContent = "waiting";
    }
    this.refresh();
    this.pump();
  },

  async pump() {
    if (this.running || !this.queue.length) return;
    const cell = (this.running = this.queue.shift());
    const status = await this.execute(cell);
    this.running = null;
    if (status !== "ok") this.clearQueue(); // as a notebook does: the cells after an error wait
    this.refresh();
    if (!this.running && !this.queue.length) this.idle();
    this.pump();
  },

  clearQueue() {
    for (const cell of this.queue) {
      delete cell.dataset.state;
      cell.querySelector(".state").textContent = "";
    }
    this.queue = [];
  },

  async execute(cell) {
    const n = Number(cell.dataset.n);
    const box = cell.querySelector(".outputs");
    box.replaceChildren();
    cell.dataset.state = "running";
    cell.querySelector(".count").textContent = "[*]";
    cell.querySelector(".state").textContent = "running…";
    const t0 = performance.now();
    const timer = setTimeout(() => this.stop(`it ran longer than the limit of ${LIMIT_S} s`), LIMIT_S * 1000);
    let status;
    try {
      if (this.engine.interrupt) Atomics.store(this.engine.interrupt, 0, 0);
      const r = await this.engine.ask({ type: "run", source: cell.querySelector("textarea").value, n },
                                      (item) => showOutput(cell, item));
      status = this.stopping && r.status === "error" ? "stopped" : r.status;
    } catch (err) {
      status = "stopped";
      box.append(element("p", "note", err.message));
    }
    clearTimeout(timer);
    if (status === "stopped" && this.stopping && this.engine.interrupt && !this.stopping.reset) {
      box.append(element("p", "note", `Stopped: ${this.stopping.why}. The namespace is kept.`));
    }
    this.stopping = null;
    const seconds = (performance.now() - t0) / 1000;
    cell.dataset.state = status === "ok" ? "done" : status;
    cell.querySelector(".count").textContent = `[${++this.runs}]`;
    cell.querySelector(".state").textContent = `${status === "ok" ? "" : status + ", "}${seconds.toFixed(2)} s`;
    return status;
  },

  // stop the running cell: a KeyboardInterrupt if the page can send one, else (or if the
  // cell does not stop within the grace) the worker is ended and a new one started
  stop(why) {
    if (!this.running) return this.clearQueue();
    this.clearQueue();
    const cell = this.running;
    this.stopping = { why, reset: false };
    if (this.engine.interrupt) {
      Atomics.store(this.engine.interrupt, 0, 2); // SIGINT
      setTimeout(() => { if (this.running === cell && this.stopping) this.reset(why); }, INTERRUPT_GRACE_MS);
    } else {
      this.reset(why);
    }
  },

  reset(why) {
    if (this.stopping) this.stopping.reset = true;
    const message = why
      ? `Stopped: ${why}. The engine was restarted, so the namespace was reset: run the cells above ` +
        "this one again (or Run all)."
      : "The engine restarted: the namespace is empty.";
    this.clearQueue();
    this.engine.terminate(message);
    for (const cell of this.cells()) {
      if (cell !== this.running) cell.querySelector(".count").textContent = "[ ]";
    }
    this.runs = 0;
    this.start();
  },

  idle() {
    if (this.batch) {
      const seconds = (performance.now() - this.batch.t0) / 1000;
      const states = this.cells().map((c) => c.dataset.state || "");
      window.lessonRunAll = { seconds, states };
      const ran = states.filter((s) => s === "done").length;
      const skipped = states.filter((s) => s === "skipped").length;
      const also = skipped ? ` (${skipped} that run in Jupyter only were skipped)` : "";
      $("progress").textContent = ran + skipped === states.length
        ? `${ran} cells ran in ${seconds.toFixed(1)} s${also}.` : "";
      this.batch = null;
    }
  },

  runAll() {
    // cells that need numpy (tagged in the notebook) are skipped: their Run button still
    // tries them, one at a time
    this.batch = { t0: performance.now() };
    $("progress").textContent = "Running every cell…";
    const cells = this.cells();
    for (const cell of cells.filter((c) => c.dataset.only === "jupyter")) {
      if (cell === this.running || this.queue.includes(cell)) continue;
      cell.dataset.state = "skipped";
      cell.querySelector(".state").textContent = "skipped (Jupyter only)";
    }
    this.enqueue(cells.filter((c) => c.dataset.only !== "jupyter"));
  },
};

// ---- editing ----
function fit(textarea) {
  textarea.rows = 1; // the height is the text's, not the rows the page was made with
  textarea.style.height = "auto";
  textarea.style.height = textarea.scrollHeight + 2 + "px";
}

function keys(event) {
  const ta = event.target;
  const cell = ta.closest("section.cell.code");
  if (event.key === "Enter" && (event.shiftKey || event.ctrlKey)) {
    event.preventDefault();
    if (!$("run-all").disabled) Lesson.enqueue([cell]);
    if (event.shiftKey) {
      const cells = Lesson.cells();
      const next = cells[cells.indexOf(cell) + 1];
      if (next) next.querySelector("textarea").focus();
    }
  } else if (event.key === "Tab" && !event.shiftKey && ta.selectionStart === ta.selectionEnd) {
    event.preventDefault(); // four spaces, as Python is written (Esc then Tab leaves the box)
    ta.setRangeText("    ", ta.selectionStart, ta.selectionEnd, "end");
    fit(ta);
  } else if (event.key === "Escape") {
    ta.blur();
  }
}

function typeset() {
  // KaTeX typesets the math when the site has it; otherwise the page's own reading stays
  if (!window.katex) return;
  for (const e of document.querySelectorAll(".math[data-tex]")) {
    try {
      window.katex.render(e.dataset.tex, e, { throwOnError: false, displayMode: e.classList.contains("display") });
    } catch (err) {
      // the HTML reading stays
    }
  }
  document.body.dataset.math = "katex";
}

window.addEventListener("DOMContentLoaded", () => {
  if (location.protocol === "file:") {
    // as the lab's page says it: no Web Worker starts in a page opened as a file
    $("status").textContent =
      "This page was opened as a file, and browsers run its engine only when a web server " +
      "serves it. In this folder run  python -m http.server  and open http://localhost:8000/lesson.html";
    return;
  }
  $("limit").textContent = LIMIT_S;
  for (const cell of Lesson.cells()) {
    const ta = cell.querySelector("textarea");
    const revert = cell.querySelector("button.revert");
    const edited = () => { revert.hidden = ta.value === ta.defaultValue; };
    ta.addEventListener("input", () => { fit(ta); edited(); });
    revert.addEventListener("click", () => { ta.value = ta.defaultValue; fit(ta); edited(); });
    ta.addEventListener("keydown", keys);
    fit(ta);
    cell.querySelector("button.run").addEventListener("click", () => Lesson.enqueue([cell]));
  }
  $("run-all").addEventListener("click", () => Lesson.runAll());
  $("stop").addEventListener("click", () => Lesson.stop("you pressed Stop"));
  $("restart").addEventListener("click", () => {
    if (Lesson.running) Lesson.stop("you pressed Restart");
    else Lesson.reset(null);
  });
  typeset();
  Lesson.start();
});
