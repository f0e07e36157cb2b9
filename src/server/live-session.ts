// One WebSocket connection of `/api/v1/live`: configure → metadata → start → frames → complete.
// The simulation itself lives on a pool worker thread (simulation-pool.ts), which steps it and
// encodes each frame; this side keeps the protocol, paces frames by absolute deadlines and pauses
// the simulation while the client is not reading.
import { performance } from "perf_hooks";
import type { RawData, WebSocket } from "ws";
import { asMessage, frameCount, isStop, JsonObject, parseJson, ProtocolError, readConfigure, readStart, readStop, readWatch, StartConfig } from "./messages";
import type { ServerLimits } from "./options";
import type { PublishedSimulations, WatchTarget } from "./published-simulations";
import type { Simulation, SimulationPool } from "./simulation-pool";

export interface SessionContext {
  pool: SimulationPool;
  publications: PublishedSimulations;
  limits: ServerLimits;
  log: (line: string) => void;
  /** Timers do not keep the process alive (a server embedded in a notebook kernel). */
  unref?: boolean;
}

type Phase = "configure" | "configuring" | "start" | "running" | "watching" | "closed";

/** WebSocket close codes used by the protocol. */
export const CloseCode = { normal: 1000, tooBig: 1009, tryAgainLater: 1013 } as const;

const FLOW_POLL_MS = 5;

export class LiveSession {
  private phase: Phase = "configure";
  private simulation: Simulation | undefined;
  private stopRequested = false;
  private wakeUp: (() => void) | undefined;
  private unwatch: (() => void) | undefined;
  /** Messages that arrive while `configure` is being built are handled after it, in order. */
  private backlog: Promise<void> = Promise.resolve();
  private readonly closed: Promise<void>;

  constructor(private readonly ws: WebSocket, private readonly context: SessionContext) {
    this.closed = new Promise((resolve) => ws.once("close", () => resolve()));
    ws.on("message", (data, isBinary) => this.onMessage(data, isBinary));
    ws.on("close", () => this.onClose());
    ws.on("error", (error) => context.log(`session socket error: ${error.message}`));
  }

  /** Resolves when the connection has closed. */
  whenClosed(): Promise<void> {
    return this.closed;
  }

