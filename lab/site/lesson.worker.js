// The lesson's engine: Pyodide, the package's wheel and Graphviz, loaded from this site's own
// folder, and one namespace where the lesson's cells run in the order the page sends them.
"use strict";
importScripts("engine.js");

let py = null;
let kernel = null;
let kernelModule = null;

async function start() {
  const started = await startPython(["lesson.py", "wasm_dot.py"]);
  py = started.py;
  kernelModule = py.pyimport("lesson");
  kernel = kernelModule.Kernel();
  started.lap("imports");
  return started;
}

const ready = start();

// Graphviz compiled to WebAssembly, for the cells that draw: it loads once the engine is
// ready (the page can be read and edited meanwhile), and a cell runs when both are there
async function startLessonGraphviz() {
  const { manifest } = await ready;
  await new Promise((resolve) => setTimeout(resolve, 0)); // the page hears "ready" first
  const t = performance.now();
  if (manifest.graphviz) await startGraphviz(py, manifest); // else cells that draw say why
  return performance.now() - t;
}
const graphviz = startLessonGraphviz();

async function handle(msg) {
  const { times } = await ready;
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
