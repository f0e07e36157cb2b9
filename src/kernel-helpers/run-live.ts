// runLive(): stepping an engine paced by the wall clock, so that browsers watching it (serveLive)
// see it move at the speed of time; the event loop stays free between frames.
import type { Engine } from "../engine";
import { onKernelInterrupt } from "./jupyter-kernel";

export interface RunLiveOptions {
  /** Seconds of simulation time to run. */
  duration: number;
  /** Simulation seconds per wall-clock second. Default 1 (real time). */
  speed?: number;
  /** Stops early (rejects with an AbortError); interrupting the kernel does too. */
  signal?: AbortSignal;
  /** Called after each frame's steps, when the engine can be read (for logging). */
  onFrame?: (engine: Engine) => void;
}

const FRAME_MS = 1000 / 60;

/**
 * Steps the engine paced by the wall clock, so watchers see it move at `speed` × real time;
 * the event loop stays free between frames. Resolves with the simulation time reached.
 */
export async function runLive(engine: Engine, options: RunLiveOptions): Promise<number> {
  const speed = options.speed ?? 1;
  if (!(options.duration > 0) || !Number.isFinite(options.duration)) throw new Error(`runLive: duration must be a positive number of seconds (got ${options.duration})`);
  if (!(speed > 0) || !Number.isFinite(speed)) throw new Error(`runLive: speed must be a positive number (got ${speed})`);
  let interrupted = false;
  const stopListening = onKernelInterrupt(() => (interrupted = true));
  try {
    const startSim = engine.time;
    const endSim = startSim + options.duration;
    const startWall = performance.now();
    // Frame k shows the state at k frame periods (× speed): it is computed when its time has come,
    // so a run of `duration` takes duration / speed seconds, also when called repeatedly.
    for (let frame = 1; ; frame++) {
      const wait = startWall + frame * FRAME_MS - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      options.signal?.throwIfAborted();
      if (interrupted) throw new Error("runLive interrupted");
      const target = Math.min(endSim, startSim + (frame * FRAME_MS * speed) / 1000);
      await engine.updateAsync(target * 1000);
      options.onFrame?.(engine);
      if (target >= endSim) return engine.time;
    }
  } finally {
    stopListening();
  }
}
