// The lesson's engine: Pyodide, the package's wheel and Graphviz, loaded from this site's own
// folder, and one namespace where the lesson's cells run in the order the page sends them.
"use strict";
importScripts("pyodide/pyodide.js");

const base = new URL(".", self.location.href).href;
let py = null;
let kernel = null;
let kernelModule = null;

async function start() {
  // where the time goes, for the page's status line
  const times = {};
  let t = performance.now();
  const lap = (name) => { const now = performance.now(); times[name] = now - t; t = now; };
  const manifest = await (await fetch(base + "manifest.json")).json();
  const files = Promise.all([
    fetch(base + manifest.wheel).then((r) => r.arrayBuffer()),
    manifest.graphviz ? fetch(base + manifest.graphviz).then((r) => r.arrayBuffer()) : null,
    fetch(base + "lesson.py").then((r) => r.text()),
  ]);
  py = await loadPyodide({ indexURL: base + "pyodide/", fullStdLib: false });
  lap("pyodide");
  const [wheel, graphviz, source] = await files;
  py.unpackArchive(wheel, "wheel");
  if (graphviz) py.unpackArchive(graphviz, "zip", { extractDir: "/home/pyodide" });
  py.FS.writeFile("/home/pyodide/lesson_kernel.py", source);
  lap("wheel");
  py.runPython("import sys; sys.path.insert(0, '/home/pyodide'); import lesson_kernel");
  const module = py.pyimport("lesson_kernel");
  kernel = module.Kernel();
  kernelModule = module;
  lap("imports");
  return times;
}

const ready = start();

// Graphviz compiled to WebAssembly, for the cells that draw: it loads once the engine is
// ready (the page can be read and edited meanwhile), and a cell runs when both are there
async function startGraphviz() {
  await ready;
  await new Promise((resolve) => setTimeout(resolve, 0)); // the page hears "ready" first
  const t = performance.now();
  importScripts(base + "viz/viz-global.js");
  const viz = await Viz.instance();
  self.lessonDot = (source, format) => {
    const r = viz.render(source, { format });
    const errors = r.errors.map((e) => e.message).join("\n");
    return r.status === "success" ? { ok: true, output: r.output, errors } : { ok: false, output: "", errors };
  };
  kernelModule.use_wasm_dot(self.lessonDot);
  return performance.now() - t;
}
const graphviz = startGraphviz();

async function handle(msg) {
  const times = await ready;
  if (msg.type === "hello") {
    if (msg.interrupt) py.setInterruptBuffer(msg.interrupt);
    if (msg.data) kernelModule.use_data_sets(await (await fetch(base + msg.data)).text());
    return { times };
  }
  if (msg.type === "graphviz") return { ms: await graphviz };
  if (msg.type === "run") {
    await graphviz;
    const send = (item) => self.postMessage({ id: msg.id, output: item });
    const status = kernel.run_cell(msg.source, msg.n, send);
    return { status };
  }
  throw new Error("unknown request " + msg.type);
}

self.onmessage = async (event) => {
  const msg = event.data;
  try {
    const result = await handle(msg);
    self.postMessage({ id: msg.id, ok: true, result });
  } catch (err) {
    self.postMessage({ id: msg.id, ok: false, error: String((err && err.message) || err) });
  }
};
