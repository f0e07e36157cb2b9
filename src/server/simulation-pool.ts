// Live simulations run in a small pool of worker threads (one per core, at most 4): each worker
// owns the engines of the sessions placed on it, steps them and encodes their frames. The event
// loop keeps the protocol, pacing and sockets, and only forwards the finished frame bytes, so
// neither physics nor JSON encoding of one session can stall another.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Worker } from "worker_threads";
import { packageRoot } from "../engine/package-root";
import type { RecordingSummary } from "../recording";
import type { EncodedFrame, FrameEncoding } from "./frame-encoding";
import type { AssetGeometry, BodyMetadata } from "./frames";
import type { ObjectConfig } from "./messages";

/** Where a recorded session's recording goes: `<directory>/<simulationId>.db`. */
export interface RecordingTarget {
  directory: string;
  simulationId: string;
}

export type WorkerRequest =
  | { id: number; kind: "create"; simulation: number; objects: ObjectConfig[]; record?: RecordingTarget }
  | { id: number; kind: "frame"; simulation: number; timeMs: number; frameId: number; encodings: FrameEncoding[] }
  | { id: number; kind: "finishRecording"; simulation: number; frames: number; timestepS: number }
  | { id: number; kind: "dispose"; simulation: number };

/** A request before the pool numbers it (Omit distributed over the union's members). */
type Unnumbered<T> = T extends unknown ? Omit<T, "id"> : never;

export interface SimulationMetadata {
  bodies: BodyMetadata[];
  assets: AssetGeometry[];
}

export type WorkerReply =
  | { id: number; error: string }
  | { id: number; metadata: SimulationMetadata }
  | { id: number; frames: Partial<Record<FrameEncoding, ArrayBuffer>> }
  | { id: number; recording: RecordingSummary }
  | { id: number; disposed: true };

interface Pending {
  resolve: (reply: WorkerReply) => void;
  reject: (error: Error) => void;
}

/** The compiled worker script (workers run JavaScript, so this is the dist build in every mode). */
export function workerScript(): string {
  const file = path.join(packageRoot(), "dist", "src", "server", "simulation-worker.js");
  if (!fs.existsSync(file)) throw new Error(`live simulation worker not built at ${file}: run \`npm run build:ts\``);
  return file;
}

class PooledWorker {
  sessions = 0;
  private readonly pending = new Map<number, Pending>();
  private nextRequest = 1;
  private worker: Worker;
  private closing = false;
  /** Disposals not yet done (a recording being dropped): close() waits for them. */
  private readonly disposals = new Set<Promise<void>>();

  constructor(private readonly assetsDb: string, private readonly log: (line: string) => void, private readonly unref: boolean) {
    this.worker = this.spawn();
  }

  call(request: Unnumbered<WorkerRequest>): Promise<WorkerReply> {
    const id = this.nextRequest++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  post(request: Unnumbered<WorkerRequest>): void {
    this.worker.postMessage({ ...request, id: 0 });
  }

  /** Frees a simulation (dropping a recording it still has); resolves when the worker has, never rejects. */
  dispose(simulation: number): Promise<void> {
    const done = this.call({ kind: "dispose", simulation }).then(
      () => undefined,
      (error: Error) => this.log(`simulation ${simulation} was not disposed cleanly: ${error.message}`),
    );
    this.disposals.add(done);
    void done.finally(() => this.disposals.delete(done));
    return done;
  }

  async close(): Promise<void> {
    this.closing = true;
    // Let disposals finish first: terminating would cut a recording's abort short (its file stays).
    await Promise.all([...this.disposals]);
    await this.worker.terminate();
  }

  private spawn(): Worker {
    const worker = new Worker(workerScript(), { workerData: { assetsDb: this.assetsDb } });
    worker.on("message", (reply: WorkerReply) => {
      const pending = this.pending.get(reply.id);
      if (!pending) return;
      this.pending.delete(reply.id);
      if ("error" in reply) pending.reject(new Error(reply.error));
      else pending.resolve(reply);
    });
    // A crashed worker fails its sessions' requests, and a fresh one takes its place.
    worker.on("error", (error) => this.log(`simulation worker error: ${error.message}`));
    worker.on("exit", (code) => {
      for (const pending of this.pending.values()) pending.reject(new Error(`simulation worker stopped (exit code ${code})`));
      this.pending.clear();
      if (!this.closing) {
        this.sessions = 0;
        this.worker = this.spawn();
      }
    });
    // After the listeners: adding a "message" listener refs the worker's port again.
    if (this.unref) worker.unref();
    return worker;
  }
}

/** One session's simulation, living on a pool worker. */
export class Simulation {
  private disposing: Promise<void> | undefined;

  constructor(private readonly worker: PooledWorker, private readonly id: number, readonly metadata: SimulationMetadata, readonly recorded: boolean) {}

  /**
   * Advances to `timeMs` (absolute) and returns frame `frameId` encoded once in each of `encodings`
   * (and records it, if recorded: the recording does not depend on the encodings).
   */
  async frame(timeMs: number, frameId: number, encodings: FrameEncoding[]): Promise<EncodedFrame> {
    const reply = (await this.worker.call({ kind: "frame", simulation: this.id, timeMs, frameId, encodings })) as { frames: Partial<Record<FrameEncoding, ArrayBuffer>> };
    const frames: EncodedFrame = {};
    for (const encoding of encodings) {
      const bytes = reply.frames[encoding];
      if (bytes) frames[encoding] = Buffer.from(bytes);
    }
    return frames;
  }

  /**
   * Completes the recording with its first `frames` frames (those that were sent) and publishes it;
   * with none, it is dropped. Rejects with the problem (a full disk, say).
   */
  async finishRecording(frames: number, timestepS: number): Promise<RecordingSummary> {
    const reply = (await this.worker.call({ kind: "finishRecording", simulation: this.id, frames, timestepS })) as { recording: RecordingSummary };
    return reply.recording;
  }

  /** Frees the simulation on its worker; resolves when that is done (the pool's close waits for it too). Never rejects. */
  dispose(): Promise<void> {
    if (!this.disposing) {
      this.worker.sessions--;
      this.disposing = this.worker.dispose(this.id);
    }
    return this.disposing;
  }
}

export class SimulationPool {
  private readonly workers: PooledWorker[];
  private nextSimulation = 1;

  /** `unref`: the workers do not keep the process alive. */
  constructor(assetsDb: string, log: (line: string) => void, size = defaultPoolSize(), unref = false) {
    this.workers = Array.from({ length: size }, () => new PooledWorker(assetsDb, log, unref));
  }

  /**
   * Builds a simulation on the least busy worker (recording it into `record`, if given); rejects with
   * the engine's message for bad scenes, or the reason its recording cannot be created.
   */
  async create(objects: ObjectConfig[], record?: RecordingTarget): Promise<Simulation> {
    const worker = this.workers.reduce((best, w) => (w.sessions < best.sessions ? w : best));
    const id = this.nextSimulation++;
    worker.sessions++;
    try {
      const reply = (await worker.call({ kind: "create", simulation: id, objects, record })) as { metadata: SimulationMetadata };
      return new Simulation(worker, id, reply.metadata, record !== undefined);
    } catch (error) {
      worker.sessions--;
      throw error;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}

function defaultPoolSize(): number {
  const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(4, cores));
}
