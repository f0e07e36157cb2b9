// Simulations that live outside the server (a notebook's or a script's Engine, stepped by its
// owner) published for browsers to watch. The server never steps them: a ticker looks at each one
// about 60 times a second and, when its clock or its scene changed, encodes one frame and fans the
// same bytes out to every watcher. A watcher with too much unread output skips frames (it gets the
// newest one it can take), so a slow browser never holds back the owner or the other watchers.
import { randomBytes } from "crypto";
import type { Engine } from "../engine";
import { FrameEncoder } from "./frame-encoder";
import { sceneMetadata } from "./frames";

const TICK_MS = 16;

/** The server side of one watching connection. */
export interface WatchTarget {
  /** Whether the peer can take another message now (it is not too far behind in reading). */
  canTake(): boolean;
  sendFrame(bytes: Buffer): void;
  sendMessage(message: object): void;
  /** The simulation ended: send `complete` with the number of frames this watcher got, and close. */
  end(): void;
}

export interface PublishedSummary {
  simulation_id: string;
  name: string;
  simulation_time: number;
  bodies: number;
  watchers: number;
}

class PublishedSimulation {
  /** Each watcher, and whether it still needs the current metadata before its next frame. */
  private readonly watchers = new Map<WatchTarget, { needsMetadata: boolean }>();
  /** Watchers that have not had the newest frame yet (new, or too far behind to take it). */
  private readonly behind = new Set<WatchTarget>();
  private latest: Buffer | undefined;
  private encoder: FrameEncoder;
  private metadata: object | undefined;
  private revision = -1;
  private lastTime = Number.NaN;
  private nextFrameId = 0;

  constructor(readonly id: string, readonly name: string, readonly engine: Engine) {
    this.encoder = new FrameEncoder(engine);
  }

  /** A new watcher gets the metadata and the current frame now (or once the engine is free). */
  add(watcher: WatchTarget): void {
    this.watchers.set(watcher, { needsMetadata: true });
    this.behind.add(watcher);
    this.tick();
  }

  remove(watcher: WatchTarget): void {
    this.watchers.delete(watcher);
    this.behind.delete(watcher);
  }

  /** Sends what changed since the last tick. Returns false once the engine is gone. */
  tick(): boolean {
    if (this.engine.disposed) return false;
    if (this.watchers.size === 0 || this.engine.busy) return true;
    const sceneChanged = this.refreshScene();
    if (sceneChanged || this.engine.time !== this.lastTime || !this.latest) {
      if (sceneChanged) for (const state of this.watchers.values()) state.needsMetadata = true;
      this.latest = this.encodeFrame();
      for (const w of this.watchers.keys()) this.behind.add(w);
    }
    for (const w of [...this.behind]) this.deliver(w);
    return true;
  }

  end(): void {
    for (const w of [...this.watchers.keys()]) w.end();
    this.watchers.clear();
    this.behind.clear();
  }

  summary(): PublishedSummary {
    const alive = !this.engine.disposed && !this.engine.busy;
    return {
      simulation_id: this.id,
      name: this.name,
      simulation_time: alive ? this.engine.time : this.lastTime,
      bodies: alive ? this.engine.bodies().length : 0,
      watchers: this.watchers.size,
    };
  }

  /** The newest frame (after the metadata, if the scene changed since its last), if it can take it. */
  private deliver(watcher: WatchTarget): void {
    const state = this.watchers.get(watcher);
    if (!state || !watcher.canTake()) return;
    if (state.needsMetadata) watcher.sendMessage(this.metadata!);
    state.needsMetadata = false;
    watcher.sendFrame(this.latest!);
    this.behind.delete(watcher);
  }

  /** Rebuilds the metadata (and the encoder's caches) when bodies came or went. */
  private refreshScene(): boolean {
    if (this.engine.sceneRevision === this.revision && this.metadata) return false;
    this.revision = this.engine.sceneRevision;
    this.encoder = new FrameEncoder(this.engine);
    this.metadata = { type: "metadata", simulation_id: this.id, name: this.name, ...sceneMetadata(this.engine) };
    return true;
  }

  private encodeFrame(): Buffer {
    this.lastTime = this.engine.time;
    return this.encoder.encode(this.nextFrameId++);
  }
}

export class PublishedSimulations {
  private readonly published = new Map<string, PublishedSimulation>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly log: (line: string) => void, private readonly unref = false) {}

  /** Publishes an engine; returns its simulation id. Publishing the same engine again returns its id. */
  publish(engine: Engine, name = "notebook"): string {
    for (const p of this.published.values()) if (p.engine === engine) return p.id;
    if (engine.disposed) throw new Error("cannot publish a disposed engine");
    const id = `sim-${randomBytes(6).toString("hex")}`;
    this.published.set(id, new PublishedSimulation(id, name, engine));
    this.startTicking();
    return id;
  }

  /** Ends a publication: its watchers get `complete`. Unknown ids are ignored. */
  unpublish(id: string): void {
    const p = this.published.get(id);
    if (!p) return;
    this.published.delete(id);
    p.end();
    if (this.published.size === 0) this.stopTicking();
  }

  has(id: string): boolean {
    return this.published.has(id);
  }

  /** Adds a watcher to a publication; throws a message naming the id when there is none. */
  watch(id: string, watcher: WatchTarget): () => void {
    const p = this.published.get(id);
    if (!p) throw new Error(`unknown simulation_id '${id}'`);
    p.add(watcher);
    return () => p.remove(watcher);
  }

  list(): PublishedSummary[] {
    return [...this.published.values()].map((p) => p.summary());
  }

  close(): void {
    for (const id of [...this.published.keys()]) this.unpublish(id);
  }

  private startTicking(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), TICK_MS);
    if (this.unref) this.timer.unref();
  }

  private stopTicking(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    for (const p of [...this.published.values()]) {
      try {
        if (!p.tick()) this.unpublish(p.id);
      } catch (error) {
        this.log(`published simulation ${p.id}: ${(error as Error).message}`);
      }
    }
  }
}
