// The example notebooks, executed for real: `jupyter nbconvert --to notebook --execute` on the tslab
// kernel (registered by `npm run kernel:install`'s script into a private prefix), then checked
// output by output; one executed notebook is exported to HTML and the example script's report is
// written, and both are opened in headless Chromium with the network refused: plots and 3D views
// must draw from the file alone.
//
// Needs Jupyter (nbconvert + ipykernel, and the classic Notebook for one test) and Chromium: without
// them the file is skipped with a warning, except under CI=true, where that is a failure (.ci/run
// installs them).
import { execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { findJupyterPython, jupyterCommand } from "../../src/kernel-helpers/cli/jupyter";
import { browserSuite, launchBrowser, ROOT } from "./harness";
import { expectOutputsRendered, openOffline, openWithOnly } from "./offline-outputs";

const NOTEBOOKS_DIR = path.join(ROOT, "notebooks");
const NOTEBOOKS = fs.readdirSync(NOTEBOOKS_DIR).filter((f) => f.endsWith(".ipynb") && !f.startsWith("_")).sort();

/** The Jupyter the kernel installer uses (its Python's `jupyter`), if it has nbconvert. */
const PYTHON = findJupyterPython();
function jupyterAvailability(): { ok: true; jupyter: string } | { ok: false; reason: string } {
  const jupyter = PYTHON ? jupyterCommand(PYTHON) : "jupyter";
  if (spawnSync(jupyter, ["nbconvert", "--version"], { stdio: "ignore" }).status === 0) return { ok: true, jupyter };
  return { ok: false, reason: "jupyter nbconvert is not installed (Debian: apt-get install jupyter-nbconvert python3-ipykernel)" };
}

const jupyter = jupyterAvailability();
const classicNotebook = jupyter.ok && spawnSync(jupyter.jupyter, ["notebook", "--version"], { stdio: "ignore" }).status === 0;

/** A TCP port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
const suite = browserSuite("notebook tests (test/browser/notebooks.test.ts)", jupyter.ok ? [] : [jupyter.reason]);

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
}
interface Notebook {
  cells: { cell_type: string; source: string | string[]; outputs?: Output[] }[];
  metadata: { kernelspec?: { name: string } };
}

const joined = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join("") : (v ?? ""));

let work: string;
let env: NodeJS.ProcessEnv;
let browser: Browser | undefined;
const executed = new Map<string, { notebook: Notebook; file: string; seconds: number }>();

suite("example notebooks on the tslab kernel", () => {
  beforeAll(() => {
    if (!jupyter.ok) throw new Error(jupyter.reason);
    work = fs.mkdtempSync(path.join(os.tmpdir(), "msd-notebooks-"));
    // The project's own kernel installer, into a private prefix (the user's kernels stay untouched).
    execFileSync(process.execPath, [path.join(ROOT, "dist", "src", "kernel-helpers", "cli", "install-kernel.js"), "--prefix", work], { stdio: "pipe" });
    env = { ...process.env, JUPYTER_PATH: path.join(work, "share", "jupyter") };
  });

  afterAll(async () => {
    await browser?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("has the five notebooks the tour promises, each on the tslab kernel", () => {
    expect(NOTEBOOKS.length).toBeGreaterThanOrEqual(5);
    for (const prefix of ["01-", "02-", "03-", "04-", "05-"]) expect(NOTEBOOKS.some((n) => n.startsWith(prefix)), prefix).toBe(true);
    for (const name of NOTEBOOKS) {
      const nb = JSON.parse(fs.readFileSync(path.join(NOTEBOOKS_DIR, name), "utf8")) as Notebook;
      expect(nb.metadata.kernelspec?.name, name).toBe("tslab");
      // Committed without outputs: they are produced by running the notebook.
      expect(nb.cells.flatMap((c) => c.outputs ?? []), name).toEqual([]);
      expect(nb.cells.filter((c) => c.cell_type === "markdown").length, `${name}: prose`).toBeGreaterThanOrEqual(3);
    }
  });

  for (const name of NOTEBOOKS) {
    it(`runs ${name} with no errors; every rich output has a text fallback`, { timeout: 300_000 }, () => {
      const began = performance.now();
      const result = spawnSync(
        (jupyter as { jupyter: string }).jupyter,
        ["nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=tslab", "--ExecutePreprocessor.timeout=240", "--output-dir", work, path.join(NOTEBOOKS_DIR, name)],
        { env, encoding: "utf8", timeout: 280_000 },
      );
      const seconds = (performance.now() - began) / 1000;
      expect(result.status, `nbconvert failed:\n${result.stderr?.slice(-3000)}`).toBe(0);
      const file = path.join(work, name);
      const notebook = JSON.parse(fs.readFileSync(file, "utf8")) as Notebook;
      executed.set(name, { notebook, file, seconds });
      const outputs = notebook.cells.flatMap((c) => c.outputs ?? []);
      expect(outputs.filter((o) => o.output_type === "error"), "error outputs").toEqual([]);
      expect(outputs.filter((o) => o.output_type === "stream" && o.name === "stderr").map((o) => joined(o.text)), "stderr output").toEqual([]);
      const rich = outputs.filter((o) => o.output_type === "display_data");
      for (const o of rich) expect(joined(o.data?.["text/plain"]).length, "text/plain fallback").toBeGreaterThan(0);
      const html = rich.map((o) => joined(o.data?.["text/html"]));
      expect(html.filter((h) => h.includes('["plotly"]')).length, "plotly plots").toBeGreaterThanOrEqual(1);
      // Libraries travel once per notebook (kernel session), not once per output.
      expect(html.filter((h) => h.includes('__msdLab.provide("plotly"')).length).toBe(1);
      expect(html.filter((h) => h.includes('__msdLab.provide("player"')).length).toBeLessThanOrEqual(1);
      expect(fs.statSync(file).size, "executed notebook size").toBeLessThan(6_000_000);
      // No per-step log floods: a handful of short stream outputs at most.
      const streamed = outputs.filter((o) => o.output_type === "stream").map((o) => joined(o.text));
      expect(streamed.join("").split("\n").length, "printed lines").toBeLessThan(60);
      console.log(`${name}: executed in ${seconds.toFixed(1)} s, ${rich.length} rich outputs, ${(fs.statSync(file).size / 1e6).toFixed(2)} MB`);
    });
  }

  it("has 3D players in the getting-started, stacking and recording notebooks", () => {
    for (const prefix of ["01-", "04-", "06-"]) {
      const entry = [...executed].find(([n]) => n.startsWith(prefix));
      expect(entry, `${prefix} executed`).toBeDefined();
      const html = entry![1].notebook.cells.flatMap((c) => c.outputs ?? []).map((o) => joined(o.data?.["text/html"]));
      expect(html.some((h) => h.includes('["player"]')), `${prefix}: a 3D player`).toBe(true);
    }
  });

  it("exports the getting-started notebook to HTML that draws its plots and 3D view offline", { timeout: 180_000 }, async () => {
    const entry = [...executed].find(([n]) => n.startsWith("01-"));
    expect(entry).toBeDefined();
    const result = spawnSync((jupyter as { jupyter: string }).jupyter, ["nbconvert", "--to", "html", "--output-dir", work, entry![1].file], { env, encoding: "utf8" });
    expect(result.status, result.stderr).toBe(0);
    browser ??= await launchBrowser();
    for (const withRequireJs of [false, true]) {
      const offline = await openOffline(browser, entry![1].file.replace(/\.ipynb$/, ".html"), { withRequireJs });
      try {
        await expectOutputsRendered(offline, withRequireJs ? "notebook-01-requirejs" : "notebook-01", { plots: 2, players: 1 });
        // Only the export template's own CDN scripts (require.js, MathJax) were refused; nothing of ours.
        expect(offline.refused.filter((u) => !/require\.js|mathjax/i.test(u)), "refused requests").toEqual([]);
      } finally {
        await offline.close();
      }
    }
  });

  it("draws the executed notebook in classic Jupyter Notebook 6, trusted, with no network", { timeout: 180_000 }, async () => {
    const entry = [...executed].find(([n]) => n.startsWith("01-"));
    expect(entry).toBeDefined();
    expect(classicNotebook, "jupyter notebook (Debian: jupyter-notebook) is needed for this test").toBe(true);
    // Sign it, as saving it from a frontend or `jupyter trust` does: outputs of a trusted notebook run.
    const sign = `import nbformat, sys\nfrom nbformat.sign import NotebookNotary\nnb = nbformat.read(sys.argv[1], as_version=4)\nNotebookNotary().sign(nb)\nnbformat.write(nb, sys.argv[1])`;
    execFileSync(PYTHON!, ["-c", sign, entry![1].file], { env, stdio: "pipe" });
    const port = await freePort();
    const server = spawn(
      (jupyter as { jupyter: string }).jupyter,
      ["notebook", "--allow-root", "--no-browser", "--ip", "127.0.0.1", `--port=${port}`, "--NotebookApp.token=", "--NotebookApp.password=",
        "--NotebookApp.disable_check_xsrf=True", `--notebook-dir=${work}`],
      { env, stdio: "ignore" },
    );
    const origin = `http://127.0.0.1:${port}`;
    try {
      await expect.poll(() => fetch(`${origin}/api/status`).then((r) => r.status, () => 0), { timeout: 60_000 }).toBe(200);
      browser ??= await launchBrowser();
      const page = await openWithOnly(browser, `${origin}/notebooks/${path.basename(entry![1].file)}`, origin);
      try {
        await expectOutputsRendered(page, "notebook-01-classic", { plots: 2, players: 1 });
        expect(page.refused, "requests that left the local Jupyter server").toEqual([]);
      } finally {
        await page.close();
      }
    } finally {
      // Shuts the server and its kernels down (a plain kill would leave the kernel processes behind).
      await fetch(`${origin}/api/shutdown`, { method: "POST" }).catch(() => undefined);
      await new Promise<void>((resolve) => {
        if (server.exitCode !== null) return resolve();
        const timer = setTimeout(() => {
          server.kill("SIGKILL");
          resolve();
        }, 10_000);
        server.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  });

  it("runs the example sweep script, whose report draws the same way", { timeout: 180_000 }, async () => {
    const report = path.join(work, "sweep-report.html");
    const out = execFileSync(process.execPath, [path.join(ROOT, "dist", "examples", "restitution-sweep.js"), report], { encoding: "utf8", timeout: 120_000 });
    expect(out).toContain(report);
    const html = fs.readFileSync(report, "utf8");
    expect(html).not.toMatch(/<script[^>]+src=["']https?:/);
    browser ??= await launchBrowser();
    const offline = await openOffline(browser, report);
    try {
      await expectOutputsRendered(offline, "sweep-report", { plots: 1, players: 0 });
      expect(offline.refused, "requests from a report").toEqual([]);
    } finally {
      await offline.close();
    }
  });
});
