// Records an engine into a recording file, one frame per `capture()`: the caller steps the engine
// and captures after each step (or each frame it wants kept). Capturing only copies the engine's
// packed arrays; the SQLite work happens on a writer thread, so stepping barely slows down.
import * as fs from "fs";
import * as nodePath from "path";
import type { Engine } from "../engine";
import { packageVersion } from "../engine/package-root";
import { newSimulationId } from "../server/simulation-id";
import { describeFileError } from "./file-errors";
import { FrameCapture, ReusedSpace } from "./frame-capture";
import { PacketRing, PacketSpace } from "./packet-ring";
import { temporaryPath } from "./partial-files";
import { RecordingHeader, RecordingStore, RecordingSummary } from "./recording-store";
import { BatchItem, WriterChannel, writerChannel } from "./writer-channel";

export type { RecordingSummary } from "./recording-store";

export interface RecordingWriterOptions {
  /** Stored as the recording's simulation_id. Default: a new `sim-…` id. */
  simulationId?: string;
  /** A name for people. Default: the file name without `.db`. */
  name?: string;
  /** Nominal seconds between frames (the metadata's timestep_s). Default: worked out from the frames. */
  timestep?: number;
  /** Replace a file that is already at `path`. Default false: that is an error. */
  overwrite?: boolean;
  /** Write on a background thread (default true); false writes inline, on the capturing thread. */
  background?: boolean;
  /**
   * Doubles in the ring shared with the writer thread (default: room for about 48 frames of the scene).
   * Frames that find it full travel in buffers of their own. For tuning and tests.
   */
  ringCapacity?: number;
}

/** Frames captured but not written yet beyond which capture() refuses (the disk cannot keep up). */
const MAX_BACKLOG = 2048;
/** Entries the ring's queue holds (a power of two): every frame waiting, and a scene update (at most) for each. */
const QUEUE_CAPACITY = 4 * MAX_BACKLOG;
/** The shared ring holds about this many frames of the scene (within the bounds below, in doubles). */
const RING_FRAMES = 48;
const RING_MIN = 128 * 1024;
const RING_MAX = 2 * 1024 * 1024;

type State = "recording" | "finishing" | "finished" | "aborted" | "failed";

/** Where frames go: the writer thread, or a store on this thread. */
interface Sink {
  /** Where packets are captured into. */
  space: PacketSpace;
  /** Frames done with as far as can be seen without a message (0 when unknown). */
  framesDone(): number;
  scene(update: Parameters<RecordingStore["scene"]>[0]): void;
  frame(packet: Float64Array): void;
  finish(keepFrames: number | undefined, timestepS: number | undefined): Promise<RecordingSummary>;
  abort(): Promise<void>;
  /** Keeps the process alive while someone waits for the writer; returns the release. */
  hold(): () => void;
}

export class RecordingWriter {
  /** Where the finished recording will be. */
  readonly path: string;
  readonly simulationId: string;
  private readonly capturer: FrameCapture;
  private readonly sink: Sink;
  /** Frames the writer is done with. */
  private done = 0;
  private state: State = "recording";
  private error: Error | undefined;
  private captured = 0;
  private waiters: (() => void)[] = [];

  private constructor(engine: Engine, path: string, header: RecordingHeader, temp: string, options: RecordingWriterOptions) {
    this.path = path;
    this.simulationId = header.simulationId;
    this.sink = options.background === false
      ? this.inlineSink(temp, header, options.overwrite ?? false)
      : this.threadSink(temp, header, options.overwrite ?? false, options.ringCapacity);
    this.capturer = new FrameCapture(engine, this.sink.space);
  }

  /**
   * Starts recording `engine` into `path` (a new file; its directory is created if needed). Throws
   * at once, naming the path and the reason, when the file cannot be created there.
   */
  static create(engine: Engine, path: string, options: RecordingWriterOptions = {}): RecordingWriter {
    if (typeof path !== "string" || path.length === 0) throw new Error("recording path must be a non-empty string");
    const final = nodePath.resolve(path);
    const header = makeHeader(engine, final, options);
    if (!options.overwrite && fs.existsSync(final)) throw new Error(`cannot record to "${final}": the file already exists (pass { overwrite: true } to replace it)`);
    const temp = reserveTemporaryFile(final);
    try {
      return new RecordingWriter(engine, final, header, temp, options);
    } catch (error) {
      fs.rmSync(temp, { force: true });
      throw error;
    }
  }

  /** Frames captured so far. */
  get frames(): number {
    return this.captured;
  }

