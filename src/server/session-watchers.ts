// The watchers of a session that a client runs (configure/start): the session is listed in the
// SimulationDirectory under its simulation id from its `metadata` until it ends, and each frame its
// owner gets goes to the watchers too, through a WatchChannel (same bytes, per-watcher skipping).
import type { EncodedFrame, FrameEncoding } from "./frame-encoding";
import type { SimulationDirectory, SimulationSummary, Watchable } from "./simulation-directory";
import { WatchChannel, type WatchTarget } from "./watch-channel";

export class SessionWatchers implements Watchable {
  private readonly channel: WatchChannel;
  /** Simulation time of the last frame (for the listing). */
  private lastTimeS = 0;

  /** Lists the session; `metadata` is its JSON `metadata` message, as its owner got it. */
  constructor(readonly id: string, metadata: string, private readonly bodies: number, private readonly directory: SimulationDirectory, unref = false) {
    this.channel = new WatchChannel(unref);
    this.channel.setMetadata(metadata);
    directory.add(this);
  }

  watch(target: WatchTarget): () => void {
    this.channel.add(target);
    return () => this.channel.remove(target);
  }

  summary(): SimulationSummary {
    return { simulation_id: this.id, name: "live session", simulation_time: this.lastTimeS, bodies: this.bodies, watchers: this.channel.size };
  }

  /** The encodings the watchers want (each frame is made once in each, and in the owner's). */
  encodings(): FrameEncoding[] {
    return this.channel.encodings();
  }

  /** Frame `frameId` of the run, at `timeS`, as its owner just got it. */
  publish(frameId: number, timeS: number, frame: EncodedFrame): void {
    this.lastTimeS = timeS;
    this.channel.publish(frameId, frame);
  }

  /** The session ended (completed, stopped, failed or its owner left): unlisted, and its watchers get `complete`. */
  end(): void {
    this.directory.remove(this);
    this.channel.end();
  }
}
