// A trajectory together with the scene it came from (bodies, their shapes, the fixed environment),
// so that it can be plotted with names and replayed in 3D without the engine. `record` makes one
// off the event loop and can be interrupted (the notebook's stop button, or an AbortSignal).
import type { Engine } from "../engine";
import type { BodyState, SimulateOptions, Trajectory } from "../engine/types";
import { AssetGeometry, BodyMetadata, sceneMetadata } from "../server/frames";
import { onKernelInterrupt } from "./jupyter-kernel";

/** A body that does not move during the recording, with its pose (position; orientation w, x, y, z). */
export interface FixedBody {
  body_id: number;
  position: [number, number, number];
  orientation: [number, number, number, number];
}

export interface RecordedScene {
  /** Every body when the recording started (environment included), as in the live protocol's metadata. */
  bodies: BodyMetadata[];
  /** Collision geometry per asset: triangle lists relative to the centre of mass. */
  assets: AssetGeometry[];
  fixed: FixedBody[];
}

export interface Recording {
  readonly trajectory: Trajectory;
  readonly scene: RecordedScene;
}

export interface RecordOptions extends SimulateOptions {
  /** Aborts the recording (rejects with an AbortError). In a notebook, interrupting the kernel does too. */
  signal?: AbortSignal;
}

/** The engine's bodies and environment as they are now (`states`: its getFrameState().states, if at hand). */
export function sceneOf(engine: Engine, states: readonly BodyState[] = engine.getFrameState().states): RecordedScene {
  const { bodies, assets } = sceneMetadata(engine);
  const fixed: FixedBody[] = states
    .filter((s) => s.is_environment)
    .map((s) => ({
      body_id: s.body_id,
      position: [s.position.x, s.position.y, s.position.z],
      orientation: [s.orientation.w, s.orientation.x, s.orientation.y, s.orientation.z],
    }));
  return { bodies, assets, fixed };
}

/** Pairs a trajectory from `engine.simulate` with the engine's scene. */
export function recordingOf(engine: Engine, trajectory: Trajectory): Recording {
  return { trajectory, scene: sceneOf(engine) };
}

/**
 * Simulates `duration` seconds on a worker thread and returns the trajectory with its scene.
 * In a notebook, the kernel's interrupt (■) stops it: the promise rejects and the engine keeps the
 * state it reached.
 */
export async function record(engine: Engine, options: RecordOptions): Promise<Recording> {
  const scene = sceneOf(engine);
  const controller = new AbortController();
  const forward = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", forward);
  if (options.signal?.aborted) forward();
  const stopListening = onKernelInterrupt(() => controller.abort(new Error("record interrupted")));
  try {
    const trajectory = await engine.simulateAsync({ ...options, signal: controller.signal });
    return { trajectory, scene };
  } finally {
    options.signal?.removeEventListener("abort", forward);
    stopListening();
  }
}

export function isRecording(value: unknown): value is Recording {
  return typeof value === "object" && value !== null && "trajectory" in value && "scene" in value;
}

export function isTrajectory(value: unknown): value is Trajectory {
  return typeof value === "object" && value !== null && (value as Trajectory).bodyIds instanceof Int32Array && (value as Trajectory).time instanceof Float64Array;
}
