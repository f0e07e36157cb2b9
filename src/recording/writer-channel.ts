// The capturing side's link to the recording writer thread (writer-thread.ts): one thread per
// capturing thread (the main thread, or each live-simulation worker), started on first use and
// shared by all its recordings. It never keeps the process alive on its own (unref'd), except while
// someone awaits a recording's end.
import * as fs from "fs";
import * as path from "path";
import { Worker } from "worker_threads";
import { packageRoot } from "../engine/package-root";
import type { RecordingHeader, RecordingSummary, SceneUpdate } from "./recording-store";

export type ToWriter =
  | { op: "open"; handle: number; tempPath: string; finalPath: string; header: RecordingHeader; overwrite: boolean }
  /**
   * What does not travel in the shared ring (packet-ring.ts): the ring itself (once, first), scene
   * updates, and packets that found the ring full. Each has its place in the ring's queue.
   */
  | { op: "batch"; handle: number; items: BatchItem[] }
  /** Finish once every queued frame is written (the last message of a recording, as abort). */
  | { op: "finish"; handle: number; keepFrames?: number; timestepS?: number }
  | { op: "abort"; handle: number };

/** The shared packet ring (with its queue's size), a scene update, or a packet in a buffer of its own (transferred). */
export type BatchItem = { ring: SharedArrayBuffer; queueCapacity: number } | { scene: SceneUpdate } | { packet: ArrayBuffer };

export type FromWriter =
  | { op: "progress"; handle: number; frames: number }
  | { op: "failed"; handle: number; message: string }
  | { op: "finished"; handle: number; summary: RecordingSummary }
  | { op: "aborted"; handle: number };

/** What one recording hears back from the thread. */
export interface WriterListener {
  /** How many frames the thread is done with so far (written, or dropped after a failure). */
  progress(frames: number): void;
  failed(message: string): void;
  finished(summary: RecordingSummary): void;
  aborted(): void;
}

/** Message payload without the handle (Omit distributed over the union's members). */
type Unhandled<T> = T extends unknown ? Omit<T, "handle"> : never;

/** The compiled thread script (worker threads run JavaScript: the dist build in every mode). */
function writerScript(): string {
  const file = path.join(packageRoot(), "dist", "src", "recording", "writer-thread.js");
  if (!fs.existsSync(file)) throw new Error(`recording writer thread not built at ${file}: run \`npm run build:ts\``);
  return file;
}

export class WriterChannel {
  private worker: Worker | undefined;
  private readonly listeners = new Map<number, WriterListener>();
  private nextHandle = 1;
  private holds = 0;

  /** `script`: the thread's script (the writer thread; another one only in tests). */
  constructor(private readonly script: () => string = writerScript) {}

  /** Recordings attached (registered and not yet detached). */
  get attached(): number {
    return this.listeners.size;
  }

  /** Registers a recording; returns its handle for `post`. */
  attach(listener: WriterListener): number {
    const handle = this.nextHandle++;
    this.listeners.set(handle, listener);
    return handle;
  }

  detach(handle: number): void {
    this.listeners.delete(handle);
  }

  post(handle: number, message: Unhandled<ToWriter>, transfer: ArrayBuffer[] = []): void {
    this.thread().postMessage({ ...message, handle }, transfer);
  }

  /** Keeps the process alive until the matching `release` (while a caller awaits the thread). */
  hold(): void {
    if (this.holds++ === 0) this.worker?.ref();
  }

  release(): void {
    if (--this.holds === 0) this.worker?.unref();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script());
    worker.on("message", (message: FromWriter) => {
      const listener = this.listeners.get(message.handle);
      if (!listener) return;
      if (message.op === "progress") listener.progress(message.frames);
      else if (message.op === "failed") listener.failed(message.message);
      else if (message.op === "finished") listener.finished(message.summary);
      else listener.aborted();
    });
    // A thread that fails emits "error" and then "exit": only the first is acted on, and only while
    // this is still the channel's thread (a recording failed by the first may already have
    // started the next thread, which the second must not drop).
    worker.on("error", (error) => this.lost(worker, `recording writer thread failed: ${error.message}`));
    worker.on("exit", (code) => this.lost(worker, `recording writer thread stopped (exit code ${code})`));
    // After the listeners (adding a "message" listener refs the worker again).
    if (this.holds === 0) worker.unref();
    this.worker = worker;
    return worker;
  }

  /** The thread is gone: every open recording fails; the next one starts a fresh thread. */
  private lost(worker: Worker, message: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const listener of [...this.listeners.values()]) listener.failed(message);
  }
}

let channel: WriterChannel | undefined;

/** This thread's channel to its writer thread. */
export function writerChannel(): WriterChannel {
  channel ??= new WriterChannel();
  return channel;
}
