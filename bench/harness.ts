// The engine benchmark harness: runs the scenes of bench/scenes.ts on each engine adapter, times
// the stepping loop, judges the final state, and prints / writes the results. bench/run.ts is the
// command line; test/bench-smoke.test.ts runs these functions on a tiny scene.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { Worker } from "worker_threads";
import { packageRoot } from "../src/engine/package-root";
import { runBindingBench, BindingResult } from "./binding";
import { ENGINE_NAMES, EngineAdapter, EngineName, settled } from "./engines/adapter";
import { CannonAdapter } from "./engines/cannon";
import { MsdLabAdapter } from "./engines/msd-lab";
import { createRapierAdapter } from "./engines/rapier";
import type { PreflightMessage, PreflightRequest } from "./preflight-worker";
import { makeScene, Scene, SCENE_NAMES } from "./scenes";

export type { BindingResult } from "./binding";

/** A body is "settled" at the end when asleep or slower than this (m/s). */
export const SETTLE_SPEED = 0.05;

export interface BenchOptions {
  scenes: string[];
  engines: EngineName[];
  /** Timed runs per scene and engine (the median is reported). */
  runs: number;
  /** Untimed warm-up runs before them. */
  warmupRuns: number;
  /** Steps per run; default each scene's own (600). */
  steps?: number;
  /** A run still going after this many seconds is abandoned and the scene skipped for that engine. */
  runLimitS: number;
  /**
   * Engines whose first run of each scene is made in a worker thread that is terminated at
   * runLimitS (a single step can take minutes: cannon-es on pile-4000); the in-process runs can
   * only stop between steps. Needs the compiled dist/bench/preflight-worker.js.
   */
  preflight: EngineName[];
  /** When the warm-up run took longer than this (s), only one timed run is made. */
  slowRunS: number;
  /** Run the binding micro-benchmarks too (needs msd-lab in `engines`). */
  binding: boolean;
  /** Sizes of the binding micro-benchmarks (defaults: 1000 bodies, 600 steps). */
  bindingBodies?: number;
  bindingSteps?: number;
  bindingSamples?: number;
  /** Where to write the JSON results; undefined writes nothing. */
  out?: string;
  /** Also run the streaming benchmark afterwards (bench/run.ts does that). */
  streaming: boolean;
  /** Progress lines (default: console.log); the table is returned, not printed. */
  log?: (line: string) => void;
}

export interface SceneResult {
  scene: string;
  engine: EngineName;
  /** Dynamic bodies. */
  bodies: number;
  /** Median over the timed runs of (stepping-loop time / steps), in ms; null when skipped. */
  msPerStep: number | null;
  /** msPerStep ÷ Rapier's on the same scene (< 1: faster than Rapier); null without both. */
  ratioToRapier: number | null;
  /** Every dynamic body asleep or slower than SETTLE_SPEED at the end; null when skipped. */
  settled: boolean | null;
  /** Largest final linear speed of a dynamic body (m/s). */
  maxSpeed: number | null;
  /** pyramid-*: max over cubes of |final − initial| position (m). */
  maxDisplacement?: number;
  /** drop: the cube's final centre height (m). */
  finalZ?: number;
  /** Steps per run. */
  steps: number;
  /** Each timed run's ms per step, in run order. */
  runsMsPerStep: number[];
  /** Why there is no measurement, e.g. "> 60 s". */
  skipped?: string;
  /** For a skipped scene: the steps done before the run was abandoned at the time limit. */
  stepsDone?: number;
}

export interface BenchReport {
  /** 1-minute load averages when the bench started and ended (above ~1 on this 2-core machine: something else was running). */
  loadAverage: { start: number; end: number };
  rows: SceneResult[];
  bindings: BindingResult[];
  table: string;
  totalS: number;
  machine: string;
}

export const DEFAULT_OPTIONS: BenchOptions = {
  scenes: [...SCENE_NAMES],
  engines: [...ENGINE_NAMES],
  runs: 3,
  warmupRuns: 1,
  runLimitS: 60,
  preflight: ["cannon"],
  slowRunS: 20,
  binding: true,
  streaming: false,
};

// Command line ------------------------------------------------------------------------------------

const USAGE = `usage: node dist/bench/run.js [--scenes drop,pile-100,...] [--engines msd-lab,rapier,cannon]
  [--runs 3] [--warmup 1] [--steps N] [--limit-s 60] [--no-binding] [--out PATH | --no-out] [--streaming]`;

