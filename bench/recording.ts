// Recording benchmark: how much recording slows stepping. A scene (default pile-1000: 1000 unit
// cubes falling onto the ground) is stepped at 1/60 s for N frames without and with a
// RecordingWriter capturing every frame (runs alternate; medians are reported), and the file's
// bytes per frame are measured. "ms/frame" is the time the stepping thread spends per frame
// (step, plus capture when recording); the SQLite work runs on the writer thread meanwhile, and
// finishing (writing what is left, publishing the file) is timed on its own. On Linux the stepping
// thread's own CPU time (/proc/thread-self/schedstat) is measured too: unlike wall time it does not
// count the time other processes (or the writer thread, on a machine with no core to spare) hold
// the CPU, so it stays meaningful on a busy machine.
//   npm run bench:recording [-- --scene pile-1000 --frames 600 --runs 3 --inline]
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { RecordingWriter } from "../src/recording";
import { MsdLabAdapter } from "./engines/msd-lab";
import { makeScene } from "./scenes";

export interface RecordingBenchOptions {
  scene: string;
  frames: number;
  runs: number;
  /** Write inline on the stepping thread instead of on the writer thread. */
  inline: boolean;
  /** Where the recordings go (a temporary directory by default); they are deleted afterwards. */
  dir?: string;
  log?: (line: string) => void;
}

export interface RecordingBenchResult {
  scene: string;
  bodies: number;
  frames: number;
  runs: number;
  writer: "thread" | "inline";
  /**
   * Stepping-thread ms per frame: for each frame the fastest of the runs, averaged over the frames
   * (the simulation is deterministic, so frame k costs the same in every run; the minimum strips
   * what other processes on the machine added).
   */
  msPerFrameWithout: number;
  msPerFrameWith: number;
  /** (with − without) / without, in %. */
  overheadPercent: number;
  /** Stepping thread's CPU time per frame (median run), ms; null where the OS does not say. */
  threadCpuMsWithout: number | null;
  threadCpuMsWith: number | null;
  /** From the thread CPU times, in %; null without them. */
  threadCpuOverheadPercent: number | null;
  /** The same from the median run's plain average (more exposed to noise). */
  medianRunMsWithout: number;
  medianRunMsWith: number;
  /** CPU time of the whole process (all threads: the writer's too) per frame, median run, ms. */
  cpuMsPerFrameWithout: number;
  cpuMsPerFrameWith: number;
  /** Median time from the last frame to the published file, ms. */
  finishMs: number;
  bytesPerFrame: number;
  fileBytes: number;
}

interface RunTimes {
  /** Stepping-thread ms of each frame. */
  perFrame: Float64Array;
  /** Process CPU ms over the run. */
  cpuMs: number;
  /** This thread's CPU ms over the frames (not finishing), or null. */
  threadCpuMs: number | null;
}

export const DEFAULT_RECORDING_BENCH: RecordingBenchOptions = { scene: "pile-1000", frames: 600, runs: 3, inline: false };

export function parseRecordingArgs(argv: readonly string[]): RecordingBenchOptions {
  const options = { ...DEFAULT_RECORDING_BENCH };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--scene") options.scene = value();
    else if (flag === "--frames") options.frames = positiveInteger(value(), flag);
    else if (flag === "--runs") options.runs = positiveInteger(value(), flag);
    else if (flag === "--dir") options.dir = value();
    else if (flag === "--inline") options.inline = true;
    else throw new Error(`unknown flag ${flag} (known: --scene, --frames, --runs, --dir, --inline)`);
  }
  makeScene(options.scene); // fails early for an unknown scene
  return options;
}

export async function runRecordingBench(options: RecordingBenchOptions): Promise<RecordingBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "msd-bench-recording-"));
  const scene = makeScene(options.scene);
  const without: RunTimes[] = [];
  const withRecording: RunTimes[] = [];
  const finishes: number[] = [];
  let fileBytes = 0;
  try {
    // A warm-up of each kind, untimed, then alternating timed runs so that load changes on the
    // machine hit both alike.
    for (let run = -1; run < options.runs; run++) {
      const a = await stepRun(scene, options.frames);
      const b = await recordedRun(scene, options.frames, path.join(dir, `run-${run + 1}.db`), options.inline);
      if (run < 0) continue;
      without.push(a);
      withRecording.push(b);
      finishes.push(b.finishMs);
      fileBytes = b.bytes;
      log(`run ${run + 1}: ${mean(a.perFrame).toFixed(3)} ms/frame without, ${mean(b.perFrame).toFixed(3)} with (finish ${b.finishMs.toFixed(0)} ms, ${(b.bytes / 1e6).toFixed(1)} MB)`);
    }
  } finally {
    if (options.dir === undefined) fs.rmSync(dir, { recursive: true, force: true });
  }
  const msWithout = perFrameMinimum(without);
  const msWith = perFrameMinimum(withRecording);
  return {
    scene: options.scene,
    bodies: scene.dynamic.length,
    frames: options.frames,
    runs: options.runs,
    writer: options.inline ? "inline" : "thread",
    msPerFrameWithout: msWithout,
    msPerFrameWith: msWith,
    overheadPercent: (100 * (msWith - msWithout)) / msWithout,
    ...threadCpu(without, withRecording, options.frames),
    medianRunMsWithout: median(without.map((r) => mean(r.perFrame))),
    medianRunMsWith: median(withRecording.map((r) => mean(r.perFrame))),
    cpuMsPerFrameWithout: median(without.map((r) => r.cpuMs / options.frames)),
    cpuMsPerFrameWith: median(withRecording.map((r) => r.cpuMs / options.frames)),
    finishMs: median(finishes),
    bytesPerFrame: fileBytes / (options.frames + 1),
    fileBytes,
  };
}