  /** Refuses the connection with an error (e.g. the server is full). */
  reject(message: string, code: number): void {
    this.fail(message, code);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.phase === "closed") return;
    // While running, messages are looked at at once (a `stop` must not wait). Otherwise they are
    // handled strictly in order, after a `configure` that is still being built.
    const failOn = (error: unknown): void => this.fail(error instanceof Error ? error.message : String(error));
    if (this.phase === "running") {
      this.receive(data, isBinary).catch(failOn);
      return;
    }
    this.backlog = this.backlog.then(() => this.receive(data, isBinary)).catch(failOn);
  }

  private async receive(data: RawData, isBinary: boolean): Promise<void> {
    if (this.phase === "closed") return;
    const size = byteLength(data);
    if (size > this.context.limits.maxPayloadBytes) {
      this.fail(`message too large: ${size} bytes (limit ${this.context.limits.maxPayloadBytes})`, CloseCode.tooBig);
      return;
    }
    if (isBinary) throw new ProtocolError("binary messages are not supported: send JSON text");
    await this.handle(parseJson(rawText(data)));
  }

  private async handle(value: unknown): Promise<void> {
    if (this.phase === "closed") return;
    // While running, only `stop` means something; any other JSON is ignored, as in the seed.
    if (this.phase === "running") {
      if (isStop(value)) this.requestStop();
      return;
    }
    // A watcher is read-only: `stop` ends its own watch, anything else is ignored.
    if (this.phase === "watching") {
      if (isStop(value)) this.endWatch();
      return;
    }
    const message = asMessage(value);
    if (this.phase === "configure") {
      if (message.type === "watch") this.watch(readWatch(message));
      else if (message.type === "configure") await this.configure(message);
      else throw new ProtocolError("Expected 'configure' or 'watch' message first");
      return;
    }
    if (message.type === "stop") {
      readStop(message);
      this.finish(0, 0);
    } else if (message.type === "start") {
      void this.run(readStart(message, this.context.limits.maxDurationS));
    } else {
      throw new ProtocolError(`Expected 'start' or 'stop', got '${message.type}'`);
    }
  }

  private async configure(message: JsonObject): Promise<void> {
    const objects = readConfigure(message, this.context.limits.maxObjects);
    this.phase = "configuring";
    const simulation = await this.context.pool.create(objects);
    if (this.phase !== "configuring") {
      simulation.dispose(); // the client left while the scene was being built
      return;
    }
    this.simulation = simulation;
    this.send({ type: "metadata", ...simulation.metadata });
    this.phase = "start";
  }

  /** Attaches to a published simulation: metadata and the current frame now, then every new frame. */
  private watch(simulationId: string): void {
    const began = performance.now();
    const { maxBufferedBytes, stallTimeoutS } = this.context.limits;
    let frames = 0;
    let behindSince: number | undefined;
    const target: WatchTarget = {
      // A reader that is behind skips frames instead of making the server buffer them; one that
      // stays behind for the stall timeout is dropped.
      canTake: () => {
        if (this.ws.bufferedAmount <= maxBufferedBytes) {
          behindSince = undefined;
          return true;
        }
        behindSince ??= performance.now();
        if (performance.now() - behindSince > stallTimeoutS * 1000) this.dropStalledClient();
        return false;
      },
      sendFrame: (bytes) => {
        this.sendText(bytes);
        frames++;
      },
      sendMessage: (message) => this.send(message),
      end: () => {
        if (this.phase === "watching") this.finish(frames, (performance.now() - began) / 1000);
      },
    };
    this.phase = "watching";
    this.endWatch = () => target.end();
    try {
      this.unwatch = this.context.publications.watch(simulationId, target);
    } catch (error) {
      throw new ProtocolError((error as Error).message);
    }
  }

  /** Ends this connection's watch (set by `watch`). */
  private endWatch: () => void = () => undefined;

  private async run(start: StartConfig): Promise<void> {
    this.phase = "running";
    const simulation = this.simulation!;
    const frames = frameCount(start);
    const began = performance.now();
    let anchor = began; // wall time of frame 0 on the current schedule
    let sent = 0;
    try {
      for (let k = 0; k < frames && !this.stopRequested; k++) {
        const bytes = await simulation.frame(k * start.timestepMs, k);
        if (this.stopRequested) break;
        if (await this.waitForClientToDrain()) anchor = performance.now() - k * start.timestepMs;
        if (this.stopRequested) break;
        this.sendText(bytes);
        sent++;
        // Every frame owns its slot, the last one included (as in the seed): a run of duration D
        // completes D + one timestep after it started.
        await this.sleepUntil(anchor + (k + 1) * start.timestepMs);
      }
      if (this.phase === "running") this.finish(sent, (performance.now() - began) / 1000);
    } catch (error) {
      this.fail(error instanceof Error ? error.message : String(error));
    } finally {
      this.disposeSimulation();
    }
  }

  /** Pauses while the client has too much unread output. Returns whether it had to wait. */
  private async waitForClientToDrain(): Promise<boolean> {
    const { maxBufferedBytes, stallTimeoutS } = this.context.limits;
    if (this.ws.bufferedAmount <= maxBufferedBytes) return false;
    const since = performance.now();
    while (this.ws.bufferedAmount > maxBufferedBytes && !this.stopRequested) {
      if (performance.now() - since > stallTimeoutS * 1000) {
        this.dropStalledClient();
        return true;
      }
      await this.sleepUntil(performance.now() + FLOW_POLL_MS);
    }
    return true;
  }

  /** Ends a connection whose client has not read its output for the stall timeout. */
  private dropStalledClient(): void {
    this.fail(`client is not reading its frames: disconnected after ${this.context.limits.stallTimeoutS} s`);
    // A closing handshake would queue behind the unread frames; drop the connection instead.
    this.ws.terminate();
  }

  /** Sleeps until `deadline` (performance.now() ms), never waking early; a stop or close wakes it. */
  private async sleepUntil(deadline: number): Promise<void> {
    for (let now = performance.now(); now < deadline && !this.stopRequested; now = performance.now()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(1, Math.ceil(deadline - now)));
        if (this.context.unref) timer.unref();
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.wakeUp = done;
      });
      this.wakeUp = undefined;
    }
  }

  private requestStop(): void {
    this.stopRequested = true;
    this.wakeUp?.();
  }

  private finish(totalFrames: number, elapsedS: number): void {
    this.send({ type: "complete", total_frames: totalFrames, elapsed_s: Math.round(elapsedS * 1000) / 1000 });
    this.close(CloseCode.normal, "complete");
  }

  private fail(message: string, code: number = CloseCode.normal): void {
    if (this.phase === "closed") return;
    this.send({ type: "error", message });
    this.close(code, message);
  }

  private close(code: number, reason: string): void {
    this.endSession();
    // Close reasons are limited to 123 bytes.
    this.ws.close(code, Buffer.from(reason).subarray(0, 120).toString());
  }

  private onClose(): void {
    this.endSession();
  }

  /** Marks the session closed; the simulation is freed now, or by `run` when it is running. */
  private endSession(): void {
    const wasRunning = this.phase === "running";
    this.phase = "closed";
    this.unwatch?.();
    this.unwatch = undefined;
    this.requestStop();
    if (!wasRunning) this.disposeSimulation();
  }

  private send(message: object): void {
    this.sendText(JSON.stringify(message));
  }

  /** Sends a JSON text frame (a string, or its UTF-8 bytes). */
  private sendText(text: string | Buffer): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(text, { binary: false });
  }

  private disposeSimulation(): void {
    this.simulation?.dispose();
    this.simulation = undefined;
  }
}

function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data).toString("utf8");
}