export function parseArgs(argv: readonly string[], defaultOut?: string): BenchOptions {
  const options: BenchOptions = { ...DEFAULT_OPTIONS, scenes: [...DEFAULT_OPTIONS.scenes], engines: [...DEFAULT_OPTIONS.engines], out: defaultOut };
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value\n${USAGE}`);
    return v;
  };
  const count = (text: string, flag: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be an integer ≥ ${min} (got ${text})`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    switch (flag) {
      case "--scenes":
        options.scenes = value(i++, flag).split(",").filter(Boolean);
        options.scenes.forEach((name) => makeScene(name)); // unknown names fail here, before any run
        break;
      case "--engines": {
        const names = value(i++, flag).split(",").filter(Boolean);
        for (const name of names) if (!ENGINE_NAMES.includes(name as EngineName)) throw new Error(`unknown engine "${name}" (known: ${ENGINE_NAMES.join(", ")})`);
        options.engines = names as EngineName[];
        break;
      }
      case "--runs":
        options.runs = count(value(i++, flag), flag, 1);
        break;
      case "--warmup":
        options.warmupRuns = count(value(i++, flag), flag, 0);
        break;
      case "--steps":
        options.steps = count(value(i++, flag), flag, 1);
        break;
      case "--limit-s":
        options.runLimitS = count(value(i++, flag), flag, 1);
        break;
      case "--no-binding":
        options.binding = false;
        break;
      case "--out":
        options.out = value(i++, flag);
        break;
      case "--no-out":
        options.out = undefined;
        break;
      case "--streaming":
        options.streaming = true;
        break;
      case "--help":
      case "-h":
        throw new Error(USAGE);
      default:
        throw new Error(`unknown option "${flag}"\n${USAGE}`);
    }
  }
  return options;
}

// Measuring ---------------------------------------------------------------------------------------

export async function createAdapter(name: EngineName): Promise<EngineAdapter> {
  switch (name) {
    case "msd-lab":
      return new MsdLabAdapter();
    case "rapier":
      return createRapierAdapter();
    case "cannon":
      return new CannonAdapter();
  }
}

interface RunTiming {
  ms: number;
  stepsDone: number;
  completed: boolean;
}

/**
 * Times `steps` calls of adapter.step() (the world is already built). Stops early once `limitMs`
 * has passed: the clock is read every 8 steps while steps are quick (so reading it costs nothing
 * measurable even at µs steps), after every step once they take more than 0.1 ms.
 */
export function timeSteps(adapter: EngineAdapter, steps: number, limitMs = Infinity): RunTiming {
  const start = performance.now();
  let done = 0;
  let batch = 8;
  let batchStart = start;
  while (done < steps) {
    const batchEnd = Math.min(steps, done + batch);
    const batchSteps = batchEnd - done;
    for (; done < batchEnd; done++) adapter.step();
    const now = performance.now();
    if (now - start > limitMs && done < steps) return { ms: now - start, stepsDone: done, completed: false };
    if ((now - batchStart) / batchSteps > 0.1) batch = 1;
    batchStart = now;
  }
  return { ms: performance.now() - start, stepsDone: done, completed: true };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The compiled worker script (dist/bench/preflight-worker.js), also when this file runs from bench/ as TypeScript. */
function preflightScript(): string {
  const beside = path.join(__dirname, "preflight-worker.js");
  return fs.existsSync(beside) ? beside : path.join(packageRoot(), "dist", "bench", "preflight-worker.js");
}

/** One run in a worker thread, terminated once it has taken longer than limitMs. */
export function preflightRun(sceneName: string, engine: EngineName, steps: number, limitMs: number): Promise<RunTiming> {
  return new Promise((resolve, reject) => {
    const request: PreflightRequest = { scene: sceneName, engine, steps };
    const worker = new Worker(preflightScript(), { workerData: request });
    let last: RunTiming = { ms: 0, stepsDone: 0, completed: false };
    let started = 0;
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    const finish = (timing: RunTiming): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      void worker.terminate().then(() => resolve(timing), () => resolve(timing));
    };
    worker.on("message", (message: PreflightMessage) => {
      if (message.stepsDone === 0 && !message.done) {
        // The world is built: the run (and its clock) starts now.
        started = performance.now();
        timer = setTimeout(() => finish({ ...last, ms: performance.now() - started, completed: false }), limitMs);
        return;
      }
      last = { ms: message.ms, stepsDone: message.stepsDone, completed: message.done };
      if (message.done) finish(last);
    });
    worker.once("error", (error) => {
      finished = true;
      clearTimeout(timer);
      reject(error);
    });
    worker.once("exit", (code) => {
      if (!finished) {
        finished = true;
        clearTimeout(timer);
        reject(new Error(`preflight worker for ${sceneName} / ${engine} exited with code ${code}`));
      }
    });
  });
}

