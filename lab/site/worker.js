// The lab's engine: Pyodide and the package's wheel, loaded from this site's own folder.
// One worker answers the "Check my backprop" room, another trains the playground, so the
// page never waits for Python.
"use strict";
importScripts("pyodide/pyodide.js");

let py = null;
let room = null;
let playground = null;

async function start() {
  // where the time goes, for the page's status line: interpreter, wheel, imports
  const times = {};
  let t = performance.now();
  const lap = (name) => { const now = performance.now(); times[name] = now - t; t = now; };
  const base = new URL(".", self.location.href).href;
  // the wheel and the page's module are fetched while the interpreter starts
  const files = fetch(base + "manifest.json")
    .then((r) => r.json())
    .then((m) => Promise.all([fetch(base + m.wheel).then((r) => r.arrayBuffer()),
                              fetch(base + "lab_room.py").then((r) => r.text())]));
  py = await loadPyodide({ indexURL: base + "pyodide/", fullStdLib: false });
  lap("pyodide");
  const [wheel, source] = await files;
  py.unpackArchive(wheel, "wheel");
  py.FS.writeFile("/home/pyodide/lab_room.py", source);
  lap("wheel");
  py.runPython("import sys; sys.path.insert(0, '/home/pyodide'); import lab_room");
  room = py.pyimport("lab_room");
  lap("imports");
  return times;
}

const ready = start();

// Graphviz for the pictures: @viz-js/viz, loaded on the first drawing and handed to Python
// as the `dot` program (lab_room.use_wasm_dot)
let graphviz = null;
async function startGraphviz() {
  if (graphviz) return graphviz;
  graphviz = (async () => {
    const base = new URL(".", self.location.href).href;
    const manifest = await (await fetch(base + "manifest.json")).json();
    if (!manifest.graphviz) throw new Error("this site was built without the graphviz package");
    importScripts(base + "viz/viz-global.js");
    const viz = await Viz.instance();
    self.labDot = (source, format) => {
      const r = viz.render(source, { format });
      const errors = r.errors.map((e) => e.message).join("\n");
      return r.status === "success" ? { ok: true, output: r.output, errors } : { ok: false, output: "", errors };
    };
    const zip = await (await fetch(base + manifest.graphviz)).arrayBuffer();
    py.unpackArchive(zip, "zip", { extractDir: "/home/pyodide" });
    room.use_wasm_dot();
  })();
  return graphviz;
}

async function handle(msg) {
  const times = await ready;
  if (msg.type === "hello") return { times };
  if (msg.type === "check") {
    return JSON.parse(room.check(msg.formula, msg.values, msg.wrt, msg.yours));
  }
  if (msg.type === "typeset") {
    return JSON.parse(room.typeset(msg.formula, msg.values, msg.wrt, msg.yours, !!msg.derivative));
  }
  if (msg.type === "pictures") {
    await startGraphviz();
    return JSON.parse(room.pictures(msg.formula, msg.values, msg.wrt));
  }
  if (msg.type === "setup") {
    if (playground) playground.destroy();
    playground = room.Playground(JSON.stringify(msg.config), msg.data);
    return { ok: true };
  }
  if (msg.type === "neuron") {
    await startGraphviz();
    return JSON.parse(playground.neuron_page(msg.layer, msg.index));
  }
  if (msg.type === "run") {
    return JSON.parse(playground.run(msg.budget_ms, msg.max_steps, msg.grid, msg.box));
  }
  throw new Error("unknown request " + msg.type);
}

self.onmessage = async (event) => {
  const msg = event.data;
  try {
    const result = await handle(msg);
    self.postMessage({ id: msg.id, ok: true, result });
  } catch (err) {
    // a Python error's message ends with its last line ("ValueError: ..."): that line is shown
    const text = String((err && err.message) || err).trim().split("\n").pop();
    self.postMessage({ id: msg.id, ok: false, error: text });
  }
};