  /** Frames captured but not yet written. */
  get backlog(): number {
    return this.captured - Math.max(this.done, this.sink.framesDone());
  }

  /** Records the engine as it is now as the next frame (frame ids count from 0). */
  capture(): void {
    this.throwIfUnusable();
    if (this.backlog >= MAX_BACKLOG) {
      throw new Error(`recording "${this.path}" is falling behind: ${this.backlog} frames wait to be written (is the disk slow or full?)`);
    }
    const update = this.capturer.sceneUpdate();
    if (update) this.sink.scene(update);
    const packet = this.capturer.capture();
    this.captured++;
    this.sink.frame(packet);
  }

  /** Resolves once at most `maxBacklog` frames wait to be written; rejects if the recording failed. */
  async drained(maxBacklog = 0): Promise<void> {
    const waiting = (): boolean => this.backlog > maxBacklog && this.error === undefined;
    if (waiting()) {
      const release = this.sink.hold();
      try {
        while (waiting()) {
          await new Promise<void>((resolve) => this.waiters.push(resolve));
        }
      } finally {
        release();
      }
    }
    if (this.error) throw this.error;
  }

  /**
   * Writes what is left and publishes the file. `frames`: keep only the first that many frames
   * (the live server keeps exactly the frames it sent). `timestep`: the nominal seconds between
   * frames, if not given at the start. A recording with no frames is dropped (nothing is published).
   */
  async finish(options: { frames?: number; timestep?: number } = {}): Promise<RecordingSummary> {
    if (this.state === "failed") {
      // The writer gave up earlier: drop what is left of the file and let go of the writer (its
      // thread forgets the recording), then report the failure.
      await this.abort();
      throw this.error;
    }
    this.throwIfUnusable();
    const timestep = checkTimestep(options.timestep);
    this.state = "finishing";
    const keep = options.frames === undefined ? this.captured : Math.min(this.captured, Math.max(0, Math.floor(options.frames)));
    try {
      if (keep === 0) {
        await this.sink.abort();
        this.state = "aborted";
        return { path: this.path, simulationId: this.simulationId, frames: 0, durationS: 0, bytes: 0 };
      }
      const summary = await this.sink.finish(keep < this.captured ? keep : undefined, timestep);
      this.state = "finished";
      return summary;
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
      throw this.error;
    }
  }

  /** Drops the recording (nothing is published). Safe to call in any state. */
  async abort(): Promise<void> {
    if (this.state !== "recording" && this.state !== "failed") return;
    this.state = "aborted";
    await this.sink.abort();
  }

  private throwIfUnusable(): void {
    if (this.error) throw this.error;
    if (this.state !== "recording") throw new Error(`recording "${this.path}" is ${this.state}: nothing more can be recorded`);
  }

  private fail(error: Error): void {
    if (this.error) return;
    this.error = error;
    this.state = "failed";
    this.wake();
  }

