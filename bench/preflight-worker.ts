// Worker thread for the harness's preflight run (bench/harness.ts): one run of a scene on one
// engine, reporting progress so the parent can terminate it at the time limit even in the middle
// of a single long step (cannon-es spends over a minute in one step of pile-4000).
import { parentPort, workerData } from "worker_threads";
import { performance } from "perf_hooks";
import type { EngineName } from "./engines/adapter";
import { CannonAdapter } from "./engines/cannon";
import { MsdLabAdapter } from "./engines/msd-lab";
import { createRapierAdapter } from "./engines/rapier";
import { makeScene } from "./scenes";

export interface PreflightRequest {
  scene: string;
  engine: EngineName;
  steps: number;
}

export interface PreflightMessage {
  stepsDone: number;
  ms: number;
  done: boolean;
}

async function main(): Promise<void> {
  const { scene: sceneName, engine, steps } = workerData as PreflightRequest;
  const adapter = engine === "msd-lab" ? new MsdLabAdapter() : engine === "rapier" ? await createRapierAdapter() : new CannonAdapter();
  adapter.build(makeScene(sceneName));
  parentPort?.postMessage({ stepsDone: 0, ms: 0, done: false } satisfies PreflightMessage);
  const start = performance.now();
  let reported = start;
  for (let i = 0; i < steps; i++) {
    adapter.step();
    const now = performance.now();
    if (now - reported > 100) {
      reported = now;
      parentPort?.postMessage({ stepsDone: i + 1, ms: now - start, done: false } satisfies PreflightMessage);
    }
  }
  parentPort?.postMessage({ stepsDone: steps, ms: performance.now() - start, done: true } satisfies PreflightMessage);
  adapter.dispose();
}

void main();
