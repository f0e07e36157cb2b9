// The helpers inside a real tslab kernel, driven through jupyter_client the way a notebook frontend
// drives it (test/kernel-helpers/kernel_driver.py): libraries carried again when the cell that
// carried them runs again, readable errors, the interrupt button stopping a long record(), and a
// kernel with a live server (and a watcher) shutting down at once.
// Needs Jupyter (jupyter_client with ipykernel); skipped with a warning without it, except under CI=true.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findJupyterPython } from "../../src/kernel-helpers/cli/jupyter";

const ROOT = path.resolve(__dirname, "..", "..");
const PYTHON = findJupyterPython();
const IN_CI = process.env.CI === "true";
if (!PYTHON) console.warn(`\n*** kernel session tests ${IN_CI ? "CANNOT RUN" : "SKIPPED"}: no Python with jupyter_client (apt-get install python3-ipykernel). Under CI=true this is a failure. ***\n`);
const suite = PYTHON || IN_CI ? describe : describe.skip;

interface Output {
  type: string;
  content: { name?: string; text?: string; data?: Record<string, string> };
}
interface StepResult {
  status: string;
  outputs: Output[];
  seconds: number;
  shutdownSeconds?: number;
}
type Step = { code: string; cellId?: string; interruptAfter?: number } | { shutdown: true };

let prefix: string;

function runKernel(steps: Step[]): StepResult[] {
  const resultFile = path.join(prefix, `results-${Date.now()}.json`);
  execFileSync(PYTHON!, [path.join(__dirname, "kernel_driver.py"), path.join(ROOT, "notebooks"), resultFile], {
    input: JSON.stringify(steps),
    env: { ...process.env, JUPYTER_PATH: path.join(prefix, "share", "jupyter") },
    timeout: 240_000,
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["pipe", "pipe", "pipe"],
  });
  return JSON.parse(fs.readFileSync(resultFile, "utf8")) as StepResult[];
}

const html = (r: StepResult): string[] => r.outputs.filter((o) => o.type === "display_data").map((o) => o.content.data?.["text/html"] ?? "");
const stderr = (r: StepResult): string => r.outputs.filter((o) => o.type === "stream" && o.content.name === "stderr").map((o) => o.content.text).join("");
const carries = (r: StepResult): boolean => html(r).some((h) => h.includes('__msdLab.provide("plotly"'));

const SETUP = `import { Engine, plot, record, serveLive } from "..";
const engine = new Engine();
engine.spawnEnvironmentObject("plane", [0, 0, 0]);
engine.spawnInertialObject("unit_cube", [0, 0, 2]);
const run = await record(engine, { duration: 0.5 });`;

suite("the helpers in a real tslab kernel", () => {
  beforeAll(() => {
    prefix = fs.mkdtempSync(path.join(os.tmpdir(), "msd-kernel-"));
    execFileSync(process.execPath, [path.join(ROOT, "dist", "src", "kernel-helpers", "cli", "install-kernel.js"), "--prefix", prefix], { stdio: "pipe" });
  });

  afterAll(() => {
    if (prefix) fs.rmSync(prefix, { recursive: true, force: true });
  });

  it("carries plotly once, and again when the cell that carried it runs again", { timeout: 240_000 }, () => {
    const results = runKernel([
      { code: SETUP, cellId: "setup" },
      { code: `plot(run, { y: "z" });`, cellId: "A" },
      { code: `plot(run, { y: "vz" });`, cellId: "B" },
      { code: `plot(run, { y: "z" });`, cellId: "A" }, // re-run: its old output (the library) is gone
      { code: `plot(run, { y: "vz" }); plot(run, { y: "z" });`, cellId: "C" },
      { code: `plot(run, { y: "z" });`, cellId: "D" },
    ]);
    expect(results.map((r) => r.status)).toEqual(["ok", "ok", "ok", "ok", "ok", "ok"]);
    expect(results.slice(1).map(carries)).toEqual([true, false, true, false, false]);
    for (const r of results.slice(1)) {
      for (const o of r.outputs.filter((x) => x.type === "display_data")) {
        expect(Object.keys(o.content.data ?? {}).sort()).toEqual(["image/svg+xml", "text/html", "text/plain"]);
      }
    }
  });

  it("prints an msd-lab error as its message, and stops a long record() on interrupt", { timeout: 240_000 }, () => {
    const [, bad, , long, after] = runKernel([
      { code: SETUP },
      { code: `engine.spawnInertialObject("no_such_asset", [0, 0, 0]);` },
      // Bodies that never sleep: 1000 s of simulation takes minutes, unless interrupted.
      {
        code: `const busy = new Engine({ sleep: false });
busy.spawnEnvironmentObject("plane", [0, 0, 0]);
for (let i = 0; i < 50; i++) busy.spawnInertialObject("unit_cube", [i * 1.1, 0, 0.5]);`,
      },
      { code: `const huge = await record(busy, { duration: 1000 });`, interruptAfter: 2 },
      { code: `console.log("time", busy.time > 0 && busy.time < 1000, busy.busy);` },
    ]);
    expect(bad.status).not.toBe("ok"); // tslab answers a failed cell with "abort"
    expect(stderr(bad).trim()).toBe('Error: unknown asset "no_such_asset"');
    expect(long.status).not.toBe("ok");
    expect(long.seconds).toBeLessThan(30); // interrupted, not run to the end
    expect(stderr(after), JSON.stringify(after)).toBe("");
    expect(after.outputs.map((o) => o.content.text).join(""), JSON.stringify([long, after])).toContain("time true false");
  });

  it("shuts down at once with a live server and a connected watcher", { timeout: 240_000 }, () => {
    const results = runKernel([
      { code: SETUP },
      { code: `const live = await serveLive({ engine: engine, port: 0 });` },
      {
        code: `const ws = new (require("ws"))(live.url.replace("http", "ws").replace(/\\/live.*/, "/api/v1/live"));
await new Promise((resolve) => ws.on("open", resolve));
ws.send(JSON.stringify({ type: "watch", simulation_id: live.simulationId }));
await new Promise((resolve) => ws.once("message", resolve));
console.log("watching");`,
      },
      { shutdown: true },
    ]);
    expect(results[2].outputs.map((o) => o.content.text).join("")).toContain("watching");
    // jupyter_client waits up to 5 s for the kernel to exit, then kills it: a clean exit is quicker.
    expect(results[3].shutdownSeconds).toBeLessThan(4);
  });
});