  private progress(done: number): void {
    this.done = done;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private inlineSink(temp: string, header: RecordingHeader, overwrite: boolean): Sink {
    const store = new RecordingStore(temp, this.path, header, overwrite);
    const guard = <T>(work: () => T): T => {
      try {
        return work();
      } catch (error) {
        this.fail(error as Error);
        throw error;
      }
    };
    return {
      space: new ReusedSpace(),
      framesDone: () => this.done,
      scene: (update) => guard(() => store.scene(update)),
      frame: (packet) => {
        try {
          guard(() => store.frame(packet));
        } finally {
          this.progress(this.done + 1);
        }
      },
      finish: async (keep, timestep) => store.finish(keep, timestep),
      abort: async () => store.abort(),
      hold: () => () => undefined,
    };
  }

  private threadSink(temp: string, header: RecordingHeader, overwrite: boolean, ringCapacity: number | undefined): Sink {
    const channel: WriterChannel = writerChannel();
    let settle: { resolve: (summary?: RecordingSummary) => void; reject: (error: Error) => void } | undefined;
    const handle = channel.attach({
      progress: (frames) => this.progress(frames),
      failed: (message) => {
        this.fail(new Error(message));
        settle?.reject(this.error!);
        settle = undefined;
      },
      finished: (summary) => settle?.resolve(summary),
      aborted: () => settle?.resolve(),
    });
    channel.post(handle, { op: "open", tempPath: temp, finalPath: this.path, header, overwrite });
    // The ring is made with the first frame or scene, sized for the scene, and travels once; frames
    // in it are only queued (the thread looks at the queue on its own), everything else is posted
    // with its place in the queue.
    let ring: PacketRing | undefined;
    const theRing = (): PacketRing => {
      if (!ring) {
        ring = new PacketRing(ringCapacity ?? Math.min(RING_MAX, Math.max(RING_MIN, this.capturer.expectedNeed * RING_FRAMES)), QUEUE_CAPACITY);
        channel.post(handle, { op: "batch", items: [{ ring: ring.shared, queueCapacity: ring.queueCapacity }] });
      }
      return ring;
    };
    const postItem = (item: BatchItem, transfer: ArrayBuffer[] = []): void => {
      // Its place first (that throws when the queue is full, before anything is sent): a writer
      // that finds the place before the message waits for the message.
      theRing().publishMessageItem();
      channel.post(handle, { op: "batch", items: [item] }, transfer);
    };
    const ending = <T>(send: () => void): Promise<T> => {
      channel.hold();
      return new Promise<T>((resolve, reject) => {
        settle = { resolve: resolve as (value?: RecordingSummary) => void, reject };
        send();
      }).finally(() => {
        channel.release();
        channel.detach(handle);
      });
    };
    return {
      space: { take: (need) => theRing().take(need) },
      framesDone: () => ring?.framesDone ?? 0,
      scene: (update) => postItem({ scene: update }),
      frame: (packet) => {
        const queue = theRing();
        const slot = queue.claim(packet);
        if (slot) queue.publish(slot);
        else {
          // Not in the ring (it was full): the packet's own buffer goes over instead.
          const buffer = ownBuffer(packet);
          postItem({ packet: buffer }, [buffer]);
        }
      },
      finish: (keep, timestep) => ending<RecordingSummary>(() => channel.post(handle, { op: "finish", keepFrames: keep, timestepS: timestep })),
      // The thread removes the temporary file; if the thread was lost, it is removed here (failing
      // that, the next library sweep removes it once this process has ended).
      abort: () => ending<void>(() => channel.post(handle, { op: "abort" })).finally(() => removeQuietly(temp)),
      hold: () => {
        channel.hold();
        return () => channel.release();
      },
    };
  }
}

/** A transferable buffer holding exactly the packet (the packet's own, when it spans it). */
function ownBuffer(packet: Float64Array): ArrayBuffer {
  const buffer = packet.buffer as ArrayBuffer;
  return packet.byteOffset === 0 && packet.byteLength === buffer.byteLength ? buffer : packet.slice().buffer;
}

function makeHeader(engine: Engine, final: string, options: RecordingWriterOptions): RecordingHeader {
  if (options === null || typeof options !== "object") throw new Error("recording options must be an object");
  const { simulationId, name, timestep } = options;
  if (simulationId !== undefined && (typeof simulationId !== "string" || simulationId.length === 0 || simulationId.length > 128)) {
    throw new Error(`simulationId must be a string of 1-128 characters (got ${String(simulationId)})`);
  }
  if (name !== undefined && typeof name !== "string") throw new Error("name must be a string");
  checkTimestep(timestep);
  if (options.ringCapacity !== undefined && !(Number.isInteger(options.ringCapacity) && options.ringCapacity > 0)) {
    throw new Error(`ringCapacity must be a positive integer (got ${String(options.ringCapacity)})`);
  }
  return {
    simulationId: simulationId ?? newSimulationId(),
    name: name ?? nodePath.basename(final).replace(/\.db$/, ""),
    createdAt: new Date().toISOString(),
    engineVersion: packageVersion(),
    timestepS: timestep ?? 0,
    gravity: engine.gravity,
    maxStepS: engine.maxStep,
    substeps: engine.substeps,
  };
}

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // Left for the sweep of stale temporary files (partial-files.ts).
  }
}

/** A timestep option: undefined, or a positive finite number of seconds. */
function checkTimestep(timestep: unknown): number | undefined {
  if (timestep !== undefined && !(typeof timestep === "number" && Number.isFinite(timestep) && timestep > 0)) {
    throw new Error(`timestep must be a positive number of seconds (got ${String(timestep)})`);
  }
  return timestep;
}

/**
 * Creates the hidden temporary file the recording is built in, next to its final place (creating
 * the directory if needed): the checks that the place is writable happen here, synchronously.
 */
function reserveTemporaryFile(final: string): string {
  const dir = nodePath.dirname(final);
  const temp = temporaryPath(final);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.closeSync(fs.openSync(temp, "wx"));
  } catch (error) {
    throw new Error(`cannot record to "${final}": ${describeFileError(error)}`);
  }
  return temp;
}