/** One engine's progress through a scene's runs. */
interface EngineRuns {
  engine: EngineName;
  adapter: EngineAdapter;
  runs: number;
  runsMsPerStep: number[];
  initial: Float64Array;
  result?: SceneResult;
}

/**
 * One scene on several engines: each engine's warm-up run(s), then the timed runs interleaved
 * (run 1 of every engine, then run 2, …) so a burst of other work on the machine hits them all
 * alike; a fresh world for every run; the stability figures from each engine's last run.
 */
export async function benchSceneEngines(sceneName: string, engines: readonly EngineName[], options: BenchOptions): Promise<SceneResult[]> {
  const scene: Scene = makeScene(sceneName);
  const steps = options.steps ?? scene.steps;
  const limitMs = options.runLimitS * 1000;
  const states: EngineRuns[] = [];
  for (const engine of engines) states.push({ engine, adapter: await createAdapter(engine), runs: options.runs, runsMsPerStep: [], initial: new Float64Array(0) });
  const head = (engine: EngineName) => ({ scene: scene.name, engine, bodies: scene.dynamic.length });
  const skip = (state: EngineRuns, timing: RunTiming): void => {
    state.result = {
      ...head(state.engine),
      msPerStep: null,
      ratioToRapier: null,
      settled: null,
      maxSpeed: null,
      steps,
      runsMsPerStep: state.runsMsPerStep,
      skipped: `> ${options.runLimitS} s`,
      stepsDone: timing.stepsDone,
    };
    state.adapter.dispose();
  };
  const finish = (state: EngineRuns): void => {
    const { adapter, initial } = state;
    const final = adapter.positions();
    const result: SceneResult = {
      ...head(state.engine),
      msPerStep: median(state.runsMsPerStep),
      ratioToRapier: null,
      settled: settled(adapter, SETTLE_SPEED),
      maxSpeed: adapter.speeds().reduce((a, b) => Math.max(a, b), 0),
      steps,
      runsMsPerStep: state.runsMsPerStep,
    };
    if (scene.name.startsWith("pyramid")) {
      let max = 0;
      for (let i = 0; i < final.length; i += 3) max = Math.max(max, Math.hypot(final[i] - initial[i], final[i + 1] - initial[i + 1], final[i + 2] - initial[i + 2]));
      result.maxDisplacement = max;
    }
    if (scene.name === "drop") result.finalZ = final[2];
    state.result = result;
    adapter.dispose();
  };
  try {
    for (const state of states) {
      if (!options.preflight.includes(state.engine)) continue;
      const timing = await preflightRun(scene.name, state.engine, steps, limitMs);
      if (!timing.completed) skip(state, timing);
      else if (timing.ms > options.slowRunS * 1000) state.runs = 1;
    }
    for (const state of states) {
      for (let w = 0; w < options.warmupRuns && !state.result; w++) {
        state.adapter.build(scene);
        const timing = timeSteps(state.adapter, steps, limitMs);
        if (!timing.completed) skip(state, timing);
        else if (timing.ms > options.slowRunS * 1000) state.runs = 1;
      }
    }
    for (let r = 0; r < options.runs; r++) {
      for (const state of states) {
        if (state.result || r >= state.runs) continue;
        state.adapter.build(scene);
        state.initial = state.adapter.positions();
        const timing = timeSteps(state.adapter, steps, limitMs);
        if (!timing.completed) {
          skip(state, timing);
          continue;
        }
        state.runsMsPerStep.push(timing.ms / steps);
        if (state.runsMsPerStep.length === state.runs) finish(state);
      }
    }
  } finally {
    for (const state of states) state.adapter.dispose();
  }
  return states.map((state) => state.result as SceneResult);
}

/** One scene on one engine (see benchSceneEngines). */
export async function benchScene(sceneName: string, engine: EngineName, options: BenchOptions): Promise<SceneResult> {
  const [row] = await benchSceneEngines(sceneName, [engine], options);
  return row;
}

