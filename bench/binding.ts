// Binding micro-benchmarks: what crossing between JavaScript and the native engine costs.
//   - reading the state of 1000 bodies (pile-1000, plus the ground) as the seed's frame objects
//     (getFrameState) and as the packed Float64Array (stateArray): median µs per call;
//   - 600 steps of pile-100 in one native call (simulate, recording every frame, and recording
//     only the last) against 600 step() calls from JavaScript: median ms for the 600 steps.
import { performance } from "perf_hooks";
import { MsdLabAdapter } from "./engines/msd-lab";
import { pileScene } from "./scenes";

export interface BindingResult {
  scene: "binding";
  name: string;
  value: number;
  unit: "µs" | "ms";
}

export interface BindingOptions {
  /** Bodies for the state-reading benchmarks (default 1000). */
  bodies?: number;
  /** Steps for simulate vs step (default 600). */
  steps?: number;
  /** Samples for the state-reading medians (default 201; each sample is the mean of 10 calls). */
  samples?: number;
  /** Timed runs for simulate vs step (default 3, after one warm-up). */
  runs?: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median over `samples` of the mean time (µs) of `batch` calls of fn, after `batch * 2` warm-up calls. */
function microseconds(fn: () => unknown, samples: number, batch = 10): number {
  let sink = 0;
  for (let i = 0; i < batch * 2; i++) sink += fn() ? 1 : 0;
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) sink += fn() ? 1 : 0;
    times.push(((performance.now() - t0) * 1000) / batch);
  }
  if (sink < 0) console.log(sink); // keeps the calls observable
  return median(times);
}

export function runBindingBench(options: BindingOptions = {}): BindingResult[] {
  const bodies = options.bodies ?? 1000;
  const steps = options.steps ?? 600;
  const samples = options.samples ?? 201;
  const runs = options.runs ?? 3;
  const results: BindingResult[] = [];
  const adapter = new MsdLabAdapter();
  try {
    // State reading: pile of `bodies` cubes a few steps into their fall.
    adapter.build(pileScene(bodies));
    for (let i = 0; i < 10; i++) adapter.step();
    const engine = adapter.raw;
    results.push({ scene: "binding", name: `getFrameState() (${bodies} bodies)`, value: microseconds(() => engine.getFrameState(), samples), unit: "µs" });
    results.push({ scene: "binding", name: `stateArray() (${bodies} bodies)`, value: microseconds(() => engine.stateArray(), samples), unit: "µs" });

    // Stepping: one native call against a JavaScript loop, fresh pile-100 world per run.
    const scene = pileScene(100);
    const dt = scene.dt;
    const variants: { name: string; run: () => void }[] = [
      { name: `simulate() ${steps} steps, every frame recorded (pile-100)`, run: () => void adapter.raw.simulate({ duration: steps * dt, dt }) },
      { name: `simulate() ${steps} steps, last frame recorded (pile-100)`, run: () => void adapter.raw.simulate({ duration: steps * dt, dt, every: steps }) },
      {
        name: `${steps} × step() from JavaScript (pile-100)`,
        run: () => {
          const e = adapter.raw;
          for (let i = 0; i < steps; i++) e.step(dt);
        },
      },
    ];
    // Interleaved (run 1 of each variant, then run 2, …) so other load on the machine hits all alike.
    const times: number[][] = variants.map(() => []);
    for (let r = 0; r < runs + 1; r++) {
      variants.forEach((variant, v) => {
        adapter.build(scene);
        const t0 = performance.now();
        variant.run();
        if (r > 0) times[v].push(performance.now() - t0); // run 0 is the warm-up
      });
    }
    variants.forEach((variant, v) => results.push({ scene: "binding", name: variant.name, value: median(times[v]), unit: "ms" }));
  } finally {
    adapter.dispose();
  }
  return results;
}
