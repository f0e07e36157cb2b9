// recordToFile: the script and notebook way to make a recording file — step an engine for a while
// and keep every frame (or every k-th step) on disk, where plot/show and the replay routes find it.
import type { Engine } from "../engine";
import { onKernelInterrupt } from "../kernel-helpers/jupyter-kernel";
import { RecordingSummary, RecordingWriter, RecordingWriterOptions } from "./recording-writer";

export interface RecordToFileOptions extends Omit<RecordingWriterOptions, "timestep"> {
  /** Seconds to simulate. */
  duration: number;
  /** Step length in s. Default: the engine's maxStep. */
  dt?: number;
  /**
   * Keep every k-th step as a frame. Default 1. When the steps of `duration` are not a multiple of
   * k, the last frame comes after the remaining steps (fewer than k): the run always covers all of
   * `duration`, and only that last interval is shorter.
   */
  every?: number;
  /** Stops the recording (the promise rejects with an AbortError; nothing is published). In a notebook the kernel's interrupt does too. */
  signal?: AbortSignal;
}

/** Frames that may wait for the writer before stepping pauses for it. */
const BACKLOG_LIMIT = 64;

/**
 * Steps `engine` for `duration` seconds (round(duration / dt) steps of `dt`, at least one) and
 * records it into the recording file `path`: frame 0 is the state now, then one frame every
 * `every` steps, and a last frame at the end of the run if the steps are not a multiple of
 * `every` (after the remaining steps). Resolves when the file is complete.
 */
export async function recordToFile(engine: Engine, path: string, options: RecordToFileOptions): Promise<RecordingSummary> {
  if (options === null || typeof options !== "object") throw new Error("recordToFile needs an options object { duration, dt?, every? }");
  const duration = positive(options.duration, "duration");
  const dt = options.dt === undefined ? engine.maxStep : positive(options.dt, "dt");
  const every = options.every === undefined ? 1 : options.every;
  if (!Number.isInteger(every) || every < 1) throw new Error(`every must be an integer >= 1 (got ${String(every)})`);
  const steps = Math.max(1, Math.round(duration / dt));
  const { signal } = options;
  throwIfAborted(signal);

  const writer = RecordingWriter.create(engine, path, { ...options, timestep: dt * Math.min(every, steps) });
  let interrupted = false;
  const stopListening = onKernelInterrupt(() => (interrupted = true));
  try {
    writer.capture();
    for (let done = 0; done < steps; ) {
      const n = Math.min(every, steps - done);
      for (let i = 0; i < n; i++) engine.step(dt);
      done += n;
      writer.capture();
      // Let the writer catch up when it falls behind, its replies in, and an interrupt be seen.
      if (writer.backlog > BACKLOG_LIMIT) await writer.drained(BACKLOG_LIMIT / 2);
      else await new Promise<void>((resolve) => setImmediate(resolve));
      if (interrupted) throw abortError("recording interrupted");
      throwIfAborted(signal);
    }
    return await writer.finish();
  } catch (error) {
    await writer.abort();
    throw error;
  } finally {
    stopListening();
  }
}

function positive(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number of seconds (got ${String(value)})`);
  return value;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError("recording aborted");
}

function abortError(message: string): Error {
  const error = new Error(message);
  error.name = "AbortError";
  return error;
}