/** Every scene × engine, with ratios to Rapier filled in. */
export async function runEngineBench(options: BenchOptions): Promise<SceneResult[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  const rows: SceneResult[] = [];
  for (const sceneName of options.scenes) {
    const started = performance.now();
    const sceneRows = await benchSceneEngines(sceneName, options.engines, options);
    const rapier = sceneRows.find((r) => r.engine === "rapier")?.msPerStep ?? null;
    for (const row of sceneRows) {
      if (row.msPerStep !== null && rapier !== null) row.ratioToRapier = row.msPerStep / rapier;
      const what = row.msPerStep === null ? `skipped (${row.skipped})` : `${formatMs(row.msPerStep)} ms/step`;
      log(`  ${sceneName} / ${row.engine}: ${what}`);
    }
    log(`  ${sceneName}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    rows.push(...sceneRows);
  }
  return rows;
}

// Reporting ---------------------------------------------------------------------------------------

function formatMs(ms: number): string {
  if (ms >= 100) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  if (ms >= 0.01) return ms.toFixed(3);
  return ms.toFixed(4);
}

function stability(row: SceneResult): string {
  if (row.settled === null) return "—";
  const parts = [row.settled ? "settled" : "NOT settled", `max v ${row.maxSpeed?.toFixed(3)} m/s`];
  if (row.maxDisplacement !== undefined) parts.push(`max displacement ${row.maxDisplacement.toFixed(3)} m`);
  if (row.finalZ !== undefined) parts.push(`final z ${row.finalZ.toFixed(4)} m`);
  return parts.join(", ");
}

/** The results as a Markdown table (ratio = ms/step ÷ Rapier's: below 1 is faster than Rapier). */
export function formatTable(rows: readonly SceneResult[]): string {
  const lines = ["| scene | engine | bodies | ms/step | ratio to Rapier | stability |", "|---|---|---:|---:|---:|---|"];
  for (const row of rows) {
    let ms: string;
    if (row.msPerStep === null) ms = `skipped (${row.skipped}: ${row.stepsDone} of ${row.steps} steps done)`;
    else ms = formatMs(row.msPerStep) + (row.runsMsPerStep.length === 1 ? " (1 timed run)" : "");
    const ratio = row.ratioToRapier === null ? "—" : row.ratioToRapier.toFixed(2);
    lines.push(`| ${row.scene} | ${row.engine} | ${row.bodies} | ${ms} | ${ratio} | ${stability(row)} |`);
  }
  return lines.join("\n");
}

export function formatBindings(bindings: readonly BindingResult[]): string {
  const lines = ["| binding micro-benchmark | value |", "|---|---:|"];
  for (const b of bindings) lines.push(`| ${b.name} | ${b.value < 10 ? b.value.toFixed(2) : b.value.toFixed(1)} ${b.unit} |`);
  return lines.join("\n");
}

/** The JSON written to latest.json: the scene rows, then the binding entries. */
export function resultsJson(rows: readonly SceneResult[], bindings: readonly BindingResult[]): (SceneResult | BindingResult)[] {
  return [...rows, ...bindings];
}

export function writeResults(file: string, rows: readonly SceneResult[], bindings: readonly BindingResult[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(resultsJson(rows, bindings), null, 2) + "\n");
}

export function machineSummary(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model.trim() ?? "unknown CPU"}, ${cpus.length} cores, node ${process.version}, ${os.platform()} ${os.arch()}`;
}

/** The whole engine benchmark: scenes × engines, binding micro-benchmarks, table, JSON file. */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const started = performance.now();
  const loadStart = os.loadavg()[0];
  const machine = machineSummary();
  log(`engine bench: ${options.scenes.join(", ")} × ${options.engines.join(", ")}; ${options.warmupRuns} warm-up + median of ${options.runs} timed runs; ${machine}`);
  const rows = await runEngineBench({ ...options, log });
  let bindings: BindingResult[] = [];
  if (options.binding && options.engines.includes("msd-lab")) {
    log("  binding micro-benchmarks…");
    bindings = runBindingBench({ bodies: options.bindingBodies, steps: options.bindingSteps, samples: options.bindingSamples, runs: options.runs });
  }
  const table = formatTable(rows) + (bindings.length ? "\n\n" + formatBindings(bindings) : "");
  if (options.out !== undefined) writeResults(options.out, rows, bindings);
  return { loadAverage: { start: loadStart, end: os.loadavg()[0] }, rows, bindings, table, totalS: (performance.now() - started) / 1000, machine };
}
