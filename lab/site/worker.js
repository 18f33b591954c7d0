// The lab's engine: Pyodide and the package's wheel, loaded from this site's own folder.
// One worker answers the "Check my backprop" room, another trains the playground, so the
// page never waits for Python.
"use strict";
importScripts("engine.js");

let py = null;
let room = null;
let playground = null;

async function start() {
  const started = await startPython(["lab_room.py", "wasm_dot.py"]);
  py = started.py;
  room = py.pyimport("lab_room");
  started.lap("imports");
  return started;
}

const ready = start();

// Graphviz for the pictures, loaded on the first drawing
let graphviz = null;
async function startGraphvizOnce() {
  const { manifest } = await ready;
  graphviz = graphviz || startGraphviz(py, manifest);
  return graphviz;
}

async function handle(msg) {
  const { times } = await ready;
  if (msg.type === "hello") return { times };
  if (msg.type === "check") {
    return JSON.parse(room.check(msg.formula, msg.values, msg.wrt, msg.yours));
  }
  if (msg.type === "typeset") {
    return JSON.parse(room.typeset(msg.formula, msg.values, msg.wrt, msg.yours, !!msg.derivative));
  }
  if (msg.type === "pictures") {
    await startGraphvizOnce();
    return JSON.parse(room.pictures(msg.formula, msg.values, msg.wrt));
  }
  if (msg.type === "setup") {
    if (playground) playground.destroy();
    playground = room.Playground(JSON.stringify(msg.config), msg.data);
    return { ok: true };
  }
  if (msg.type === "neuron") {
    await startGraphvizOnce();
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
