// Runs inside notebook outputs and HTML reports (written by src/kernel-helpers), where there is no
// server to load libraries from: the first output that needs a library carries it, gzip-compressed
// and base64-encoded, and every output waits for the libraries it needs before it draws. Outputs
// render through three routes that differ in when scripts run and whether the element is already in
// the document (JupyterLab re-creates <script> tags, classic Notebook evaluates them with jQuery,
// an exported HTML file runs them in order), so an output finds its element by id and retries.
(function () {
  if (window.__msdLab) return;
  var WAIT_NOTE_MS = 8000;
  var FIND_TRIES = 300;

  /** @type {Record<string, {promise: Promise<any>, resolve: Function, reject: Function, provided: boolean}>} */
  var libs = {};

  function entry(name) {
    var e = libs[name];
    if (!e) {
      e = libs[name] = { provided: false };
      e.promise = new Promise(function (resolve, reject) {
        e.resolve = resolve;
        e.reject = reject;
      });
    }
    return e;
  }

  /** base64 of gzip bytes → ArrayBuffer of the inflated bytes. */
  function inflate(base64) {
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).arrayBuffer();
  }

  function text(buffer) {
    return new TextDecoder().decode(buffer);
  }

  /**
   * A UMD script: run with `define`, `module` and `exports` hidden, so that it sets its global even
   * where RequireJS is loaded (classic Notebook). Resolves with that global.
   */
  function runScript(source, globalName) {
    new Function("define", "module", "exports", source).call(window);
    return window[globalName];
  }

  /**
   * ES modules: each gets a blob: URL once its imports have one; their specifiers were rewritten to
   * "__msd_module__:<key>" placeholders by the kernel. Resolves with the entry module's namespace.
   */
  function importModules(graph) {
    var urls = {};
    graph.order.forEach(function (key) {
      var source = graph.sources[key].replace(/"__msd_module__:([^"]+)"/g, function (_, dep) {
        return JSON.stringify(urls[dep]);
      });
      urls[key] = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    });
    return import(urls[graph.entry]);
  }

  function provide(name, kind, payload, globalName) {
    var e = entry(name);
    if (e.provided) return;
    e.provided = true;
    inflate(payload)
      .then(function (buffer) {
        if (kind === "script") return runScript(text(buffer), globalName);
        return importModules(JSON.parse(text(buffer)));
      })
      .then(e.resolve, e.reject);
  }

  /**
   * The output's element: next to the running script (JupyterLab and exported HTML keep the script
   * beside it, and a second view of the same output has its own copy), else by id (classic
   * Notebook runs the script from <head>). JupyterLab may attach it later, so this retries.
   */
  function findElement(id, script, tries, found) {
    var el = null;
    if (script && script.parentNode && script.parentNode.querySelector) el = script.parentNode.querySelector("#" + id + ":not([data-msd-drawn])");
    if (!el) el = document.querySelector("#" + id + ":not([data-msd-drawn])");
    if (el) {
      el.setAttribute("data-msd-drawn", "");
      return found(el);
    }
    if (tries <= 0) return;
    requestAnimationFrame(function () {
      findElement(id, script, tries - 1, found);
    });
  }

  function showNote(el, message, isError) {
    var note = el.querySelector(".msd-note");
    if (!note) {
      note = document.createElement("div");
      note.className = "msd-note";
      note.style.cssText = "font: 12px system-ui, sans-serif; color: " + (isError ? "#b00020" : "#666") + "; margin: 4px 0;";
      el.appendChild(note);
    }
    note.textContent = message;
  }

  /**
   * Draws output `id` once `names` are loaded: `draw(element, ...libraries, data)`. Until then the
   * static fallback inside the element stays; it is removed when the interactive version is drawn.
   */
  function render(id, names, draw, data) {
    var script = document.currentScript;
    findElement(id, script, FIND_TRIES, function (el) {
      var loaded = false;
      var timer = setTimeout(function () {
        if (!loaded) showNote(el, "Waiting for " + names.join(", ") + ": the first msd-lab output of this notebook carries it. Run that cell (or all cells) to see the interactive version; the static view is shown meanwhile.");
      }, WAIT_NOTE_MS);
      Promise.all(names.map(function (n) { return entry(n).promise; }))
        .then(function (modules) {
          loaded = true;
          clearTimeout(timer);
          var note = el.querySelector(".msd-note");
          if (note) note.remove();
          // The static picture goes only once the interactive version has been drawn (draw may be async).
          return Promise.resolve(draw.apply(null, [el].concat(modules, [data]))).then(function () {
            var fallback = el.querySelector(".msd-fallback");
            if (fallback) fallback.remove();
          });
        })
        .catch(function (error) {
          loaded = true;
          clearTimeout(timer);
          showNote(el, "msd-lab output failed: " + (error && error.message ? error.message : String(error)), true);
        });
    });
  }

  window.__msdLab = { provide: provide, render: render, inflate: inflate };
})();
