// The server side of one watching connection: what it can take (flow control), how its frames go
// out (text or binary messages), and how it ends. A reader that falls behind skips frames rather
// than making the server buffer them; one that stays behind for the stall timeout is dropped.
import { performance } from "perf_hooks";
import type { FrameEncoding } from "./frame-encoding";
import type { WatchTarget } from "./watch-channel";

/** What a watcher needs of its connection. */
export interface WatcherPeer {
  /** Bytes sent but not yet taken by the peer. */
  readonly bufferedAmount: number;
  sendText(text: string | Buffer): void;
  sendBinary(bytes: Buffer): void;
  /** The simulation ended: `complete` with these numbers, then close. */
  complete(frames: number, elapsedS: number): void;
  /** The peer has not read its output for the stall timeout. */
  dropStalled(): void;
}

export class Watcher implements WatchTarget {
  private frames = 0;
  private behindSince: number | undefined;
  private readonly began = performance.now();

  constructor(
    readonly encoding: FrameEncoding,
    private readonly peer: WatcherPeer,
    private readonly limits: { maxBufferedBytes: number; stallTimeoutS: number },
  ) {}

  canTake(): boolean {
    if (this.peer.bufferedAmount <= this.limits.maxBufferedBytes) {
      this.behindSince = undefined;
      return true;
    }
    this.behindSince ??= performance.now();
    if (performance.now() - this.behindSince > this.limits.stallTimeoutS * 1000) this.peer.dropStalled();
    return false;
  }

  sendFrame(bytes: Buffer): void {
    if (this.encoding === "binary") this.peer.sendBinary(bytes);
    else this.peer.sendText(bytes);
    this.frames++;
  }

  sendMessage(text: string): void {
    this.peer.sendText(text);
  }

  end(): void {
    this.peer.complete(this.frames, (performance.now() - this.began) / 1000);
  }
}
