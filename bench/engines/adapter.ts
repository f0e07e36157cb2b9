// The one interface every benchmarked engine is driven through. An adapter holds at most one
// world: build(scene) makes it (not timed), step() advances one scene.dt, the readers report the
// dynamic bodies in scene order, dispose() frees it (and any native / WASM memory).
import type { Scene } from "../scenes";

export type EngineName = "msd-lab" | "rapier" | "cannon";

export const ENGINE_NAMES: readonly EngineName[] = ["msd-lab", "rapier", "cannon"];

export interface EngineAdapter {
  readonly name: EngineName;
  /** Builds a fresh world for the scene (disposing any previous one). */
  build(scene: Scene): void;
  /** One step of scene.dt. */
  step(): void;
  /** Centre positions x, y, z per dynamic body, in the scene's order. */
  positions(): Float64Array;
  /** Linear speed (m/s) per dynamic body, in the scene's order. */
  speeds(): Float64Array;
  /**
   * Whether each dynamic body is asleep, for engines with a sleep API (undefined otherwise:
   * msd-lab's sleeping bodies have exactly zero velocity, so its speeds tell the same).
   */
  sleeping(): boolean[] | undefined;
  /** Frees the world. Idempotent. */
  dispose(): void;
}

/** Every dynamic body asleep or slower than `threshold` (m/s). */
export function settled(adapter: EngineAdapter, threshold: number): boolean {
  const speeds = adapter.speeds();
  const asleep = adapter.sleeping();
  for (let i = 0; i < speeds.length; i++) {
    if (asleep?.[i]) continue;
    if (!(speeds[i] < threshold)) return false;
  }
  return true;
}