/** Steps `frames` times, timing each step. The event loop turns after every frame, as in a recording run. */
async function stepRun(scene: ReturnType<typeof makeScene>, frames: number): Promise<RunTimes> {
  const adapter = new MsdLabAdapter();
  adapter.build(scene);
  const engine = adapter.raw;
  const perFrame = new Float64Array(frames);
  const cpu = process.cpuUsage();
  const thread = threadCpuNs();
  for (let k = 0; k < frames; k++) {
    const began = performance.now();
    engine.step(scene.dt);
    perFrame[k] = performance.now() - began;
    await turn();
  }
  const threadCpuMs = threadMsSince(thread);
  const cpuMs = cpuSince(cpu);
  adapter.dispose();
  return { perFrame, cpuMs, threadCpuMs };
}

/** As stepRun, capturing every frame (and frame 0) into a recording file. */
async function recordedRun(scene: ReturnType<typeof makeScene>, frames: number, file: string, inline: boolean): Promise<RunTimes & { finishMs: number; bytes: number }> {
  const adapter = new MsdLabAdapter();
  adapter.build(scene);
  const engine = adapter.raw;
  const perFrame = new Float64Array(frames);
  const cpu = process.cpuUsage();
  const writer = RecordingWriter.create(engine, file, { timestep: scene.dt, background: !inline, overwrite: true });
  writer.capture();
  const thread = threadCpuNs();
  for (let k = 0; k < frames; k++) {
    const began = performance.now();
    engine.step(scene.dt);
    writer.capture();
    perFrame[k] = performance.now() - began;
    await turn();
  }
  const threadCpuMs = threadMsSince(thread);
  const finishing = performance.now();
  const summary = await writer.finish();
  const finishMs = performance.now() - finishing;
  const cpuMs = cpuSince(cpu);
  adapter.dispose();
  fs.rmSync(file, { force: true });
  return { perFrame, cpuMs, threadCpuMs, finishMs, bytes: summary.bytes };
}

/** For each frame the fastest run, averaged over the frames. */
function perFrameMinimum(runs: RunTimes[]): number {
  const frames = runs[0].perFrame.length;
  let sum = 0;
  for (let k = 0; k < frames; k++) sum += Math.min(...runs.map((r) => r.perFrame[k]));
  return sum / frames;
}

/** Nanoseconds this thread has run on a CPU (Linux), or null. */
function threadCpuNs(): number | null {
  try {
    return Number(fs.readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]);
  } catch {
    return null;
  }
}

function threadMsSince(start: number | null): number | null {
  const now = threadCpuNs();
  return start === null || now === null ? null : (now - start) / 1e6;
}

function threadCpu(without: RunTimes[], withRecording: RunTimes[], frames: number): Pick<RecordingBenchResult, "threadCpuMsWithout" | "threadCpuMsWith" | "threadCpuOverheadPercent"> {
  const a = without.map((r) => r.threadCpuMs);
  const b = withRecording.map((r) => r.threadCpuMs);
  if (a.some((x) => x === null) || b.some((x) => x === null)) return { threadCpuMsWithout: null, threadCpuMsWith: null, threadCpuOverheadPercent: null };
  const msWithout = median(a as number[]) / frames;
  const msWith = median(b as number[]) / frames;
  return { threadCpuMsWithout: msWithout, threadCpuMsWith: msWith, threadCpuOverheadPercent: (100 * (msWith - msWithout)) / msWithout };
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function mean(values: Float64Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function positiveInteger(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer (got "${text}")`);
  return n;
}

export function formatRecordingResult(r: RecordingBenchResult): string {
  return [
    `scene ${r.scene}: ${r.bodies} bodies, ${r.frames} frames at 1/60 s, ${r.runs} runs, writer on ${r.writer === "thread" ? "its own thread" : "the stepping thread"}`,
    r.threadCpuMsWithout !== null && r.threadCpuMsWith !== null && r.threadCpuOverheadPercent !== null
      ? `stepping thread CPU, ms/frame (median run):          ${r.threadCpuMsWithout.toFixed(3)} without recording, ${r.threadCpuMsWith.toFixed(3)} with: overhead ${r.threadCpuOverheadPercent.toFixed(1)} %`
      : "stepping thread CPU: not available on this system",
    `stepping thread, ms/frame (each frame's fastest run): ${r.msPerFrameWithout.toFixed(3)} without recording, ${r.msPerFrameWith.toFixed(3)} with: overhead ${r.overheadPercent.toFixed(1)} %`,
    `stepping thread, ms/frame (median run's average):     ${r.medianRunMsWithout.toFixed(3)} without, ${r.medianRunMsWith.toFixed(3)} with`,
    `process CPU, ms/frame (all threads, median run):      ${r.cpuMsPerFrameWithout.toFixed(3)} without, ${r.cpuMsPerFrameWith.toFixed(3)} with`,
    `finishing the file: ${r.finishMs.toFixed(0)} ms; on disk ${(r.bytesPerFrame / 1024).toFixed(1)} KiB per frame (${(r.fileBytes / 1e6).toFixed(1)} MB for ${r.frames + 1} frames)`,
  ].join("\n");
}

async function main(): Promise<void> {
  const options = parseRecordingArgs(process.argv.slice(2));
  const result = await runRecordingBench(options);
  console.log("");
  console.log(formatRecordingResult(result));
  const load = os.loadavg()[0];
  if (load > os.cpus().length * 0.75) console.log(`1-minute load average ${load.toFixed(2)} on ${os.cpus().length} cores: other work was running, the timings are noisy`);
  console.log(JSON.stringify({ bench: "recording", ...result }));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
