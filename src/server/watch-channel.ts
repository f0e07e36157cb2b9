// Fan-out of one simulation's frames to its watchers (published notebook engines and server-run
// sessions alike). Each frame arrives here encoded once per encoding; every watcher gets the very
// same bytes. A watcher that cannot take more (too much unread output) is skipped: it gets the
// newest frame once it can, never a backlog, so a slow reader never holds back the simulation or
// the other watchers and never makes the server buffer more than one frame past its limit.
import type { EncodedFrame, FrameEncoding } from "./frame-encoding";

/** The server side of one watching connection. */
export interface WatchTarget {
  readonly encoding: FrameEncoding;
  /** Whether the peer can take another message now (it is not too far behind in reading). */
  canTake(): boolean;
  /** A frame in this watcher's encoding. */
  sendFrame(bytes: Buffer): void;
  /** A JSON text message (metadata). */
  sendMessage(text: string): void;
  /** The simulation ended: send `complete` with the number of frames this watcher got, and close. */
  end(): void;
}

interface WatcherState {
  /** It has not had the current metadata yet (new, or the scene changed since). */
  needsMetadata: boolean;
  /** The id of the last frame it got (-1: none). */
  lastFrameId: number;
}

/** How often watchers that were behind are offered the newest frame again. */
const RETRY_MS = 16;

export class WatchChannel {
  private readonly watchers = new Map<WatchTarget, WatcherState>();
  private metadata: string | undefined;
  private frameId = -1;
  private frame: EncodedFrame = {};
  private retry: NodeJS.Timeout | undefined;
  private ended = false;

  /** `unref`: the retry timer does not keep the process alive. */
  constructor(private readonly unref = false) {}

  get size(): number {
    return this.watchers.size;
  }

  /** The encodings the watchers want frames in. */
  encodings(): FrameEncoding[] {
    const wanted = new Set<FrameEncoding>();
    for (const watcher of this.watchers.keys()) wanted.add(watcher.encoding);
    return [...wanted];
  }

  /** Whether the current frame exists in this encoding. */
  has(encoding: FrameEncoding): boolean {
    return this.frame[encoding] !== undefined;
  }

  /** The id of the newest frame (-1 before the first). */
  get currentFrameId(): number {
    return this.frameId;
  }

  /** Adds a watcher: it gets the metadata and the current frame now (if it can take them). */
  add(watcher: WatchTarget): void {
    if (this.ended) {
      watcher.end();
      return;
    }
    this.watchers.set(watcher, { needsMetadata: true, lastFrameId: -1 });
    this.deliverAll();
  }

  remove(watcher: WatchTarget): void {
    this.watchers.delete(watcher);
  }

  /** A new scene description (a JSON `metadata` message): every watcher gets it before its next frame. */
  setMetadata(text: string): void {
    this.metadata = text;
    for (const state of this.watchers.values()) state.needsMetadata = true;
  }

  /** The newest frame, in the encodings it was made in: offered to every watcher now. */
  publish(frameId: number, frame: EncodedFrame): void {
    this.frameId = frameId;
    this.frame = { ...frame };
    this.deliverAll();
  }

  /** The current frame in one more encoding (a watcher asked for one it lacked). */
  addEncoding(encoding: FrameEncoding, bytes: Buffer): void {
    this.frame[encoding] = bytes;
    this.deliverAll();
  }

  /** The simulation ended: every watcher gets `complete`. */
  end(): void {
    this.ended = true;
    clearTimeout(this.retry);
    const watchers = [...this.watchers.keys()];
    this.watchers.clear();
    for (const watcher of watchers) watcher.end();
  }

  private deliverAll(): void {
    let behind = false;
    for (const [watcher, state] of [...this.watchers]) {
      if (this.watchers.has(watcher) && !this.deliver(watcher, state)) behind = true;
    }
    if (behind) this.scheduleRetry();
  }

  /** Sends what this watcher lacks. Returns false when it could not take it (it is behind). */
  private deliver(watcher: WatchTarget, state: WatcherState): boolean {
    const bytes = this.frame[watcher.encoding];
    const frameDue = bytes !== undefined && state.lastFrameId !== this.frameId;
    const metadataDue = state.needsMetadata && this.metadata !== undefined;
    if (!frameDue && !metadataDue) return true;
    if (!watcher.canTake()) return false;
    if (metadataDue) {
      watcher.sendMessage(this.metadata!);
      state.needsMetadata = false;
    }
    if (frameDue) {
      watcher.sendFrame(bytes);
      state.lastFrameId = this.frameId;
    }
    return true;
  }

  private scheduleRetry(): void {
    if (this.retry !== undefined || this.ended) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.deliverAll();
    }, RETRY_MS);
    if (this.unref) this.retry.unref();
  }
}
