// What both workers do to start (the lab's rooms and the lesson): Pyodide and the package's
// wheel from this site's own folder, the site's Python files beside them, and Graphviz
// compiled to WebAssembly as the `dot` program.
"use strict";
importScripts("pyodide/pyodide.js");

const base = new URL(".", self.location.href).href;

// The interpreter with the wheel and the site's Python `files` importable; the files are
// fetched while the interpreter starts. `times` says where the time went (interpreter,
// wheel), for the page's status line; `lap(name)` adds the time since.
async function startPython(files) {
  const times = {};
  let t = performance.now();
  const lap = (name) => { const now = performance.now(); times[name] = now - t; t = now; };
  const fetched = fetch(base + "manifest.json")
    .then((r) => r.json())
    .then((manifest) => Promise.all([
      manifest,
      fetch(base + manifest.wheel).then((r) => r.arrayBuffer()),
      ...files.map((name) => fetch(base + name).then((r) => r.text())),
    ]));
  const py = await loadPyodide({ indexURL: base + "pyodide/", fullStdLib: false });
  lap("pyodide");
  const [manifest, wheel, ...sources] = await fetched;
  py.unpackArchive(wheel, "wheel");
  files.forEach((name, i) => py.FS.writeFile("/home/pyodide/" + name, sources[i]));
  py.runPython("import sys; sys.path.insert(0, '/home/pyodide')");
  lap("wheel");
  return { py, manifest, times, lap };
}

// Graphviz: the graphviz Python package (which viz imports) unpacked, and @viz-js/viz
// answering the `dot` commands of Python (wasm_dot.py, which must be among the files).
async function startGraphviz(py, manifest) {
  if (!manifest.graphviz) throw new Error("this site was built without the graphviz package");
  importScripts(base + "viz/viz-global.js");
  const viz = await Viz.instance();
  const zip = await (await fetch(base + manifest.graphviz)).arrayBuffer();
  py.unpackArchive(zip, "zip", { extractDir: "/home/pyodide" });
  py.pyimport("wasm_dot").use_wasm_dot((source, format) => {
    const r = viz.render(source, { format });
    const errors = r.errors.map((e) => e.message).join("\n");
    return r.status === "success" ? { ok: true, output: r.output, errors } : { ok: false, output: "", errors };
  });
}
