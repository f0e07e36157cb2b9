// Live simulations run in a small pool of worker threads (one per core, at most 4): each worker
// owns the engines of the sessions placed on it, steps them and encodes their frames. The event
// loop keeps the protocol, pacing and sockets, and only forwards the finished frame bytes, so
// neither physics nor JSON encoding of one session can stall another.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Worker } from "worker_threads";
import { packageRoot } from "../engine/package-root";
import type { AssetGeometry, BodyMetadata } from "./frames";
import type { ObjectConfig } from "./messages";

export type WorkerRequest =
  | { id: number; kind: "create"; simulation: number; objects: ObjectConfig[] }
  | { id: number; kind: "frame"; simulation: number; timeMs: number; frameId: number }
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
  | { id: number; bytes: ArrayBuffer };

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

  async close(): Promise<void> {
    this.closing = true;
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
  private disposed = false;

  constructor(private readonly worker: PooledWorker, private readonly id: number, readonly metadata: SimulationMetadata) {}

  /** Advances to `timeMs` (absolute) and returns frame `frameId` as JSON bytes. */
  async frame(timeMs: number, frameId: number): Promise<Buffer> {
    const reply = (await this.worker.call({ kind: "frame", simulation: this.id, timeMs, frameId })) as { bytes: ArrayBuffer };
    return Buffer.from(reply.bytes);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.worker.sessions--;
    this.worker.post({ kind: "dispose", simulation: this.id });
  }
}

export class SimulationPool {
  private readonly workers: PooledWorker[];
  private nextSimulation = 1;

  /** `unref`: the workers do not keep the process alive. */
  constructor(assetsDb: string, log: (line: string) => void, size = defaultPoolSize(), unref = false) {
    this.workers = Array.from({ length: size }, () => new PooledWorker(assetsDb, log, unref));
  }

  /** Builds a simulation on the least busy worker; rejects with the engine's message for bad scenes. */
  async create(objects: ObjectConfig[]): Promise<Simulation> {
    const worker = this.workers.reduce((best, w) => (w.sessions < best.sessions ? w : best));
    const id = this.nextSimulation++;
    worker.sessions++;
    try {
      const reply = (await worker.call({ kind: "create", simulation: id, objects })) as { metadata: SimulationMetadata };
      return new Simulation(worker, id, reply.metadata);
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
