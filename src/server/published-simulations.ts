// Simulations that live outside the server (a notebook's or a script's Engine, stepped by its
// owner) published for browsers to watch. The server never steps them: a ticker looks at each one
// about 60 times a second and, when its clock or its scene changed, encodes one frame (once per
// encoding its watchers asked for) and hands it to the publication's WatchChannel, which fans the
// same bytes out and lets slow watchers skip frames.
import type { Engine } from "../engine";
import { BinaryFrameEncoder } from "./binary-frame";
import { FrameEncoder } from "./frame-encoder";
import type { FrameEncoding } from "./frame-encoding";
import { sceneMetadata } from "./frames";
import { SIMULATION_ID_PATTERN } from "./messages";
import type { SimulationDirectory, SimulationSummary, Watchable } from "./simulation-directory";
import { newSimulationId } from "./simulation-id";
import { WatchChannel, type WatchTarget } from "./watch-channel";

const TICK_MS = 16;

export interface PublishOptions {
  /** What viewers call it (default "notebook"). */
  name?: string;
  /**
   * Its simulation id (default: a new one). Giving the id it had lets viewers that watched it
   * before (a server restart, a re-run cell) resume watching it.
   */
  id?: string;
}

class PublishedSimulation implements Watchable {
  private readonly channel: WatchChannel;
  private json: FrameEncoder;
  private binary: BinaryFrameEncoder;
  private revision = -1;
  private lastTime = Number.NaN;
  private nextFrameId = 0;

  constructor(readonly id: string, readonly name: string, readonly engine: Engine, unref: boolean) {
    this.channel = new WatchChannel(unref);
    this.json = new FrameEncoder(engine);
    this.binary = new BinaryFrameEncoder(engine);
  }

  /** A new watcher gets the metadata and the current frame now (or once the engine is free). */
  watch(target: WatchTarget): () => void {
    this.refresh([...this.channel.encodings(), target.encoding]);
    this.channel.add(target);
    return () => this.channel.remove(target);
  }

  /** Sends what changed since the last tick. Returns false once the engine is gone. */
  tick(): boolean {
    if (this.engine.disposed) return false;
    if (this.channel.size > 0) this.refresh(this.channel.encodings());
    return true;
  }

  end(): void {
    this.channel.end();
  }

  summary(): SimulationSummary {
    const alive = !this.engine.disposed && !this.engine.busy;
    return {
      simulation_id: this.id,
      name: this.name,
      simulation_time: alive ? this.engine.time : this.lastTime,
      bodies: alive ? this.engine.bodies().length : 0,
      watchers: this.channel.size,
    };
  }

  /**
   * Publishes a new frame (after new metadata, if bodies came or went) when the engine moved on,
   * else adds the encodings in `wanted` that the current frame lacks. Nothing while the owner's
   * async call has the engine.
   */
  private refresh(wanted: readonly FrameEncoding[]): void {
    if (this.engine.busy || this.engine.disposed) return;
    const sceneChanged = this.refreshScene();
    if (sceneChanged || this.engine.time !== this.lastTime || this.channel.currentFrameId < 0) {
      this.lastTime = this.engine.time;
      const frameId = this.nextFrameId++;
      const frame: Partial<Record<FrameEncoding, Buffer>> = {};
      for (const encoding of new Set(wanted)) frame[encoding] = this.encode(encoding, frameId);
      this.channel.publish(frameId, frame);
      return;
    }
    for (const encoding of new Set(wanted)) {
      if (!this.channel.has(encoding)) this.channel.addEncoding(encoding, this.encode(encoding, this.channel.currentFrameId));
    }
  }

  private encode(encoding: FrameEncoding, frameId: number): Buffer {
    return encoding === "json" ? this.json.encode(frameId) : Buffer.from(this.binary.encode(frameId));
  }

  /** New metadata (and fresh encoder caches) when bodies came or went. */
  private refreshScene(): boolean {
    if (this.engine.sceneRevision === this.revision) return false;
    this.revision = this.engine.sceneRevision;
    this.json = new FrameEncoder(this.engine);
    this.binary = new BinaryFrameEncoder(this.engine);
    this.channel.setMetadata(JSON.stringify({ type: "metadata", simulation_id: this.id, name: this.name, ...sceneMetadata(this.engine) }));
    return true;
  }
}

export class PublishedSimulations {
  private readonly published = new Map<string, PublishedSimulation>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly directory: SimulationDirectory, private readonly log: (line: string) => void, private readonly unref = false) {}

  /**
   * Publishes an engine; returns its simulation id. Publishing the same engine again returns its
   * id. An id that is malformed or in use (by another engine or a session) is an error naming it.
   */
  publish(engine: Engine, options: PublishOptions = {}): string {
    for (const p of this.published.values()) if (p.engine === engine) return p.id;
    if (engine.disposed) throw new Error("cannot publish a disposed engine");
    const id = options.id ?? newSimulationId();
    if (!SIMULATION_ID_PATTERN.test(id)) throw new Error(`simulation id must be 1-64 letters, digits, '-' or '_' (got '${id}')`);
    const publication = new PublishedSimulation(id, options.name ?? "notebook", engine, this.unref);
    this.directory.add(publication);
    this.published.set(id, publication);
    this.startTicking();
    return id;
  }

  /** Ends a publication: its watchers get `complete`. Unknown ids are ignored. */
  unpublish(id: string): void {
    const p = this.published.get(id);
    if (!p) return;
    this.published.delete(id);
    this.directory.remove(p);
    p.end();
    if (this.published.size === 0) this.stopTicking();
  }

  /**
   * The server is stopping: every publication is unlisted, and its watchers are left to the
   * server, which drops their connections. They get no `complete`: the engine lives on with its
   * owner, so a page that watched it reconnects and watches it again once it is published anew.
   */
  close(): void {
    for (const p of this.published.values()) this.directory.remove(p);
    this.published.clear();
    this.stopTicking();
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
